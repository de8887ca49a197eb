/**
 * The provider as configured by the user, and a session with it after discovery.
 *
 * @module
 */

import { discover, type ProviderMetadata } from "./discovery.ts";
import { ProviderHttp, type TlsOptions } from "./http.ts";
import { type MetadataStore, ProviderDocuments } from "./metadata_cache.ts";
import type { Logger } from "../log.ts";
import type { PkceMethod } from "./pkce.ts";
import type { OAuthClient } from "./token_endpoint.ts";

/** The provider-side flags of `get-token` and `setup`. */
export interface ProviderOptions {
  /** `--oidc-issuer-url`: where discovery starts, and the `iss` tokens must carry. */
  issuerUrl: string;
  /** `--oidc-client-id`: the OAuth client, and the `aud` ID tokens must carry. */
  clientId: string;
  /** Never logged; kept out of kubeconfig through the `OIDC_CLIENT_SECRET` variable. */
  clientSecret?: string;
  /** Scopes requested besides `openid`. */
  extraScopes: readonly string[];
  /** `--oidc-redirect-url`; by default the loopback server's URL. */
  redirectUrl?: string;
  /** `--oidc-pkce-method`: `auto` follows what the provider advertises. */
  pkceMethod: PkceMethod;
  /** `--oidc-use-access-token`: hand kubectl the access token instead of the ID token. */
  useAccessToken: boolean;
  /** `--oidc-request-header`: headers sent with every request to the provider. */
  requestHeaders: Readonly<Record<string, string>>;
  /** How to trust the provider's TLS certificate. */
  tls: TlsOptions;
}

/** A discovered provider: its metadata and the HTTP client to talk to it. */
export interface ProviderSession extends Disposable {
  readonly options: ProviderOptions;
  readonly metadata: ProviderMetadata;
  readonly http: ProviderHttp;
  readonly client: OAuthClient;
  /** The provider's metadata documents (the JWKS), through the metadata cache when there is one. */
  readonly documents: ProviderDocuments;
}

/**
 * Creates the HTTP client and fetches the provider's metadata, from `metadataStore` while it is
 * fresh there.
 *
 * @param logger receives the request trace at `-v2` and above
 */
export async function openProviderSession(
  options: ProviderOptions,
  metadataStore?: MetadataStore,
  logger?: Logger,
): Promise<ProviderSession> {
  const http = await ProviderHttp.create({
    tls: options.tls,
    requestHeaders: options.requestHeaders,
    logger,
  });
  try {
    const documents = new ProviderDocuments(http, metadataStore);
    const metadata = await discover(http, options.issuerUrl, documents);
    await documents.commit();
    return {
      options,
      metadata,
      http,
      client: { clientId: options.clientId, clientSecret: options.clientSecret },
      documents,
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
