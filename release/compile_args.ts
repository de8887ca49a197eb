/**
 * What `deno task compile` builds, as pure functions: its command line, the targets, and the
 * permissions baked into each binary. Given the organisation's issuer, a binary gets the grants
 * of README's install line (the issuer's host and the loopback names, the token cache and key
 * directories, the environment variables the program reads, the browser opener); without one it
 * gets the broad set, which docs/release.md spells out.
 *
 * @module
 */

import { UsageError } from "../lib/errors.ts";

/**
 * The program compiled: the installed entry, whose cache-hit path is one bundled module
 * (`deno task bundle`); the one line to change if the entry point moves.
 */
export const ENTRY = "plugin.ts";

/** The binary's name, which kubectl looks up on PATH for `kubectl together-login`. */
export const BINARY_NAME = "kubectl-together_login";

/** An operating system, as krew's selectors name it. */
export type Os = "linux" | "darwin" | "windows";

/** One platform a binary is built for. */
export interface Target {
  /** The target triple `deno compile --target` takes. */
  triple: string;
  /** krew's `os` label. */
  os: Os;
  /** krew's `arch` label. */
  arch: "amd64" | "arm64";
}

/** Every platform `deno compile` can build for. */
export const TARGETS: readonly Target[] = [
  { triple: "x86_64-unknown-linux-gnu", os: "linux", arch: "amd64" },
  { triple: "aarch64-unknown-linux-gnu", os: "linux", arch: "arm64" },
  { triple: "x86_64-apple-darwin", os: "darwin", arch: "amd64" },
  { triple: "aarch64-apple-darwin", os: "darwin", arch: "arm64" },
  { triple: "x86_64-pc-windows-msvc", os: "windows", arch: "amd64" },
];

/** What the compile task was asked for. */
export interface CompileOptions {
  /** The organisation's issuer; absent for the broad binary. */
  issuer?: URL;
  /** More hosts the binary may reach: a provider whose endpoints live on other hosts. */
  extraHosts: string[];
  /** The home directory the read/write grants are under, per operating system. */
  homes: Partial<Record<Os, string>>;
  /** The browser opener the binary may run; `null` for none (`--skip-open-browser` hosts). */
  browser?: string | null;
  /** The platforms to build. */
  targets: Target[];
  /** Where binaries, archives, sums and the krew manifest go. */
  outDir: string;
  /** Where the archives will be downloaded from, for the krew manifest. */
  baseUrl?: string;
}

/** The builder's side of things the defaults depend on. */
export interface BuildHost {
  /** The builder's operating system. */
  os: Os;
  /** The builder's home directory, the default of `--home` for targets of the builder's OS. */
  home?: string;
}

/** What `lib/opener.ts` reads to pick the browser opener and to tell a headless host. */
const OPENER_VARIABLES = ["BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION"];

/** Environment variables the program reads, on Unix-like systems and on Windows. */
const ENV_VARIABLES: Record<"unix" | "windows", readonly string[]> = {
  unix: [
    "HOME",
    "KUBECACHEDIR",
    "XDG_CONFIG_HOME",
    "KUBERNETES_EXEC_INFO",
    "OIDC_CLIENT_SECRET",
    ...OPENER_VARIABLES,
  ],
  windows: [
    "USERPROFILE",
    "KUBECACHEDIR",
    "APPDATA",
    "KUBERNETES_EXEC_INFO",
    "OIDC_CLIENT_SECRET",
    ...OPENER_VARIABLES,
  ],
};

/** The broad binary's environment: every variable of every platform, and standalone mode's. */
const BROAD_ENV = [...new Set([...ENV_VARIABLES.unix, ...ENV_VARIABLES.windows, "KUBECONFIG"])];

/** The program `lib/browser.ts` runs to open a URL, per platform. */
const OPENERS: Record<Os, string> = { linux: "xdg-open", darwin: "open", windows: "rundll32" };

const USAGE =
  "usage: deno task compile [--issuer URL] [--allow-host HOST]... [--home [OS=]DIR]... " +
  "[--browser PROGRAM | --no-browser] [--target TRIPLE]... [--out DIR] [--base-url URL]";

/**
 * Reads the compile task's arguments.
 *
 * @throws {UsageError} for an unknown flag, a bad value, or a narrow build without a home
 * directory for one of its targets
 */
export function parseCompileArgs(args: readonly string[], host: BuildHost): CompileOptions {
  const options: CompileOptions = { extraHosts: [], homes: {}, targets: [], outDir: "dist" };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = splitFlag(args[i]);
    const value = (): string => {
      const next = inline ?? args[++i];
      if (next === undefined || next === "") {
        throw new UsageError(`${flag} needs a value; ${USAGE}`);
      }
      return next;
    };
    switch (flag) {
      case "--issuer":
        options.issuer = parseIssuer(value());
        break;
      case "--allow-host":
        options.extraHosts.push(value());
        break;
      case "--home":
        addHome(options.homes, value());
        break;
      case "--browser":
        options.browser = value();
        break;
      case "--no-browser":
        options.browser = null;
        break;
      case "--target":
        options.targets.push(parseTarget(value()));
        break;
      case "--out":
        options.outDir = value();
        break;
      case "--base-url":
        options.baseUrl = value().replace(/\/+$/, "");
        break;
      default:
        throw new UsageError(`unknown argument "${args[i]}"; ${USAGE}`);
    }
  }
  if (options.targets.length === 0) options.targets = [...TARGETS];
  if (options.issuer) {
    if (host.home && !options.homes[host.os]) options.homes[host.os] = host.home;
    const homeless = options.targets.filter((target) => !options.homes[target.os]);
    if (homeless.length > 0) {
      const os = homeless[0].os;
      throw new UsageError(
        `--home ${os}=DIR is needed for ${homeless.map((t) => t.triple).join(", ")}: ` +
          "Deno fixes the read and write grants when it compiles, and cannot expand ~ at run time",
      );
    }
  } else if (options.extraHosts.length > 0 || Object.keys(options.homes).length > 0) {
    throw new UsageError("--allow-host and --home narrow a binary built with --issuer");
  }
  return options;
}

/**
 * The permission flags baked into the binary for `target`.
 *
 * @example
 * ```ts
 * permissionFlags({ ...options, issuer: new URL("https://auth.example.com") }, TARGETS[0]);
 * // ["--allow-net=auth.example.com,127.0.0.1,localhost,[::1]", "--allow-read=/home/me/.kube/cache,…", …]
 * ```
 */
export function permissionFlags(options: CompileOptions, target: Target): string[] {
  if (!options.issuer) {
    return [
      "--allow-net",
      "--allow-read",
      "--allow-write",
      `--allow-env=${BROAD_ENV.join(",")}`,
      "--allow-run",
      "--allow-ffi",
    ];
  }
  const hosts = new Set([
    options.issuer.hostname,
    ...options.extraHosts,
    "127.0.0.1",
    "localhost",
    "[::1]",
  ]);
  const dirs = dataDirectories(options.homes[target.os]!, target.os).join(",");
  const browser = options.browser === undefined ? OPENERS[target.os] : options.browser;
  return [
    `--allow-net=${[...hosts].join(",")}`,
    `--allow-read=${dirs}`,
    `--allow-write=${dirs}`,
    `--allow-env=${ENV_VARIABLES[target.os === "windows" ? "windows" : "unix"].join(",")}`,
    ...(browser === null ? [] : [`--allow-run=${browser}`]),
  ];
}

/**
 * The token cache directory and the cache key's directory under `home`, where `cli/options.ts`
 * puts them by default (`~/.kube/cache`, and `~/.config` or `%APPDATA%`).
 */
export function dataDirectories(home: string, os: Os): string[] {
  if (os === "windows") {
    const base = home.replace(/[\\/]+$/, "");
    return [`${base}\\.kube\\cache`, `${base}\\AppData\\Roaming\\together-kubelogin`];
  }
  const base = home.replace(/\/+$/, "");
  return [`${base}/.kube/cache`, `${base}/.config/together-kubelogin`];
}

/** The binary's file name on `target`. */
export function binaryName(target: Target): string {
  return target.os === "windows" ? `${BINARY_NAME}.exe` : BINARY_NAME;
}

/** The `deno compile` arguments that build the binary for `target` into `output`. */
export function compileCommand(options: CompileOptions, target: Target, output: string): string[] {
  return [
    "compile",
    "--no-prompt",
    ...permissionFlags(options, target),
    // Only what the entry point imports: not the test provider or the browser driver.
    "--exclude-unused-npm",
    "--target",
    target.triple,
    "--output",
    output,
    ENTRY,
  ];
}

function splitFlag(arg: string): [string, string | undefined] {
  const equals = arg.indexOf("=");
  return arg.startsWith("--") && equals > 0
    ? [arg.slice(0, equals), arg.slice(equals + 1)]
    : [arg, undefined];
}

function parseIssuer(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--issuer "${raw}" is not a URL`);
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new UsageError(`--issuer "${raw}" must be an https URL`);
  }
  return url;
}

function parseTarget(raw: string): Target {
  const target = TARGETS.find((t) => t.triple === raw);
  if (!target) {
    throw new UsageError(
      `unknown --target "${raw}": expected one of ${TARGETS.map((t) => t.triple).join(", ")}`,
    );
  }
  return target;
}

/** `--home DIR` (every OS) or `--home OS=DIR`. */
function addHome(homes: Partial<Record<Os, string>>, raw: string): void {
  const match = /^(linux|darwin|windows)=(.*)$/.exec(raw);
  const dir = match ? match[2] : raw;
  if (!/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(dir)) {
    throw new UsageError(`--home "${dir}" must be an absolute path`);
  }
  for (const os of match ? [match[1] as Os] : (["linux", "darwin", "windows"] as const)) {
    homes[os] = dir;
  }
}
