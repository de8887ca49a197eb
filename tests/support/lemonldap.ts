/**
 * A LemonLDAP::NG 2.16 OpenID Provider for tests, from the Debian packages: the FastCGI portal
 * (`llng-fastcgi-server`) behind its own nginx, on a free port of 127.0.0.1, with every file
 * (configuration, sessions, refresh tokens, logs) in a temporary directory of its own, so runs
 * never share state. It starts in a few seconds and stops its processes by their pids on close,
 * also when the start failed halfway or the test process exits early.
 *
 * Users are LemonLDAP's Demo users (dwho/dwho, rtyler/rtyler, msmith/msmith). Clients: the
 * public `kubernetes` (PKCE required) and the confidential `kubernetes-confidential`, both with
 * refresh tokens and the password grant. Redirect URIs match exactly at LemonLDAP, so only the
 * loopback ports in {@link LemonLdap.callbackPorts} work as `--listen-address`.
 *
 * @example
 * ```ts
 * await using llng = await startLemonLdap();
 * console.log(llng.issuer); // http://127.0.0.1:PORT
 * ```
 *
 * @module
 */

import {
  iniFile,
  issuerOf,
  LEMONLDAP_CONFIDENTIAL_CLIENT_ID,
  LEMONLDAP_PUBLIC_CLIENT_ID,
  type LemonLdapLayout,
  nginxConfig,
  pathsOf,
  portalConfig,
} from "./lemonldap/config.ts";

export { LEMONLDAP_CONFIDENTIAL_CLIENT_ID, LEMONLDAP_PUBLIC_CLIENT_ID };

/** The FastCGI portal server of the Debian package `lemonldap-ng-fastcgi-server`. */
const FASTCGI_SERVER = "/usr/sbin/llng-fastcgi-server";
const NGINX = "/usr/sbin/nginx";
/** The Debian packages the fixture needs (see .ci/run). */
export const LEMONLDAP_PACKAGES = "lemonldap-ng lemonldap-ng-fastcgi-server nginx";
/** A Demo user of LemonLDAP::NG. */
export const DWHO = { username: "dwho", password: "dwho" } as const;
/** How long the processes have to come up. */
const START_TIMEOUT_MS = 90_000;

/** Options of {@link startLemonLdap}. */
export interface LemonLdapOptions {
  /** ID and access token lifetime in seconds (default 3600). */
  tokenTtlSec?: number;
  /** How many loopback ports to register as redirect URIs (default 2). */
  callbackPortCount?: number;
  /** The confidential client's secret (default: one with `+ / = : %`). */
  clientSecret?: string;
  /** LemonLDAP's log level (default `notice`; `debug` says why a request was refused). */
  logLevel?: string;
}

/** A running provider. */
export interface LemonLdap extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`, equal to discovery's `issuer`. */
  readonly issuer: string;
  /** Free loopback ports registered as redirect URIs, for `--listen-address`. */
  readonly callbackPorts: readonly number[];
  /** The confidential client's secret. */
  readonly clientSecret: string;
  /** The run's directory; the portal's log is `log/llng.log`, nginx's in `log/` too. */
  readonly root: string;
  /** The last lines of the portal's and nginx's logs, for a failure message. */
  logTail(lines?: number): Promise<string>;
  /** Stops the processes and removes the run's directory. */
  close(): Promise<void>;
}

/** Whether the packages are installed, with the reason when they are not. */
export async function lemonLdapAvailability(): Promise<{ ok: boolean; reason?: string }> {
  for (const path of [FASTCGI_SERVER, NGINX, "/usr/share/lemonldap-ng/portal/htdocs/index.psgi"]) {
    try {
      await Deno.stat(path);
    } catch {
      return { ok: false, reason: `${path} is missing (apt-get install ${LEMONLDAP_PACKAGES})` };
    }
  }
  return { ok: true };
}

/** A secret with every character HTTP Basic form-encoding changes. */
export const LEMONLDAP_CLIENT_SECRET = "llng+s3cret/with=all:the%chars";

/** Starts the provider; see the module documentation. */
export async function startLemonLdap(options: LemonLdapOptions = {}): Promise<LemonLdap> {
  // Its ports were free when chosen, but another process may bind one before nginx does: then
  // this starts again on other ports.
  for (let attempt = 1;; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= 3) throw error;
    }
  }
}

/** nginx could not bind the port chosen for it. */
class PortTakenError extends Error {}

async function startOnce(options: LemonLdapOptions): Promise<LemonLdap> {
  const root = await Deno.makeTempDir({ prefix: "lemonldap-" });
  const processes: Deno.ChildProcess[] = [];
  const paths = pathsOf(root);
  const stopAll = () => {
    for (const child of processes) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
    }
  };
  // A test process that ends without closing the fixture must not leave the portal running.
  const onUnload = () => stopAll();
  globalThis.addEventListener("unload", onUnload);
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      globalThis.removeEventListener("unload", onUnload);
      stopAll();
      await Promise.all(processes.map((child) => bounded(child.status, 10_000, child)));
      // LEMONLDAP_KEEP=1 keeps the configuration and logs for a look after the test.
      if (Deno.env.get("LEMONLDAP_KEEP") !== "1") {
        await Deno.remove(root, { recursive: true }).catch(() => {});
      }
    })();
    return closed;
  };
  try {
    const asRoot = Deno.uid() === 0;
    const [port, ...callbackPorts] = freePorts(1 + (options.callbackPortCount ?? 2));
    const layout: LemonLdapLayout = {
      root,
      port,
      callbackPorts,
      tokenTtlSec: options.tokenTtlSec ?? 3600,
      signingKey: await signingKey(root),
      clientSecret: options.clientSecret ?? LEMONLDAP_CLIENT_SECRET,
      user: asRoot ? "www-data" : undefined,
    };
    for (const dir of [paths.conf, paths.cache, paths.notifications, paths.log, paths.run]) {
      await Deno.mkdir(dir, { recursive: true });
    }
    for (const dir of [paths.sessions, paths.psessions]) {
      await Deno.mkdir(`${dir}/lock`, { recursive: true });
    }
    await Deno.writeTextFile(
      `${paths.conf}/lmConf-1.json`,
      JSON.stringify(portalConfig(layout), null, 2),
    );
    await Deno.writeTextFile(paths.ini, iniFile(layout, options.logLevel));
    await Deno.writeTextFile(paths.nginx, nginxConfig(layout));
    await Deno.writeTextFile(`${paths.log}/llng.log`, "");
    // The portal refuses to run as root: as root, it and nginx's workers run as www-data.
    if (asRoot) await run("chown", ["-R", "www-data:www-data", root]);
    await Deno.chmod(root, 0o755);

    const socket = `${paths.run}/llng-fastcgi.sock`;
    const portalLog = await Deno.open(`${paths.log}/llng.log`, { append: true });
    processes.push(
      new Deno.Command(FASTCGI_SERVER, {
        args: [
          "--foreground",
          ...(asRoot ? ["-u", "www-data", "-g", "www-data"] : []),
          "-n",
          "2",
          "-s",
          socket,
          "-p",
          `${paths.run}/llng-fastcgi.pid`,
        ],
        env: {
          LLNG_DEFAULTCONFFILE: paths.ini,
          LLNG_DEFAULTLOGGER: "Lemonldap::NG::Common::Logger::Std",
        },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn(),
    );
    // The portal's log goes to stderr; keep it in the run's directory.
    processes[0].stderr.pipeTo(portalLog.writable).catch(() => {});
    await waitFor(() => exists(socket), "the FastCGI portal's socket", processes[0]);
    processes.push(
      new Deno.Command(NGINX, {
        args: ["-c", paths.nginx, "-e", `${paths.log}/nginx-error.log`],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn(),
    );
    const issuer = issuerOf(layout);
    await waitFor(() => discoveryAnswers(issuer), `discovery at ${issuer}`, processes[1]);
    const logTail = async (lines = 30) => {
      const tail = async (name: string) =>
        (await Deno.readTextFile(`${paths.log}/${name}`).catch(() => ""))
          .split("\n").slice(-lines).join("\n");
      return `llng.log:\n${await tail("llng.log")}\nnginx-error.log:\n${await tail(
        "nginx-error.log",
      )}`;
    };
    return {
      issuer,
      callbackPorts,
      clientSecret: layout.clientSecret,
      root,
      logTail,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    const log = await Deno.readTextFile(`${paths.log}/llng.log`).catch(() => "");
    const nginxLog = await Deno.readTextFile(`${paths.log}/nginx-error.log`).catch(() => "");
    await close();
    const taken = /bind\(\) to \S+ failed \(98: Address already in use\)/.test(nginxLog);
    throw new (taken ? PortTakenError : Error)(
      `LemonLDAP::NG did not start: ${(error as Error).message}\n${
        log.split("\n").slice(0, 40).join("\n")
      }`,
      { cause: error },
    );
  }
}

/** An RSA signing key in the PKCS#1 PEM LemonLDAP reads, made by openssl. */
async function signingKey(root: string): Promise<LemonLdapLayout["signingKey"]> {
  const file = `${root}/oidc-sig.key`;
  await run("openssl", ["genrsa", "-traditional", "-out", file, "2048"]);
  const privatePem = await Deno.readTextFile(file);
  const publicPem = await run("openssl", ["rsa", "-in", file, "-pubout"]);
  await Deno.remove(file);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(publicPem));
  const kid = [...new Uint8Array(digest).slice(0, 8)]
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return { privatePem, publicPem, kid };
}

async function run(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, { args, stdin: "null" }).output();
  if (!output.success) {
    throw new Error(`${command} ${args[0]} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/** Ports that were free a moment ago (held together, so they differ). */
function freePorts(count: number): number[] {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((listener) => (listener.addr as Deno.NetAddr).port);
  for (const listener of listeners) listener.close();
  return ports;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function discoveryAnswers(issuer: string): Promise<boolean> {
  try {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`, {
      // The first request to a worker loads the portal: seconds on a busy machine.
      signal: AbortSignal.timeout(20_000),
    });
    const body = await response.text();
    return response.ok && JSON.parse(body).issuer === issuer;
  } catch {
    return false;
  }
}

/** Polls until `ready`, failing early when the process it waits for has exited. */
async function waitFor(
  ready: () => Promise<boolean>,
  what: string,
  process: Deno.ChildProcess,
): Promise<void> {
  let exited: Deno.CommandStatus | undefined;
  process.status.then((status) => exited = status);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await ready()) return;
    if (exited) throw new Error(`${what}: the process exited with code ${exited.code}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${what} within ${START_TIMEOUT_MS / 1000} s`);
}

/** Waits for a process's end, killing it when it ignores SIGTERM. */
async function bounded(
  status: Promise<Deno.CommandStatus>,
  ms: number,
  child: Deno.ChildProcess,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), ms));
  if (await Promise.race([status, late]) === "late") {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await status;
  }
  clearTimeout(timer);
}
