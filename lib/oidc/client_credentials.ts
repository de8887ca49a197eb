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
import { type ProviderSession, scopeParameter } from "./provider.ts";
import { GRANT_CLIENT_CREDENTIALS, requestToken } from "./token_endpoint.ts";
import { verifyTokenResponse } from "./verify.ts";

/**
 * Gets an access token for the client itself.
 *
 * `--oidc-auth-request-extra-params` go into the token request (`audience=…`, `resource=…`).
 * As in kubelogin, `openid` is requested with the extra scopes, and the credential is the
 * verified ID token, or the access token with `--oidc-use-access-token`. A JWT access token is
 * verified (signature and issuer; its audience is the API, not this client) and its `exp` used;
 * an opaque one expires after `expires_in`.
 *
 * @throws {UsageError} when no client secret is configured, or no ID token came back and
 *   `--oidc-use-access-token` is not set
 * @throws {OidcError} when the provider refuses (`invalid_client`, `unauthorized_client`, ...)
 */
export async function loginWithClientCredentials(
  session: ProviderSession,
  options: LoginOptions,
  interaction: Interaction,
): Promise<TokenSet> {
  if (!session.client.clientSecret) {
    throw new UsageError(
      '`login.grantType: "client-credentials"` needs a client secret: pass ' +
        "`provider.clientSecret` or set OIDC_CLIENT_SECRET",
      { settings: ["provider.clientSecret"] },
    );
  }
  const params: Record<string, string> = { ...options.authRequestExtraParams };
  params.scope = scopeParameter(session.options.extraScopes);
  params.grant_type = GRANT_CLIENT_CREDENTIALS;
  interaction.logger.debug(`client credentials grant for client ${session.options.clientId}`);
  const response = await requestToken(session.http, session.metadata, session.client, params);
  const { useAccessToken } = session.options;
  if (!useAccessToken && !response.idToken) {
    throw new UsageError(
      "the provider answered the client credentials grant without an ID token; add " +
        "`provider.useAccessToken` to give kubectl the access token",
      { settings: ["provider.useAccessToken"] },
    );
  }
  return await verifyTokenResponse(response, {
    http: session.http,
    metadata: session.metadata,
    documents: session.documents,
    clientId: session.options.clientId,
    useAccessToken,
  });
}
