/**
 * A hostile or broken identity provider for security tests: a small `Deno.serve` on 127.0.0.1,
 * port 0, whose discovery document, endpoints and signed ID tokens are whatever a test makes
 * them. It logs every request (path and form or query parameters), so a test can assert that a
 * code or secret never reached it.
 *
 * @example
 * ```ts
 * await using hostile = await startHostileIdp({
 *   routes: { "/token": () => Response.json({ error: "invalid_grant" }, { status: 400 }) },
 * });
 * ```
 *
 * @module
 */

import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { PUBLIC_CLIENT_ID } from "./idp.ts";

/** One request the hostile provider saw. */
export interface HostileRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  time: number;
}

/** Answers one path; `base` is the provider's own origin. */
export type HostileRoute = (request: Request, base: string) => Response | Promise<Response>;

/** Options of {@link startHostileIdp}. */
export interface HostileIdpOptions {
  /** Fields merged over (or, as `undefined`, removed from) the default discovery document. */
  discovery?: (base: string) => Record<string, unknown>;
  /** Answers by path (a POST body is already read into the log); unknown paths get 404. */
  routes?: Record<string, HostileRoute>;
}

/** The running hostile provider. */
export interface HostileIdp extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`: also its issuer. */
  readonly issuer: string;
  readonly requests: readonly HostileRequest[];
  /** Requests to the path. */
  requestsTo(path: string): HostileRequest[];
  /** Signs an ID token with the key published at `/jwks`; `iss` and `iat` default sensibly. */
  signIdToken(claims: JWTPayload): Promise<string>;
}

/** Starts a hostile provider. */
export async function startHostileIdp(options: HostileIdpOptions = {}): Promise<HostileIdp> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "hostile", alg: "RS256", use: "sig" };
  const requests: HostileRequest[] = [];
  let base = "";
  const defaults = (): Record<string, unknown> => ({
    issuer: base,
    authorization_endpoint: `${base}/auth`,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
    device_authorization_endpoint: `${base}/device`,
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["none", "client_secret_basic"],
  });
  const routes: Record<string, HostileRoute> = {
    "/.well-known/openid-configuration": () =>
      Response.json({ ...defaults(), ...options.discovery?.(base) }),
    "/jwks": () => Response.json({ keys: [jwk] }),
    ...options.routes,
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const params = Object.fromEntries(url.searchParams);
    if (req.method === "POST") {
      Object.assign(params, Object.fromEntries(new URLSearchParams(await req.text())));
    }
    requests.push({ method: req.method, path: url.pathname, params, time: Date.now() });
    const route = routes[url.pathname];
    return route ? await route(req, base) : new Response("Not Found", { status: 404 });
  });
  base = `http://127.0.0.1:${server.addr.port}`;
  return {
    get issuer() {
      return base;
    },
    requests,
    requestsTo: (path) => requests.filter((request) => request.path === path),
    signIdToken: (claims) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: base, iat: now, exp: now + 3600, sub: "mallory", ...claims })
        .setProtectedHeader({ alg: "RS256", kid: "hostile" })
        .sign(privateKey);
    },
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** `get-token` arguments for a provider's public test client, browser closed, loopback on :0. */
export function pluginArgs(issuer: string, ...extra: string[]): string[] {
  return [
    "get-token",
    `--oidc-issuer-url=${issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    "--skip-open-browser",
    "--listen-address=127.0.0.1:0",
    "--authentication-timeout-sec=30",
    ...extra,
  ];
}

/**
 * An authorization endpoint that sends the browser straight back to the redirect URI with these
 * parameters and the request's `state`, as a provider would after the user signed in.
 */
export function redirectBack(answer: Record<string, string>): HostileRoute {
  return (request) => {
    const params = new URL(request.url).searchParams;
    const back = new URL(params.get("redirect_uri")!);
    for (const [name, value] of Object.entries(answer)) back.searchParams.set(name, value);
    back.searchParams.set("state", params.get("state")!);
    return Response.redirect(back.href, 302);
  };
}

/** A token endpoint answer carrying `idToken` as both the ID and the access token. */
export function tokenResponse(idToken: string): Response {
  return Response.json({
    access_token: idToken,
    token_type: "Bearer",
    expires_in: 3600,
    id_token: idToken,
  });
}
