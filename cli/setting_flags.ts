/**
 * The flag of each library setting. Library messages name a setting by its path in the options
 * (`` `provider.issuerUrl` ``, `` `login.grantType: "device-code"` ``) and list it in the error's
 * `settings`; the CLI shows its flag instead (`--oidc-issuer-url`, `--grant-type=device-code`),
 * so the library stays free of CLI words and users still read the flag to change.
 *
 * @module
 */

import type { KubeloginError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";

/**
 * Library setting path → flag name (without dashes), for the settings library messages name.
 * `tests/cli/setting_flags_test.ts` checks each flag exists and each setting named in `lib/` is
 * here.
 */
export const SETTING_FLAGS: Readonly<Record<string, string>> = {
  "provider.issuerUrl": "oidc-issuer-url",
  "provider.clientId": "oidc-client-id",
  "provider.clientSecret": "oidc-client-secret",
  "provider.redirectUrl": "oidc-redirect-url",
  "provider.useAccessToken": "oidc-use-access-token",
  "provider.pkceMethod": "oidc-pkce-method",
  "provider.tls.certificateAuthorities": "certificate-authority",
  "provider.tls.certificateAuthorityData": "certificate-authority-data",
  "provider.tls.insecureSkipTlsVerify": "insecure-skip-tls-verify",
  forceRefresh: "force-refresh",
  "login.grantType": "grant-type",
  "login.browserCommand": "browser-command",
  "login.listenAddresses": "listen-address",
  "login.authenticationTimeoutSec": "authentication-timeout-sec",
  "login.localServerCertFile": "local-server-cert",
  "login.localServerKeyFile": "local-server-key",
  "login.authRequestExtraParams": "oidc-auth-request-extra-params",
  "login.username": "username",
  "login.password": "password",
  "login.tokenExchange.subjectToken": "token-exchange-subject-token",
  "login.tokenExchange.actorToken": "token-exchange-actor-token",
  "login.tokenExchange.actorTokenType": "token-exchange-actor-token-type",
  "login.tokenExchange.requestedTokenType": "token-exchange-requested-token-type",
  "cache.directory": "token-cache-dir",
  "cache.storage": "token-cache-storage",
  "kubeconfig.context": "context",
  "kubeconfig.user": "user",
};

/**
 * Hidden compatibility flags that set a setting to one value, shown beside the flag of that value
 * (`--oidc-pkce-method=S256 / --oidc-use-pkce`) so whichever a kubeconfig carries is recognised.
 */
export const SAME_VALUE_FLAGS: Readonly<Record<string, string>> = {
  "provider.pkceMethod=S256": "oidc-use-pkce",
};

/** `` `path` `` or `` `path: "value"` ``: a setting as library messages name it. */
const SETTING_PATTERN = /`([a-zA-Z][\w.]*)(?:: "([^"`]*)")?`/g;

/**
 * The text with each setting it names replaced by its flag: `` `login.grantType: "password"` ``
 * becomes `--grant-type=password`. Names that are no known setting are left as they are.
 */
export function withFlagNames(text: string): string {
  return text.replace(SETTING_PATTERN, (whole, path: string, value: string | undefined) => {
    const flag = SETTING_FLAGS[path];
    if (flag === undefined) return whole;
    if (value === undefined) return `--${flag}`;
    const alias = SAME_VALUE_FLAGS[`${path}=${value}`];
    return alias === undefined ? `--${flag}=${value}` : `--${flag}=${value} / --${alias}`;
  });
}

/**
 * " (set --a, --b)" for the settings of an error that its message does not name already, so a
 * library error that only lists them still points at the flags; empty when there are none.
 */
export function unnamedSettingsHint(error: KubeloginError): string {
  const named = new Set([...error.message.matchAll(SETTING_PATTERN)].map((match) => match[1]));
  const flags = error.settings
    .filter((path) => !named.has(path) && SETTING_FLAGS[path] !== undefined)
    .map((path) => `--${SETTING_FLAGS[path]}`);
  return flags.length === 0 ? "" : ` (set ${flags.join(", ")})`;
}

/** `logger` with the settings named in each line shown as flags, for the library's log lines. */
export function withFlagNamesLogger(logger: Logger): Logger {
  return {
    ...logger,
    info: (message) => logger.info(withFlagNames(message)),
    debug: (message) => logger.debug(withFlagNames(message)),
  };
}
