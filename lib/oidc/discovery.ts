/**
 * OpenID Connect Discovery 1.0: the provider's metadata document.
 *
 * @module
 */

import { DiscoveryError, ProviderError } from "../errors.ts";
import type { ProviderHttp } from "./http.ts";
import {
  type JsonObject,
  optionalString,
  optionalStringArray,
  readJsonObject,
  requiredString,
} from "./json.ts";

/** The metadata fields this program uses. */
export interface ProviderMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  deviceAuthorizationEndpoint?: string;
  codeChallengeMethodsSupported: string[];
  idTokenSigningAlgValuesSupported: string[];
  tokenEndpointAuthMethodsSupported: string[];
}

/** The discovery document's URL for an issuer (OIDC Discovery section 4). */
export function discoveryUrl(issuerUrl: string): URL {
  return new URL(issuerUrl.replace(/\/+$/, "") + DISCOVERY_PATH);
}

/** Path appended to the issuer URL (OIDC Discovery section 4). */
export const DISCOVERY_PATH = "/.well-known/openid-configuration";

/**
 * Fetches and validates the provider's metadata. The document's `issuer` must equal the
 * configured issuer URL exactly (section 4.3), or tokens could be accepted from the wrong party.
 *
 * @example
 * ```ts
 * const metadata = await discover(http, "https://auth.together.ai");
 * console.log(metadata.tokenEndpoint);
 * ```
 */
export async function discover(http: ProviderHttp, issuerUrl: string): Promise<ProviderMetadata> {
  const url = discoveryUrl(issuerUrl);
  let doc: JsonObject;
  try {
    const response = await http.fetch(url, { headers: { accept: "application/json" } });
    doc = await readJsonObject(response, "discovery");
  } catch (error) {
    // The message stays the fetch's own (other commands quote it); the URL and what to check
    // travel in the error for the CLI to add.
    if (!(error instanceof ProviderError)) throw error;
    throw new DiscoveryError(url.href, error);
  }
  const what = `discovery document of ${issuerUrl}`;
  const issuer = requiredString(doc, "issuer", what);
  if (issuer !== issuerUrl) {
    const slash = issuer.replace(/\/+$/, "") === issuerUrl.replace(/\/+$/, "")
      ? " (only the trailing slash differs)"
      : "";
    throw new ProviderError(
      `the provider says its issuer is ${issuer}, but --oidc-issuer-url is ${issuerUrl}; ` +
        `they must match exactly${slash}`,
    );
  }
  return {
    issuer,
    authorizationEndpoint: requiredString(doc, "authorization_endpoint", what),
    tokenEndpoint: requiredString(doc, "token_endpoint", what),
    jwksUri: requiredString(doc, "jwks_uri", what),
    deviceAuthorizationEndpoint: optionalString(doc, "device_authorization_endpoint"),
    codeChallengeMethodsSupported: optionalStringArray(doc, "code_challenge_methods_supported") ??
      [],
    idTokenSigningAlgValuesSupported:
      optionalStringArray(doc, "id_token_signing_alg_values_supported") ?? ["RS256"],
    tokenEndpointAuthMethodsSupported:
      optionalStringArray(doc, "token_endpoint_auth_methods_supported") ??
        ["client_secret_basic"],
  };
}
