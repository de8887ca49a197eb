/**
 * The users and clients every test provider knows, and the claims it issues about a user.
 *
 * @module
 */

/** A user of the test provider; `sub` is the username. */
export interface TestUser {
  username: string;
  password: string;
  email: string;
  groups: string[];
  name: string;
}

/** Alice: email alice@example.com (verified), groups `developers`. */
export const ALICE: TestUser = {
  username: "alice",
  password: "alice-password",
  email: "alice@example.com",
  groups: ["developers"],
  name: "Alice Example",
};

/** Bob: email bob@example.com (verified), groups `viewers`. */
export const BOB: TestUser = {
  username: "bob",
  password: "bob-password",
  email: "bob@example.com",
  groups: ["viewers"],
  name: "Bob Example",
};

/** The users every test provider knows. */
export const TEST_USERS: readonly TestUser[] = [ALICE, BOB];

/** The public native client: authorization code, device code, password, refresh token. */
export const PUBLIC_CLIENT_ID = "kubelogin-test";
/** A confidential client with the same grants; accepts `client_secret_basic` and `_post`. */
export const CONFIDENTIAL_CLIENT_ID = "kubelogin-confidential";
/** The confidential client's secret. */
export const CONFIDENTIAL_CLIENT_SECRET = "confidential-secret";
/** A machine client for the client credentials grant. */
export const MACHINE_CLIENT_ID = "kubelogin-machine";
/** The machine client's secret. */
export const MACHINE_CLIENT_SECRET = "machine-secret";

/** The out-of-band redirect URI; the provider shows the code on a page (`id="oob-code"`). */
export const OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob";
/** The device authorization grant type (RFC 8628). */
export const DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
/** The scopes the provider supports. */
export const SUPPORTED_SCOPES: readonly string[] = [
  "openid",
  "email",
  "profile",
  "groups",
  "offline_access",
];

/** The user called `username`, if the provider knows one. */
export function findUser(username: unknown): TestUser | undefined {
  return TEST_USERS.find((user) => user.username === username);
}

/** The claims of `user` for any scope: `sub` is the username. */
export function claimsOf(user: TestUser): { sub: string; [claim: string]: unknown } {
  return {
    sub: user.username,
    email: user.email,
    email_verified: true,
    groups: [...user.groups],
    name: user.name,
    preferred_username: user.username,
  };
}
