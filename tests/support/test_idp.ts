/**
 * The test identity provider: `oidc-provider` (OpenID Certified) in-process on 127.0.0.1, port 0,
 * with test clients and users, simple login and consent forms, the device flow, a password grant,
 * client credentials, and controls for the situations tests need (expired ID tokens, revoked
 * refresh tokens, a signing key missing from the JWKS, provider outages). Every request is logged
 * with secrets redacted, so tests can assert what the provider saw.
 *
 * Run as a program (`deno run -A tests/support/test_idp.ts`) it prints `{"issuer": …}` and
 * serves until interrupted, for the demo.
 *
 * @module
 */

import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
// @deno-types="npm:@types/oidc-provider@9.12.1"
import Provider, { errors, type KoaContextWithOIDC } from "oidc-provider";
import { exportJWK, generateKeyPair, type JWK } from "jose";

/** A user of the test provider. */
export interface TestUser {
  username: string;
  password: string;
  email: string;
  groups: string[];
  name: string;
}

/** The users every test provider knows. */
export const TEST_USERS: readonly TestUser[] = [
  {
    username: "alice",
    password: "alice-password",
    email: "alice@example.com",
    groups: ["developers"],
    name: "Alice Example",
  },
  {
    username: "bob",
    password: "bob-password",
    email: "bob@example.com",
    groups: ["viewers"],
    name: "Bob Example",
  },
];

/** The public client (authorization code with PKCE, device flow, password, refresh). */
export const PUBLIC_CLIENT_ID = "kubelogin-test";
/** A confidential client with the same grants. */
export const CONFIDENTIAL_CLIENT_ID = "kubelogin-confidential";
/** The confidential client's secret. */
export const CONFIDENTIAL_CLIENT_SECRET = "confidential-secret";
/** A machine client for the client credentials grant. */
export const MACHINE_CLIENT_ID = "kubelogin-machine";
/** The machine client's secret. */
export const MACHINE_CLIENT_SECRET = "machine-secret";

/** Options of {@link startTestIdp}. */
export interface TestIdpOptions {
  /** Serve HTTPS with this certificate (PEM). */
  tls?: { cert: string; key: string };
  /** Issue a new refresh token on every refresh and consume the old one (Okta, Keycloak). */
  rotateRefreshTokens?: boolean;
  /** Lifetime of ID tokens in seconds (default 3600). */
  idTokenTtlSec?: number;
  /** Lifetime of device codes in seconds (default 600). */
  deviceCodeTtlSec?: number;
  /** The `interval` the device authorization response advertises (default 1 s, for speed). */
  deviceIntervalSec?: number;
  /** Fixed port (default: a free one). */
  port?: number;
}

/** One request the provider saw. Secrets, codes and tokens are redacted. */
export interface IdpRequest {
  method: string;
  path: string;
  /** `grant_type` of token requests. */
  grantType?: string;
  /** Query and form parameters, redacted. */
  params: Record<string, string>;
  /** Request headers (`authorization` and `cookie` redacted). */
  headers: Record<string, string>;
  status: number;
  /** When the request arrived (ms since the epoch). */
  time: number;
}

const SECRET_PARAMS = new Set([
  "client_secret",
  "code",
  "code_verifier",
  "refresh_token",
  "password",
  "device_code",
  "id_token_hint",
  "xsrf",
]);

/** The running provider and its controls. */
export interface TestIdp extends AsyncDisposable {
  /** The issuer URL (`http://127.0.0.1:PORT`). */
  readonly issuer: string;
  /** The port it listens on. */
  readonly port: number;
  /** Every request seen, oldest first. */
  readonly requests: readonly IdpRequest[];
  /** Forgets the request log. */
  clearRequests(): void;
  /** Requests whose path ends with the suffix (and, for the token endpoint, of a grant type). */
  requestsTo(pathSuffix: string, grantType?: string): IdpRequest[];
  /** Changes the lifetime of ID tokens issued from now on. */
  setIdTokenTtl(seconds: number): void;
  /** Makes every refresh token issued so far invalid (`invalid_grant`). */
  revokeRefreshTokens(): void;
  /** Answers the next token request with this HTTP status and no OAuth error (an outage). */
  failNextTokenRequest(status: number): void;
  /** Answers the next device-code token request with `slow_down`. */
  slowDownNextPoll(): void;
  /** Serves a JWKS with another key under the same key id, so signatures fail to verify. */
  useForeignSigningKey(foreign: boolean): void;
  close(): Promise<void>;
}

type Store = Map<string, Record<string, unknown>>;

/** A map-backed storage adapter, so tests can revoke refresh tokens wholesale. */
class MemoryAdapter {
  readonly #name: string;
  readonly #store: Store;

  constructor(name: string, store: Store) {
    this.#name = name;
    this.#store = store;
  }

  #key(id: string): string {
    return `${this.#name}:${id}`;
  }

  upsert(id: string, payload: Record<string, unknown>): Promise<void> {
    this.#store.set(this.#key(id), payload);
    return Promise.resolve();
  }

  find(id: string): Promise<Record<string, unknown> | undefined> {
    return Promise.resolve(this.#store.get(this.#key(id)));
  }

  findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
    for (const [key, value] of this.#store) {
      if (key.startsWith(`${this.#name}:`) && value.userCode === userCode) {
        return Promise.resolve(value);
      }
    }
    return Promise.resolve(undefined);
  }

  findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    for (const [key, value] of this.#store) {
      if (key.startsWith(`${this.#name}:`) && value.uid === uid) return Promise.resolve(value);
    }
    return Promise.resolve(undefined);
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
    for (const [key, value] of this.#store) {
      if (key.startsWith(`${this.#name}:`) && value.grantId === grantId) {
        this.#store.delete(key);
      }
    }
    return Promise.resolve();
  }
}

async function signingKeyPair(kid: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { privateJwk, publicJwk };
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><h1>${title}</h1>${body}</body></html>`;
}

function findUser(username: unknown): TestUser | undefined {
  return TEST_USERS.find((user) => user.username === username);
}

function claimsOf(user: TestUser): { sub: string; [claim: string]: unknown } {
  return {
    sub: user.username,
    email: user.email,
    email_verified: true,
    groups: user.groups,
    name: user.name,
    preferred_username: user.username,
  };
}

function redact(params: Record<string, unknown>): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    redacted[key] = SECRET_PARAMS.has(key) ? "[redacted]" : String(value);
  }
  return redacted;
}

async function readForm(ctx: HttpContext): Promise<URLSearchParams> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Uint8Array);
  const text = new TextDecoder().decode(
    chunks.reduce((all, chunk) => new Uint8Array([...all, ...chunk]), new Uint8Array()),
  );
  return new URLSearchParams(text);
}

/** The parts of a Koa context the interaction routes use. */
type HttpContext = Pick<
  KoaContextWithOIDC,
  "req" | "res" | "method" | "path" | "status" | "body" | "type" | "respond"
>;

const ALL_SCOPES = "openid email profile groups offline_access";

/**
 * Starts the provider.
 *
 * @example
 * ```ts
 * await using idp = await startTestIdp();
 * console.log(idp.issuer);
 * ```
 */
export async function startTestIdp(options: TestIdpOptions = {}): Promise<TestIdp> {
  let idTokenTtl = options.idTokenTtlSec ?? 3600;
  let failNextToken: number | undefined;
  let slowDownNext = false;
  let foreignJwks = false;
  const requests: IdpRequest[] = [];
  const store: Store = new Map();
  class ScopedAdapter extends MemoryAdapter {
    constructor(name: string) {
      super(name, store);
    }
  }
  const kid = "test-key";
  const signing = await signingKeyPair(kid);
  const foreign = await signingKeyPair(kid);

  const scheme = options.tls ? "https" : "http";
  let server: Server;
  const port = await new Promise<number>((resolve, reject) => {
    // The provider needs its own URL, known only once the server listens: requests wait for it.
    const handler: Parameters<typeof createHttpServer>[1] = (req, res) => callback()(req, res);
    server = options.tls
      ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
      : createHttpServer(handler);
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      resolve((server.address() as AddressInfo).port);
    });
  });
  const issuer = `${scheme}://127.0.0.1:${port}`;
  const redirectUris = [
    "http://localhost",
    "http://127.0.0.1",
    "http://localhost/callback",
    "http://127.0.0.1/callback",
  ];

  const provider = new Provider(issuer, {
    adapter: ScopedAdapter,
    clients: [
      {
        client_id: PUBLIC_CLIENT_ID,
        application_type: "native",
        token_endpoint_auth_method: "none",
        redirect_uris: redirectUris,
        grant_types: [
          "authorization_code",
          "refresh_token",
          "urn:ietf:params:oauth:grant-type:device_code",
          "password",
        ],
        response_types: ["code"],
      },
      {
        client_id: CONFIDENTIAL_CLIENT_ID,
        client_secret: CONFIDENTIAL_CLIENT_SECRET,
        application_type: "native",
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: redirectUris,
        grant_types: [
          "authorization_code",
          "refresh_token",
          "urn:ietf:params:oauth:grant-type:device_code",
          "password",
        ],
        response_types: ["code"],
      },
      {
        client_id: MACHINE_CLIENT_ID,
        client_secret: MACHINE_CLIENT_SECRET,
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: [],
        grant_types: ["client_credentials"],
        response_types: [],
      },
    ],
    jwks: { keys: [signing.privateJwk] },
    cookies: { keys: ["test-cookie-key-not-secret"] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username"],
      groups: ["groups"],
    },
    scopes: ["openid", "offline_access", "email", "profile", "groups"],
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => {
      const user = findUser(sub);
      if (!user) return undefined;
      return { accountId: sub, claims: () => ({ ...claimsOf(user), sub }) };
    },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: (ctx, form, _out, err) => {
          const message = err ? "<p>The code is incorrect. Try again.</p>" : "";
          ctx.body = page(
            "Device login",
            `${message}${
              form.replace("</form>", '<button type="submit">Continue</button></form>')
            }`,
          );
        },
        userCodeConfirmSource: (ctx, form, client, _info, userCode) => {
          const withButtons = form.replace(
            "</form>",
            '<button type="submit" name="approve">Approve</button>' +
              '<button type="submit" name="abort" value="yes">Deny</button></form>',
          );
          ctx.body = page(
            "Confirm device",
            `<p>Client ${client.clientId} asks for access with code <code>${userCode}</code>.</p>${withButtons}`,
          );
        },
        successSource: (ctx) => {
          ctx.body = page("Device approved", "<p>You can return to your terminal.</p>");
        },
      },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
    },
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: () => options.rotateRefreshTokens ?? false,
    pkce: { required: () => false },
    ttl: {
      IdToken: () => idTokenTtl,
      AccessToken: 3600,
      ClientCredentials: 600,
      DeviceCode: options.deviceCodeTtlSec ?? 600,
      Grant: 86400,
      Interaction: 600,
      RefreshToken: 86400,
      Session: 86400,
      AuthorizationCode: 60,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    extraParams: ["access_type", "audience"],
    loadExistingGrant: async (ctx) => {
      // A fresh grant per login keeps consent a visible step in the browser, yet lets refresh
      // tokens issued by the password grant (which saves its own grant) keep working.
      const grantId = ctx.oidc.result?.consent?.grantId ??
        ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      return grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
  });

  // Built on the first request, after every middleware below is registered (koa-compose copies
  // the middleware list when the callback is made).
  let koaCallback: ReturnType<Provider["callback"]> | undefined;
  const callback = () => (koaCallback ??= provider.callback());

  provider.use(async (ctx, next) => {
    const entry: IdpRequest = {
      method: ctx.method,
      path: ctx.path,
      params: redact(Object.fromEntries(new URLSearchParams(ctx.querystring))),
      headers: redact(Object.fromEntries(
        Object.entries(ctx.headers).map(([key, value]) => [key, String(value)]),
      )),
      status: 0,
      time: Date.now(),
    };
    for (const header of ["authorization", "cookie"]) {
      if (entry.headers[header]) entry.headers[header] = "[redacted]";
    }
    requests.push(entry);
    if (ctx.path === "/token" && ctx.method === "POST" && failNextToken !== undefined) {
      ctx.status = failNextToken;
      ctx.body = "provider unavailable";
      failNextToken = undefined;
      entry.status = ctx.status;
      return;
    }
    if (ctx.path.startsWith("/interaction/")) {
      await interaction(ctx);
      entry.status = ctx.status;
      return;
    }
    await next();
    const params = ctx.oidc?.params;
    const body = ctx.oidc?.body;
    if (body && typeof body === "object") {
      entry.params = { ...entry.params, ...redact(body as Record<string, unknown>) };
    }
    if (params) {
      entry.params = { ...entry.params, ...redact(params as Record<string, unknown>) };
      entry.grantType = typeof params.grant_type === "string" ? params.grant_type : undefined;
    }
    entry.grantType ??= ctx.state.grantType;
    if (ctx.path === "/jwks" && foreignJwks) ctx.body = { keys: [foreign.publicJwk] };
    if (ctx.path === "/device/auth" && ctx.status === 200 && typeof ctx.body === "object") {
      ctx.body = { ...ctx.body, interval: options.deviceIntervalSec ?? 1 };
    }
    entry.status = ctx.status;
  });

  async function interaction(ctx: HttpContext): Promise<void> {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const uid = details.uid;
    if (ctx.method === "GET") {
      ctx.type = "html";
      if (details.prompt.name === "login") {
        ctx.body = page(
          "Log in",
          `<form method="post" action="/interaction/${uid}/login">` +
            '<label>Username <input name="login" autocomplete="username"></label>' +
            '<label>Password <input name="password" type="password"></label>' +
            '<button type="submit">Log in</button></form>',
        );
      } else {
        ctx.body = page(
          "Authorize",
          `<p>${details.params.client_id} asks for ${details.params.scope}.</p>` +
            `<form method="post" action="/interaction/${uid}/consent">` +
            '<button type="submit">Authorize</button></form>',
        );
      }
      return;
    }
    if (ctx.path.endsWith("/login")) {
      const form = await readForm(ctx);
      const user = findUser(form.get("login"));
      if (!user || user.password !== form.get("password")) {
        ctx.type = "html";
        ctx.status = 200;
        ctx.body = page(
          "Log in",
          "<p>Invalid username or password.</p>" +
            `<form method="post" action="/interaction/${uid}/login">` +
            '<input name="login"><input name="password" type="password">' +
            '<button type="submit">Log in</button></form>',
        );
        return;
      }
      await provider.interactionFinished(ctx.req, ctx.res, {
        login: { accountId: user.username },
      }, { mergeWithLastSubmission: false });
      ctx.respond = false;
      return;
    }
    const { accountId } = details.session ?? {};
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? "openid"));
    const grantId = await grant.save();
    await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, {
      mergeWithLastSubmission: true,
    });
    ctx.respond = false;
  }

  // The password grant (RFC 6749 section 4.3), which oidc-provider leaves to the host.
  provider.registerGrantType(
    "password",
    async (ctx: KoaContextWithOIDC) => {
      const { username, password, scope } = ctx.oidc.params as Record<string, string | undefined>;
      const user = findUser(username);
      if (!user || user.password !== password) {
        throw new errors.InvalidGrant("invalid username or password");
      }
      const client = ctx.oidc.client!;
      const scopes = (scope ?? "openid").split(" ").filter((s) => ALL_SCOPES.includes(s));
      const grant = new provider.Grant({ accountId: user.username, clientId: client.clientId });
      grant.addOIDCScope(scopes.join(" "));
      const grantId = await grant.save();
      const at = new provider.AccessToken({
        accountId: user.username,
        client,
        grantId,
        scope: scopes.join(" "),
        gty: "password",
      });
      const accessToken = await at.save();
      const rt = new provider.RefreshToken({
        accountId: user.username,
        client,
        grantId,
        scope: scopes.join(" "),
        gty: "password",
        iat: Math.floor(Date.now() / 1000),
      });
      const refreshToken = await rt.save();
      const idToken = new provider.IdToken(claimsOf(user), { ctx });
      Object.assign(idToken, { scope: scopes.join(" ") });
      const idTokenValue = await idToken.issue({ use: "idtoken" });
      ctx.body = {
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: at.expiration,
        id_token: idTokenValue,
        refresh_token: refreshToken,
        scope: scopes.join(" "),
      };
    },
    ["username", "password", "scope"],
  );

  // The device-code grant's slow_down answer, which oidc-provider never sends by itself.
  provider.use(async (ctx, next) => {
    if (slowDownNext && ctx.path === "/token" && ctx.method === "POST") {
      const form = await readFormPeek(ctx);
      if (form.get("grant_type") === "urn:ietf:params:oauth:grant-type:device_code") {
        slowDownNext = false;
        ctx.state.grantType = form.get("grant_type");
        ctx.status = 400;
        ctx.body = { error: "slow_down", error_description: "poll less often" };
        return;
      }
    }
    await next();
  });

  return {
    issuer,
    port,
    get requests() {
      return requests;
    },
    clearRequests: () => {
      requests.length = 0;
    },
    requestsTo: (pathSuffix, grantType) =>
      requests.filter((request) =>
        request.path.endsWith(pathSuffix) &&
        (grantType === undefined || request.grantType === grantType)
      ),
    setIdTokenTtl: (seconds) => {
      idTokenTtl = seconds;
    },
    revokeRefreshTokens: () => {
      for (const key of [...store.keys()]) {
        if (key.startsWith("RefreshToken:")) store.delete(key);
      }
    },
    failNextTokenRequest: (status) => {
      failNextToken = status;
    },
    slowDownNextPoll: () => {
      slowDownNext = true;
    },
    useForeignSigningKey: (on) => {
      foreignJwks = on;
    },
    close: () => closeServer(server),
    [Symbol.asyncDispose]: () => closeServer(server),
  };
}

/** Reads a form body and hands an equivalent stream on to the provider. */
async function readFormPeek(ctx: HttpContext): Promise<URLSearchParams> {
  const form = await readForm(ctx);
  const { Readable } = await import("node:stream");
  const replay = Readable.from([new TextEncoder().encode(form.toString())]);
  Object.assign(replay, { headers: ctx.req.headers, method: ctx.req.method, url: ctx.req.url });
  ctx.req = replay as unknown as typeof ctx.req;
  return form;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

if (import.meta.main) {
  const port = Number(Deno.args.find((arg) => arg.startsWith("--port="))?.slice(7) ?? "0");
  const idp = await startTestIdp({ port });
  console.log(JSON.stringify({ issuer: idp.issuer }));
  const stop = async () => {
    await idp.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
