/**
 * Random values for the authorization request (`state`, `nonce`) and PKCE (RFC 7636).
 *
 * @module
 */

import { encodeBase64Url } from "../base64url.ts";

const encoder = new TextEncoder();

/** 32 random bytes as base64url: 256 bits, as kubelogin uses for state and nonce. */
export function randomToken(): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The PKCE pair sent with an authorization code request. */
export interface PkcePair {
  /** Sent with the token request; never logged. */
  verifier: string;
  /** Sent with the authorization request. */
  challenge: string;
  /** Always `S256`: the `plain` method offers no protection and is not offered. */
  method: "S256";
}

/** Creates a PKCE verifier and its S256 challenge (RFC 7636 section 4.2). */
export async function createPkcePair(): Promise<PkcePair> {
  const verifier = randomToken();
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(verifier));
  return { verifier, challenge: encodeBase64Url(new Uint8Array(digest)), method: "S256" };
}

/** `--oidc-pkce-method`: `auto` uses PKCE when the provider advertises S256. */
export type PkceMethod = "auto" | "no" | "S256";

/** Whether to use PKCE with this provider. */
export function shouldUsePkce(method: PkceMethod, supported: readonly string[]): boolean {
  if (method === "S256") return true;
  if (method === "no") return false;
  return supported.includes("S256");
}
