/**
 * Reads JWT claims without verifying the signature. Used only on tokens that were verified when
 * they arrived from the provider (the cache hit path), so it stays on Web APIs and costs nothing
 * to import.
 *
 * @module
 */

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

/** Decodes one base64url segment (no padding) into bytes. */
export function decodeBase64Url(segment: string): Uint8Array {
  const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Encodes bytes as base64url without padding. */
export function encodeBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

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
