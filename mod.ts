/**
 * together-kubelogin: a kubectl credential plugin for OpenID Connect, and the library behind it.
 *
 * Run as a program, it is the `kubectl together-login` plugin (see README.md). Imported, it offers
 * the `get-token` use case and its parts: the options, the ExecCredential format, the errors.
 *
 * @example
 * ```ts
 * import {
 *   DEFAULT_AUTHENTICATION_TIMEOUT_SEC,
 *   DEFAULT_LISTEN_ADDRESSES,
 *   getToken,
 *   type GetTokenOptions,
 *   silentLogger,
 * } from "@together/kubelogin";
 *
 * const home = Deno.env.get("HOME");
 * const options: GetTokenOptions = {
 *   provider: {
 *     issuerUrl: "https://issuer.example.com",
 *     clientId: "YOUR_CLIENT_ID",
 *     extraScopes: [],
 *     pkceMethod: "auto",
 *     useAccessToken: false,
 *     requestHeaders: {},
 *     tls: { certificateAuthorities: [], certificateAuthorityData: [], insecureSkipTlsVerify: false },
 *   },
 *   login: {
 *     grantType: "device-code",
 *     listenAddresses: DEFAULT_LISTEN_ADDRESSES,
 *     skipOpenBrowser: true,
 *     authenticationTimeoutSec: DEFAULT_AUTHENTICATION_TIMEOUT_SEC,
 *     authRequestExtraParams: {},
 *   },
 *   cache: {
 *     storage: "disk",
 *     directory: `${home}/.kube/cache/oidc-login`,
 *     dataKeyFile: `${home}/.config/together-kubelogin/token-cache.key`,
 *   },
 *   forceRefresh: false,
 * };
 * // A cached token, or a device-code login whose URL goes to the logger.
 * const { tokenSet, source } = await getToken(options, { logger: silentLogger });
 * console.log(source, new Date(tokenSet.expiresAt));
 * ```
 *
 * @module
 */

export {
  cacheKeyInputOf,
  getToken,
  type GetTokenOptions,
  type GetTokenResult,
} from "./lib/get_token.ts";
export type { CacheKeyInput } from "./lib/cache/key.ts";
export type { ProviderOptions } from "./lib/oidc/provider.ts";
export type { TlsOptions } from "./lib/oidc/http.ts";
export type { PkceMethod } from "./lib/oidc/pkce.ts";
export {
  DEFAULT_AUTHENTICATION_TIMEOUT_SEC,
  DEFAULT_LISTEN_ADDRESSES,
  GRANT_TYPE_CHOICES,
  type GrantType,
  type LoginOptions,
  resolveGrantType,
  type TokenExchangeOptions,
} from "./lib/login_options.ts";
export {
  TOKEN_CACHE_STORAGE_CHOICES,
  type TokenCacheOptions,
  type TokenCacheStorage,
} from "./lib/cache/token_store.ts";
export { EXPIRY_MARGIN_SECONDS, isExpired, type TokenSet } from "./lib/token_set.ts";
export {
  buildExecCredential,
  EXEC_API_V1,
  EXEC_API_V1BETA1,
  type ExecApiVersion,
  type ExecCredential,
  type ExecInfo,
  parseExecInfo,
} from "./lib/kube/exec_credential.ts";
export type { Interaction, Prompter } from "./lib/interaction.ts";
export { loginPageOpener } from "./lib/open_login_page.ts";
export { type Logger, silentLogger } from "./lib/log.ts";
export {
  AuthenticationError,
  type AuthenticationFailure,
  CacheError,
  KeyringError,
  KubeloginError,
  type KubeloginErrorOptions,
  NotInteractiveError,
  OidcError,
  PermissionError,
  ProviderError,
  RefreshFailedError,
  TokenVerificationError,
  UsageError,
} from "./lib/errors.ts";

if (import.meta.main) {
  const { main } = await import("./cli/main.ts");
  Deno.exit(await main(Deno.args));
}
