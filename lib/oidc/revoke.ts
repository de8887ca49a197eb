/**
 * OAuth 2.0 Token Revocation (RFC 7009): tells the provider a token is no longer needed, so a
 * logout ends the session at the provider too and not only on this machine.
 *
 * @module
 */

import type { ProviderHttp } from "./http.ts";
import type { ProviderMetadata } from "./discovery.ts";
import { readJsonObject } from "./json.ts";
import { authenticateClient, type OAuthClient } from "./token_endpoint.ts";

/** The `token_type_hint` values of RFC 7009 section 2.1. */
export type RevocableTokenType = "refresh_token" | "access_token";

/**
 * Revokes one token at the provider's `revocation_endpoint`, authenticating the client as the
 * token endpoint does. RFC 7009 section 2.2 answers 200 also for a token the provider no longer
 * knows, so success means the token cannot be used any more.
 *
 * @throws {OidcError} when the provider answers an OAuth error (`unsupported_token_type`, ...)
 * @throws {ProviderError} when it cannot be reached or answers something else than success
 */
export async function revokeToken(
  http: ProviderHttp,
  metadata: ProviderMetadata & { revocationEndpoint: string },
  client: OAuthClient,
  token: string,
  tokenType: RevocableTokenType,
): Promise<void> {
  const form = new URLSearchParams({ token, token_type_hint: tokenType });
  const headers = new Headers({ "content-type": "application/x-www-form-urlencoded" });
  authenticateClient(client, metadata, headers, form);
  const response = await http.fetch(new URL(metadata.revocationEndpoint), {
    method: "POST",
    headers,
    body: form,
  });
  // RFC 7009 answers 200; some providers answer 204, which means the same.
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  // An OAuth error body becomes an OidcError, anything else a ProviderError.
  await readJsonObject(response, "token revocation");
}
