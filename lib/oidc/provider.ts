/**
 * The provider as configured by the user, and a session with it after discovery.
 *
 * @module
 */

import { discover, type ProviderMetadata } from "./discovery.ts";
import { ProviderHttp, type TlsOptions } from "./http.ts";
import type { Logger } from "../log.ts";
import type { PkceMethod } from "./random.ts";
import type { OAuthClient } from "./token_endpoint.ts";

/** The provider-side flags of `get-token` and `setup`. */
export interface ProviderOptions {
  issuerUrl: string;
  clientId: string;
  /** Never logged; kept out of kubeconfig through the `OIDC_CLIENT_SECRET` variable. */
  clientSecret?: string;
  /** Scopes requested besides `openid`. */
  extraScopes: readonly string[];
  /** `--oidc-redirect-url`; by default the loopback server's URL. */
  redirectUrl?: string;
  pkceMethod: PkceMethod;
  useAccessToken: boolean;
  requestHeaders: Readonly<Record<string, string>>;
  tls: TlsOptions;
}

/** A discovered provider: its metadata and the HTTP client to talk to it. */
export interface ProviderSession extends Disposable {
  readonly options: ProviderOptions;
  readonly metadata: ProviderMetadata;
  readonly http: ProviderHttp;
  readonly client: OAuthClient;
}

/**
 * Creates the HTTP client and fetches the provider's metadata.
 *
 * @param logger receives the request trace at `-v2` and above
 */
export async function openProviderSession(
  options: ProviderOptions,
  logger?: Logger,
): Promise<ProviderSession> {
  const http = await ProviderHttp.create({
    tls: options.tls,
    requestHeaders: options.requestHeaders,
    logger,
  });
  try {
    const metadata = await discover(http, options.issuerUrl);
    return {
      options,
      metadata,
      http,
      client: { clientId: options.clientId, clientSecret: options.clientSecret },
      [Symbol.dispose]: () => http[Symbol.dispose](),
    };
  } catch (error) {
    http[Symbol.dispose]();
    throw error;
  }
}

/** The `scope` parameter: `openid` and the extra scopes, each once. */
export function scopeParameter(extraScopes: readonly string[]): string {
  return [...new Set(["openid", ...extraScopes])].join(" ");
}
