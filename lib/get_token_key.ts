/**
 * Which cache entry a `get-token` configuration reads: kept apart from `get_token.ts` so that the
 * cache-hit path can compute it without loading the login code that module imports on demand.
 *
 * @module
 */

import type { CacheKeyInput } from "./cache/key.ts";
import type { GetTokenOptions } from "./get_token.ts";

/** The cache key inputs of a `get-token` configuration. */
export function cacheKeyInputOf(options: GetTokenOptions): CacheKeyInput {
  const { provider, login } = options;
  return {
    issuerUrl: provider.issuerUrl,
    clientId: provider.clientId,
    extraScopes: provider.extraScopes,
    grantType: login.grantType,
    username: login.grantType === "password"
      ? login.username
      // A token exchanged for another subject or audience is another entry; the key is a hash,
      // so the subject token in it is never stored.
      : login.grantType === "token-exchange"
      ? JSON.stringify(login.tokenExchange ?? {})
      : undefined,
    useAccessToken: provider.useAccessToken,
    redirectUrl: provider.redirectUrl,
    authRequestExtraParams: login.authRequestExtraParams,
    requestHeaders: provider.requestHeaders,
    certificateAuthorities: provider.tls.certificateAuthorities,
    certificateAuthorityData: provider.tls.certificateAuthorityData,
    insecureSkipTlsVerify: provider.tls.insecureSkipTlsVerify,
  };
}
