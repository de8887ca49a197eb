/**
 * The `get-token` use case: answer from the cache when the cached token is still valid,
 * otherwise refresh or log in, then cache the new token set.
 *
 * @module
 */

import { cacheKeyId, type CacheKeyInput } from "./cache/key.ts";
import { openTokenStore, type TokenCacheOptions } from "./cache/token_store.ts";
import type { Interaction } from "./interaction.ts";
import type { LoginOptions } from "./login_options.ts";
import type { ProviderOptions } from "./oidc/provider.ts";
import { isExpired, type TokenSet } from "./token_set.ts";

/** Everything `get-token` needs. */
export interface GetTokenOptions {
  provider: ProviderOptions;
  login: LoginOptions;
  cache: TokenCacheOptions;
  /** Refresh even when the cached token is still valid (`--force-refresh`). */
  forceRefresh: boolean;
}

/** The token for kubectl and where it came from. */
export interface GetTokenResult {
  tokenSet: TokenSet;
  source: "cache" | "refresh" | "login";
}

/** The cache key inputs of a `get-token` configuration. */
export function cacheKeyInputOf(options: GetTokenOptions): CacheKeyInput {
  const { provider, login } = options;
  return {
    issuerUrl: provider.issuerUrl,
    clientId: provider.clientId,
    extraScopes: provider.extraScopes,
    grantType: login.grantType,
    username: login.grantType === "password" ? login.username : undefined,
    useAccessToken: provider.useAccessToken,
    redirectUrl: provider.redirectUrl,
    authRequestExtraParams: login.authRequestExtraParams,
    certificateAuthorities: provider.tls.certificateAuthorities,
    certificateAuthorityData: provider.tls.certificateAuthorityData,
    insecureSkipTlsVerify: provider.tls.insecureSkipTlsVerify,
  };
}

/**
 * Returns a valid token, from the cache when possible.
 *
 * @example
 * ```ts
 * const { tokenSet } = await getToken(options, { logger: silentLogger });
 * console.log(new Date(tokenSet.expiresAt));
 * ```
 */
export async function getToken(
  options: GetTokenOptions,
  interaction: Interaction,
): Promise<GetTokenResult> {
  const { logger } = interaction;
  const keyId = await cacheKeyId(cacheKeyInputOf(options));
  const store = openTokenStore(options.cache);
  const cached = await store.read(keyId);
  if (cached.hit) {
    if (options.forceRefresh) {
      logger.debug("--force-refresh: ignoring the cached token");
    } else if (!isExpired(cached.tokenSet)) {
      logger.debug(
        `the cached token is valid until ${new Date(cached.tokenSet.expiresAt).toISOString()}`,
      );
      return { tokenSet: cached.tokenSet, source: "cache" };
    } else {
      logger.debug(
        `the cached token expired at ${new Date(cached.tokenSet.expiresAt).toISOString()}`,
      );
    }
  } else {
    logger.debug(
      `no usable cached token (${cached.reason}${cached.detail ? `: ${cached.detail}` : ""})`,
    );
  }
  const { authenticate } = await import("./authenticate.ts");
  const result = await authenticate({
    provider: options.provider,
    login: options.login,
    refreshToken: cached.hit ? cached.tokenSet.refreshToken : undefined,
    interaction,
    onRefreshTokenRejected: async () => {
      await store.delete(keyId);
    },
  });
  await store.write(keyId, result.tokenSet);
  logger.debug(`cached a token valid until ${new Date(result.tokenSet.expiresAt).toISOString()}`);
  return { tokenSet: result.tokenSet, source: result.via };
}
