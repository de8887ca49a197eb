/**
 * The `get-token` use case in-process, with a clock the test moves: expiry, refresh, a rejected
 * refresh token, an outage, and the per-entry lock, against the real test provider and the real
 * disk cache where the scenario needs them, and an in-memory store where only the use case's
 * decisions are under test. tests/get_token_test.ts keeps the runs that need a process.
 */

import assert from "node:assert/strict";
import { FileDataKeyStore } from "../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../lib/cache/encrypted_file.ts";
import { cacheKeyId } from "../lib/cache/key.ts";
import type { AuthenticateInput, AuthenticateResult } from "../lib/authenticate.ts";
import { cacheKeyInputOf, type GetTokenOptions, getTokenWith } from "../lib/get_token.ts";
import type { TokenSet } from "../lib/token_set.ts";
import { startTestIdp, type TestIdp } from "./support/idp.ts";
import {
  browserInteraction,
  FakeClock,
  getTokenOptionsFor,
  MemoryTokenStore,
  recordingLogger,
} from "./support/get_token_parts.ts";

/** A minute past the first ID token's lifetime (11 s, of which the last 10 s count as expired). */
const PAST_EXPIRY_MS = 60_000;
/** The issuer of scenarios whose authentication is faked: nothing listens there. */
const NO_PROVIDER = "http://127.0.0.1:9";

async function withCacheDir(fn: (directory: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "get-token-in-process-" });
  try {
    await fn(`${root}/cache`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function keyIdOf(options: GetTokenOptions): Promise<string> {
  return cacheKeyId(cacheKeyInputOf(options));
}

/**
 * Logs in through the browser with `get-token`'s options for the provider and a fake clock,
 * which stands at the start, where the token is valid.
 */
async function loggedIn(idp: TestIdp, directory: string) {
  const clock = new FakeClock();
  const options = getTokenOptionsFor(idp.issuer, directory);
  const interaction = browserInteraction();
  const { tokenSet, source } = await getTokenWith(options, interaction, { now: clock.now });
  assert.equal(source, "login");
  assert.equal(interaction.opened.length, 1);
  assert.match(interaction.opened[0], /^https?:\/\/localhost:\d+\/login\/[\w-]{43}$/);
  return { clock, options, first: tokenSet };
}

Deno.test("a valid cached token is used until the clock passes its expiry, then refreshed without a browser", async () => {
  await using idp = await startTestIdp({ idTokenTtlSec: 11 });
  await withCacheDir(async (directory) => {
    const { clock, options, first } = await loggedIn(idp, directory);

    idp.clearRequests();
    const hit = await getTokenWith(options, browserInteraction(), { now: clock.now });
    assert.equal(hit.source, "cache");
    assert.equal(hit.tokenSet.token, first.token);
    assert.equal(idp.requests.length, 0, "a cache hit must not talk to the provider");

    clock.advance(PAST_EXPIRY_MS);
    idp.setIdTokenTtl(3600);
    const interaction = browserInteraction();
    const refreshed = await getTokenWith(options, interaction, { now: clock.now });
    assert.equal(refreshed.source, "refresh");
    assert.notEqual(refreshed.tokenSet.token, first.token);
    assert.deepEqual(interaction.opened, []);
    assert.ok(!interaction.logger.infos.some((line) => /Open http/.test(line)));
    assert.equal(idp.requestsTo("/token", "refresh_token").length, 1);
    assert.equal(idp.requestsTo("/auth").length, 0);
  });
});

Deno.test("a rejected refresh token leads to a new browser login", async () => {
  await using idp = await startTestIdp({ idTokenTtlSec: 11 });
  await withCacheDir(async (directory) => {
    const { clock, options } = await loggedIn(idp, directory);
    clock.advance(PAST_EXPIRY_MS);
    idp.setIdTokenTtl(3600);
    idp.revokeRefreshTokens();
    idp.clearRequests();
    const interaction = browserInteraction();
    const again = await getTokenWith(options, interaction, { now: clock.now });
    assert.equal(again.source, "login");
    assert.equal(interaction.opened.length, 1);
    const refresh = idp.requestsTo("/token", "refresh_token");
    assert.equal(refresh.length, 1);
    assert.equal(refresh[0].status, 400);
    assert.equal(idp.requestsTo("/token", "authorization_code").length, 1);
  });
});

Deno.test("a provider outage during refresh is an error and keeps the cache", async () => {
  await using idp = await startTestIdp({ idTokenTtlSec: 11 });
  await withCacheDir(async (directory) => {
    const { clock, options } = await loggedIn(idp, directory);
    const entry = `${directory}/${await keyIdOf(options)}`;
    const before = await Deno.readFile(entry);
    clock.advance(PAST_EXPIRY_MS);
    idp.failNextTokenRequest(503);
    const failed = browserInteraction();
    await assert.rejects(
      getTokenWith(options, failed, { now: clock.now }),
      (error: Error) => /503/.test(error.message),
    );
    assert.deepEqual(failed.opened, []);
    assert.deepEqual(await Deno.readFile(entry), before);
    // Once the provider is back, the same refresh token works.
    idp.setIdTokenTtl(3600);
    const recovered = browserInteraction();
    const result = await getTokenWith(options, recovered, { now: clock.now });
    assert.equal(result.source, "refresh");
    assert.deepEqual(recovered.opened, []);
  });
});

Deno.test("the device-code grant opens its verification page through the interaction", async () => {
  await using idp = await startTestIdp();
  await withCacheDir(async (directory) => {
    const options = getTokenOptionsFor(idp.issuer, directory, "--grant-type=device-code");
    const interaction = browserInteraction(idp.issuer);
    const { source } = await getTokenWith(options, interaction, {});
    assert.equal(source, "login");
    assert.equal(interaction.opened.length, 1);
    assert.ok(interaction.opened[0].startsWith(`${idp.issuer}/`), interaction.opened[0]);
    assert.match(interaction.opened[0], /user_code=/);
    assert.equal(
      idp.requestsTo("/token", "urn:ietf:params:oauth:grant-type:device_code")
        .filter((request) => request.status === 200).length,
      1,
    );
  });
});

/** Resolves once `condition` holds; fails after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("concurrent get-token calls on an expired entry refresh once, through the file lock", async () => {
  const CALLS = 8;
  await withCacheDir(async (directory) => {
    const clock = new FakeClock();
    const options = getTokenOptionsFor(NO_PROVIDER, directory);
    const keyId = await keyIdOf(options);
    const cache = new EncryptedFileCache(
      directory,
      new FileDataKeyStore(options.cache.dataKeyFile),
    );
    await cache.write(
      keyId,
      { token: "expired", expiresAt: clock.current - 1, refreshToken: "refresh-1" },
      { issuerUrl: NO_PROVIDER, clientId: "c" },
    );
    const loggers = Array.from({ length: CALLS }, recordingLogger);
    const waiting = () =>
      loggers.filter((logger) => logger.infos.some((line) => line.startsWith("Waiting for")))
        .length;
    const inputs: AuthenticateInput[] = [];
    // Holds the lock until every other call waits for it, so the race is real.
    const authenticate = async (input: AuthenticateInput): Promise<AuthenticateResult> => {
      inputs.push(input);
      await until(() => waiting() === CALLS - 1, 20_000, "every other call waits for the lock");
      const tokenSet = { token: "fresh", expiresAt: clock.current + 3_600_000, refreshToken: "2" };
      return { tokenSet, via: "refresh" };
    };
    const results = await Promise.all(
      loggers.map((logger) => getTokenWith(options, { logger }, { now: clock.now, authenticate })),
    );
    assert.equal(inputs.length, 1, "exactly one call may refresh");
    assert.equal(inputs[0].refreshToken, "refresh-1");
    assert.deepEqual(results.map((result) => result.tokenSet.token), Array(CALLS).fill("fresh"));
    assert.deepEqual(
      results.map((result) => result.source).sort(),
      [...Array(CALLS - 1).fill("cache"), "refresh"],
    );
    const waiters = loggers.filter((logger) => logger.infos.length > 0);
    assert.equal(waiters.length, CALLS - 1);
    for (const logger of waiters) {
      // The first look at the lock file may come before the holder wrote its process ID.
      assert.match(
        logger.infos[0],
        new RegExp(`^Waiting for (process ${Deno.pid}|another process)`),
      );
      assert.ok(logger.debugs.includes("another process refreshed the token; using its token"));
    }
    const stored = await cache.read(keyId);
    assert.ok(stored.hit);
    assert.equal(stored.tokenSet.refreshToken, "2");
  });
});

/** A store holding an expired entry, and the options and key id that find it. */
async function expiredInMemory(clock: FakeClock) {
  const options = getTokenOptionsFor(NO_PROVIDER, "/nonexistent");
  const keyId = await keyIdOf(options);
  const store = new MemoryTokenStore();
  store.entries.set(keyId, { token: "old", expiresAt: clock.current - 1, refreshToken: "r1" });
  const another: TokenSet = { token: "another's", expiresAt: clock.current + 3_600_000 };
  const authenticate = (): Promise<AuthenticateResult> => {
    throw new Error("this process must not refresh");
  };
  return { options, keyId, store, another, authenticate };
}

Deno.test("a waiter stops waiting with the token the lock holder wrote", async () => {
  const clock = new FakeClock();
  const { options, keyId, store, another, authenticate } = await expiredInMemory(clock);
  store.onLock = async (_keyId, lockOptions) => {
    lockOptions.onWait?.(4242, "refresh");
    assert.equal(await lockOptions.stopWaiting?.(), undefined, "nothing new was written yet");
    store.entries.set(keyId, another);
    const found = await lockOptions.stopWaiting?.();
    assert.ok(found !== undefined);
    return { held: false, found };
  };
  const logger = recordingLogger();
  const result = await getTokenWith(options, { logger }, { store, now: clock.now, authenticate });
  assert.deepEqual(result, { tokenSet: another, source: "cache" });
  assert.deepEqual(logger.infos, [
    "Waiting for process 4242 to refresh the token (token cache lock)",
  ]);
});

Deno.test("a token another process wrote before the lock was taken is used, and the lock released", async () => {
  const clock = new FakeClock();
  const { options, keyId, store, another, authenticate } = await expiredInMemory(clock);
  const lock = store.lock.bind(store);
  store.onLock = (id, lockOptions) => {
    store.entries.set(keyId, another);
    store.onLock = undefined;
    return lock(id, lockOptions);
  };
  const result = await getTokenWith(options, { logger: recordingLogger() }, {
    store,
    now: clock.now,
    authenticate,
  });
  assert.deepEqual(result, { tokenSet: another, source: "cache" });
  assert.deepEqual(store.events, ["lock", "unlock"]);
});

Deno.test("a token counts as expired from 10 s before its expiry, by the given clock", async () => {
  const clock = new FakeClock();
  const { options, keyId, store } = await expiredInMemory(clock);
  const expiresAt = clock.current + 60_000;
  const later = expiresAt + 3_600_000;
  store.entries.set(keyId, { token: "cached", expiresAt, refreshToken: "r1" });
  const refreshes: (string | undefined)[] = [];
  const authenticate = (input: AuthenticateInput): Promise<AuthenticateResult> => {
    refreshes.push(input.refreshToken);
    return Promise.resolve({ tokenSet: { token: "new", expiresAt: later }, via: "refresh" });
  };
  const parts = { store, now: clock.now, authenticate };
  clock.current = expiresAt - 10_001;
  assert.equal((await getTokenWith(options, { logger: recordingLogger() }, parts)).source, "cache");
  clock.current = expiresAt - 10_000;
  const logger = recordingLogger();
  assert.equal((await getTokenWith(options, { logger }, parts)).source, "refresh");
  assert.deepEqual(refreshes, ["r1"]);
  assert.ok(logger.debugs.some((line) => line.startsWith("the cached token expired at")));
  assert.deepEqual(store.entries.get(keyId), { token: "new", expiresAt: later });
});
