/**
 * The client credentials grant (RFC 6749 section 4.4): a machine logs in as itself with the
 * client secret; the access token is the credential, as no user is involved.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { Interaction } from "../interaction.ts";
import type { LoginOptions } from "../login_options.ts";
import type { TokenSet } from "../token_set.ts";
import type { ProviderSession } from "./provider.ts";
import { GRANT_CLIENT_CREDENTIALS, requestToken } from "./token_endpoint.ts";
import { verifyTokenResponse } from "./verify.ts";

/**
 * Gets an access token for the client itself.
 *
 * `--oidc-auth-request-extra-params` go into the token request (`audience=…`, `resource=…`).
 * Only the extra scopes are requested: `openid` asks for an ID token about a user, and some
 * providers (Azure AD) refuse it on this grant. A JWT access token is verified (signature and
 * issuer; its audience is the API, not this client) and its `exp` used; an opaque one expires
 * after `expires_in`.
 *
 * @throws {UsageError} when no client secret is configured
 * @throws {OidcError} when the provider refuses (`invalid_client`, `unauthorized_client`, ...)
 */
export async function loginWithClientCredentials(
  session: ProviderSession,
  options: LoginOptions,
  interaction: Interaction,
): Promise<TokenSet> {
  if (!session.client.clientSecret) {
    throw new UsageError(
      "--grant-type=client-credentials needs a client secret: pass --oidc-client-secret " +
        "or set OIDC_CLIENT_SECRET",
    );
  }
  const params: Record<string, string> = { ...options.authRequestExtraParams };
  const scopes = [...new Set(session.options.extraScopes)];
  if (scopes.length > 0) params.scope = scopes.join(" ");
  params.grant_type = GRANT_CLIENT_CREDENTIALS;
  interaction.logger.debug(`client credentials grant for client ${session.options.clientId}`);
  const response = await requestToken(session.http, session.metadata, session.client, params);
  return await verifyTokenResponse(response, {
    http: session.http,
    metadata: session.metadata,
    documents: session.documents,
    clientId: session.options.clientId,
    useAccessToken: true,
  });
}
