/**
 * Many kubectl processes at once with an expired token: the per-entry lock must let exactly one
 * of them refresh. With a provider that rotates refresh tokens, a second refresh with the same
 * refresh token would fail (and, at Okta or Keycloak, end the whole session).
 */

import assert from "node:assert/strict";
import { startTestIdp } from "../support/idp.ts";
import { PluginSandbox } from "../support/plugin.ts";
import { expireEntry, getTokenArgs, runWithLogin, tokenOf } from "../support/login.ts";

const PROCESSES = 32;
/** The test provider's ID token lifetime at first login, other than the refreshed one's. */
const SHORT_TTL_SEC = 11;

Deno.test(`${PROCESSES} concurrent get-token processes refresh an expired token once`, async () => {
  await using idp = await startTestIdp({ rotateRefreshTokens: true, idTokenTtlSec: SHORT_TTL_SEC });
  await using sandbox = await PluginSandbox.create();
  // Bounds a failure: a process whose refresh was refused would wait for a browser login.
  const args = getTokenArgs(idp, "-v1", "--authentication-timeout-sec=30");
  const first = tokenOf(await runWithLogin(sandbox, args));
  // The entry is rewritten as expired rather than waited for (get_token_in_process_test.ts races
  // in-process calls with a moved clock). The refreshed token gets another lifetime, so it
  // differs from the first even within the same second, and stays valid however long the 32
  // processes take to finish.
  await expireEntry(sandbox, args);
  idp.setIdTokenTtl(3600);
  idp.clearRequests();

  // All are started before any is awaited, so they overlap: each reads the expired entry, then
  // they queue on the entry's lock.
  const plugins = Array.from({ length: PROCESSES }, () => sandbox.start(args));
  const results = await Promise.all(plugins.map((plugin) => plugin.result()));

  const tokens = results.map(tokenOf);
  assert.equal(new Set(tokens).size, 1, "every process must answer the same token");
  assert.notEqual(tokens[0], first, "the answer must be the refreshed token, not the expired one");
  assert.equal(idp.countRequests({ path: "/token", grantType: "refresh_token" }), 1);
  assert.equal(idp.countRequests({ path: "/token" }), 1, "no process may log in again");
  // Discovery and the JWKS come from the metadata cache: one request in all.
  assert.equal(idp.requests.length, 1, "the refresh request is the only one");
  assert.equal(idp.requestsTo("/token", "refresh_token")[0].status, 200);
  for (const { stderr } of results) assert.doesNotMatch(stderr, /Open http/);

  // It was a race: the processes that did not refresh found the lock taken, or read the entry
  // again after it was released, rather than all starting after the refresh had finished.
  const refreshed = results.filter(({ stderr }) => /token from the refresh/.test(stderr));
  assert.equal(refreshed.length, 1, "exactly one process must have refreshed");
  const queued = results.filter(({ stderr }) =>
    /Waiting for process \d+ to refresh the token|another process refreshed the token/.test(stderr)
  );
  assert.ok(queued.length > 0, "no process waited for the lock: the runs did not overlap");

  // The cache holds the refreshed token, and with it the refresh token the provider issued last
  // (the one it rotated to), not one that a losing process might have written back.
  idp.clearRequests();
  assert.equal(tokenOf(await sandbox.run(args)), tokens[0]);
  assert.equal(idp.requests.length, 0);
  // The provider issues the same ID token for two refreshes in one second (equal claims), so
  // only its answer to the refresh tells the rotated refresh token was the one kept.
  await expireEntry(sandbox, args);
  tokenOf(await sandbox.run(args));
  assert.deepEqual(idp.requestsTo("/token").map((r) => `${r.grantType} ${r.status}`), [
    "refresh_token 200",
  ]);
});
