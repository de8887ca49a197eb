/**
 * The public shape of the test provider: its options, its request log and its controls.
 *
 * @module
 */

// @deno-types="npm:@types/oidc-provider@9.12.1"
import type { ClientMetadata, Configuration, default as Provider } from "oidc-provider";
import type { MetadataControls } from "./metadata.ts";

/** Options of {@link startTestIdp}. */
export interface TestIdpOptions {
  /** Serve HTTPS with this certificate and key, given as PEM text or as PEM file paths. */
  tls?: { cert?: string; key?: string; certFile?: string; keyFile?: string };
  /** Issue a new refresh token on every refresh and consume the old one (Okta, Keycloak). */
  rotateRefreshTokens?: boolean;
  /** Lifetime of ID tokens in seconds (default 3600); see {@link TestIdp.setIdTokenTtl}. */
  idTokenTtlSec?: number;
  /** Refuse authorization requests without PKCE (default false). */
  pkceRequired?: boolean;
  /** Lifetime of device codes in seconds (default 600). */
  deviceCodeTtlSec?: number;
  /** The `interval` the device authorization response advertises (default 1 s, for speed). */
  deviceIntervalSec?: number;
  /** Fixed port (default: a free one). */
  port?: number;
  /** The `issuer` the discovery document names, when a test wants it to differ. */
  advertisedIssuer?: string;
  /** Extends the provider's configuration before it starts (see tests/support/idp/). */
  configure?: (configuration: Configuration) => void;
  /** Rewrites every answer the front sends (see tests/support/idp/). */
  rewriteResponse?: (response: Response) => Response;
  /** More clients to register (see tests/support/idp/secret_clients.ts). */
  extraClients?: readonly ClientMetadata[];
  /** Called with the provider before it serves, to add middleware (a provider's quirks). */
  configureProvider?: (provider: Provider) => void;
}

/** One request the provider saw. Secrets, codes and tokens are redacted. */
export interface IdpRequest {
  method: string;
  /** The URL path, without the query. */
  path: string;
  /** `grant_type` of token requests. */
  grantType?: string;
  /** Query and form parameters; secrets read {@link REDACTED}. */
  params: Record<string, string>;
  /** Request headers, lower case; `authorization` and `cookie` read {@link REDACTED}. */
  headers: Record<string, string>;
  /** The status answered. */
  status: number;
  /** When the request arrived (ms since the epoch). */
  time: number;
}

/** Selects requests of the log: every given field must match. */
export interface RequestFilter {
  method?: string;
  /** The exact path. */
  path?: string;
  /** The end of the path (`"/token"`). */
  pathSuffix?: string;
  grantType?: string;
}

/** The running provider and its controls. */
export interface TestIdp extends AsyncDisposable, MetadataControls {
  /** The issuer URL, `http://127.0.0.1:PORT` (or https). */
  readonly issuer: string;
  /** The same server as `http://localhost:PORT`: an issuer URL that discovery contradicts. */
  readonly aliasIssuer: string;
  /** The port it listens on. */
  readonly port: number;
  /** Every request seen, oldest first. */
  readonly requests: readonly IdpRequest[];
  /** Forgets the request log. */
  clearRequests(): void;
  /** The number of logged requests the filter (or predicate) selects. */
  countRequests(filter?: RequestFilter | ((request: IdpRequest) => boolean)): number;
  /** Requests whose path ends with the suffix (and, for the token endpoint, of a grant type). */
  requestsTo(pathSuffix: string, grantType?: string): IdpRequest[];
  /** Changes the lifetime of ID tokens issued from now on. */
  setIdTokenTtl(seconds: number): void;
  /** Makes every refresh token issued so far invalid (`invalid_grant`). */
  revokeRefreshTokens(): void;
  /**
   * Moves the device codes issued so far `seconds` into the past, as the clock would: a code
   * expires once it is older than `deviceCodeTtlSec`, without a test sleeping for it.
   */
  ageDeviceCodes(seconds: number): void;
  /** Answers the next refresh token request with this status, and this OAuth error if given. */
  failNextRefresh(status?: number, oauthError?: string): void;
  /** Answers the next token request, whatever its grant, with this status and no OAuth error. */
  failNextTokenRequest(status?: number): void;
  /** Answers the next device-code poll with `slow_down`. */
  slowDownNext(): void;
  /** Same as {@link TestIdp.slowDownNext}. */
  slowDownNextPoll(): void;
  /** While on, the JWKS publishes another key under the signing key's id: signatures fail. */
  useForeignSigningKey(on: boolean): void;
  /** Stops both servers. */
  close(): Promise<void>;
}
