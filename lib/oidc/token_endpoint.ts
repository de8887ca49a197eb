/**
 * Requests to the token endpoint (RFC 6749 section 3.2) for every grant, with client
 * authentication chosen from what the provider supports.
 *
 * @module
 */

import { OidcError } from "../errors.ts";
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

/** How a confidential client proves itself at the token endpoint (OIDC Core section 9). */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post";

/**
 * The method to try first, from the provider's `token_endpoint_auth_methods_supported`: Basic
 * when listed (the default of RFC 6749, and of a provider that lists nothing), else the secret in
 * the form body when that is listed.
 */
export function clientAuthMethod(metadata: ProviderMetadata): ClientAuthMethod {
  const methods = metadata.tokenEndpointAuthMethodsSupported;
  return !methods.includes("client_secret_basic") && methods.includes("client_secret_post")
    ? "client_secret_post"
    : "client_secret_basic";
}

/**
 * Adds client authentication to a request with `method` (by default
 * {@link clientAuthMethod}'s choice); a public client sends only its id.
 */
export function authenticateClient(
  client: OAuthClient,
  metadata: ProviderMetadata,
  headers: Headers,
  form: URLSearchParams,
  method: ClientAuthMethod = clientAuthMethod(metadata),
): void {
  if (!hasSecret(client)) {
    form.set("client_id", client.clientId);
    return;
  }
  if (method === "client_secret_post") {
    form.set("client_id", client.clientId);
    form.set("client_secret", client.clientSecret!);
    return;
  }
  // RFC 6749 section 2.3.1: id and secret are form-encoded before Base64.
  const credentials = `${formEncode(client.clientId)}:${formEncode(client.clientSecret!)}`;
  headers.set("authorization", `Basic ${btoa(credentials)}`);
}

function hasSecret(client: OAuthClient): boolean {
  return client.clientSecret !== undefined && client.clientSecret !== "";
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * POSTs a grant to the token endpoint and validates the answer. When Basic authentication is
 * refused with `invalid_client` and the provider also lists `client_secret_post`, the request is
 * sent once more with the secret in the body, as Go's oauth2 auto-detection does: some providers
 * (LemonLDAP::NG among them) do not form-decode the Basic credentials, so a secret with
 * `+ / = : %` only works in the body.
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
  const method = clientAuthMethod(metadata);
  try {
    return await postToken(http, metadata, client, params, method);
  } catch (error) {
    const retry = error instanceof OidcError && error.error === "invalid_client" &&
      hasSecret(client) && method === "client_secret_basic" &&
      metadata.tokenEndpointAuthMethodsSupported.includes("client_secret_post");
    if (!retry) throw error;
    return await postToken(http, metadata, client, params, "client_secret_post");
  }
}

async function postToken(
  http: ProviderHttp,
  metadata: ProviderMetadata,
  client: OAuthClient,
  params: Record<string, string>,
  method: ClientAuthMethod,
): Promise<TokenResponse> {
  const form = new URLSearchParams(params);
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  });
  authenticateClient(client, metadata, headers, form, method);
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
