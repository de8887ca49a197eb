/**
 * Issue 12: the requests the plugin makes to the provider, counted in the test provider's log.
 * A refresh makes exactly one (the token request): the discovery document and the JWKS come from
 * the sealed metadata cache beside the token entries. A login makes the protocol's minimum. A
 * provider that rotates its signing key still works without `clean`, and a metadata file that
 * was tampered with is fetched again, never trusted.
 */

import assert from "node:assert/strict";
import { METADATA_FILE_PREFIX } from "../lib/cache/token_store.ts";
import { type IdpRequest, startTestIdp, type TestIdp } from "./support/idp.ts";
import { PluginSandbox } from "./support/plugin.ts";
import { expireEntry, getTokenArgs, runWithLogin, tokenOf } from "./support/login.ts";

/** The paths the browser visits during a login; every other request is the plugin's. */
function isBrowsers(request: IdpRequest): boolean {
  return request.path === "/auth" || request.path.startsWith("/auth/") ||
    request.path.startsWith("/interaction/");
}

/** The plugin's requests since the log was last cleared, as `METHOD path grant`. */
function pluginRequests(idp: TestIdp): string[] {
  return idp.requests.filter((request) => !isBrowsers(request))
    .map((r) => `${r.method} ${r.path} ${r.grantType ?? ""}`.trim());
}

const DISCOVERY = "GET /.well-known/openid-configuration";
const JWKS = "GET /jwks";
const REFRESH = "POST /token refresh_token";
const CODE_EXCHANGE = "POST /token authorization_code";

/** The metadata files in the sandbox's cache directory. */
async function metadataFiles(sandbox: PluginSandbox): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(sandbox.cacheDir)) {
      if (entry.name.startsWith(METADATA_FILE_PREFIX)) names.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

/** Expires the entry, runs `get-token` once and returns the plugin's requests of that run. */
async function refreshOnce(idp: TestIdp, sandbox: PluginSandbox, args: string[]) {
  await expireEntry(sandbox, args);
  idp.clearRequests();
  const result = await sandbox.run(args);
  return { token: tokenOf(result), requests: pluginRequests(idp), stderr: result.stderr };
}

Deno.test("a refresh makes exactly one request to the provider", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp);
  tokenOf(await runWithLogin(sandbox, args));
  assert.deepEqual(pluginRequests(idp), [DISCOVERY, CODE_EXCHANGE, JWKS]);
  assert.equal((await metadataFiles(sandbox)).length, 2, "discovery and JWKS are cached");

  for (let i = 0; i < 2; i++) {
    const refreshed = await refreshOnce(idp, sandbox, args);
    assert.deepEqual(refreshed.requests, [REFRESH]);
    // The provider signs the same claims within one second into the same token, so the proof of
    // the refresh is the entry: expired before the run, valid again after it.
    const read = await sandbox.diskCache().read(await sandbox.keyIdFor(args.slice(1)));
    assert.ok(read.hit && read.tokenSet.expiresAt > Date.now(), "the refreshed token is cached");
    assert.equal(read.tokenSet.token, refreshed.token);
  }
});

Deno.test("a login makes the protocol's minimum of requests, metadata from the cache", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  tokenOf(await runWithLogin(sandbox, getTokenArgs(idp)));
  // With nothing cached: the endpoints, the code exchange, the keys to verify the ID token.
  assert.deepEqual(pluginRequests(idp), [DISCOVERY, CODE_EXCHANGE, JWKS]);

  // Another entry of the same provider (other scopes): its metadata is already cached.
  idp.clearRequests();
  tokenOf(await runWithLogin(sandbox, getTokenArgs(idp, "--oidc-extra-scope=email")));
  assert.deepEqual(pluginRequests(idp), [CODE_EXCHANGE]);
  assert.ok(idp.requestsTo("/auth").length > 0, "it was a browser login");

  // A rejected refresh token: the refresh attempt, then the code exchange, nothing else.
  await expireEntry(sandbox, getTokenArgs(idp));
  idp.revokeRefreshTokens();
  idp.clearRequests();
  tokenOf(await runWithLogin(sandbox, getTokenArgs(idp)));
  assert.deepEqual(pluginRequests(idp), [REFRESH, CODE_EXCHANGE]);
});

Deno.test("a provider that rotates its signing key still works without clean", async (t) => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp, "-v1");
  tokenOf(await runWithLogin(sandbox, args));

  await t.step("a new kid: the JWKS is fetched again and the token verified", async () => {
    await idp.rotateSigningKey();
    const refreshed = await refreshOnce(idp, sandbox, args);
    assert.deepEqual(refreshed.requests, [REFRESH, JWKS]);
    // The new JWKS is cached: the next refresh is one request again.
    assert.deepEqual((await refreshOnce(idp, sandbox, args)).requests, [REFRESH]);
  });

  await t.step("the same kid with a new key: the failed signature refetches too", async () => {
    await idp.rotateSigningKey({ sameKid: true });
    const refreshed = await refreshOnce(idp, sandbox, args);
    assert.deepEqual(refreshed.requests, [REFRESH, JWKS]);
    assert.deepEqual((await refreshOnce(idp, sandbox, args)).requests, [REFRESH]);
  });

  await t.step("a token no published key signed is still refused, after one refetch", async () => {
    await idp.rotateSigningKey({ sameKid: true, unpublished: true });
    await expireEntry(sandbox, args);
    const [entry] = await sandbox.cacheEntries();
    const before = await Deno.readFile(`${sandbox.cacheDir}/${entry}`);
    idp.clearRequests();
    const result = await sandbox.run(args);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: the ID token is not valid: the signature is invalid/m);
    assert.deepEqual(pluginRequests(idp), [REFRESH, JWKS]);
    assert.deepEqual(await Deno.readFile(`${sandbox.cacheDir}/${entry}`), before);
  });
});

Deno.test("a tampered metadata file is a miss: fetched again, never trusted", async (t) => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp);
  tokenOf(await runWithLogin(sandbox, args));
  const files = await metadataFiles(sandbox);
  assert.equal(files.length, 2);
  const paths = files.map((name) => `${sandbox.cacheDir}/${name}`);

  await t.step("a flipped bit", async () => {
    for (const path of paths) {
      const bytes = await Deno.readFile(path);
      bytes[bytes.length - 20] ^= 0x01;
      await Deno.writeFile(path, bytes);
    }
    const refreshed = await refreshOnce(idp, sandbox, args);
    assert.deepEqual(refreshed.requests, [DISCOVERY, REFRESH, JWKS]);
    assert.deepEqual((await refreshOnce(idp, sandbox, args)).requests, [REFRESH], "rewritten");
  });

  await t.step("files swapped: each is sealed to its own name", async () => {
    const [a, b] = await Promise.all(paths.map((path) => Deno.readFile(path)));
    await Deno.writeFile(paths[0], b);
    await Deno.writeFile(paths[1], a);
    const refreshed = await refreshOnce(idp, sandbox, args);
    assert.deepEqual(refreshed.requests, [DISCOVERY, REFRESH, JWKS]);
  });

  await t.step("garbage and an empty file", async () => {
    await Deno.writeTextFile(paths[0], "TKL1 not really an entry");
    await Deno.writeFile(paths[1], new Uint8Array());
    const refreshed = await refreshOnce(idp, sandbox, args);
    assert.deepEqual(refreshed.requests, [DISCOVERY, REFRESH, JWKS]);
  });
});

Deno.test("--token-cache-storage=none writes no metadata either", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp, "--token-cache-storage=none");
  tokenOf(await runWithLogin(sandbox, args));
  tokenOf(await runWithLogin(sandbox, args));
  assert.deepEqual(pluginRequests(idp), [
    DISCOVERY,
    CODE_EXCHANGE,
    JWKS,
    DISCOVERY,
    CODE_EXCHANGE,
    JWKS,
  ]);
  await assert.rejects(Deno.stat(sandbox.cacheDir), Deno.errors.NotFound);
});

Deno.test("a refresh that fails without an OAuth answer asks for discovery next time", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp);
  tokenOf(await runWithLogin(sandbox, args));
  // The cached discovery may be what is out of date (a moved token endpoint): it is dropped.
  idp.failNextRefresh(503);
  await expireEntry(sandbox, args);
  assert.equal((await sandbox.run(args)).code, 1);
  idp.clearRequests();
  tokenOf(await sandbox.run(args));
  assert.deepEqual(pluginRequests(idp), [DISCOVERY, REFRESH]);
});
