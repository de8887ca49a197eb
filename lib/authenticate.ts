/**
 * Getting a fresh token set from the provider: refresh when a refresh token is at hand, log in
 * when there is none or the provider rejected it. This module and everything it imports (jose,
 * the grants) load only when the cache could not answer.
 *
 * @module
 */

import { OidcError, ProviderError, RefreshFailedError } from "./errors.ts";
import type { Interaction } from "./interaction.ts";
import type { LoginOptions } from "./login_options.ts";
import { login } from "./oidc/login.ts";
import type { MetadataStore } from "./oidc/metadata_cache.ts";
import { openProviderSession, type ProviderOptions } from "./oidc/provider.ts";
import { refreshTokenSet } from "./oidc/refresh.ts";
import type { TokenSet } from "./token_set.ts";

/** What {@link authenticate} needs. */
export interface AuthenticateInput {
  provider: ProviderOptions;
  login: LoginOptions;
  /** The refresh token of the cached entry, if any. */
  refreshToken?: string;
  interaction: Interaction;
  /**
   * Called as soon as the provider rejects the refresh token, before the new login starts, so a
   * dead refresh token is dropped even when the login then fails or is abandoned.
   */
  onRefreshTokenRejected?: () => Promise<void>;
  /** Where the provider's metadata is cached (the token cache); absent: fetched every time. */
  metadataStore?: MetadataStore;
}

/** How the new token set was obtained. */
export interface AuthenticateResult {
  tokenSet: TokenSet;
  via: "refresh" | "login";
}

/**
 * Refreshes or logs in. An OAuth error with a 4xx status on the refresh (`invalid_grant`, and
 * also `invalid_request`, which LemonLDAP::NG answers for a refresh token it no longer knows,
 * `unauthorized_client`, `invalid_scope`, ...) means this refresh token will never work: it is
 * dropped and the user logs in. Anything else (network, timeout, 5xx, 408, 429, a malformed
 * answer) may pass: it is reported as a {@link RefreshFailedError} and the cache is kept, so a
 * flaky network never opens a browser window.
 */
export async function authenticate(input: AuthenticateInput): Promise<AuthenticateResult> {
  const { logger } = input.interaction;
  using session = await openProviderSession(input.provider, input.metadataStore, logger);
  if (input.refreshToken) {
    logger.debug("refreshing the token");
    try {
      const tokenSet = await refreshTokenSet(session, input.refreshToken);
      return { tokenSet, via: "refresh" };
    } catch (error) {
      if (!refreshTokenRejected(error)) {
        // Only the provider's failures are wrapped: a missing permission or a token that fails
        // verification keeps its own error and message.
        const transient = error instanceof ProviderError || error instanceof OidcError;
        throw transient ? new RefreshFailedError(error) : error;
      }
      // Said at every level: it explains why a browser window opens.
      logger.info(`Could not refresh the token (${error.message}); logging in again`);
      await input.onRefreshTokenRejected?.();
    }
  }
  logger.debug(`logging in with the ${input.login.grantType} grant`);
  const tokenSet = await login(session, input.login, input.interaction);
  return { tokenSet, via: "login" };
}

/** Whether the provider refused this refresh token for good, rather than failing for a while. */
function refreshTokenRejected(error: unknown): error is OidcError {
  if (!(error instanceof OidcError)) return false;
  // Without a status the error did not come over HTTP from the token endpoint.
  const status = error.status ?? 0;
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
