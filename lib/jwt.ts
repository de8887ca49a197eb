/**
 * Reads JWT claims without verifying the signature. Used only on tokens that were verified when
 * they arrived from the provider (the cache hit path), so it stays on Web APIs and costs nothing
 * to import.
 *
 * @module
 */

import { decodeBase64Url } from "./base64url.ts";

/** The claims this program reads from a token; others are kept as they are. */
export interface JwtClaims {
  /** Expiry, seconds since the epoch. */
  exp?: number;
  iss?: string;
  sub?: string;
  aud?: string | string[];
  nonce?: string;
  [claim: string]: unknown;
}

const decoder = new TextDecoder();

/**
 * Returns the payload of a compact JWS, or `undefined` when the string is not a JWT with a JSON
 * object payload (an opaque access token, for example).
 */
export function decodeJwtClaims(token: string): JwtClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(decoder.decode(decodeBase64Url(parts[1])));
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      return undefined;
    }
    return payload as JwtClaims;
  } catch {
    return undefined;
  }
}
