import assert from "node:assert/strict";
import { FileDataKeyStore } from "../../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../../lib/cache/encrypted_file.ts";
import { cacheKeyId, type CacheKeyInput } from "../../lib/cache/key.ts";
import type { TokenSet } from "../../lib/token_set.ts";

const OWNER = { issuerUrl: "https://issuer.example", clientId: "kubernetes" };
const TOKEN_SET: TokenSet = {
  token: "header.payload-with-a-recognisable-token-substring.signature",
  expiresAt: 1_900_000_000_000,
  refreshToken: "refresh-token-that-must-never-appear-in-clear",
};

async function withCache(
  test: (cache: EncryptedFileCache, dir: string, keyFile: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const keyFile = `${dir}/config/token-cache.key`;
    await test(new EncryptedFileCache(`${dir}/cache`, new FileDataKeyStore(keyFile)), dir, keyFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The key input of an ordinary authcode login of a client at the owner's issuer. */
function keyInput(clientId: string): CacheKeyInput {
  return {
    issuerUrl: OWNER.issuerUrl,
    clientId,
    extraScopes: [],
    grantType: "authcode",
    useAccessToken: false,
    authRequestExtraParams: {},
    requestHeaders: {},
    certificateAuthorities: [],
    certificateAuthorityData: [],
    insecureSkipTlsVerify: false,
  };
}

const KEY_A = await cacheKeyId(keyInput(OWNER.clientId));
const KEY_B = await cacheKeyId(keyInput("another-client"));

Deno.test("an entry round-trips, with private modes and no token in clear", async () => {
  await withCache(async (cache, _dir, keyFile) => {
    assert.deepEqual(await cache.read(KEY_A), { hit: false, reason: "absent" });
    await cache.write(KEY_A, TOKEN_SET, OWNER);
    const read = await cache.read(KEY_A);
    assert.deepEqual(read, { hit: true, tokenSet: TOKEN_SET, owner: OWNER });
    const bytes = await Deno.readFile(cache.entryPath(KEY_A));
    const asText = new TextDecoder("latin1").decode(bytes);
    for (const secret of ["recognisable-token", "refresh-token-that", OWNER.issuerUrl]) {
      assert.ok(!asText.includes(secret), `the entry contains ${secret} in clear`);
    }
    assert.equal((await Deno.stat(cache.entryPath(KEY_A))).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(cache.directory)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(keyFile)).mode! & 0o777, 0o600);
    assert.ok(!keyFile.startsWith(cache.directory), "the key must live outside the cache dir");
  });
});

Deno.test("an entry copied over another key's file does not decrypt", async () => {
  await withCache(async (cache) => {
    await cache.write(KEY_A, TOKEN_SET, OWNER);
    await Deno.mkdir(cache.directory, { recursive: true });
    await Deno.copyFile(cache.entryPath(KEY_A), cache.entryPath(KEY_B));
    const read = await cache.read(KEY_B);
    assert.equal(read.hit, false);
    assert.equal(!read.hit && read.reason, "undecryptable");
  });
});

Deno.test("damaged entries and a lost key are misses, never crashes", async (t) => {
  await withCache(async (cache, _dir, keyFile) => {
    await cache.write(KEY_A, TOKEN_SET, OWNER);
    const good = await Deno.readFile(cache.entryPath(KEY_A));
    const cases: [string, Uint8Array, string][] = [
      ["empty", new Uint8Array(), "corrupt"],
      ["garbage", new TextEncoder().encode('{"token":"x"}'), "corrupt"],
      ["truncated", good.subarray(0, good.length - 5), "undecryptable"],
      ["bit flip", good.map((b, i) => (i === good.length - 1 ? b ^ 1 : b)), "undecryptable"],
    ];
    for (const [name, bytes, reason] of cases) {
      await t.step(name, async () => {
        await Deno.writeFile(cache.entryPath(KEY_A), bytes);
        const read = await cache.read(KEY_A);
        assert.equal(read.hit, false);
        assert.equal(!read.hit && read.reason, reason);
      });
    }
    await t.step("data key deleted", async () => {
      await Deno.writeFile(cache.entryPath(KEY_A), good);
      await Deno.remove(keyFile);
      const read = await cache.read(KEY_A);
      assert.equal(!read.hit && read.reason, "no-data-key");
    });
  });
});

Deno.test("key ids list only entries", async () => {
  await withCache(async (cache) => {
    await cache.write(KEY_A, TOKEN_SET, OWNER);
    await cache.write(KEY_B, TOKEN_SET, OWNER);
    await Deno.writeTextFile(`${cache.directory}/${KEY_A}.lock`, "1\n");
    await Deno.writeTextFile(`${cache.directory}/${KEY_A}.0000.tmp`, "x");
    assert.deepEqual(await cache.keyIds(), [KEY_A, KEY_B].sort());
  });
});

Deno.test("request headers are part of the key, whatever their order or case", async () => {
  const withHeaders = (requestHeaders: Record<string, string>) =>
    cacheKeyId({ ...keyInput(OWNER.clientId), requestHeaders });
  const blue = await withHeaders({ "X-Tenant": "blue", "X-Region": "eu" });
  assert.equal(await withHeaders({ "x-region": "eu", "x-tenant": "blue" }), blue);
  assert.notEqual(await withHeaders({ "X-Tenant": "green", "X-Region": "eu" }), blue);
  assert.notEqual(await withHeaders({}), blue);
});
