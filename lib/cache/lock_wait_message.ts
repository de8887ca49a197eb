/**
 * What a process waiting for an entry's lock tells the user, from what the holder recorded in
 * the lock file: "to finish logging in (browser)" is worth waiting for, and a different thing
 * from a refresh that takes a second.
 *
 * @module
 */

/** How each grant's login reads in the waiting message. */
const LOGIN_WAYS: Readonly<Record<string, string>> = {
  "authcode": "browser",
  "authcode-keyboard": "browser, code typed in",
  "device-code": "device code",
  "password": "password",
  "client-credentials": "client credentials",
  "token-exchange": "token exchange",
};

/**
 * The line shown while waiting.
 *
 * @param activity what the holder recorded: `refresh` or `login:<grant type>`
 * @example
 * ```ts
 * lockWaitMessage(4242, "login:authcode");
 * // "Waiting for process 4242 to finish logging in (browser)"
 * ```
 */
export function lockWaitMessage(holderPid: number | undefined, activity?: string): string {
  const who = holderPid === undefined ? "another process" : `process ${holderPid}`;
  if (activity === "refresh") return `Waiting for ${who} to refresh the token (token cache lock)`;
  if (activity?.startsWith("login:")) {
    const grant = activity.slice("login:".length);
    return `Waiting for ${who} to finish logging in (${LOGIN_WAYS[grant] ?? grant})`;
  }
  return `Waiting for ${who}, which holds the token cache lock`;
}
