/**
 * The providers the acceptance scenarios run against, each as a fixture with what the
 * scenarios need to know about it: oidc-provider (the test IdP), LemonLDAP::NG (a second,
 * OpenID-certified provider no one here wrote, run from the Debian packages), and optionally a
 * real provider named by the environment (docs/acceptance-test.md).
 *
 * @module
 */

import { ALICE, BOB, PUBLIC_CLIENT_ID, startTestIdp, type TestIdp } from "../support/idp.ts";
import {
  POST_CLIENT_ID,
  SECRET_CLIENTS_OPTIONS,
  SPECIAL_SECRET,
} from "../support/idp/secret_clients.ts";
import {
  DWHO,
  LEMONLDAP_CONFIDENTIAL_CLIENT_ID,
  LEMONLDAP_PUBLIC_CLIENT_ID,
  lemonLdapAvailability,
  startLemonLdap,
} from "../support/lemonldap.ts";
import type { Credentials } from "../support/browser.ts";

/**
 * What the scenarios can see of and do to a provider that runs in the test process: its request
 * log, and revoking the refresh tokens it issued.
 */
export type LocalProvider = Pick<
  TestIdp,
  "requests" | "clearRequests" | "countRequests" | "requestsTo" | "revokeRefreshTokens"
>;

/** A provider as the scenarios see it. */
export interface AcceptanceProvider extends AsyncDisposable {
  issuerUrl: string;
  clientId: string;
  /** The main client's secret, for a provider that has no public client. */
  clientSecret?: string;
  /** `--oidc-extra-scope`, comma-separated. */
  extraScopes?: string;
  /** `--listen-address`, for a provider that matches redirect URIs exactly. */
  listenAddress?: string;
  /** Typed into the login form; absent when a person logs in. */
  user?: Credentials;
  /** The API server's `--oidc-username-claim`. */
  usernameClaim: string;
  groupsClaim?: string;
  /** The user name kubectl must report, when known. */
  expectedUsername?: string;
  /** The user's groups in the token, when known: kubectl must report them. */
  expectedGroups?: string[];
  /** A second person, whom the API server does not bind: the Forbidden scenario logs them in. */
  otherUser?: { user: Credentials; expectedUsername: string };
  /** The provider's request log and controls, when it runs in the test process. */
  local?: LocalProvider;
  /** More hosts for the plugin's `--allow-net`. */
  extraNetHosts: string[];
  /**
   * The OAuth error the provider answers for a refresh token it never issued (oidc-provider
   * `invalid_grant`, LemonLDAP::NG `invalid_request`); absent when not known.
   */
  unknownRefreshTokenError?: string;
  /** `approve`: the device grant is approved in the browser; `refused`: there is none. */
  deviceCode?: { kind: "approve"; done: RegExp } | { kind: "refused" };
  /** Whether the password grant scenario runs (it needs {@link AcceptanceProvider.user}). */
  passwordGrant: boolean;
  /** A confidential client whose secret holds `+ / = : %`. */
  confidentialClient?: { clientId: string; clientSecret: string };
  /** What to keep when a scenario fails (the provider's logs). */
  artifacts?: () => Promise<Record<string, string>>;
}

/** A fixture: its name, whether it can run here, and how to start it. */
export interface ProviderFixture {
  name: string;
  /** Why it cannot run here (skipped), or `undefined`. */
  unavailable(): Promise<string | undefined>;
  /** Whether a missing tool is a failure under `CI=true` (false: the fixture needs an account). */
  requiredInCi: boolean;
  /** Whether Chromium logs in (false: a person does). */
  drivesBrowser: boolean;
  start(): Promise<AcceptanceProvider>;
}

const env = (name: string): string | undefined => Deno.env.get(name) || undefined;

/**
 * oidc-provider in this process, with the special-secret clients registered: the system test's
 * fixture (tests/system/system_test.ts), which also asserts what the provider saw.
 */
export const OIDC_PROVIDER: ProviderFixture = {
  name: "oidc-provider",
  unavailable: () => Promise.resolve(undefined),
  requiredInCi: true,
  drivesBrowser: true,
  async start() {
    const idp = await startTestIdp({ ...SECRET_CLIENTS_OPTIONS, idTokenTtlSec: 600 });
    return {
      issuerUrl: idp.issuer,
      clientId: PUBLIC_CLIENT_ID,
      extraScopes: "groups",
      listenAddress: "127.0.0.1:0",
      user: ALICE,
      usernameClaim: "sub",
      groupsClaim: "groups",
      expectedUsername: `${idp.issuer}#${ALICE.username}`,
      expectedGroups: ALICE.groups,
      otherUser: { user: BOB, expectedUsername: `${idp.issuer}#${BOB.username}` },
      local: idp,
      extraNetHosts: [],
      unknownRefreshTokenError: "invalid_grant",
      deviceCode: { kind: "approve", done: /Device approved/ },
      passwordGrant: true,
      confidentialClient: { clientId: POST_CLIENT_ID, clientSecret: SPECIAL_SECRET },
      artifacts: () => Promise.resolve({ "requests.json": JSON.stringify(idp.requests, null, 2) }),
      [Symbol.asyncDispose]: () => idp.close(),
    };
  },
};

/** LemonLDAP::NG from the Debian packages, on its own nginx and FastCGI processes. */
export const LEMONLDAP: ProviderFixture = {
  name: "LemonLDAP::NG",
  unavailable: async () => (await lemonLdapAvailability()).reason,
  requiredInCi: true,
  drivesBrowser: true,
  async start() {
    const llng = await startLemonLdap({ tokenTtlSec: 600 });
    return {
      issuerUrl: llng.issuer,
      clientId: LEMONLDAP_PUBLIC_CLIENT_ID,
      extraScopes: "groups",
      // Redirect URIs match exactly there: only registered ports work.
      listenAddress: `127.0.0.1:${llng.callbackPorts[0]}`,
      user: DWHO,
      usernameClaim: "sub",
      groupsClaim: "groups",
      expectedUsername: `${llng.issuer}#${DWHO.username}`,
      extraNetHosts: [],
      unknownRefreshTokenError: "invalid_request",
      deviceCode: { kind: "refused" },
      passwordGrant: true,
      confidentialClient: {
        clientId: LEMONLDAP_CONFIDENTIAL_CLIENT_ID,
        clientSecret: llng.clientSecret,
      },
      artifacts: async () => ({ "lemonldap.log": await llng.logTail(200) }),
      [Symbol.asyncDispose]: () => llng.close(),
    };
  },
};

/** A real provider from `ACCEPTANCE_*` variables (docs/acceptance-test.md). */
export const EXTERNAL: ProviderFixture = {
  name: "an external provider",
  unavailable: () =>
    Promise.resolve(
      env("ACCEPTANCE_OIDC_ISSUER_URL") && env("ACCEPTANCE_OIDC_CLIENT_ID")
        ? undefined
        : "set ACCEPTANCE_OIDC_ISSUER_URL and ACCEPTANCE_OIDC_CLIENT_ID, see docs/acceptance-test.md",
    ),
  // CI has no account at anyone's provider.
  requiredInCi: false,
  drivesBrowser: Boolean(env("ACCEPTANCE_LOGIN_USERNAME") && env("ACCEPTANCE_LOGIN_PASSWORD")),
  start() {
    const username = env("ACCEPTANCE_LOGIN_USERNAME");
    const password = env("ACCEPTANCE_LOGIN_PASSWORD");
    const user = username && password ? { username, password } : undefined;
    const device = env("ACCEPTANCE_DEVICE_CODE") === "true";
    const done = new RegExp(
      env("ACCEPTANCE_DEVICE_DONE_TEXT") ??
        String.raw`\b(approved|success\w*|all set|signed in|logged in|you can close|return to)\b`,
      "i",
    );
    return Promise.resolve({
      issuerUrl: env("ACCEPTANCE_OIDC_ISSUER_URL")!,
      clientId: env("ACCEPTANCE_OIDC_CLIENT_ID")!,
      clientSecret: env("ACCEPTANCE_OIDC_CLIENT_SECRET"),
      extraScopes: env("ACCEPTANCE_OIDC_EXTRA_SCOPES"),
      listenAddress: env("ACCEPTANCE_LISTEN_ADDRESS"),
      user,
      usernameClaim: env("ACCEPTANCE_USERNAME_CLAIM") ?? "sub",
      groupsClaim: env("ACCEPTANCE_GROUPS_CLAIM"),
      expectedUsername: env("ACCEPTANCE_EXPECTED_USERNAME"),
      extraNetHosts: env("ACCEPTANCE_ALLOW_NET")?.split(",").filter(Boolean) ?? [],
      deviceCode: device ? { kind: "approve" as const, done } : undefined,
      passwordGrant: Boolean(user) && env("ACCEPTANCE_PASSWORD_GRANT") === "true",
      [Symbol.asyncDispose]: () => Promise.resolve(),
    });
  },
};

/**
 * The acceptance test's fixtures: providers no one here wrote. The same scenarios run against
 * {@link OIDC_PROVIDER} in the system test.
 */
export const ACCEPTANCE_FIXTURES: readonly ProviderFixture[] = [LEMONLDAP, EXTERNAL];
