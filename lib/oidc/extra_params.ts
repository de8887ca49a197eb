/**
 * Guarding `--oidc-auth-request-extra-params`: it may add parameters (`prompt`, `acr_values`,
 * `audience`…) but never replace the ones that bind the request to this login, or the defences
 * that rest on them (state, nonce, PKCE, the redirect URI) would be the kubeconfig's to disable.
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/** Parameters the authorization and device authorization requests set themselves. */
export const AUTHORIZATION_REQUEST_PARAMS: ReadonlySet<string> = new Set([
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
  "redirect_uri",
  "response_type",
  "client_id",
]);

/**
 * Refuses extra parameters that would replace one of `reserved`.
 *
 * @throws {UsageError} when an extra parameter names a reserved one
 */
export function refuseReservedParams(
  extraParams: Readonly<Record<string, string>>,
  reserved: ReadonlySet<string>,
): void {
  const refused = Object.keys(extraParams).filter((key) => reserved.has(key));
  if (refused.length === 0) return;
  throw new UsageError(
    `\`login.authRequestExtraParams\` cannot set ${refused.join(", ")}: ` +
      "the plugin sets these itself for every login",
    { settings: ["login.authRequestExtraParams"] },
  );
}
