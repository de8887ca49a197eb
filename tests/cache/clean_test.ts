/**
 * The `clean` use case in process, on real files: the typed result says what was removed and
 * what was left and why. The CLI's words for it are tested through a real process in
 * `tests/cli/clean_test.ts`.
 */

import assert from "node:assert/strict";
import { clean, type CleanOptions } from "../../lib/cache/clean.ts";
import { FileDataKeyStore } from "../../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../../lib/cache/encrypted_file.ts";
import { metadataDocumentStore } from "../../lib/cache/token_store.ts";
import { UsageError } from "../../lib/errors.ts";

const TOKEN = { token: "a.b.c", expiresAt: Date.now() + 3_600_000 };
const A = "https://a.example";
const B = "https://b.example";

/** A cache directory and key file in a temporary directory, removed afterwards. */
async function withCache(
  test: (options: CleanOptions, cache: EncryptedFileCache) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir();
  try {
    const options = { directory: `${root}/cache`, dataKeyFile: `${root}/config/key` };
    await test(
      options,
      new EncryptedFileCache(options.directory, new FileDataKeyStore(options.dataKeyFile)),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function scope(issuerUrl: string, requestHeaders: Record<string, string> = {}) {
  return { issuerUrl, requestHeaders, certificateAuthorities: [], certificateAuthorityData: [] };
}

Deno.test("clean: a full clean reports what it removed, and that it left the keyring alone", async () => {
  await withCache(async (options, cache) => {
    await cache.write("0".repeat(64), TOKEN, { issuerUrl: A, clientId: "kube" });
    const disk = { ...options, storage: "disk" as const };
    assert.deepEqual(await clean(disk), {
      kind: "all",
      directoryRemoved: true,
      dataKeyFileRemoved: true,
      keyring: { kind: "skipped", reason: "storage" },
    });
    assert.deepEqual(await clean(disk), {
      kind: "all",
      directoryRemoved: false,
      dataKeyFileRemoved: false,
      keyring: { kind: "skipped", reason: "storage" },
    });
  });
});

Deno.test("clean: one issuer's entries and every metadata document of it, nothing else", async () => {
  await withCache(async (options, cache) => {
    await cache.write("a".repeat(64), TOKEN, { issuerUrl: A, clientId: "kube" });
    await cache.write("b".repeat(64), TOKEN, { issuerUrl: B, clientId: "kube" });
    // Two scopes of A (another request header), one of B.
    await metadataDocumentStore(cache, scope(A)).write(`${A}/jwks`, "a's keys");
    await metadataDocumentStore(cache, scope(A, { "x-tenant": "1" })).write(`${A}/jwks`, "a's");
    await metadataDocumentStore(cache, scope(B)).write(`${B}/jwks`, "b's keys");

    const result = await clean({ ...options, issuerUrl: A, clientId: "other" });
    assert.deepEqual(result, {
      kind: "filtered",
      deleted: 0,
      unreadable: 0,
      keptIssuers: [A, B],
      metadataDeleted: 2,
    });
    assert.deepEqual(await cache.keyIds(), ["a".repeat(64), "b".repeat(64)]);
    assert.equal(await metadataDocumentStore(cache, scope(A)).read(`${A}/jwks`), undefined);
    assert.equal(await metadataDocumentStore(cache, scope(B)).read(`${B}/jwks`), "b's keys");

    assert.deepEqual(await clean({ ...options, issuerUrl: A }), {
      kind: "filtered",
      deleted: 1,
      unreadable: 0,
      keptIssuers: [B],
      metadataDeleted: 0,
    });
    assert.deepEqual(await cache.keyIds(), ["b".repeat(64)]);
  });
});

Deno.test("clean: a client without an issuer is a UsageError, and nothing is removed", async () => {
  await withCache(async (options, cache) => {
    await cache.write("0".repeat(64), TOKEN, { issuerUrl: A, clientId: "kube" });
    await assert.rejects(
      () => clean({ ...options, clientId: "kube" }),
      (error: unknown) => error instanceof UsageError && error.code === "ERR_USAGE",
    );
    assert.deepEqual(await cache.keyIds(), ["0".repeat(64)]);
  });
});
