/**
 * PKCE for the device authorization grant. RFC 8628 does not mention it, but providers accept
 * it, and Keycloak clients with "PKCE required" refuse a device request without it. The challenge
 * goes with the device authorization request and the verifier with each token poll.
 *
 * @module
 */

import type { ProviderSession } from "./provider.ts";
import { createPkcePair, shouldUsePkce } from "./pkce.ts";

/**
 * Adds `code_challenge` and `code_challenge_method` to the device authorization form when
 * `--oidc-pkce-method` and the provider's metadata call for PKCE.
 *
 * @returns the verifier for the token polls (a secret, never logged), or `undefined`
 */
export async function addDevicePkce(
  session: ProviderSession,
  form: URLSearchParams,
): Promise<string | undefined> {
  const supported = session.metadata.codeChallengeMethodsSupported;
  if (!shouldUsePkce(session.options.pkceMethod, supported)) return undefined;
  const pkce = await createPkcePair();
  form.set("code_challenge", pkce.challenge);
  form.set("code_challenge_method", pkce.method);
  return pkce.verifier;
}
