/**
 * How to log in when no usable token is cached: the grant type and its settings.
 *
 * @module
 */

/** The grant types, as `--grant-type` names them (after `auto` is resolved). */
export type GrantType =
  | "authcode"
  | "authcode-keyboard"
  | "password"
  | "device-code"
  | "client-credentials"
  | "token-exchange";

/** `--grant-type` values, `auto` included. */
export const GRANT_TYPE_CHOICES: readonly string[] = [
  "auto",
  "authcode",
  "authcode-keyboard",
  "password",
  "device-code",
  "client-credentials",
  "token-exchange",
];

/** Settings of every grant type; each grant reads the fields it needs. */
export interface LoginOptions {
  /** `--grant-type`, resolved (`auto` already decided). */
  grantType: GrantType;
  /** Loopback server addresses, tried in order (authcode). */
  listenAddresses: readonly string[];
  /** `--skip-open-browser`: print the URL only. */
  skipOpenBrowser: boolean;
  /** `--browser-command`: run instead of the platform's opener. */
  browserCommand?: string;
  /** `--authentication-timeout-sec`: how long a login (or a wait for the lock) may take. */
  authenticationTimeoutSec: number;
  /** `--local-server-cert`: serve the loopback redirect over HTTPS with this certificate. */
  localServerCertFile?: string;
  /** `--local-server-key`: the key of {@link LoginOptions.localServerCertFile}. */
  localServerKeyFile?: string;
  /** `--open-url-after-authentication`: where the browser goes after a login. */
  openUrlAfterAuthentication?: string;
  /**
   * Host name of the default redirect URI instead of `localhost` (authcode; kubelogin's removed
   * `--oidc-redirect-url-hostname`). `--oidc-redirect-url` wins over it.
   */
  redirectUrlHostname?: string;
  /** Extra authorization request parameters; token request parameters for client credentials. */
  authRequestExtraParams: Readonly<Record<string, string>>;
  /** `--username` of the password grant. */
  username?: string;
  /** Never logged. */
  password?: string;
  /** device-code: draw a QR code of `verification_uri_complete` (`--device-code-qr`, resolved). */
  deviceCodeQr?: boolean;
  /** token-exchange: what to exchange and for what (RFC 8693). */
  tokenExchange?: TokenExchangeOptions;
}

/** The inputs of a token exchange request (RFC 8693 section 2.1). */
export interface TokenExchangeOptions {
  /** `resource`: the URI of the target service. */
  resource?: string;
  /** `audience`: the logical name of the target service. */
  audience?: string;
  /** `requested_token_type`: the token type URI to ask for. */
  requestedTokenType?: string;
  /** The token to exchange. Secret: never logged, never printed. */
  subjectToken?: string;
  /** Defaults to the access token type. */
  subjectTokenType?: string;
  /** The acting party's token. Secret: never logged, never printed. */
  actorToken?: string;
  /** The actor token's type URI; required with {@link TokenExchangeOptions.actorToken}. */
  actorTokenType?: string;
}

/** kubelogin's defaults: port 8000, then 18000 when 8000 is taken. */
export const DEFAULT_LISTEN_ADDRESSES: readonly string[] = ["127.0.0.1:8000", "127.0.0.1:18000"];

/** kubelogin's default `--authentication-timeout-sec`. */
export const DEFAULT_AUTHENTICATION_TIMEOUT_SEC = 180;

/** Resolves `auto`: the password grant when a username is given, else the authorization code. */
export function resolveGrantType(grantType: string, username: string | undefined): GrantType {
  if (grantType === "auto") return username ? "password" : "authcode";
  return grantType as GrantType;
}
