/**
 * Getting a fresh token set from the provider: refresh when a refresh token is at hand, log in
 * when there is none or the provider rejected it. This module and everything it imports (jose,
 * the grants) load only when the cache could not answer.
 *
 * @module
 */

import { OidcError } from "./errors.ts";
import type { Interaction } from "./interaction.ts";
import type { LoginOptions } from "./login_options.ts";
import { login } from "./oidc/login.ts";
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
}

/** How the new token set was obtained. */
export interface AuthenticateResult {
  tokenSet: TokenSet;
  via: "refresh" | "login";
}

/**
 * Refreshes or logs in. Only `invalid_grant` on refresh leads to a new login: a network failure
 * or a provider error is reported as it is, so a flaky network never opens a browser window.
 */
export async function authenticate(input: AuthenticateInput): Promise<AuthenticateResult> {
  const { logger } = input.interaction;
  using session = await openProviderSession(input.provider, logger);
  if (input.refreshToken) {
    logger.debug("refreshing the token");
    try {
      const tokenSet = await refreshTokenSet(session, input.refreshToken);
      return { tokenSet, via: "refresh" };
    } catch (error) {
      if (!(error instanceof OidcError) || error.error !== "invalid_grant") throw error;
      logger.debug(`the refresh token was rejected (${error.message}); logging in again`);
      await input.onRefreshTokenRejected?.();
    }
  }
  logger.debug(`logging in with the ${input.login.grantType} grant`);
  const tokenSet = await login(session, input.login, input.interaction);
  return { tokenSet, via: "login" };
}
