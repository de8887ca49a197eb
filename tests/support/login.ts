/**
 * Helpers for `get-token` scenarios that run the plugin as a process against the test provider:
 * its arguments, a first login through the user agent, the token of a run, and an entry made to
 * look expired while keeping its refresh token, so a scenario can refresh many times without
 * waiting for tokens to age.
 *
 * @module
 */

import assert from "node:assert/strict";
import { PUBLIC_CLIENT_ID, TEST_USERS, type TestIdp } from "./idp.ts";
import {
  parseExecCredential,
  type PluginResult,
  type PluginSandbox,
  type RunOptions,
} from "./plugin.ts";
import { type LoginOptions, UserAgent } from "./user_agent.ts";

/** `get-token` arguments for the test provider's public client, with the browser left closed. */
export function getTokenArgs(idp: TestIdp, ...extra: string[]): string[] {
  return [
    "get-token",
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    "--skip-open-browser",
    "--listen-address=127.0.0.1:0",
    ...extra,
  ];
}

/** The token of a successful run's ExecCredential; fails with the run's stderr otherwise. */
export function tokenOf(result: PluginResult): string {
  assert.equal(result.code, 0, result.stderr);
  return parseExecCredential(result.stdout).status.token;
}

/** Runs `get-token` and signs in as Alice at the URL it prints, as a user with a browser would. */
export async function runWithLogin(
  sandbox: PluginSandbox,
  args: string[],
  options: RunOptions & { agent?: LoginOptions } = {},
): Promise<PluginResult> {
  const plugin = sandbox.start(args, options);
  const url = await plugin.loginUrl();
  assert.match(url, /^https?:\/\/localhost:\d+\/login\/[\w-]{43}$/);
  using agent = new UserAgent();
  await agent.login(url, TEST_USERS[0], options.agent);
  return await plugin.result();
}

/**
 * Rewrites the cached entry of `args` as expired a minute ago, keeping its token and refresh
 * token, as if its ID token had aged. Returns the refresh token it holds.
 */
export async function expireEntry(sandbox: PluginSandbox, args: string[]): Promise<string> {
  // The sandbox reads `get-token`'s flags, without the command name.
  const flags = args[0] === "get-token" ? args.slice(1) : args;
  const keyId = await sandbox.keyIdFor(flags);
  const read = await sandbox.diskCache().read(keyId);
  assert.ok(read.hit, `no cached entry to expire (${read.hit || read.reason})`);
  const { refreshToken } = read.tokenSet;
  assert.ok(refreshToken, "the cached entry has no refresh token");
  await sandbox.seedEntry(flags, { ...read.tokenSet, expiresAt: Date.now() - 60_000 });
  return refreshToken;
}
