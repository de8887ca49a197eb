/**
 * The `get-token` use case: answer from the cache when the cached token is still valid,
 * otherwise refresh or log in, then cache the new token set.
 *
 * A cache hit takes no lock and makes no request. Otherwise the entry's lock is taken and the
 * cache read again: when another process refreshed meanwhile, its token is used, so exactly one
 * process talks to the provider per entry.
 *
 * @module
 */

import { cacheKeyId } from "./cache/key.ts";
import { cacheKeyInputOf } from "./get_token_key.ts";
import { withDirectoryErrors } from "./cache/directory_errors.ts";
import { openTokenStore, type TokenCacheOptions, type TokenStore } from "./cache/token_store.ts";
import type { AuthenticateInput, AuthenticateResult } from "./authenticate.ts";
import type { CacheReadResult } from "./cache/encrypted_file.ts";
import type { EntryLock } from "./cache/lock.ts";
import { lockWaitMessage } from "./cache/lock_wait_message.ts";
import type { Interaction } from "./interaction.ts";
import type { Logger } from "./log.ts";
import type { LoginOptions } from "./login_options.ts";
import type { ProviderOptions } from "./oidc/provider.ts";
import { joinPath } from "./path.ts";
import { isExpired, type TokenSet } from "./token_set.ts";

export { cacheKeyInputOf } from "./get_token_key.ts";

/** Everything `get-token` needs. */
export interface GetTokenOptions {
  /** The provider and client (`--oidc-*`, TLS). */
  provider: ProviderOptions;
  /** How to log in when the cache cannot answer. */
  login: LoginOptions;
  /** Where the token cache lives. */
  cache: TokenCacheOptions;
  /** Refresh even when the cached token is still valid (`--force-refresh`). */
  forceRefresh: boolean;
}

/** The token for kubectl and where it came from. */
export interface GetTokenResult {
  /** The token set kubectl gets (the ID token, or the access token with `--oidc-use-access-token`). */
  tokenSet: TokenSet;
  /** `cache` also when another process refreshed while this one waited for the lock. */
  source: "cache" | "refresh" | "login";
}

/**
 * The collaborators of {@link getTokenWith}, as kubelogin's `GetToken` is handed its
 * authentication, token cache repository and mutex. Each defaults to the real one; tests swap
 * them to run expiry and lock scenarios in-process without waiting on the clock.
 */
export interface GetTokenParts {
  /**
   * The token cache and its per-entry lock; by default the store `options.cache` names, with
   * unusable-directory errors explained.
   */
  store?: TokenStore;
  /**
   * Refreshes or logs in; by default `authenticate` of ./authenticate.ts, loaded only when the
   * cache cannot answer, so a cache hit never loads the grants or jose.
   */
  authenticate?: (input: AuthenticateInput) => Promise<AuthenticateResult>;
  /** The current time, milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
}

/**
 * Returns a valid token, from the cache when possible.
 *
 * @example
 * ```ts
 * import { getToken, type GetTokenOptions } from "./get_token.ts";
 * import { silentLogger } from "./log.ts";
 *
 * declare const options: GetTokenOptions; // as `get-token`'s flags give them
 * const { tokenSet } = await getToken(options, { logger: silentLogger });
 * console.log(new Date(tokenSet.expiresAt));
 * ```
 */
export function getToken(
  options: GetTokenOptions,
  interaction: Interaction,
): Promise<GetTokenResult> {
  return getTokenWith(options, interaction, {});
}

/** {@link getToken} with its collaborators given (any left out are the real ones). */
export async function getTokenWith(
  options: GetTokenOptions,
  interaction: Interaction,
  parts: GetTokenParts,
): Promise<GetTokenResult> {
  const { logger } = interaction;
  const now = parts.now ?? Date.now;
  const expired = (tokenSet: TokenSet) => isExpired(tokenSet, now());
  const keyId = await cacheKeyId(cacheKeyInputOf(options));
  const store = parts.store ??
    withDirectoryErrors(openTokenStore(options.cache, logger), options.cache.directory);
  logger.debug(
    options.cache.storage === "none"
      ? 'token cache: not cached (`cache.storage: "none"`)'
      : `token cache entry: ${joinPath(options.cache.directory, keyId)} (${options.cache.storage})`,
  );
  const first = await store.read(keyId);
  if (usable(first, options.forceRefresh, expired, logger)) {
    return { tokenSet: first.tokenSet, source: "cache" };
  }
  /** The token another process wrote since the first read, if it is still valid. */
  const writtenByAnother = (read: CacheReadResult): TokenSet | undefined =>
    read.hit && changed(first, read) && !expired(read.tokenSet) ? read.tokenSet : undefined;
  const useAnothers = (tokenSet: TokenSet): GetTokenResult => {
    logger.debug("another process refreshed the token; using its token");
    return { tokenSet, source: "cache" };
  };
  // Entries are replaced by atomic renames, so reading one while another process holds the lock
  // is safe: a waiter takes the holder's token as soon as it is written.
  const outcome = await store.lock(keyId, {
    timeoutMs: options.login.authenticationTimeoutSec * 1000,
    onWait: (holder, activity) => logger.info(lockWaitMessage(holder, activity)),
    stopWaiting: async () => writtenByAnother(await store.read(keyId)),
  });
  if (!outcome.held) return useAnothers(outcome.found);
  await using lock = outcome.lock;
  // Read again even when the lock was free: another process may have refreshed and released it
  // between the first read and now, consuming the refresh token this process holds.
  const current = await store.read(keyId);
  const afterLock = writtenByAnother(current);
  if (afterLock) return useAnothers(afterLock);
  const authenticate = parts.authenticate ?? (await import("./authenticate.ts")).authenticate;
  return await refreshOrLogin(options, interaction, authenticate, store, keyId, current, lock);
}

function usable(
  read: CacheReadResult,
  forceRefresh: boolean,
  expired: (tokenSet: TokenSet) => boolean,
  logger: Logger,
): read is CacheReadResult & { hit: true } {
  if (!read.hit) {
    logger.debug(`no usable cached token (${read.reason}${read.detail ? `: ${read.detail}` : ""})`);
    return false;
  }
  const expiry = new Date(read.tokenSet.expiresAt).toISOString();
  if (forceRefresh) {
    logger.debug("`forceRefresh`: not using the cached token");
    return false;
  }
  if (expired(read.tokenSet)) {
    logger.debug(`the cached token expired at ${expiry}`);
    return false;
  }
  logger.debug(`the cached token is valid until ${expiry}`);
  return true;
}

function changed(before: CacheReadResult, after: CacheReadResult & { hit: true }): boolean {
  return !before.hit || before.tokenSet.token !== after.tokenSet.token;
}

async function refreshOrLogin(
  options: GetTokenOptions,
  interaction: Interaction,
  authenticate: NonNullable<GetTokenParts["authenticate"]>,
  store: TokenStore,
  keyId: string,
  cached: CacheReadResult,
  lock?: EntryLock,
): Promise<GetTokenResult> {
  const { logger } = interaction;
  await store.prepare();
  const refreshToken = cached.hit ? cached.tokenSet.refreshToken : undefined;
  await lock?.record?.(refreshToken ? "refresh" : `login:${options.login.grantType}`);
  const result = await authenticate({
    provider: options.provider,
    login: options.login,
    refreshToken,
    interaction,
    metadataStore: store.metadata?.({ ...options.provider, ...options.provider.tls }),
    onRefreshTokenRejected: async () => {
      await store.delete(keyId);
      await lock?.record?.(`login:${options.login.grantType}`);
    },
  });
  await store.write(keyId, result.tokenSet, {
    issuerUrl: options.provider.issuerUrl,
    clientId: options.provider.clientId,
  });
  logger.debug(`cached a token valid until ${new Date(result.tokenSet.expiresAt).toISOString()}`);
  return { tokenSet: result.tokenSet, source: result.via };
}
