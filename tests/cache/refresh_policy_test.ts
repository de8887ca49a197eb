/**
 * The token cache's rules around the refresh, through the plugin as a process and through
 * `getToken` in this process: a cache hit takes no lock, waiting for the lock is bounded, a
 * refresh token survives a transient failure and is dropped on `invalid_grant`, the lock is
 * released however the critical section ends, and `--token-cache-storage=none` keeps nothing.
 */

import assert from "node:assert/strict";
import { cacheKeyId } from "../../lib/cache/key.ts";
import { acquireEntryLock } from "../../lib/cache/lock.ts";
import { AuthenticationError, ProviderError } from "../../lib/errors.ts";
import { cacheKeyInputOf, getToken, type GetTokenOptions } from "../../lib/get_token.ts";
import { silentLogger } from "../../lib/log.ts";
import { parseFlagsFast } from "../../cli/fast_args.ts";
import { GET_TOKEN_FLAGS } from "../../cli/flags.ts";
import { FlagReader, loginOptions, providerOptions } from "../../cli/options.ts";
import { ALICE, PUBLIC_CLIENT_ID, startTestIdp, type TestIdp } from "../support/idp.ts";
import { PluginSandbox } from "../support/plugin.ts";
import { expireEntry, getTokenArgs, runWithLogin, tokenOf } from "../support/login.ts";

/** Takes the entry's lock in this test process: to the plugin, another process holding it. */
async function holdLock(sandbox: PluginSandbox, args: string[]): Promise<AsyncDisposable> {
  const keyId = await sandbox.keyIdFor(args.slice(1));
  return await acquireEntryLock(sandbox.cacheDir, keyId, { timeoutMs: 1000 });
}

async function entryBytes(sandbox: PluginSandbox): Promise<Uint8Array> {
  const entries = await sandbox.cacheEntries();
  assert.equal(entries.length, 1);
  return await Deno.readFile(`${sandbox.cacheDir}/${entries[0]}`);
}

Deno.test("a cache hit answers while another process holds the entry's lock", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  // A hit that waited for the lock would give up after 1 s and fail.
  const args = getTokenArgs(idp, "--authentication-timeout-sec=1");
  const token = tokenOf(await runWithLogin(sandbox, args));
  await using _held = await holdLock(sandbox, args);
  idp.clearRequests();
  const hit = await sandbox.run([...args, "-v1"]);
  assert.equal(tokenOf(hit), token);
  assert.match(hit.stderr, /answering kubectl with a token from the cache/);
  assert.doesNotMatch(hit.stderr, /Waiting/);
  assert.equal(idp.requests.length, 0);
});

Deno.test("waiting for the lock ends at --authentication-timeout-sec, naming the holder", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp, "--authentication-timeout-sec=1");
  tokenOf(await runWithLogin(sandbox, args));
  await expireEntry(sandbox, args);
  const before = await entryBytes(sandbox);
  const keyId = await sandbox.keyIdFor(args.slice(1));
  idp.clearRequests();
  {
    await using _held = await holdLock(sandbox, args);
    const result = await sandbox.run(args);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      new RegExp(
        `^Waiting for process ${Deno.pid}, which holds the token cache lock$`,
        "m",
      ),
    );
    assert.match(
      result.stderr,
      new RegExp(
        `^error: timed out after 1 s waiting for process ${Deno.pid}, which holds the token ` +
          `cache lock ${sandbox.cacheDir}/${keyId}\\.lock$`,
        "m",
      ),
    );
    assert.equal(idp.requests.length, 0, "a waiter must not talk to the provider");
    assert.deepEqual(await entryBytes(sandbox), before);
  }
  // Released: the next run refreshes with the refresh token the waiter left alone.
  const refreshed = await sandbox.run(args);
  tokenOf(refreshed);
  assert.doesNotMatch(refreshed.stderr, /Waiting/);
  assert.deepEqual(idp.requestsTo("/token").map((r) => `${r.grantType} ${r.status}`), [
    "refresh_token 200",
  ]);
});

// The refresh never starts here (discovery fails first); the step "after a provider error" below
// covers a failure of the refresh request itself, which lib/oidc/http.ts reports with the same
// error class as an unreachable host.
Deno.test("an unreachable provider is an error, not a login, and keeps the refresh token", async () => {
  const idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp);
  tokenOf(await runWithLogin(sandbox, args));
  await expireEntry(sandbox, args);
  const before = await entryBytes(sandbox);
  await idp.close();
  const result = await sandbox.run(args);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^error: /m);
  assert.doesNotMatch(result.stderr, /Open http/, "a network failure must not start a login");
  assert.deepEqual(await entryBytes(sandbox), before);
});

Deno.test("a refresh token rejected with invalid_grant is deleted even when no login follows", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp, "--authentication-timeout-sec=1");
  tokenOf(await runWithLogin(sandbox, args));
  await expireEntry(sandbox, args);
  idp.revokeRefreshTokens();
  idp.clearRequests();
  // Nobody signs in at the URL the plugin prints, so the login times out.
  const result = await sandbox.run(args);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^Open http:\/\/localhost:\d+\/login\/[\w-]{43} for authentication$/m,
  );
  assert.match(result.stderr, /^error: timed out waiting for the browser login/m);
  const refresh = idp.requestsTo("/token", "refresh_token");
  assert.equal(refresh.length, 1);
  assert.equal(refresh[0].status, 400);
  assert.deepEqual(await sandbox.cacheEntries(), [], "the dead refresh token must be gone");
});

Deno.test("--token-cache-storage=none writes nothing and every run logs in", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp, "--token-cache-storage=none");
  const first = tokenOf(await runWithLogin(sandbox, args));
  const second = tokenOf(await runWithLogin(sandbox, args));
  assert.notEqual(second, first);
  assert.equal(idp.requestsTo("/token", "authorization_code").length, 2);
  assert.equal(idp.requestsTo("/token", "refresh_token").length, 0);
  const written: string[] = [];
  for await (const entry of Deno.readDir(sandbox.root)) written.push(entry.name);
  assert.deepEqual(written, [], "nothing may be written: no cache, no lock, no data key");
});

/** `getToken` options for Alice's password login, with the cache in the sandbox. */
function passwordOptions(idp: TestIdp, sandbox: PluginSandbox, password: string): GetTokenOptions {
  const flags = new FlagReader(
    parseFlagsFast([
      `--oidc-issuer-url=${idp.issuer}`,
      `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
      "--grant-type=password",
      `--username=${ALICE.username}`,
      "--authentication-timeout-sec=5",
    ], GET_TOKEN_FLAGS)!,
  );
  return {
    provider: providerOptions(flags),
    // In memory only: a password never goes into a child's argv.
    login: { ...loginOptions(flags), password },
    cache: { storage: "disk", directory: sandbox.cacheDir, dataKeyFile: sandbox.dataKeyFile },
    forceRefresh: false,
  };
}

Deno.test("the entry lock is released however get-token ends", async (t) => {
  await using idp = await startTestIdp({ rotateRefreshTokens: true });
  await using sandbox = await PluginSandbox.create();
  const options = passwordOptions(idp, sandbox, ALICE.password);
  const interaction = { logger: silentLogger };
  const cache = sandbox.diskCache();
  const keyId = await cacheKeyId(cacheKeyInputOf(options));

  /** Throws unless the lock can be taken at once (the same process would conflict too). */
  async function assertLockFree(): Promise<void> {
    await using lock = await acquireEntryLock(sandbox.cacheDir, keyId, { timeoutMs: 0 });
    assert.equal(lock.waited, false);
  }

  async function expire(): Promise<void> {
    const read = await cache.read(keyId);
    assert.ok(read.hit);
    await cache.write(keyId, { ...read.tokenSet, expiresAt: Date.now() - 60_000 }, {
      issuerUrl: idp.issuer,
      clientId: PUBLIC_CLIENT_ID,
    });
  }

  await t.step("after a login", async () => {
    assert.equal((await getToken(options, interaction)).source, "login");
    await assertLockFree();
  });

  await t.step("after a refresh", async () => {
    await expire();
    assert.equal((await getToken(options, interaction)).source, "refresh");
    await assertLockFree();
  });

  await t.step("after a provider error, keeping the entry", async () => {
    await expire();
    const before = await Deno.readFile(cache.entryPath(keyId));
    idp.failNextRefresh(500);
    await assert.rejects(getToken(options, interaction), ProviderError);
    await assertLockFree();
    assert.deepEqual(await Deno.readFile(cache.entryPath(keyId)), before);
    // The kept refresh token is still the current one: the next refresh succeeds.
    assert.equal((await getToken(options, interaction)).source, "refresh");
  });

  await t.step("after invalid_grant and a failed login, dropping the entry", async () => {
    await expire();
    idp.revokeRefreshTokens();
    const wrong = passwordOptions(idp, sandbox, "not-the-password");
    await assert.rejects(getToken(wrong, interaction), AuthenticationError);
    await assertLockFree();
    assert.equal((await cache.read(keyId)).hit, false);
  });
});
