/**
 * The identity of a token cache entry. Two configurations that could produce different tokens
 * must never share an entry, so every input that changes the token is part of the key; inputs
 * that only change how the token is fetched (timeouts, browser, listen address) are not.
 *
 * @module
 */

/** The inputs that change which token a login produces. */
export interface CacheKeyInput {
  /** `--oidc-issuer-url`. */
  issuerUrl: string;
  /** `--oidc-client-id`. */
  clientId: string;
  /** Scopes requested besides `openid`; order does not matter. */
  extraScopes: readonly string[];
  /** The resolved grant type: different grants may give different tokens. */
  grantType: string;
  /** The password grant's user; absent for other grants. */
  username?: string;
  /** Whether the cached token is the access token. */
  useAccessToken: boolean;
  /** `--oidc-redirect-url`. */
  redirectUrl?: string;
  /** `--oidc-auth-request-extra-params`: a tenant or prompt parameter may change the token. */
  authRequestExtraParams: Readonly<Record<string, string>>;
  /** Headers sent to the provider (a tenant header may select another tenant's token). */
  requestHeaders: Readonly<Record<string, string>>;
  /** CA file paths and inline CA data: a different trust root may mean a different provider. */
  certificateAuthorities: readonly string[];
  /** `--certificate-authority-data` values. */
  certificateAuthorityData: readonly string[];
  /** `--insecure-skip-tls-verify`. */
  insecureSkipTlsVerify: boolean;
}

const encoder = new TextEncoder();

/**
 * Serialises the key input canonically (sorted object keys, sorted scopes), so that equal inputs
 * give equal text whatever order the flags came in.
 */
function canonicalCacheKey(input: CacheKeyInput): string {
  const fields: [string, unknown][] = [
    ["authRequestExtraParams", sortedEntries(input.authRequestExtraParams)],
    ["certificateAuthorities", [...input.certificateAuthorities]],
    ["certificateAuthorityData", [...input.certificateAuthorityData]],
    ["clientId", input.clientId],
    ["extraScopes", [...new Set(input.extraScopes)].sort()],
    ["grantType", input.grantType],
    ["insecureSkipTlsVerify", input.insecureSkipTlsVerify],
    ["issuerUrl", input.issuerUrl],
    ["redirectUrl", input.redirectUrl ?? ""],
    ["requestHeaders", canonicalHeaders(input.requestHeaders)],
    ["useAccessToken", input.useAccessToken],
    ["username", input.username ?? ""],
  ];
  return JSON.stringify(fields);
}

/**
 * Request headers in a canonical order with lower-case names (they are case-insensitive, RFC 9110
 * section 5.1), for keys that must not depend on how the flags were spelled.
 */
export function canonicalHeaders(headers: Readonly<Record<string, string>>): [string, string][] {
  return sortedEntries(lowerCaseNames(headers));
}

function lowerCaseNames(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The entry's id: lower-case hex SHA-256 of the canonical key. It names the cache file and is the
 * additional authenticated data of the entry's encryption.
 */
export function cacheKeyId(input: CacheKeyInput): Promise<string> {
  return sha256Hex(canonicalCacheKey(input));
}

/** Lower-case hex SHA-256 of a text's UTF-8 bytes: file names that reveal nothing of the input. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
