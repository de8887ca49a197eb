/**
 * The loopback redirect server of a native app (RFC 8252 section 7.3): listens on the first free
 * `--listen-address`, sends the browser from an unguessable login path to the authorization URL,
 * and takes the one authorization response the provider redirects back. It answers only requests
 * whose `Host` names the loopback address it listens on, so a web page cannot reach it through
 * DNS rebinding.
 *
 * @module
 */

import { AuthenticationError, OidcError, UsageError } from "../errors.ts";
import { requirePermission, toPermissionError } from "../permissions.ts";
import { bindListeners, type BoundListener } from "./loopback_listen.ts";
import { randomToken } from "./pkce.ts";
import { stripControlCharacters } from "../text.ts";

/** Options of {@link startLoopbackServer}. */
export interface LoopbackServerOptions {
  /** `host:port` pairs tried in order; the first that binds wins. Port 0 picks a free port. */
  listenAddresses: readonly string[];
  /** PEM certificate and key for an HTTPS server (`--local-server-cert`/`--local-server-key`). */
  tls?: { cert: string; key: string };
  /** Where to send the browser after success (`--open-url-after-authentication`). */
  openUrlAfterAuthentication?: string;
  /**
   * Bind `[::1]` beside `127.0.0.1` on the same port, for a redirect URI naming `localhost`
   * (default true): a squatter on the other family must not receive the response.
   */
  dualStack?: boolean;
}

/** What the provider sent back: the code, once state matched. */
export interface AuthorizationResponse {
  code: string;
  /** The `iss` parameter (RFC 9207), when the provider sent one. */
  iss?: string;
}

/** A started loopback server waiting for one authorization response. */
export interface LoopbackServer extends AsyncDisposable {
  /** The bound port. */
  readonly port: number;
  /** `http://localhost:PORT` (or https): the default redirect URI. */
  readonly localUrl: string;
  /**
   * The URL to show the user and open: {@link localUrl} with an unguessable path, the only one
   * that redirects to the provider, so no other local client learns state, nonce or challenge.
   */
  readonly loginUrl: string;
  /**
   * Waits for the authorization response on `callbackPath`. A response with a wrong or missing
   * `state` gets a 400 and the wait goes on: it does not come from this login's provider.
   *
   * @param authorizationUrl where {@link loginUrl} sends the browser
   * @param state the expected `state`
   * @param signal ends the wait (the authentication timeout)
   * @param redirectUri the redirect URI in use, whose host is accepted besides the loopback names
   */
  waitForCode(
    authorizationUrl: string,
    callbackPath: string,
    state: string,
    signal: AbortSignal,
    redirectUri?: string,
  ): Promise<AuthorizationResponse>;
}

/** How long disposal waits for open connections before dropping them. */
export const SHUTDOWN_GRACE_MS = 500;

/**
 * Parses `host:port` or `[v6]:port`. An explicit `0.0.0.0` is honoured (kubelogin's container
 * setups need it), but a bare `:port`, which Go reads as every interface, binds 127.0.0.1 only.
 */
export function parseListenAddress(address: string): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!match) throw invalidListenAddress(address, "expected HOST:PORT");
  const port = Number(match[3]);
  if (port > 65535) throw invalidListenAddress(address, "port out of range");
  return { hostname: match[1] ?? (match[2] || "127.0.0.1"), port };
}

function invalidListenAddress(address: string, reason: string): UsageError {
  return new UsageError(`invalid \`login.listenAddresses\` ${address}: ${reason}`, {
    settings: ["login.listenAddresses"],
  });
}

/**
 * Binds the first free listen address.
 *
 * @throws {AuthenticationError} when none of the addresses can be bound
 */
export function startLoopbackServer(options: LoopbackServerOptions): LoopbackServer {
  const failures: string[] = [];
  for (const address of options.listenAddresses) {
    const { hostname, port } = parseListenAddress(address);
    requirePermission({ name: "net", host: `${hostname}:${port}` }, `listen on ${address}`);
    try {
      return new Server(hostname, port, options);
    } catch (error) {
      const permission = toPermissionError(error);
      if (permission !== error) throw permission;
      if (error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.AddrNotAvailable) {
        failures.push(`${address}: ${error.message}`);
        continue;
      }
      throw error;
    }
  }
  throw new AuthenticationError(`could not start the local server: ${failures.join("; ")}`, {
    reason: "bind",
  });
}

class Server implements LoopbackServer {
  readonly port: number;
  readonly localUrl: string;
  readonly loginUrl: string;
  readonly #listeners: BoundListener[];
  readonly #loginPath = `/login/${randomToken()}`;
  readonly #options: LoopbackServerOptions;
  #allowedHosts: Set<string>;
  #handler: (request: Request) => Response = () => new Response("not ready", { status: 503 });

  constructor(hostname: string, port: number, options: LoopbackServerOptions) {
    this.#options = options;
    this.#listeners = bindListeners(hostname, port, {
      tls: options.tls,
      dualStack: options.dualStack ?? true,
    }, (request) => this.#handle(request));
    this.port = this.#listeners[0].server.addr.port;
    this.#allowedHosts = new Set(this.#listeners.flatMap((listener) => listener.hostNames));
    this.localUrl = `${options.tls ? "https" : "http"}://localhost:${this.port}`;
    this.loginUrl = `${this.localUrl}${this.#loginPath}`;
  }

  /** Refuses a foreign `Host` (DNS rebinding: a web page whose name resolves to 127.0.0.1). */
  #handle(request: Request): Response {
    // HTTP/2 (negotiated over TLS) carries the host as :authority, which Deno puts in the URL.
    const host = (request.headers.get("host") ?? new URL(request.url).host).toLowerCase();
    if (!this.#allowedHosts.has(host)) {
      return new Response("Misdirected Request", { status: 421 });
    }
    return this.#handler(request);
  }

  waitForCode(
    authorizationUrl: string,
    callbackPath: string,
    state: string,
    signal: AbortSignal,
    redirectUri?: string,
  ): Promise<AuthorizationResponse> {
    const redirectHost = redirectUri ? URL.parse(redirectUri)?.host.toLowerCase() : undefined;
    if (redirectHost) this.#allowedHosts.add(redirectHost);
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        outcome();
      };
      const onAbort = () =>
        settle(() =>
          reject(
            new AuthenticationError(
              "timed out waiting for the browser login (see `login.authenticationTimeoutSec`)",
              { reason: "timeout", settings: ["login.authenticationTimeoutSec"] },
            ),
          )
        );
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort);

      this.#handler = (request) => {
        const url = new URL(request.url);
        const params = url.searchParams;
        const isResponse = params.has("code") || params.has("error") || params.has("state");
        const isCallback = url.pathname === callbackPath && isResponse;
        const isStart = url.pathname === this.#loginPath;
        if (request.method !== "GET" || (!isCallback && !isStart)) {
          return new Response("Not Found", { status: 404 });
        }
        if (settled) return page(410, "Already finished", "You can close this window.");
        if (!isCallback) return Response.redirect(authorizationUrl, 302);
        // Anyone on this machine, or any web page, can send a request here; only the provider
        // knows the state, so nothing else may end the login.
        if (params.get("state") !== state) {
          return page(400, "Login failed", "The response does not belong to this login.");
        }
        const iss = params.get("iss") ?? undefined;
        const error = stripControlCharacters(params.get("error") ?? "");
        if (error) {
          const raw = params.get("error_description");
          const description = raw === null ? undefined : stripControlCharacters(raw);
          settle(() => reject(new OidcError("authorization", error, description)));
          return page(400, "Login failed", `The provider answered: ${error}`);
        }
        const code = params.get("code");
        if (!code) {
          settle(() =>
            reject(
              new AuthenticationError("the authorization response has no code", {
                reason: "response",
              }),
            )
          );
          return page(400, "Login failed", "The response has no authorization code.");
        }
        settle(() => resolve(iss === undefined ? { code } : { code, iss }));
        const next = this.#options.openUrlAfterAuthentication;
        if (next) return Response.redirect(next, 302);
        return page(200, "Authenticated", "You are logged in. You can close this window.");
      };
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // Let the success page reach the browser before the listener goes away, but no longer than
    // the grace period: a local process holding a request open must not keep the lock held.
    const shutdown = Promise.all(this.#listeners.map(({ server }) => server.shutdown()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), SHUTDOWN_GRACE_MS);
    });
    const outcome = await Promise.race([shutdown, grace]);
    clearTimeout(timer);
    if (outcome === "late") {
      shutdown.catch(() => {});
      for (const { server } of this.#listeners) server.unref();
    }
  }
}

function page(status: number, title: string, message: string): Response {
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:sans-serif;background:#eee;margin:0}main{margin:2em;padding:2em;background:#fff;border-radius:1em}</style>
</head><body><main><h1>${title}</h1><p>${escapeHtml(message)}</p></main>
<script>if (${status === 200}) window.close()</script></body></html>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
