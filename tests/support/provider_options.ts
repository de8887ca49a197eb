/**
 * The provider options of in-process tests: the test provider's public client, no extra TLS.
 *
 * @module
 */

import type { TlsOptions } from "../../lib/oidc/http.ts";
import type { ProviderOptions } from "../../lib/oidc/provider.ts";
import { PUBLIC_CLIENT_ID } from "./idp.ts";

/** No extra CA and no skipping of TLS verification. */
export const NO_TLS: TlsOptions = {
  certificateAuthorities: [],
  certificateAuthorityData: [],
  insecureSkipTlsVerify: false,
};

/** Options for the test provider's public client, with `overrides` applied. */
export function providerOptions(
  idp: { issuer: string },
  overrides: Partial<ProviderOptions> = {},
): ProviderOptions {
  return {
    issuerUrl: idp.issuer,
    clientId: PUBLIC_CLIENT_ID,
    extraScopes: [],
    pkceMethod: "auto",
    useAccessToken: false,
    requestHeaders: {},
    tls: NO_TLS,
    ...overrides,
  };
}
