/**
 * The loopback redirect server of a native app (RFC 8252 section 7.3): listens on the first free
 * `--listen-address`, sends `GET /` to the authorization URL (so the short localhost URL printed to
 * the user works), and takes the one authorization response the provider redirects back.
 *
 * @module
 */

import { AuthenticationError, OidcError, UsageError } from "../errors.ts";
import { requirePermission, toPermissionError } from "../permissions.ts";

/** Options of {@link startLoopbackServer}. */
export interface LoopbackServerOptions {
  /** `host:port` pairs tried in order; the first that binds wins. Port 0 picks a free port. */
  listenAddresses: readonly string[];
  /** PEM certificate and key for an HTTPS server (`--local-server-cert`/`--local-server-key`). */
  tls?: { cert: string; key: string };
  /** Where to send the browser after success (`--open-url-after-authentication`). */
  openUrlAfterAuthentication?: string;
}

/** What the provider sent back: the code, once state matched. */
export interface AuthorizationResponse {
  code: string;
}

/** A started loopback server waiting for one authorization response. */
export interface LoopbackServer extends AsyncDisposable {
  /** The bound port. */
  readonly port: number;
  /** `http://localhost:PORT` (or https): the URL to show the user and the default redirect URI. */
  readonly localUrl: string;
  /**
   * Waits for the authorization response on `callbackPath`.
   *
   * @param authorizationUrl where `GET /` sends the browser
   * @param state the expected `state`; any other value fails the login
   * @param signal ends the wait (the authentication timeout)
   */
  waitForCode(
    authorizationUrl: string,
    callbackPath: string,
    state: string,
    signal: AbortSignal,
  ): Promise<AuthorizationResponse>;
}

/**
 * Parses `host:port` or `[v6]:port`. An explicit `0.0.0.0` is honoured (kubelogin's container
 * setups need it), but a bare `:port`, which Go reads as every interface, binds 127.0.0.1 only.
 */
export function parseListenAddress(address: string): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!match) throw new UsageError(`invalid --listen-address ${address}: expected HOST:PORT`);
  const port = Number(match[3]);
  if (port > 65535) throw new UsageError(`invalid --listen-address ${address}: port out of range`);
  return { hostname: match[1] ?? (match[2] || "127.0.0.1"), port };
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
  throw new AuthenticationError(`could not start the local server: ${failures.join("; ")}`);
}

class Server implements LoopbackServer {
  readonly port: number;
  readonly localUrl: string;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #options: LoopbackServerOptions;
  #handler: (request: Request) => Response = () => new Response("not ready", { status: 503 });

  constructor(hostname: string, port: number, options: LoopbackServerOptions) {
    this.#options = options;
    const serveOptions = {
      hostname,
      port,
      onListen: () => {},
      ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
    };
    this.#server = Deno.serve(serveOptions, (request) => this.#handler(request));
    this.port = this.#server.addr.port;
    this.localUrl = `${options.tls ? "https" : "http"}://localhost:${this.port}`;
  }

  waitForCode(
    authorizationUrl: string,
    callbackPath: string,
    state: string,
    signal: AbortSignal,
  ): Promise<AuthorizationResponse> {
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
              "timed out waiting for the browser login (see --authentication-timeout-sec)",
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
        if (request.method !== "GET" || (!isCallback && url.pathname !== "/")) {
          return new Response("Not Found", { status: 404 });
        }
        if (settled) return page(410, "Already finished", "You can close this window.");
        if (!isCallback) return Response.redirect(authorizationUrl, 302);
        if (params.get("state") !== state) {
          settle(() =>
            reject(
              new AuthenticationError(
                "the authorization response has a wrong state: it does not belong to this login",
              ),
            )
          );
          return page(400, "Login failed", "The response does not belong to this login.");
        }
        const error = params.get("error");
        if (error) {
          const description = params.get("error_description") ?? undefined;
          settle(() => reject(new OidcError("authorization", error, description)));
          return page(400, "Login failed", `The provider answered: ${error}`);
        }
        const code = params.get("code");
        if (!code) {
          settle(() => reject(new AuthenticationError("the authorization response has no code")));
          return page(400, "Login failed", "The response has no authorization code.");
        }
        settle(() => resolve({ code }));
        const next = this.#options.openUrlAfterAuthentication;
        if (next) return Response.redirect(next, 302);
        return page(200, "Authenticated", "You are logged in. You can close this window.");
      };
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // Let the success page reach the browser before the listener goes away.
    await this.#server.shutdown();
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
