/**
 * The token set this program caches and hands to kubectl.
 *
 * @module
 */

/**
 * What a successful login or refresh produced. `token` is the credential given to kubectl: the ID
 * token, or the access token with `--oidc-use-access-token`.
 */
export interface TokenSet {
  /** The credential for the Kubernetes API server. */
  token: string;
  /** When `token` expires, milliseconds since the epoch. */
  expiresAt: number;
  /** The refresh token, when the provider issued one. */
  refreshToken?: string;
}

/**
 * Seconds before `exp` at which a token already counts as expired, so kubectl never sends a token
 * that lapses in flight to the API server (kube-apiserver allows only a small clock skew).
 */
export const EXPIRY_MARGIN_SECONDS = 10;

/** Whether the token set must be renewed at time `now` (milliseconds since the epoch). */
export function isExpired(tokenSet: TokenSet, now: number = Date.now()): boolean {
  return tokenSet.expiresAt - EXPIRY_MARGIN_SECONDS * 1000 <= now;
}
