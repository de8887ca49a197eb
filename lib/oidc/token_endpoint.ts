/**
 * Requests to the token endpoint (RFC 6749 section 3.2) for every grant, with client
 * authentication chosen from what the provider supports.
 *
 * @module
 */

import type { ProviderMetadata } from "./discovery.ts";
import type { ProviderHttp } from "./http.ts";
import { optionalNumber, optionalString, readJsonObject, requiredString } from "./json.ts";

/** `authorization_code` (RFC 6749 section 4.1.3). */
export const GRANT_AUTHORIZATION_CODE = "authorization_code";
/** `refresh_token` (RFC 6749 section 6). */
export const GRANT_REFRESH_TOKEN = "refresh_token";
/** `password`, the resource owner password credentials grant (RFC 6749 section 4.3). */
export const GRANT_PASSWORD = "password";
/** `client_credentials` (RFC 6749 section 4.4). */
export const GRANT_CLIENT_CREDENTIALS = "client_credentials";
/** The device authorization grant (RFC 8628 section 3.4). */
export const GRANT_DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";

/** The OAuth client this program acts as. */
export interface OAuthClient {
  clientId: string;
  /** Present for confidential clients; never logged. */
  clientSecret?: string;
}

/** A successful token response. */
export interface TokenResponse {
  accessToken: string;
  tokenType?: string;
  /** Lifetime of the access token in seconds. */
  expiresIn?: number;
  refreshToken?: string;
  idToken?: string;
}

/**
 * Adds client authentication to a request: HTTP Basic when the provider accepts
 * `client_secret_basic` (the default of RFC 6749), else the secret in the form body; a public
 * client sends only its id.
 */
export function authenticateClient(
  client: OAuthClient,
  metadata: ProviderMetadata,
  headers: Headers,
  form: URLSearchParams,
): void {
  if (client.clientSecret === undefined || client.clientSecret === "") {
    form.set("client_id", client.clientId);
    return;
  }
  const methods = metadata.tokenEndpointAuthMethodsSupported;
  if (!methods.includes("client_secret_basic") && methods.includes("client_secret_post")) {
    form.set("client_id", client.clientId);
    form.set("client_secret", client.clientSecret);
    return;
  }
  // RFC 6749 section 2.3.1: id and secret are form-encoded before Base64.
  const credentials = `${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`;
  headers.set("authorization", `Basic ${btoa(credentials)}`);
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * POSTs a grant to the token endpoint and validates the answer.
 *
 * @param params the grant's form parameters, `grant_type` included
 * @throws {OidcError} when the provider answers an OAuth error (`invalid_grant`, ...)
 * @throws {ProviderError} for transport failures and malformed answers
 */
export async function requestToken(
  http: ProviderHttp,
  metadata: ProviderMetadata,
  client: OAuthClient,
  params: Record<string, string>,
): Promise<TokenResponse> {
  const form = new URLSearchParams(params);
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  });
  authenticateClient(client, metadata, headers, form);
  const response = await http.fetch(new URL(metadata.tokenEndpoint), {
    method: "POST",
    headers,
    body: form,
  });
  const body = await readJsonObject(response, "token request");
  return {
    accessToken: requiredString(body, "access_token", "token response"),
    tokenType: optionalString(body, "token_type"),
    expiresIn: optionalNumber(body, "expires_in"),
    refreshToken: optionalString(body, "refresh_token") || undefined,
    idToken: optionalString(body, "id_token") || undefined,
  };
}
