/**
 * Binding the loopback redirect server's sockets. A redirect URI naming `localhost` may reach
 * either address family (browsers try `::1` first on many systems), so for such a URI the server
 * binds `127.0.0.1` and `[::1]` on the same port: another local user who squats `[::1]:PORT`
 * would otherwise receive the authorization response (RFC 8252 section 8.3). Either one taken
 * counts as "port busy"; a machine without IPv6, or a permission set without `[::1]`, gets the
 * IPv4 socket alone.
 *
 * @module
 */

/** One bound socket: its server and the `host:port` names a browser may use to reach it. */
export interface BoundListener {
  readonly server: Deno.HttpServer<Deno.NetAddr>;
  /** Lower-case `Host` header values that address this socket. */
  readonly hostNames: readonly string[];
}

/** The `serve` options besides address and port. */
export interface ListenOptions {
  tls?: { cert: string; key: string };
  /** Also bind `[::1]` on the same port when binding `127.0.0.1` (redirect URI host `localhost`). */
  dualStack: boolean;
}

/** Tries with port 0 when `[::1]` happens to hold the port picked for IPv4. */
const DUAL_STACK_ATTEMPTS = 5;

/**
 * Binds `hostname:port` (and `[::1]` on the same port when asked).
 *
 * @throws {Deno.errors.AddrInUse} when either socket's port is taken
 */
export function bindListeners(
  hostname: string,
  port: number,
  options: ListenOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
): BoundListener[] {
  const dual = options.dualStack && hostname === "127.0.0.1";
  for (let attempt = 1;; attempt++) {
    const v4 = serve(hostname, port, options, handler);
    const bound = v4.addr.port;
    const listeners = [{ server: v4, hostNames: namesOf(hostname, bound) }];
    if (!dual || !mayListenOnIpv6(bound)) return listeners;
    try {
      const v6 = serve("::1", bound, options, handler);
      return [...listeners, { server: v6, hostNames: namesOf("::1", bound) }];
    } catch (error) {
      if (error instanceof Deno.errors.AddrNotAvailable || isNoIpv6(error)) return listeners;
      v4.shutdown().catch(() => {});
      if (!(error instanceof Deno.errors.AddrInUse) || port !== 0) throw error;
      if (attempt >= DUAL_STACK_ATTEMPTS) throw error;
    }
  }
}

function serve(
  hostname: string,
  port: number,
  options: ListenOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({
    hostname,
    port,
    onListen: () => {},
    ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
  }, handler);
}

/**
 * Whether `--allow-net` covers `[::1]`. The permission sets kubelogin users copied name only
 * `127.0.0.1,localhost`; they keep working on IPv4 alone, and docs/security.md says to add `[::1]`.
 */
function mayListenOnIpv6(port: number): boolean {
  return Deno.permissions.querySync({ name: "net", host: `[::1]:${port}` }).state === "granted";
}

/** A kernel without IPv6 answers "address family not supported" (EAFNOSUPPORT). */
function isNoIpv6(error: unknown): boolean {
  return error instanceof Error && /family not supported|os error 97\b/i.test(error.message);
}

/** The `Host` values that reach a socket bound to `hostname:port`. */
function namesOf(hostname: string, port: number): string[] {
  if (hostname === "127.0.0.1") return [`127.0.0.1:${port}`, `localhost:${port}`];
  if (hostname === "::1") return [`[::1]:${port}`, `localhost:${port}`];
  const literal = hostname.includes(":") ? `[${hostname}]` : hostname;
  // A wildcard bind is reached through whatever name the user set up; loopback names still work.
  return [
    `${literal.toLowerCase()}:${port}`,
    `localhost:${port}`,
    `127.0.0.1:${port}`,
    `[::1]:${port}`,
  ];
}
