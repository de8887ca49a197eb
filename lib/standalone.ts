/**
 * Standalone mode, kubelogin's original way of working: log in and write the ID token into the
 * kubeconfig user's `auth-provider: oidc` config, where kubectl's built-in oidc provider reads it.
 * A token that is still valid is left alone.
 *
 * @module
 */

import { authenticate } from "./authenticate.ts";
import type { Interaction } from "./interaction.ts";
import { decodeJwtClaims } from "./jwt.ts";
import {
  type KubeconfigSelection,
  loadOidcAuthProvider,
  saveOidcTokens,
} from "./kube/kubeconfig.ts";
import type { LoginOptions } from "./login_options.ts";
import type { ProviderOptions } from "./oidc/provider.ts";
import { isExpired } from "./token_set.ts";

/** What standalone mode needs besides the kubeconfig's own settings. */
export interface StandaloneOptions {
  kubeconfig: KubeconfigSelection;
  login: LoginOptions;
  /** TLS and request settings from the command line; issuer and client come from the kubeconfig. */
  provider: Pick<ProviderOptions, "tls" | "requestHeaders" | "pkceMethod">;
}

/** What standalone mode did. */
export interface StandaloneResult {
  /** `valid` when the kubeconfig's token was still good and nothing was written. */
  outcome: "valid" | "refresh" | "login";
  expiresAt: number;
  file: string;
}

/** Makes sure the selected kubeconfig user holds a valid ID token. */
export async function runStandaloneLogin(
  options: StandaloneOptions,
  interaction: Interaction,
): Promise<StandaloneResult> {
  const { logger } = interaction;
  const provider = await loadOidcAuthProvider(options.kubeconfig);
  logger.debug(`using the oidc auth-provider of the user ${provider.userName} in ${provider.file}`);
  const exp = provider.idToken ? decodeJwtClaims(provider.idToken)?.exp : undefined;
  if (typeof exp === "number" && !isExpired({ token: "", expiresAt: exp * 1000 })) {
    return { outcome: "valid", expiresAt: exp * 1000, file: provider.file };
  }
  const { tls } = options.provider;
  const result = await authenticate({
    provider: {
      ...options.provider,
      issuerUrl: provider.issuerUrl,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      extraScopes: provider.extraScopes,
      useAccessToken: false,
      tls: {
        ...tls,
        certificateAuthorities: [
          ...tls.certificateAuthorities,
          ...(provider.certificateAuthority ? [provider.certificateAuthority] : []),
        ],
        certificateAuthorityData: [
          ...tls.certificateAuthorityData,
          ...(provider.certificateAuthorityData ? [provider.certificateAuthorityData] : []),
        ],
      },
    },
    login: options.login,
    refreshToken: provider.refreshToken,
    interaction,
  });
  await saveOidcTokens(provider, result.tokenSet.token, result.tokenSet.refreshToken);
  return { outcome: result.via, expiresAt: result.tokenSet.expiresAt, file: provider.file };
}
