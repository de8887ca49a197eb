/**
 * The refresh token grant (RFC 6749 section 6).
 *
 * @module
 */

import { OidcError } from "../errors.ts";
import type { TokenSet } from "../token_set.ts";
import type { ProviderSession } from "./provider.ts";
import { GRANT_REFRESH_TOKEN, requestToken } from "./token_endpoint.ts";
import { verifySessionResponse } from "./verify.ts";

/**
 * Exchanges a refresh token for a new token set and verifies it. A provider that does not rotate
 * refresh tokens answers none; the one in use is kept. When the refresh fails for any other reason
 * than an OAuth error answer, the metadata it took from the cache is forgotten, in case it is what
 * is out of date.
 *
 * @throws {OidcError} with `error` `invalid_grant` when the refresh token is no longer valid
 */
export async function refreshTokenSet(
  session: ProviderSession,
  refreshToken: string,
): Promise<TokenSet> {
  const response = await requestToken(session.http, session.metadata, session.client, {
    grant_type: GRANT_REFRESH_TOKEN,
    refresh_token: refreshToken,
  }).catch(forgetMetadata(session));
  return await verifySessionResponse(session, response, {
    previousRefreshToken: refreshToken,
  }).catch(forgetMetadata(session));
}

/** A rejection handler that forgets the cached metadata unless the provider answered an error. */
function forgetMetadata(session: ProviderSession): (error: unknown) => Promise<never> {
  return async (error) => {
    if (!(error instanceof OidcError)) await session.documents.forgetServedFromCache();
    throw error;
  };
}
