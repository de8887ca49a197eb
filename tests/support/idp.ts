/**
 * The test identity provider: `oidc-provider` (OpenID Certified) in-process on 127.0.0.1, port 0,
 * with the test clients and users, plain HTML login and consent forms, the device flow, a
 * password grant, client credentials, and controls for what tests need to provoke: expired ID
 * tokens, revoked or rotated refresh tokens, an outage, `slow_down`, a signing key missing from
 * the JWKS, a discovery document naming another issuer.
 *
 * A small front server (`Deno.serve`) takes every request, logs it with secrets redacted, applies
 * the controls and passes it on to the provider, which listens on a second, private port. The
 * front sees whole request bodies before the provider does, so it can refuse "the next refresh"
 * without reaching into the provider's body parsing, and it owns TLS.
 *
 * Run as a program it prints `{"issuer": …}` on one stdout line and serves until SIGINT or
 * SIGTERM:
 *
 * ```sh
 * deno run -A tests/support/idp.ts [--port=N] [--tls-cert=FILE --tls-key=FILE]
 * ```
 *
 * A mismatching issuer, for "wrong issuer" tests, comes two ways: {@link TestIdp.aliasIssuer}
 * reaches the same server as `http://localhost:PORT` while discovery says `127.0.0.1`, or the
 * `advertisedIssuer` option makes discovery name any other URL.
 *
 * @module
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
// @deno-types="npm:@types/oidc-provider@9.12.1"
import Provider, {
  type Adapter,
  type AdapterPayload,
  type ClientMetadata,
  type Configuration,
  errors,
  type Interaction,
  type JWK as ProviderJwk,
  type KoaContextWithOIDC,
} from "oidc-provider";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { MetadataControl, type MetadataControls } from "./idp/metadata.ts";
import { registerTokenExchangeGrant, TOKEN_EXCHANGE_GRANT_TYPE } from "./idp/token_exchange.ts";

/** A user of the test provider; `sub` is the username. */
export interface TestUser {
  username: string;
  password: string;
  email: string;
  groups: string[];
  name: string;
}

/** Alice: email alice@example.com (verified), groups `developers`. */
export const ALICE: TestUser = {
  username: "alice",
  password: "alice-password",
  email: "alice@example.com",
  groups: ["developers"],
  name: "Alice Example",
};

/** Bob: email bob@example.com (verified), groups `viewers`. */
export const BOB: TestUser = {
  username: "bob",
  password: "bob-password",
  email: "bob@example.com",
  groups: ["viewers"],
  name: "Bob Example",
};

/** The users every test provider knows. */
export const TEST_USERS: readonly TestUser[] = [ALICE, BOB];

/** The public native client: authorization code, device code, password, refresh token. */
export const PUBLIC_CLIENT_ID = "kubelogin-test";
/** A confidential client with the same grants; accepts `client_secret_basic` and `_post`. */
export const CONFIDENTIAL_CLIENT_ID = "kubelogin-confidential";
/** The confidential client's secret. */
export const CONFIDENTIAL_CLIENT_SECRET = "confidential-secret";
/** A machine client for the client credentials grant. */
export const MACHINE_CLIENT_ID = "kubelogin-machine";
/** The machine client's secret. */
export const MACHINE_CLIENT_SECRET = "machine-secret";

/** The out-of-band redirect URI; the provider shows the code on a page (`id="oob-code"`). */
export const OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob";
/** The device authorization grant type (RFC 8628). */
export const DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
/** The scopes the provider supports. */
export const SUPPORTED_SCOPES: readonly string[] = [
  "openid",
  "email",
  "profile",
  "groups",
  "offline_access",
];

/** What a redacted value reads in the request log. */
export const REDACTED = "[redacted]";

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

// Parameters whose values must never reach the log.
const SECRET_PARAMS = new Set([
  "access_token",
  "assertion",
  "client_assertion",
  "client_secret",
  "code",
  "code_verifier",
  "device_code",
  "id_token",
  "id_token_hint",
  "password",
  "refresh_token",
  "subject_token",
  "token",
  "xsrf",
]);
const SECRET_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);
// Hop-by-hop headers stay with each connection (RFC 9110 section 7.6.1).
const HOP_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length"]);
const KEY_ID = "test-signing-key";

function findUser(username: unknown): TestUser | undefined {
  return TEST_USERS.find((user) => user.username === username);
}

function claimsOf(user: TestUser): { sub: string; [claim: string]: unknown } {
  return {
    sub: user.username,
    email: user.email,
    email_verified: true,
    groups: [...user.groups],
    name: user.name,
    preferred_username: user.username,
  };
}

/** An in-memory store shared by all models, so tests can revoke refresh tokens wholesale. */
class MemoryAdapter implements Adapter {
  readonly #model: string;
  readonly #store: Map<string, AdapterPayload>;

  constructor(model: string, store: Map<string, AdapterPayload>) {
    this.#model = model;
    this.#store = store;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  #values(): AdapterPayload[] {
    const prefix = `${this.#model}:`;
    return [...this.#store].filter(([key]) => key.startsWith(prefix)).map(([, value]) => value);
  }

  upsert(id: string, payload: AdapterPayload): Promise<void> {
    this.#store.set(this.#key(id), payload);
    return Promise.resolve();
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#store.get(this.#key(id)));
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#values().find((value) => value.userCode === userCode));
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#values().find((value) => value.uid === uid));
  }

  consume(id: string): Promise<void> {
    const value = this.#store.get(this.#key(id));
    if (value) value.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }

  destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
    return Promise.resolve();
  }

  revokeByGrantId(grantId: string): Promise<void> {
    const prefix = `${this.#model}:`;
    for (const [key, value] of this.#store) {
      if (key.startsWith(prefix) && value.grantId === grantId) this.#store.delete(key);
    }
    return Promise.resolve();
  }
}

async function signingKeyPair(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const meta = { kid: KEY_ID, alg: "RS256", use: "sig" };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<title>${escapeHtml(title)}</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function loginPage(uid: string, message?: string): string {
  return page(
    "Sign in",
    (message ? `<p role="alert">${escapeHtml(message)}</p>` : "") +
      `<form id="login" method="post" action="/interaction/${escapeHtml(uid)}/login">` +
      '<label>Username <input name="login" autocomplete="username" autofocus></label>' +
      '<label>Password <input name="password" type="password" autocomplete="current-password">' +
      '</label><button type="submit">Sign in</button></form>',
  );
}

function consentPage(uid: string, clientId: string, scope: string): string {
  return page(
    "Authorize",
    `<p>${escapeHtml(clientId)} asks for: ${escapeHtml(scope)}.</p>` +
      `<form id="consent" method="post" action="/interaction/${escapeHtml(uid)}/consent">` +
      '<button type="submit" name="decision" value="authorize">Authorize</button>' +
      '<button type="submit" name="decision" value="deny">Deny</button></form>',
  );
}

function oobPage(callback: URL): string {
  const code = callback.searchParams.get("code");
  if (code === null) {
    const error = callback.searchParams.get("error") ?? "unknown error";
    return page("Sign-in failed", `<p id="oob-error">${escapeHtml(error)}</p>`);
  }
  return page(
    "Sign-in code",
    "<p>Copy this code into your terminal:</p>" +
      `<p><code id="oob-code">${escapeHtml(code)}</code></p>`,
  );
}

function redactParams(params: URLSearchParams): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [key, value] of params) redacted[key] = SECRET_PARAMS.has(key) ? REDACTED : value;
  return redacted;
}

function redactHeaders(headers: Headers): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [key, value] of headers) redacted[key] = SECRET_HEADERS.has(key) ? REDACTED : value;
  return redacted;
}

async function readNodeBody(request: AsyncIterable<Uint8Array>): Promise<URLSearchParams> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of request) chunks.push(chunk);
  return new URLSearchParams(new TextDecoder().decode(concat(chunks)));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

async function readPem(value: string | undefined, file: string | undefined): Promise<string> {
  if (value !== undefined) return value;
  if (file !== undefined) return await Deno.readTextFile(file);
  throw new TypeError("tls needs cert and key (PEM text or files)");
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

function listenInner(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function closeInner(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** The parts of a Koa context the interaction routes use (they run outside the provider's). */
type HttpContext = Pick<
  KoaContextWithOIDC,
  "req" | "res" | "method" | "path" | "status" | "body" | "type" | "redirect"
>;

/** The routes of the login and consent pages, which oidc-provider leaves to the host. */
function interactionRoutes(provider: Provider): (ctx: HttpContext) => Promise<void> {
  // The consent step keeps the login result: with `prompt=login` the provider would otherwise
  // ask for the login again.
  async function finish(
    ctx: HttpContext,
    result: Parameters<Provider["interactionResult"]>[2],
    mergeWithLastSubmission: boolean,
  ): Promise<void> {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission,
    });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  async function consent(details: Interaction): Promise<string> {
    const { prompt, params, session } = details;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session?.accountId, clientId: String(params.client_id) });
    if (!grant) throw new errors.AccessDenied("grant not found");
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    return await grant.save();
  }

  return async (ctx) => {
    ctx.type = "html";
    let details: Interaction;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      ctx.status = 400;
      ctx.body = page("Sign-in expired", "<p>Start the sign-in again.</p>");
      return;
    }
    const action = ctx.path.split("/")[3];
    if (ctx.method === "GET") {
      ctx.body = details.prompt.name === "login"
        ? loginPage(details.uid)
        : consentPage(details.uid, String(details.params.client_id), String(details.params.scope));
      return;
    }
    const form = await readNodeBody(ctx.req);
    if (action === "login") {
      const user = findUser(form.get("login"));
      if (!user || user.password !== form.get("password")) {
        ctx.status = 401;
        ctx.body = loginPage(details.uid, "Invalid username or password.");
        return;
      }
      await finish(ctx, { login: { accountId: user.username } }, false);
      return;
    }
    if (action === "consent" && form.get("decision") === "deny") {
      await finish(ctx, {
        error: "access_denied",
        error_description: "the user denied the request",
      }, false);
      return;
    }
    if (action === "consent") {
      await finish(ctx, { consent: { grantId: await consent(details) } }, true);
      return;
    }
    ctx.status = 404;
    ctx.body = page("Not found", "");
  };
}

/** The password grant (RFC 6749 section 4.3): ID, access and refresh token for good credentials. */
function registerPasswordGrant(provider: Provider): void {
  provider.registerGrantType<{ username?: string; password?: string }>(
    "password",
    async (ctx) => {
      const { username, password, scope: requested } = ctx.oidc.params;
      const user = findUser(username);
      if (!user || user.password !== password) {
        throw new errors.InvalidGrant("invalid username or password");
      }
      const client = ctx.oidc.client;
      const wanted = new Set((requested ?? "openid").split(" "));
      const scope = SUPPORTED_SCOPES.filter((s) => wanted.has(s)).join(" ");
      const accountId = user.username;
      const grant = new provider.Grant({ accountId, clientId: client.clientId });
      grant.addOIDCScope(scope);
      const grantId = await grant.save();
      const common = { accountId, client, grantId, gty: "password", scope };
      const accessToken = new provider.AccessToken(common);
      const accessTokenValue = await accessToken.save();
      const refreshTokenValue = await new provider.RefreshToken({ ...common, rotations: 0 })
        .save();
      const idToken = new provider.IdToken(claimsOf(user), { ctx });
      // The claims mask reads `scope` to pick claims; the typings leave it out.
      Object.assign(idToken, { scope });
      ctx.body = {
        access_token: accessTokenValue,
        token_type: "Bearer",
        expires_in: accessToken.expiration,
        id_token: await idToken.issue({ use: "idtoken" }),
        refresh_token: refreshTokenValue,
        scope,
      };
    },
    ["username", "password", "scope"],
  );
}

/**
 * Accepts any loopback redirect URI (http or https, any port and path) and the out-of-band URI
 * for the two native clients, as a desktop-friendly provider does. oidc-provider itself varies
 * only the port of registered http loopback URIs and refuses https on loopback for native apps.
 */
function allowLoopbackRedirects(provider: Provider): void {
  const prototype = provider.Client.prototype as unknown as {
    clientId: string;
    redirectUriAllowed(uri: string): boolean;
  };
  const registered = prototype.redirectUriAllowed;
  prototype.redirectUriAllowed = function (this: typeof prototype, uri: string): boolean {
    if (this.clientId === PUBLIC_CLIENT_ID || this.clientId === CONFIDENTIAL_CLIENT_ID) {
      if (uri === OOB_REDIRECT_URI) return true;
      const url = URL.parse(uri);
      if (
        url && (url.protocol === "http:" || url.protocol === "https:") &&
        ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) && url.hash === ""
      ) {
        return true;
      }
    }
    return registered.call(this, uri);
  };
}

/**
 * Starts the provider on 127.0.0.1.
 *
 * @example
 * ```ts
 * await using idp = await startTestIdp({ rotateRefreshTokens: true });
 * const discovery = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
 * ```
 */
export async function startTestIdp(options: TestIdpOptions = {}): Promise<TestIdp> {
  let idTokenTtl = options.idTokenTtlSec ?? 3600;
  let failRefresh: number | undefined;
  let failRefreshError: string | undefined;
  let failToken: number | undefined;
  let slowDown = false;
  let foreignJwks = false;
  const requests: IdpRequest[] = [];
  const store = new Map<string, AdapterPayload>();
  const signing = await signingKeyPair();
  const foreign = await signingKeyPair();
  const metadataControl = new MetadataControl(signing.publicJwk);
  const tls = options.tls
    ? {
      cert: await readPem(options.tls.cert, options.tls.certFile),
      key: await readPem(options.tls.key, options.tls.keyFile),
    }
    : undefined;
  const scheme = tls ? "https" : "http";

  // The front listens first: the issuer needs its port.
  const handlerRef: { current?: (request: Request) => Promise<Response> } = {};
  const front = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen: () => {},
    ...(tls ?? {}),
  }, (request) =>
    handlerRef.current?.(request) ??
      Promise.resolve(new Response("the test IdP is starting", { status: 503 })));
  const port = front.addr.port;
  const issuer = `${scheme}://127.0.0.1:${port}`;

  const nativeClient = {
    application_type: "native" as const,
    redirect_uris: ["http://127.0.0.1", "http://localhost", OOB_REDIRECT_URI],
    grant_types: ["authorization_code", "refresh_token", DEVICE_CODE_GRANT_TYPE, "password"],
    response_types: ["code" as const],
  };
  const configuration: Configuration = {
    adapter: (model: string) => new MemoryAdapter(model, store),
    clients: [
      { ...nativeClient, client_id: PUBLIC_CLIENT_ID, token_endpoint_auth_method: "none" },
      {
        ...nativeClient,
        client_id: CONFIDENTIAL_CLIENT_ID,
        client_secret: CONFIDENTIAL_CLIENT_SECRET,
        token_endpoint_auth_method: "client_secret_basic",
      },
      {
        client_id: MACHINE_CLIENT_ID,
        client_secret: MACHINE_CLIENT_SECRET,
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: [],
        grant_types: ["client_credentials", TOKEN_EXCHANGE_GRANT_TYPE],
        response_types: [],
      },
      ...options.extraClients ?? [],
    ],
    jwks: { keys: [signing.privateJwk as ProviderJwk] },
    cookies: { keys: ["test-idp-cookie-key, not a secret"] },
    scopes: [...SUPPORTED_SCOPES],
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username"],
      groups: ["groups"],
    },
    // The claims of the granted scopes go into the ID token, as Kubernetes reads them there.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => {
      const user = findUser(sub);
      return user ? { accountId: sub, claims: () => claimsOf(user) } : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: (ctx, form, out) => {
          const message = out
            ? `<p role="alert">${escapeHtml(out.error_description ?? "")}</p>`
            : "";
          const withButton = form.replace(
            "</form>",
            '<button type="submit">Continue</button></form>',
          );
          ctx.body = page("Device sign-in", message + withButton);
        },
        userCodeConfirmSource: (ctx, form, client, _deviceInfo, userCode) => {
          // One form, two buttons: `abort` wins over the hidden `confirm` when present.
          const withButtons = form.replace(
            "</form>",
            '<button type="submit">Approve</button>' +
              '<button type="submit" name="abort" value="yes">Deny</button></form>',
          );
          ctx.body = page(
            "Confirm device",
            `<p>${escapeHtml(client.clientId)} asks for access with code ` +
              `<code id="user-code">${escapeHtml(userCode)}</code>.</p>${withButtons}`,
          );
        },
        successSource: (ctx) => {
          ctx.body = page("Device approved", "<p>You can return to your terminal.</p>");
        },
      },
    },
    // Refresh tokens for every grant that allows them, with or without offline_access, and
    // not bound to the browser session (kubelogin refreshes long after the browser is gone).
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    expiresWithSession: () => false,
    rotateRefreshToken: () => options.rotateRefreshTokens ?? false,
    pkce: { required: () => options.pkceRequired ?? false },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      DeviceCode: options.deviceCodeTtlSec ?? 600,
      Grant: 86400,
      IdToken: () => idTokenTtl,
      Interaction: 600,
      RefreshToken: 86400,
      Session: 86400,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out) => {
      ctx.type = "html";
      ctx.body = page(
        "Sign-in error",
        `<p id="error">${escapeHtml(`${out.error}: ${out.error_description ?? ""}`)}</p>`,
      );
    },
    extraParams: ["audience"],
  };

  options.configure?.(configuration);
  const provider = new Provider(issuer, configuration);
  registerTokenExchangeGrant(provider);
  // The front passes the public scheme and host on; URLs the provider builds must use them.
  provider.proxy = true;
  allowLoopbackRedirects(provider);
  registerPasswordGrant(provider);
  options.configureProvider?.(provider);
  const interactions = interactionRoutes(provider);
  provider.use(async (ctx, next) => {
    if (ctx.path.startsWith("/interaction/")) await interactions(ctx);
    else await next();
  });

  const inner = createServer(provider.callback());
  const innerPort = await listenInner(inner).catch(async (error) => {
    await front.shutdown();
    throw error;
  });
  const innerClient = Deno.createHttpClient({});

  function control(path: string, grantType: string | undefined): Response | undefined {
    if (path !== "/token") return undefined;
    if (failToken !== undefined || (failRefresh !== undefined && grantType === "refresh_token")) {
      const status = failToken ?? failRefresh!;
      failToken = undefined;
      if (grantType === "refresh_token") failRefresh = undefined;
      const error = grantType === "refresh_token" ? failRefreshError : undefined;
      if (error) return jsonResponse(status, { error, error_description: "refused by the test" });
      return new Response("the provider is unavailable", { status });
    }
    if (slowDown && grantType === DEVICE_CODE_GRANT_TYPE) {
      slowDown = false;
      return jsonResponse(400, { error: "slow_down", error_description: "poll less often" });
    }
    return undefined;
  }

  async function rewrite(path: string, response: Response): Promise<Response> {
    const headers = new Headers(response.headers);
    for (const name of HOP_HEADERS) headers.delete(name);
    const location = headers.get("location");
    if (location?.startsWith(OOB_REDIRECT_URI)) {
      await response.body?.cancel();
      headers.delete("location");
      headers.set("content-type", "text/html; charset=utf-8");
      return new Response(oobPage(new URL(location)), { status: 200, headers });
    }
    const body = await response.arrayBuffer();
    if (response.status !== 200) return new Response(body, { status: response.status, headers });
    if (path === "/jwks" && foreignJwks) {
      return jsonResponse(200, { keys: [foreign.publicJwk] });
    }
    if (path === "/device/auth") {
      const json = JSON.parse(new TextDecoder().decode(body));
      return jsonResponse(200, { ...json, interval: options.deviceIntervalSec ?? 1 });
    }
    if (path === "/.well-known/openid-configuration" && options.advertisedIssuer) {
      const json = JSON.parse(new TextDecoder().decode(body));
      return jsonResponse(200, { ...json, issuer: options.advertisedIssuer });
    }
    return new Response(body, { status: response.status, headers });
  }

  handlerRef.current = async (request) => {
    const url = new URL(request.url);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const params = new URLSearchParams(url.search);
    const type = request.headers.get("content-type") ?? "";
    if (body && type.startsWith("application/x-www-form-urlencoded")) {
      for (const [key, value] of new URLSearchParams(new TextDecoder().decode(body))) {
        params.append(key, value);
      }
    }
    const grantType = url.pathname === "/token" ? params.get("grant_type") ?? undefined : undefined;
    const entry: IdpRequest = {
      method: request.method,
      path: url.pathname,
      ...(grantType ? { grantType } : {}),
      params: redactParams(params),
      headers: redactHeaders(request.headers),
      status: 0,
      time: Date.now(),
    };
    requests.push(entry);
    let response = control(url.pathname, grantType);
    if (!response) {
      const headers = new Headers(request.headers);
      for (const name of [...HOP_HEADERS, "host"]) headers.delete(name);
      headers.set("x-forwarded-host", url.host);
      headers.set("x-forwarded-proto", scheme);
      headers.set("x-forwarded-for", "127.0.0.1");
      try {
        const upstream = await fetch(`http://127.0.0.1:${innerPort}${url.pathname}${url.search}`, {
          method: request.method,
          headers,
          body,
          redirect: "manual",
          client: innerClient,
        });
        response = await metadataControl.process(
          request,
          url.pathname,
          await rewrite(url.pathname, upstream),
        );
      } catch (error) {
        response = new Response(`test IdP: ${error}`, { status: 502 });
      }
    }
    entry.status = response.status;
    return options.rewriteResponse?.(response) ?? response;
  };

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await front.shutdown();
      innerClient.close();
      await closeInner(inner);
    })();
    return closed;
  };

  const matches = (request: IdpRequest, filter: RequestFilter): boolean =>
    (filter.method === undefined || request.method === filter.method) &&
    (filter.path === undefined || request.path === filter.path) &&
    (filter.pathSuffix === undefined || request.path.endsWith(filter.pathSuffix)) &&
    (filter.grantType === undefined || request.grantType === filter.grantType);

  return {
    issuer,
    aliasIssuer: `${scheme}://localhost:${port}`,
    port,
    get requests(): readonly IdpRequest[] {
      return requests;
    },
    clearRequests: () => {
      requests.length = 0;
    },
    countRequests: (filter = {}) =>
      requests.filter((request) =>
        typeof filter === "function" ? filter(request) : matches(request, filter)
      ).length,
    requestsTo: (pathSuffix, grantType) =>
      requests.filter((request) => matches(request, { pathSuffix, grantType })),
    setIdTokenTtl: (seconds) => {
      idTokenTtl = seconds;
    },
    revokeRefreshTokens: () => {
      for (const key of [...store.keys()]) {
        if (key.startsWith("RefreshToken:")) store.delete(key);
      }
    },
    failNextRefresh: (status = 503, oauthError) => {
      [failRefresh, failRefreshError] = [status, oauthError];
    },
    failNextTokenRequest: (status = 503) => {
      failToken = status;
    },
    slowDownNext: () => {
      slowDown = true;
    },
    slowDownNextPoll: () => {
      slowDown = true;
    },
    useForeignSigningKey: (on) => {
      foreignJwks = on;
    },
    ...metadataControl.controls(),
    close,
    [Symbol.asyncDispose]: close,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string", default: "0" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "rotate-refresh-tokens": { type: "boolean", default: false },
    },
  });
  const certFile = values["tls-cert"];
  const keyFile = values["tls-key"];
  const idp = await startTestIdp({
    port: Number(values.port),
    rotateRefreshTokens: values["rotate-refresh-tokens"],
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
  });
  console.log(JSON.stringify({ issuer: idp.issuer }));
  const stop = async (): Promise<void> => {
    await idp.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
