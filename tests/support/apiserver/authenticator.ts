/**
 * The API server double's token authenticator, which checks bearer tokens the way kube-apiserver's
 * OIDC authenticator checks them when set up with the `--oidc-*` flags
 * (staging/src/k8s.io/apiserver/plugin/pkg/authenticator/token/oidc/oidc.go, kube-apiserver's flag
 * defaulting, and coreos/go-oidc's verifier). See {@link OidcAuthenticator}.
 *
 * @module
 */

import {
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  type JSONWebKeySet,
} from "jose";

/** The authenticator's settings, named after kube-apiserver's `--oidc-*` flags. */
export interface OidcAuthenticatorOptions {
  /** `--oidc-issuer-url`: the `iss` tokens must carry; discovery is fetched from it. */
  issuerUrl: string;
  /** `--oidc-client-id`: a value the `aud` claim must contain. */
  clientId: string;
  /** `--oidc-username-claim` (default `sub`). */
  usernameClaim?: string;
  /** `--oidc-username-prefix`: unset means `issuerUrl#` unless the claim is `email`; `-` is none. */
  usernamePrefix?: string;
  /** `--oidc-groups-claim`: without it the token gives no groups. */
  groupsClaim?: string;
  /** `--oidc-groups-prefix`. */
  groupsPrefix?: string;
  /** `--oidc-signing-algs` (default `["RS256"]`); only RS*, ES* and PS* are allowed. */
  signingAlgs?: string[];
}

/** The user a token authenticated as. */
export interface UserInfo {
  /** The user name, prefix included. */
  username: string;
  /** The groups, prefix included, `system:authenticated` last. */
  groups: string[];
}

const ALLOWED_SIGNING_ALGS: ReadonlySet<string> = new Set([
  "RS256",
  "RS384",
  "RS512",
  "ES256",
  "ES384",
  "ES512",
  "PS256",
  "PS384",
  "PS512",
]);
const DEFAULT_SIGNING_ALGS = ["RS256"];
const SYSTEM_AUTHENTICATED = "system:authenticated";
const NOT_BEFORE_LEEWAY_MS = 60_000;
const ISSUER_TIMEOUT_MS = 10_000;
const WELL_KNOWN_PATH = "/.well-known/openid-configuration";
const decoder = new TextDecoder();

/** A refused token: the reason goes to the decision log, the client only sees 401. */
export class TokenRejected extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

/** The issuer's keys, loaded on first use and again when none of them verifies a signature. */
class IssuerKeys {
  readonly #issuerUrl: string;
  readonly #client?: Deno.HttpClient;
  #keys?: Promise<KeySet>;

  constructor(issuerUrl: string, client?: Deno.HttpClient) {
    this.#issuerUrl = issuerUrl;
    this.#client = client;
  }

  /** Verifies the signature of a compact JWS and returns its payload. */
  async verify(token: string, algorithms: string[]): Promise<Uint8Array> {
    try {
      return (await compactVerify(token, await this.#load(false), { algorithms })).payload;
    } catch (error) {
      if (!isKeyMiss(error)) throw error;
      return (await compactVerify(token, await this.#load(true), { algorithms })).payload;
    }
  }

  #load(refresh: boolean): Promise<KeySet> {
    if (!this.#keys || refresh) {
      const loading = this.#fetchKeys();
      // Like kube's authenticator, an issuer that is down is tried again on the next token.
      loading.catch(() => {
        if (this.#keys === loading) this.#keys = undefined;
      });
      this.#keys = loading;
    }
    return this.#keys;
  }

  async #fetchKeys(): Promise<KeySet> {
    const discovery = await this.#getJson(this.#issuerUrl.replace(/\/$/, "") + WELL_KNOWN_PATH);
    if (discovery.issuer !== this.#issuerUrl) {
      throw new TokenRejected(
        `authenticator not initialized: discovery says issuer ${
          JSON.stringify(discovery.issuer)
        }, expected ${JSON.stringify(this.#issuerUrl)}`,
      );
    }
    if (typeof discovery.jwks_uri !== "string") {
      throw new TokenRejected("authenticator not initialized: discovery has no jwks_uri");
    }
    const jwks = await this.#getJson(discovery.jwks_uri);
    if (!Array.isArray(jwks.keys) || !jwks.keys.every(isRecord)) {
      throw new TokenRejected("authenticator not initialized: the JWKS has no keys array");
    }
    return createLocalJWKSet(jwks as unknown as JSONWebKeySet);
  }

  async #getJson(url: string): Promise<Record<string, unknown>> {
    let text: string;
    try {
      const response = await fetch(url, {
        client: this.#client,
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(ISSUER_TIMEOUT_MS),
      });
      text = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new TokenRejected(`authenticator not initialized: GET ${url}: ${detail}`);
    }
    try {
      const value: unknown = JSON.parse(text);
      if (isRecord(value)) return value;
    } catch {
      // Reported below.
    }
    throw new TokenRejected(`authenticator not initialized: GET ${url}: not a JSON object`);
  }
}

/** Errors after which fresh keys might verify the token. */
function isKeyMiss(error: unknown): boolean {
  return error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys;
}

/** kube-apiserver's defaulting of `--oidc-username-prefix`. */
function usernamePrefixOf(issuerUrl: string, claim: string, prefix: string | undefined): string {
  if (prefix === "-") return "";
  if (!prefix && claim !== "email") return `${issuerUrl}#`;
  return prefix ?? "";
}

/** The OIDC token authenticator, configured as kube-apiserver's `--oidc-*` flags configure it. */
export class OidcAuthenticator {
  readonly #issuerUrl: string;
  readonly #clientId: string;
  readonly #keys: IssuerKeys;
  readonly #algorithms: string[];
  readonly #usernameClaim: string;
  readonly #usernamePrefix: string;
  readonly #groupsClaim?: string;
  readonly #groupsPrefix: string;

  constructor(options: OidcAuthenticatorOptions, client?: Deno.HttpClient) {
    this.#issuerUrl = options.issuerUrl;
    this.#clientId = options.clientId;
    this.#keys = new IssuerKeys(options.issuerUrl, client);
    this.#algorithms = options.signingAlgs?.length ? options.signingAlgs : DEFAULT_SIGNING_ALGS;
    for (const alg of this.#algorithms) {
      if (!ALLOWED_SIGNING_ALGS.has(alg)) throw new Error(`oidc: unsupported signing alg: ${alg}`);
    }
    this.#usernameClaim = options.usernameClaim || "sub";
    this.#usernamePrefix = usernamePrefixOf(
      options.issuerUrl,
      this.#usernameClaim,
      options.usernamePrefix,
    );
    this.#groupsClaim = options.groupsClaim || undefined;
    this.#groupsPrefix = options.groupsPrefix ?? "";
  }

  /** Authenticates a bearer token, or throws {@link TokenRejected} saying why not. */
  async authenticate(token: string): Promise<UserInfo> {
    let untrustedIssuer: unknown;
    let alg: unknown;
    try {
      if (token.trimStart().startsWith("{")) throw new Error("not compact");
      untrustedIssuer = decodeJwt(token).iss;
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new TokenRejected("malformed token: not a compact JWT");
    }
    if (untrustedIssuer !== this.#issuerUrl) {
      throw new TokenRejected(`token issuer ${JSON.stringify(untrustedIssuer)} is not ours`);
    }
    if (typeof alg !== "string" || !this.#algorithms.includes(alg)) {
      throw new TokenRejected(
        `token signed with unsupported algorithm ${JSON.stringify(alg)}, expected ${
          this.#algorithms.join(", ")
        }`,
      );
    }
    let payload: Uint8Array;
    try {
      payload = await this.#keys.verify(token, this.#algorithms);
    } catch (error) {
      if (error instanceof TokenRejected) throw error;
      const name = error instanceof Error ? error.name : "Error";
      throw new TokenRejected(`failed to verify signature: ${name}`);
    }
    // Only the verified payload counts from here on.
    let claims: unknown;
    try {
      claims = JSON.parse(decoder.decode(payload));
    } catch {
      claims = undefined;
    }
    if (!isRecord(claims)) throw new TokenRejected("malformed token: payload is not an object");
    this.#checkClaims(claims);
    return {
      username: this.#username(claims),
      groups: [...this.#groups(claims), SYSTEM_AUTHENTICATED],
    };
  }

  #checkClaims(claims: Record<string, unknown>): void {
    if (claims.iss !== this.#issuerUrl) {
      throw new TokenRejected(`id token issued by a different provider: ${claims.iss}`);
    }
    const audience = typeof claims.aud === "string" ? [claims.aud] : claims.aud;
    if (!isStringArray(audience) || !audience.includes(this.#clientId)) {
      throw new TokenRejected(
        `expected audience ${JSON.stringify(this.#clientId)} got ${JSON.stringify(claims.aud)}`,
      );
    }
    const now = Date.now();
    // A missing exp is the zero time to go-oidc, hence expired.
    if (typeof claims.exp !== "number" || claims.exp * 1000 < now) {
      throw new TokenRejected("token is expired");
    }
    if (claims.nbf !== undefined) {
      if (typeof claims.nbf !== "number") throw new TokenRejected("malformed nbf claim");
      if (now + NOT_BEFORE_LEEWAY_MS < claims.nbf * 1000) {
        throw new TokenRejected("current time is before the nbf (not before) time");
      }
    }
  }

  #username(claims: Record<string, unknown>): string {
    const claim = this.#usernameClaim;
    const value = claims[claim];
    if (typeof value !== "string") {
      throw new TokenRejected(`parse username claim ${JSON.stringify(claim)}: missing or not text`);
    }
    if (claim === "email" && "email_verified" in claims) {
      if (typeof claims.email_verified !== "boolean") {
        throw new TokenRejected("parse 'email_verified' claim: not a boolean");
      }
      if (!claims.email_verified) throw new TokenRejected("email not verified");
    }
    return this.#usernamePrefix + value;
  }

  #groups(claims: Record<string, unknown>): string[] {
    const claim = this.#groupsClaim;
    if (!claim || !(claim in claims)) return [];
    const value = claims[claim];
    const groups = typeof value === "string" ? [value] : value;
    if (!isStringArray(groups)) {
      throw new TokenRejected(`parse groups claim ${JSON.stringify(claim)}: not text or a list`);
    }
    return groups.map((group) => this.#groupsPrefix + group);
  }
}

/** The bearer token of a request's `Authorization` header, if it has one. */
export function bearerToken(request: Request): string | undefined {
  const match = request.headers.get("authorization")?.match(/^bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
