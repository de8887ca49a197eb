/**
 * OAuth 2.0 Token Exchange (RFC 8693): swaps a token the caller already holds (a CI job's OIDC
 * token, say) for a token the cluster accepts. Sent to the token endpoint like any grant, so TLS
 * is verified with the provider's trust settings and the answer validated like any token
 * response; the subject and actor tokens never reach a log or a message.
 *
 * ```
 * POST /token  grant_type=urn:ietf:params:oauth:grant-type:token-exchange
 *              &subject_token=…&subject_token_type=urn:ietf:params:oauth:token-type:id_token
 *              &audience=kubernetes&scope=openid
 * 200 {"access_token":"…","issued_token_type":"…:access_token","id_token":"…","expires_in":600}
 * ```
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { Interaction } from "../interaction.ts";
import type { LoginOptions } from "../login_options.ts";
import type { TokenSet } from "../token_set.ts";
import { type ProviderSession, scopeParameter } from "./provider.ts";
import { requestToken, type TokenResponse } from "./token_endpoint.ts";
import { verifySessionResponse } from "./verify.ts";

/** The grant type of RFC 8693 section 2.1. */
export const GRANT_TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
/** RFC 8693 section 3: an OAuth access token, the default subject token type. */
export const TOKEN_TYPE_ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";
/** RFC 8693 section 3: an OpenID Connect ID token. */
export const TOKEN_TYPE_ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";

/**
 * Exchanges the subject token. The credential is the verified ID token (the issued token itself
 * when `--token-exchange-requested-token-type` asks for an ID token), or the access token with
 * `--oidc-use-access-token`.
 *
 * @throws {UsageError} when no subject token is given, an actor token comes without its type, or
 *   no ID token came back without `--oidc-use-access-token`
 * @throws {OidcError} when the provider refuses the exchange (`invalid_grant`, ...)
 */
export async function loginWithTokenExchange(
  session: ProviderSession,
  options: LoginOptions,
  interaction: Interaction,
): Promise<TokenSet> {
  const exchange = options.tokenExchange;
  if (!exchange?.subjectToken) {
    throw new UsageError(
      '`login.grantType: "token-exchange"` needs `login.tokenExchange.subjectToken` (the token, ' +
        "or the name of an environment variable holding it)",
      { settings: ["login.tokenExchange.subjectToken"] },
    );
  }
  if (exchange.actorToken && !exchange.actorTokenType) {
    throw new UsageError(
      "`login.tokenExchange.actorToken` needs `login.tokenExchange.actorTokenType`",
      { settings: ["login.tokenExchange.actorTokenType"] },
    );
  }
  const params: Record<string, string> = {
    ...options.authRequestExtraParams,
    grant_type: GRANT_TOKEN_EXCHANGE,
    subject_token: exchange.subjectToken,
    subject_token_type: exchange.subjectTokenType ?? TOKEN_TYPE_ACCESS_TOKEN,
    scope: scopeParameter(session.options.extraScopes),
  };
  if (exchange.actorToken) {
    params.actor_token = exchange.actorToken;
    params.actor_token_type = exchange.actorTokenType!;
  }
  if (exchange.requestedTokenType) params.requested_token_type = exchange.requestedTokenType;
  if (exchange.resource) params.resource = exchange.resource;
  if (exchange.audience) params.audience = exchange.audience;
  interaction.logger.debug(`token exchange for client ${session.options.clientId}`);
  const answer = await requestToken(session.http, session.metadata, session.client, params);
  const response: TokenResponse = exchange.requestedTokenType === TOKEN_TYPE_ID_TOKEN
    ? { ...answer, idToken: answer.idToken ?? answer.accessToken }
    : answer;
  if (!session.options.useAccessToken && !response.idToken) {
    throw new UsageError(
      "the provider answered the token exchange without an ID token; add " +
        "`provider.useAccessToken` to give kubectl the access token, or ask for an ID token " +
        `with \`login.tokenExchange.requestedTokenType: "${TOKEN_TYPE_ID_TOKEN}"\``,
      { settings: ["provider.useAccessToken", "login.tokenExchange.requestedTokenType"] },
    );
  }
  return await verifySessionResponse(session, response);
}
