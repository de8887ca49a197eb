/**
 * RFC 8693 token exchange for the test provider, registered as a custom grant type of
 * oidc-provider: a CI job's token (the subject token) is exchanged for an ID token and access
 * token of a known user, as a cluster's provider would federate a CI system's OIDC tokens.
 *
 * @module
 */

// @deno-types="npm:@types/oidc-provider@9.12.1"
import type Provider from "oidc-provider";
// @deno-types="npm:@types/oidc-provider@9.12.1"
import { errors } from "oidc-provider";

/** The grant type of RFC 8693 section 2.1. */
export const TOKEN_EXCHANGE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange";
/** Token type URIs of RFC 8693 section 3. */
export const TOKEN_TYPE_ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";
/** The ID token type. */
export const TOKEN_TYPE_ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
/** The JWT token type. */
export const TOKEN_TYPE_JWT = "urn:ietf:params:oauth:token-type:jwt";

/** The only subject token the provider accepts: a CI job's token, standing for this user. */
export const CI_SUBJECT_TOKEN = "ci-job-token.eyJqb2IiOiI0MiJ9.not-a-real-signature";
/** The only actor token accepted, when one is sent. */
export const CI_ACTOR_TOKEN = "ci-runner-token.eyJydW5uZXIiOiI3In0.not-a-real-signature";
/** The user the subject token maps to. */
export const CI_SUBJECT_USER = "ci-bot";

const PARAMETERS = [
  "subject_token",
  "subject_token_type",
  "actor_token",
  "actor_token_type",
  "requested_token_type",
  "resource",
  "audience",
  "scope",
];

type ExchangeParams = Record<(typeof PARAMETERS)[number], string | undefined>;

/**
 * Registers the grant. A client must list {@link TOKEN_EXCHANGE_GRANT_TYPE} in its
 * `grant_types` to use it.
 */
export function registerTokenExchangeGrant(provider: Provider): void {
  provider.registerGrantType<ExchangeParams>(
    TOKEN_EXCHANGE_GRANT_TYPE,
    async (ctx) => {
      const params = ctx.oidc.params as ExchangeParams;
      if (!params.subject_token_type) {
        throw new errors.InvalidRequest("subject_token_type is required");
      }
      if (params.subject_token !== CI_SUBJECT_TOKEN) {
        throw new errors.InvalidGrant("the subject token is not valid");
      }
      if (params.actor_token !== undefined && params.actor_token !== CI_ACTOR_TOKEN) {
        throw new errors.InvalidGrant("the actor token is not valid");
      }
      if (params.actor_token !== undefined && !params.actor_token_type) {
        throw new errors.InvalidRequest("actor_token_type is required with actor_token");
      }
      const client = ctx.oidc.client!;
      const idToken = new provider.IdToken({ sub: CI_SUBJECT_USER }, { ctx });
      Object.assign(idToken, { scope: "openid" });
      const idTokenValue = await idToken.issue({ use: "idtoken" });
      if (params.requested_token_type === TOKEN_TYPE_ID_TOKEN) {
        ctx.body = {
          access_token: idTokenValue,
          issued_token_type: TOKEN_TYPE_ID_TOKEN,
          token_type: "N_A",
          expires_in: 600,
        };
        return;
      }
      const accessToken = new provider.ClientCredentials({ client, scope: "openid" });
      ctx.body = {
        access_token: await accessToken.save(),
        issued_token_type: TOKEN_TYPE_ACCESS_TOKEN,
        token_type: "Bearer",
        expires_in: 600,
        id_token: idTokenValue,
      };
    },
    PARAMETERS,
    ["resource", "audience"],
  );
}
