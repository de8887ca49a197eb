/**
 * OpenID Connect Discovery 1.0: the provider's metadata document.
 *
 * @module
 */

import { DiscoveryError, ProviderError, UsageError } from "../errors.ts";
import type { ProviderHttp } from "./http.ts";
import { type JsonObject, optionalString, optionalStringArray, requiredString } from "./json.ts";
import { ProviderDocuments } from "./metadata_cache.ts";
import { parseSecureUrl } from "../secure_url.ts";
import { stripControlCharacters } from "../text.ts";

/** The metadata fields this program uses. */
export interface ProviderMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  deviceAuthorizationEndpoint?: string;
  /** RFC 7009 token revocation, when the provider advertises it (RFC 8414 section 2). */
  revocationEndpoint?: string;
  codeChallengeMethodsSupported: string[];
  idTokenSigningAlgValuesSupported: string[];
  tokenEndpointAuthMethodsSupported: string[];
  /** The provider sends `iss` with every authorization response (RFC 9207), so it is required. */
  authorizationResponseIssParameterSupported?: boolean;
}

/** Metadata fields holding URLs the program talks to, each of which must be secure. */
const ENDPOINT_FIELDS = [
  "authorization_endpoint",
  "token_endpoint",
  "jwks_uri",
  "device_authorization_endpoint",
] as const;

/** The discovery document's URL for an issuer (OIDC Discovery section 4). */
export function discoveryUrl(issuerUrl: string): URL {
  return new URL(issuerUrl.replace(/\/+$/, "") + DISCOVERY_PATH);
}

/** Path appended to the issuer URL (OIDC Discovery section 4). */
export const DISCOVERY_PATH = "/.well-known/openid-configuration";

/**
 * Fetches and validates the provider's metadata. The document's `issuer` must equal the
 * configured issuer URL exactly (section 4.3), or tokens could be accepted from the wrong party.
 * Through `documents` it comes from the metadata cache while fresh; the caller commits it.
 *
 * @example
 * ```ts
 * import { discover } from "./discovery.ts";
 * import { ProviderHttp } from "./http.ts";
 *
 * const tls = { certificateAuthorities: [], certificateAuthorityData: [], insecureSkipTlsVerify: false };
 * using http = await ProviderHttp.create({ tls, requestHeaders: {} });
 * const metadata = await discover(http, "https://auth.together.ai");
 * console.log(metadata.tokenEndpoint);
 * ```
 */
export async function discover(
  http: ProviderHttp,
  issuerUrl: string,
  documents: ProviderDocuments = new ProviderDocuments(http),
): Promise<ProviderMetadata> {
  if (!parseSecureUrl(issuerUrl)) {
    throw new UsageError(
      `\`provider.issuerUrl\` ${issuerUrl} is not an https URL; only loopback hosts may use http`,
      { settings: ["provider.issuerUrl"] },
    );
  }
  const url = discoveryUrl(issuerUrl);
  let doc: JsonObject;
  try {
    doc = (await documents.fetch(url, "discovery")).body;
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
      `the provider says its issuer is ${issuer}, but \`provider.issuerUrl\` is ${issuerUrl}; ` +
        `they must match exactly${slash}`,
      { settings: ["provider.issuerUrl"] },
    );
  }
  checkEndpoints(doc, what);
  return {
    issuer,
    authorizationEndpoint: requiredString(doc, "authorization_endpoint", what),
    tokenEndpoint: requiredString(doc, "token_endpoint", what),
    jwksUri: requiredString(doc, "jwks_uri", what),
    deviceAuthorizationEndpoint: optionalString(doc, "device_authorization_endpoint"),
    revocationEndpoint: optionalString(doc, "revocation_endpoint") || undefined,
    codeChallengeMethodsSupported: optionalStringArray(doc, "code_challenge_methods_supported") ??
      [],
    idTokenSigningAlgValuesSupported:
      optionalStringArray(doc, "id_token_signing_alg_values_supported") ?? ["RS256"],
    tokenEndpointAuthMethodsSupported:
      optionalStringArray(doc, "token_endpoint_auth_methods_supported") ??
        ["client_secret_basic"],
    authorizationResponseIssParameterSupported:
      doc.authorization_response_iss_parameter_supported === true,
  };
}

/**
 * Every endpoint must be `https:` (or `http:` on a loopback host): a token endpoint in clear text
 * would carry the client secret, password, code and tokens over the network.
 *
 * @throws {ProviderError} naming the first insecure endpoint
 */
function checkEndpoints(doc: JsonObject, what: string): void {
  for (const field of ENDPOINT_FIELDS) {
    const value = doc[field];
    if (typeof value !== "string" || value === "") continue;
    if (!parseSecureUrl(value)) {
      throw new ProviderError(
        `${what}: "${field}" is ${stripControlCharacters(value)}, which is not an https URL; ` +
          "only loopback hosts may use http",
      );
    }
  }
}
