/**
 * The test provider's HTTP front: it logs each request with secrets redacted, applies the
 * controls a test set (a failing or slowed token endpoint, a foreign JWKS), passes the request
 * on to oidc-provider's private port, and rewrites the answer where a test needs it to differ.
 *
 * @module
 */

import type { JWK } from "jose";
import type { MetadataControl } from "./metadata.ts";
import { oobPage } from "./pages.ts";
import { redactHeaders, redactParams } from "./request_log.ts";
import type { IdpRequest, TestIdpOptions } from "./types.ts";
import { DEVICE_CODE_GRANT_TYPE, OOB_REDIRECT_URI } from "./users.ts";

// Hop-by-hop headers stay with each connection (RFC 9110 section 7.6.1).
const HOP_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length"]);

/** What a test asked the front to do to the next requests. */
export interface FrontState {
  /** Answer the next refresh with this status. */
  failRefresh?: number;
  /** The OAuth error of that answer, if any. */
  failRefreshError?: string;
  /** Answer the next token request with this status. */
  failToken?: number;
  /** Answer the next device-code poll with `slow_down`. */
  slowDown: boolean;
  /** Publish the foreign key as the JWKS. */
  foreignJwks: boolean;
}

/** Everything the front works with. */
export interface Front {
  /** The provider's options. */
  options: TestIdpOptions;
  /** The controls, changed by the test. */
  state: FrontState;
  /** The request log the front appends to. */
  requests: IdpRequest[];
  /** `http` or `https`, as the front serves. */
  scheme: string;
  /** oidc-provider's private port. */
  innerPort: number;
  /** The client that reaches it. */
  innerClient: Deno.HttpClient;
  /** The JWKS key of {@link FrontState.foreignJwks}. */
  foreignPublicJwk: JWK;
  /** The metadata controls (key rotation, caching headers). */
  metadataControl: MetadataControl;
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

function control(
  state: FrontState,
  path: string,
  grantType: string | undefined,
): Response | undefined {
  if (path !== "/token") return undefined;
  if (
    state.failToken !== undefined ||
    (state.failRefresh !== undefined && grantType === "refresh_token")
  ) {
    const status = state.failToken ?? state.failRefresh!;
    state.failToken = undefined;
    if (grantType === "refresh_token") state.failRefresh = undefined;
    const error = grantType === "refresh_token" ? state.failRefreshError : undefined;
    if (error) return jsonResponse(status, { error, error_description: "refused by the test" });
    return new Response("the provider is unavailable", { status });
  }
  if (state.slowDown && grantType === DEVICE_CODE_GRANT_TYPE) {
    state.slowDown = false;
    return jsonResponse(400, { error: "slow_down", error_description: "poll less often" });
  }
  return undefined;
}

async function rewrite(
  front: Front,
  path: string,
  response: Response,
): Promise<Response> {
  const state = front.state;
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
  if (path === "/jwks" && state.foreignJwks) {
    return jsonResponse(200, { keys: [front.foreignPublicJwk] });
  }
  if (path === "/device/auth") {
    const json = JSON.parse(new TextDecoder().decode(body));
    return jsonResponse(200, { ...json, interval: front.options.deviceIntervalSec ?? 1 });
  }
  if (path === "/.well-known/openid-configuration" && front.options.advertisedIssuer) {
    const json = JSON.parse(new TextDecoder().decode(body));
    return jsonResponse(200, { ...json, issuer: front.options.advertisedIssuer });
  }
  return new Response(body, { status: response.status, headers });
}

/** The front's request handler. */
export function frontHandler(front: Front): (request: Request) => Promise<Response> {
  return async (request) => {
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
    front.requests.push(entry);
    let response = control(front.state, url.pathname, grantType);
    if (!response) {
      const headers = new Headers(request.headers);
      for (const name of [...HOP_HEADERS, "host"]) headers.delete(name);
      headers.set("x-forwarded-host", url.host);
      headers.set("x-forwarded-proto", front.scheme);
      headers.set("x-forwarded-for", "127.0.0.1");
      try {
        const upstream = await fetch(
          `http://127.0.0.1:${front.innerPort}${url.pathname}${url.search}`,
          {
            method: request.method,
            headers,
            body,
            redirect: "manual",
            client: front.innerClient,
          },
        );
        response = await front.metadataControl.process(
          request,
          url.pathname,
          await rewrite(front, url.pathname, upstream),
        );
      } catch (error) {
        response = new Response(`test IdP: ${error}`, { status: 502 });
      }
    }
    entry.status = response.status;
    return front.options.rewriteResponse?.(response) ?? response;
  };
}
