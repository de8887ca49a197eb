/**
 * Verification of every token received from the provider, with jose: the signature against the
 * provider's JWKS, `iss`, `aud`, `exp`, the nonce of a fresh login, and only the algorithms the
 * provider advertises (never `none`, never HMAC with a public key).
 *
 * This module pulls in jose; it is loaded only when tokens arrive from the network, never on a
 * cache hit.
 *
 * @module
 */

import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, jwtVerify } from "jose";
import { errorMessage, ProviderError, TokenVerificationError } from "../errors.ts";
import { decodeJwtClaims } from "../jwt.ts";
import type { TokenSet } from "../token_set.ts";
import type { ProviderMetadata } from "./discovery.ts";
import type { ProviderHttp } from "./http.ts";
import { ProviderDocuments } from "./metadata_cache.ts";
import type { ProviderSession } from "./provider.ts";
import type { TokenResponse } from "./token_endpoint.ts";

/** Asymmetric JWS algorithms; a provider listing others (HS*, none) has them ignored. */
export const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
]);

/** Leeway for `exp`/`iat`/`nbf` between this machine's clock and the provider's. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** What turning a token response into a {@link TokenSet} needs. */
export interface VerifyOptions {
  http: ProviderHttp;
  metadata: ProviderMetadata;
  /** Where the JWKS comes from: the session's metadata cache; by default, always the network. */
  documents?: ProviderDocuments;
  clientId: string;
  /** The nonce sent with the authorization request; checked when set. */
  nonce?: string;
  /** Hand kubectl the access token instead of the ID token (`--oidc-use-access-token`). */
  useAccessToken: boolean;
  /** The refresh token in use, kept when a refresh answer carries no new one (RFC 6749 section 6). */
  previousRefreshToken?: string;
}

/**
 * Verifies a token response of the session's provider for its client, with the JWKS through the
 * session's metadata cache: what every grant and the refresh do with their answer.
 *
 * @param extra the authorization request's nonce, or the refresh token in use
 */
export function verifySessionResponse(
  session: ProviderSession,
  response: TokenResponse,
  extra: Pick<VerifyOptions, "nonce" | "previousRefreshToken"> = {},
): Promise<TokenSet> {
  return verifyTokenResponse(response, {
    http: session.http,
    metadata: session.metadata,
    documents: session.documents,
    clientId: session.options.clientId,
    useAccessToken: session.options.useAccessToken,
    ...extra,
  });
}

/** Verifies the tokens in a token response and returns the set to cache and hand to kubectl. */
export async function verifyTokenResponse(
  response: TokenResponse,
  options: VerifyOptions,
): Promise<TokenSet> {
  const refreshToken = response.refreshToken ?? options.previousRefreshToken;
  const verifier = new JwtVerifier(
    options.documents ?? new ProviderDocuments(options.http),
    options.metadata,
  );
  // An ID token that came along is verified even when the access token is the credential.
  const idTokenExpiry = response.idToken
    ? await verifier.verifyIdToken(response.idToken, options.clientId, options.nonce)
    : undefined;
  if (!options.useAccessToken) {
    if (!response.idToken || idTokenExpiry === undefined) {
      throw new ProviderError("the token response has no id_token; is the openid scope allowed?");
    }
    return { token: response.idToken, expiresAt: idTokenExpiry * 1000, refreshToken };
  }
  const expiresAt = await verifier.accessTokenExpiry(response);
  return { token: response.accessToken, expiresAt, refreshToken };
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

class JwtVerifier {
  readonly #documents: ProviderDocuments;
  readonly #metadata: ProviderMetadata;
  #keySet?: KeySet;
  /** Whether {@link #keySet} came from the metadata cache, not from the provider just now. */
  #keysFromCache = false;

  constructor(documents: ProviderDocuments, metadata: ProviderMetadata) {
    this.#documents = documents;
    this.#metadata = metadata;
  }

  /** Verifies an ID token and returns its `exp`. */
  async verifyIdToken(idToken: string, clientId: string, nonce?: string): Promise<number> {
    const payload = await this.#verify(idToken, "ID token", clientId);
    if (nonce !== undefined && payload.nonce !== nonce) {
      throw new TokenVerificationError("the ID token's nonce does not match the login request");
    }
    checkIdTokenClaims(payload, clientId);
    return payload.exp as number;
  }

  /**
   * The expiry of an access token handed to kubectl: a JWT access token is verified (signature
   * and issuer, as kubelogin does) and its `exp` used; an opaque one expires after `expires_in`.
   */
  async accessTokenExpiry(response: TokenResponse): Promise<number> {
    if (decodeJwtClaims(response.accessToken) !== undefined) {
      const payload = await this.#verify(response.accessToken, "access token");
      if (typeof payload.exp === "number") return checkExpiry(payload.exp, "access token") * 1000;
    }
    if (response.expiresIn === undefined) {
      throw new ProviderError(
        "the access token is not a JWT with exp and the token response has no expires_in",
      );
    }
    return checkExpiry(Date.now() / 1000 + response.expiresIn, "access token") * 1000;
  }

  async #verify(token: string, what: string, audience?: string) {
    const algorithms = this.#metadata.idTokenSigningAlgValuesSupported.filter((alg) =>
      ASYMMETRIC_ALGORITHMS.has(alg)
    );
    if (algorithms.length === 0) {
      throw new TokenVerificationError(
        "the provider advertises no asymmetric signing algorithm for ID tokens",
      );
    }
    try {
      const { payload } = await this.#withKeys((keys) =>
        jwtVerify(token, keys, {
          issuer: this.#metadata.issuer,
          audience,
          algorithms,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        })
      );
      return payload;
    } catch (error) {
      throw new TokenVerificationError(`the ${what} is not valid: ${describeJoseError(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * Runs a verification with the provider's keys. When the keys came from the cache and no key
   * matched the token's `kid` or the signature failed, the provider may have rotated its keys
   * since they were cached: the JWKS is fetched again and the verification retried, once.
   */
  async #withKeys<T>(verify: (keys: KeySet) => Promise<T>): Promise<T> {
    const keys = await this.#keys(false);
    try {
      return await verify(keys);
    } catch (error) {
      const stale = error instanceof joseErrors.JWKSNoMatchingKey ||
        error instanceof joseErrors.JWSSignatureVerificationFailed;
      if (!stale || !this.#keysFromCache) throw error;
      return await verify(await this.#keys(true));
    }
  }

  async #keys(refetch: boolean): Promise<KeySet> {
    if (!this.#keySet || refetch) {
      const { body: jwks, fromCache } = await this.#documents.fetch(
        new URL(this.#metadata.jwksUri),
        "JWKS request",
        { revalidate: refetch },
      );
      if (!Array.isArray(jwks.keys)) throw new ProviderError("the JWKS has no keys array");
      this.#keySet = createLocalJWKSet(jwks as unknown as JSONWebKeySet);
      await this.#documents.commit();
      this.#keysFromCache = fromCache;
    }
    return this.#keySet;
  }
}

/**
 * The latest `exp` taken seriously: a year ahead. An ID token lives minutes to hours; a larger
 * value is a broken or hostile provider, and one past what `Date` can hold would break every
 * later cache hit.
 */
const MAX_LIFETIME_SECONDS = 366 * 24 * 3600;

/**
 * The ID token checks of OpenID Connect Core 3.1.3.7 that jose leaves to the caller: `iat` and
 * `exp` present and sane, and `azp` naming this client whenever it is present or several
 * audiences make it necessary.
 *
 * @throws {TokenVerificationError} naming the failed check
 */
function checkIdTokenClaims(
  payload: Readonly<Record<string, unknown>>,
  clientId: string,
  now: number = Date.now(),
): void {
  const { iat, exp, azp, aud } = payload;
  if (typeof exp !== "number") throw new TokenVerificationError("the ID token has no exp claim");
  checkExpiry(exp, "ID token", now);
  if (typeof iat !== "number" || !Number.isFinite(iat)) {
    throw new TokenVerificationError("the ID token has no iat claim");
  }
  if (iat > now / 1000 + CLOCK_TOLERANCE_SECONDS) {
    throw new TokenVerificationError("the ID token's iat is in the future");
  }
  if (Array.isArray(aud) && aud.length > 1 && azp === undefined) {
    throw new TokenVerificationError("the ID token has several audiences but no azp claim");
  }
  if (azp !== undefined && azp !== clientId) {
    throw new TokenVerificationError("the ID token's azp names another client");
  }
}

/**
 * Returns `exp` (seconds) when it is usable: still in the future on this clock (the verification
 * tolerance is for comparing clocks, never for handing kubectl a token that has lapsed) and not
 * absurdly far ahead.
 */
function checkExpiry(exp: number, what: string, now: number = Date.now()): number {
  if (!Number.isFinite(exp) || exp > now / 1000 + MAX_LIFETIME_SECONDS) {
    throw new TokenVerificationError(`the ${what}'s expiry is more than a year ahead; refused`);
  }
  if (exp * 1000 <= now) throw new TokenVerificationError(`the ${what} has already expired`);
  return exp;
}

/** jose's messages name the failed check without echoing the token. */
function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return "it is not signed by any key of the provider's JWKS";
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "the signature is invalid";
  if (error instanceof joseErrors.JOSEError) return error.message;
  return errorMessage(error);
}
