/**
 * What a refused or failed refresh does, through the plugin as a process against the test
 * provider: a 4xx OAuth error of any kind (not only `invalid_grant`) drops the refresh token and
 * logs in once; a 5xx, with or without an OAuth error, keeps the cache and says the refresh
 * failed and why.
 */

import assert from "node:assert/strict";
import { startTestIdp } from "../support/idp.ts";
import { PluginSandbox } from "../support/plugin.ts";
import { expireEntry, getTokenArgs, runWithLogin, tokenOf } from "../support/login.ts";

async function entryBytes(sandbox: PluginSandbox): Promise<Uint8Array> {
  const entries = await sandbox.cacheEntries();
  assert.equal(entries.length, 1);
  return await Deno.readFile(`${sandbox.cacheDir}/${entries[0]}`);
}

// LemonLDAP::NG answers invalid_request for a refresh token it no longer knows; the others are
// what RFC 6749 section 5.2 lets any provider answer to a refresh.
const REFUSALS: [number, string][] = [
  [400, "invalid_request"],
  [401, "unauthorized_client"],
  [400, "invalid_scope"],
  [400, "invalid_grant"],
];

for (const [status, error] of REFUSALS) {
  Deno.test(`a refresh refused with ${status} ${error} drops the refresh token and logs in once`, async () => {
    await using idp = await startTestIdp();
    await using sandbox = await PluginSandbox.create();
    const args = getTokenArgs(idp, "-v1");
    const first = tokenOf(await runWithLogin(sandbox, args));
    await expireEntry(sandbox, args);
    idp.clearRequests();
    idp.failNextRefresh(status, error);
    const result = await runWithLogin(sandbox, args);
    assert.notEqual(tokenOf(result), first);
    assert.match(
      result.stderr,
      new RegExp(
        `^Could not refresh the token \\(token request failed: ${error}: refused by the test\\); ` +
          "logging in again$",
        "m",
      ),
    );
    assert.deepEqual(idp.requestsTo("/token", "refresh_token").map((r) => r.status), [status]);
    assert.equal(idp.requestsTo("/token", "authorization_code").length, 1);
    // The new login's refresh token is cached and works.
    await expireEntry(sandbox, args);
    const refreshed = await sandbox.run(args);
    tokenOf(refreshed);
    assert.match(refreshed.stderr, /refreshing the token/);
    assert.doesNotMatch(refreshed.stderr, /^Open http/m);
  });
}

const TRANSIENT: [number, string | undefined][] = [
  [503, undefined],
  [500, "server_error"],
  [429, "slow_down"],
];

for (const [status, error] of TRANSIENT) {
  Deno.test(`a refresh failing with ${status} ${error ?? "(no OAuth error)"} keeps the cache and says why`, async () => {
    await using idp = await startTestIdp();
    await using sandbox = await PluginSandbox.create();
    const args = getTokenArgs(idp, "--authentication-timeout-sec=5");
    tokenOf(await runWithLogin(sandbox, args));
    await expireEntry(sandbox, args);
    const before = await entryBytes(sandbox);
    idp.clearRequests();
    idp.failNextRefresh(status, error);
    const result = await sandbox.run(args);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    const why = error
      ? `token request failed: ${error}: refused by the test`
      : `token request failed: HTTP ${status}`;
    assert.match(
      result.stderr,
      new RegExp(
        `^error: could not refresh the token \\(the refresh token is kept for the next try\\): ${why}`,
        "m",
      ),
    );
    assert.doesNotMatch(result.stderr, /^Open http/m, "a transient failure must not log in");
    assert.deepEqual(await entryBytes(sandbox), before);
    // The kept refresh token still works once the provider recovers.
    tokenOf(await sandbox.run(args));
    assert.deepEqual(idp.requestsTo("/token", "refresh_token").map((r) => r.status), [status, 200]);
  });
}
