/**
 * A bare OAuth client of the test provider, for its own tests (tests/support/idp/*_test.ts):
 * discovery, token requests, authorization requests with PKCE, a callback server, device polls.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { DEVICE_CODE_GRANT_TYPE, PUBLIC_CLIENT_ID, type TestIdp } from "../idp.ts";

/** A JSON object as the provider answers it. */
export type Json = Record<string, unknown>;

/** A token endpoint answer: its status and JSON body. */
export interface TokenAnswer {
  status: number;
  json: Json;
}

/** The discovery document of `issuer`. */
export async function discover(issuer: string, client?: Deno.HttpClient): Promise<Json> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`, {
    ...(client ? { client } : {}),
  });
  assert.equal(response.status, 200);
  return await response.json();
}

/** Posts `form` to the token endpoint, with HTTP Basic client credentials if given. */
export async function token(
  idp: TestIdp,
  form: Record<string, string>,
  basic?: [string, string],
): Promise<TokenAnswer> {
  const headers = new Headers({ "content-type": "application/x-www-form-urlencoded" });
  if (basic) headers.set("authorization", `Basic ${btoa(`${basic[0]}:${basic[1]}`)}`);
  const response = await fetch(`${idp.issuer}/token`, {
    method: "POST",
    headers,
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  let json: Json = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = { text };
  }
  return { status: response.status, json };
}

/** A password grant request for the public client. */
export function password(idp: TestIdp, username: string, secret: string): Promise<TokenAnswer> {
  return token(idp, {
    grant_type: "password",
    client_id: PUBLIC_CLIENT_ID,
    username,
    password: secret,
    scope: "openid email profile groups",
  });
}

/** Redeems an authorization `code` for the public client, with its PKCE `verifier`. */
export function exchangeCode(
  idp: TestIdp,
  code: string,
  redirectUri: string,
  verifier: string,
): Promise<TokenAnswer> {
  return token(idp, {
    grant_type: "authorization_code",
    client_id: PUBLIC_CLIENT_ID,
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
}

/** A refresh token request for the public client. */
export function refresh(idp: TestIdp, refreshToken: string): Promise<TokenAnswer> {
  return token(idp, {
    grant_type: "refresh_token",
    client_id: PUBLIC_CLIENT_ID,
    refresh_token: refreshToken,
  });
}

/** Verifies an ID token against the provider's JWKS and returns its claims. */
export async function verifyIdToken(idp: TestIdp, idToken: string): Promise<Json> {
  const jwks: JSONWebKeySet = await (await fetch(`${idp.issuer}/jwks`)).json();
  const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
    issuer: idp.issuer,
    audience: PUBLIC_CLIENT_ID,
  });
  return payload;
}

/** Base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** An authorization request URL with its state and PKCE verifier. */
export interface AuthorizationRequest {
  url: string;
  state: string;
  verifier: string;
}

/** Builds an authorization request for the public client to `redirectUri`. */
export async function authorizationRequest(
  idp: TestIdp,
  redirectUri: string,
  pkce = true,
  extra: Record<string, string> = {},
): Promise<AuthorizationRequest> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
  );
  const url = new URL(`${idp.issuer}/auth`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: PUBLIC_CLIENT_ID,
    redirect_uri: redirectUri,
    scope: "openid email profile groups",
    state,
    nonce: "nonce-1",
    ...(pkce ? { code_challenge: base64url(challenge), code_challenge_method: "S256" } : {}),
    ...extra,
  }).toString();
  return { url: url.href, state, verifier };
}

/** A loopback server standing in for the plugin's callback. */
export interface CallbackServer extends AsyncDisposable {
  url: string;
  received: URL[];
}

/** Starts a {@link CallbackServer} on 127.0.0.1, port 0. */
export function startCallbackServer(): CallbackServer {
  const received: URL[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    received.push(new URL(request.url));
    return new Response("callback ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    received,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** Starts a device authorization for the public client. */
export async function deviceAuthorization(idp: TestIdp): Promise<Json> {
  const response = await fetch(`${idp.issuer}/device/auth`, {
    method: "POST",
    body: new URLSearchParams({ client_id: PUBLIC_CLIENT_ID, scope: "openid email groups" }),
  });
  assert.equal(response.status, 200);
  return await response.json();
}

/** Polls the token endpoint with `deviceCode`. */
export function poll(idp: TestIdp, deviceCode: unknown): Promise<TokenAnswer> {
  return token(idp, {
    grant_type: DEVICE_CODE_GRANT_TYPE,
    client_id: PUBLIC_CLIENT_ID,
    device_code: String(deviceCode),
  });
}
