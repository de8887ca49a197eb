/**
 * Turns parsed flags into the library's option objects, applying kubelogin's defaults and the
 * environment variables some flags fall back to. Shared by every command and both parsers, so
 * defaults live in one place.
 *
 * @module
 */

import type { TokenCacheOptions, TokenCacheStorage } from "../lib/cache/token_store.ts";
import { UsageError } from "../lib/errors.ts";
import {
  DEFAULT_AUTHENTICATION_TIMEOUT_SEC,
  DEFAULT_LISTEN_ADDRESSES,
  type LoginOptions,
  resolveGrantType,
  type TokenExchangeOptions,
} from "../lib/login_options.ts";
import type { GetTokenOptions } from "../lib/get_token.ts";
import type { Logger } from "../lib/log.ts";
import type { ProviderOptions } from "../lib/oidc/provider.ts";
import type { PkceMethod } from "../lib/oidc/pkce.ts";
import { expandHome, joinPath } from "../lib/path.ts";
import { readEnv } from "../lib/permissions.ts";
import type { FlagValue, ParsedFlags } from "./flags.ts";

/** Typed reads of parsed flags, with the flag's default when absent. */
export class FlagReader {
  readonly #flags: ParsedFlags;

  /** @param flags the flags given on the command line */
  constructor(flags: ParsedFlags) {
    this.#flags = flags;
  }

  /** Whether the flag was given. */
  has(name: string): boolean {
    return this.#flags.has(name);
  }

  /** A string flag, or `undefined` when absent or empty. */
  string(name: string): string | undefined {
    const value = this.#get(name);
    return typeof value === "string" && value !== "" ? value : undefined;
  }

  /** A string flag that must be present. */
  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new UsageError(`required flag --${name} is not set`);
    return value;
  }

  /** A boolean flag, `false` when absent. */
  bool(name: string): boolean {
    return this.#get(name) === true;
  }

  /** An integer flag, or the default. */
  int(name: string, fallback: number): number {
    const value = this.#get(name);
    return typeof value === "number" ? value : fallback;
  }

  /** A repeatable flag's values, `[]` when absent. */
  list(name: string): string[] {
    const value = this.#get(name);
    return Array.isArray(value) ? value.map(String) : [];
  }

  /** A repeatable integer flag's values, `[]` when absent. */
  intList(name: string): number[] {
    const value = this.#get(name);
    return Array.isArray(value) ? value.map(Number) : [];
  }

  /** A `key=value` flag's pairs, `{}` when absent. */
  map(name: string): Record<string, string> {
    const value = this.#get(name);
    return typeof value === "object" && !Array.isArray(value) ? value : {};
  }

  #get(name: string): FlagValue | undefined {
    return this.#flags.get(name);
  }
}

/** Warns about flags accepted only so that kubelogin's kubeconfigs keep working. */
export function noteCompatibilityFlags(flags: FlagReader, logger: Logger): void {
  for (const name of ["tls-renegotiation-once", "tls-renegotiation-freely"]) {
    if (flags.bool(name)) {
      logger.debug(`--${name} has no effect: Deno's TLS (rustls) never renegotiates`);
    }
  }
}

/** The home directory, needed to expand `~` and for the default paths. */
export function homeDirectory(): string | undefined {
  return Deno.build.os === "windows" ? readEnv("USERPROFILE") : readEnv("HOME");
}

function requireHome(purpose: string): string {
  const home = homeDirectory();
  if (!home) throw new UsageError(`cannot find the home directory for ${purpose}; set HOME`);
  return home;
}

/** Expands `~` in a path flag, as kubelogin does. */
export function expandPath(path: string): string {
  return path === "~" || path.startsWith("~/") || path.startsWith("~\\")
    ? expandHome(path, requireHome(path))
    : path;
}

/** `--token-cache-dir`, defaulting to `$KUBECACHEDIR/oidc-login` then `~/.kube/cache/oidc-login`. */
export function tokenCacheDirectory(flags: FlagReader): string {
  const given = flags.string("token-cache-dir");
  if (given) return expandPath(given);
  const kubeCacheDir = readEnv("KUBECACHEDIR");
  if (kubeCacheDir) return joinPath(kubeCacheDir, "oidc-login");
  return joinPath(requireHome("the token cache"), ".kube", "cache", "oidc-login");
}

/**
 * Where the data key of the disk cache lives: in the user's configuration directory, apart from
 * the cache directory, so a copy of `~/.kube/cache` alone reveals no token.
 */
export function dataKeyFile(): string {
  const configHome = Deno.build.os === "windows" ? readEnv("APPDATA") : readEnv("XDG_CONFIG_HOME");
  const base = configHome || joinPath(requireHome("the token cache key"), ".config");
  return joinPath(base, "together-kubelogin", "token-cache.key");
}

/**
 * `--token-cache-storage`, else what `--force-keyring` or `--no-keyring` (kubelogin development
 * builds before 1.32) meant, else `disk`.
 */
export function tokenCacheStorage(flags: FlagReader): TokenCacheStorage {
  const given = flags.string("token-cache-storage");
  if (given) return given as TokenCacheStorage;
  if (flags.bool("force-keyring")) return "keyring";
  return "disk";
}

/** The token cache options of a command. */
export function tokenCacheOptions(flags: FlagReader): TokenCacheOptions {
  const storage = tokenCacheStorage(flags);
  const directory = storage === "none" ? "" : tokenCacheDirectory(flags);
  return { storage, directory, dataKeyFile: storage === "disk" ? dataKeyFile() : "" };
}

/** The provider options that come from flags in every mode (standalone mode reads the rest). */
export type ConnectionOptions = Pick<ProviderOptions, "tls" | "requestHeaders" | "pkceMethod">;

/** TLS, request headers and PKCE: what standalone mode takes from flags, as `get-token` does. */
export function connectionOptions(flags: FlagReader): ConnectionOptions {
  return {
    pkceMethod: flags.bool("oidc-use-pkce")
      ? "S256"
      : (flags.string("oidc-pkce-method") ?? "auto") as PkceMethod,
    requestHeaders: flags.map("oidc-request-header"),
    tls: {
      certificateAuthorities: flags.list("certificate-authority").map(expandPath),
      certificateAuthorityData: flags.list("certificate-authority-data"),
      insecureSkipTlsVerify: flags.bool("insecure-skip-tls-verify"),
    },
  };
}

/** The provider options of `get-token` and `setup`. */
export function providerOptions(flags: FlagReader): ProviderOptions {
  const clientSecret = flags.has("oidc-client-secret")
    ? flags.string("oidc-client-secret")
    : readEnv("OIDC_CLIENT_SECRET") || undefined;
  return {
    issuerUrl: flags.requiredString("oidc-issuer-url"),
    clientId: flags.requiredString("oidc-client-id"),
    clientSecret,
    extraScopes: flags.list("oidc-extra-scope"),
    // The removed keyboard-only spelling overrode --oidc-redirect-url in the kubelogin releases
    // that had both.
    redirectUrl: flags.string("oidc-redirect-url-authcode-keyboard") ??
      flags.string("oidc-redirect-url"),
    useAccessToken: flags.bool("oidc-use-access-token"),
    ...connectionOptions(flags),
  };
}

/** The login options of `get-token`, `setup` and standalone mode. */
export function loginOptions(flags: FlagReader): LoginOptions {
  const username = flags.string("username");
  const timeout = flags.int("authentication-timeout-sec", DEFAULT_AUTHENTICATION_TIMEOUT_SEC);
  if (timeout <= 0) throw new UsageError("--authentication-timeout-sec must be positive");
  // The removed --listen-port took precedence over --listen-address, which always had a default.
  const listenPorts = flags.intList("listen-port");
  for (const port of listenPorts) {
    if (port < 0 || port > 65535) throw new UsageError(`invalid --listen-port ${port}`);
  }
  const listenAddresses = listenPorts.length > 0
    ? listenPorts.map((port) => `127.0.0.1:${port}`)
    : flags.list("listen-address");
  const certFile = flags.string("local-server-cert");
  const keyFile = flags.string("local-server-key");
  return {
    grantType: resolveGrantType(flags.string("grant-type") ?? "auto", username),
    listenAddresses: listenAddresses.length > 0 ? listenAddresses : DEFAULT_LISTEN_ADDRESSES,
    skipOpenBrowser: flags.bool("skip-open-browser"),
    browserCommand: flags.string("browser-command"),
    authenticationTimeoutSec: timeout,
    localServerCertFile: certFile && expandPath(certFile),
    localServerKeyFile: keyFile && expandPath(keyFile),
    openUrlAfterAuthentication: flags.string("open-url-after-authentication"),
    redirectUrlHostname: flags.string("oidc-redirect-url-hostname"),
    authRequestExtraParams: flags.map("oidc-auth-request-extra-params"),
    username,
    password: flags.string("password"),
    deviceCodeQr: drawQrCode(flags.string("device-code-qr")),
    tokenExchange: tokenExchangeOptions(flags),
  };
}

/** The library options of a `get-token` command line. */
export function getTokenOptions(flags: FlagReader): GetTokenOptions {
  return {
    provider: providerOptions(flags),
    login: loginOptions(flags),
    cache: tokenCacheOptions(flags),
    forceRefresh: flags.bool("force-refresh"),
  };
}

/** `--device-code-qr`: `auto` draws the QR code only when stderr is a terminal. */
function drawQrCode(choice: string | undefined): boolean {
  if (choice === "always") return true;
  if (choice === "never") return false;
  return Deno.stderr.isTerminal();
}

/** An environment variable's name, as opposed to a token (tokens have dots or lower case). */
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** The token exchange flags; only read with `--grant-type=token-exchange`. */
function tokenExchangeOptions(flags: FlagReader): TokenExchangeOptions | undefined {
  if (flags.string("grant-type") !== "token-exchange") return undefined;
  return {
    resource: flags.string("token-exchange-resource"),
    audience: flags.string("token-exchange-audience"),
    requestedTokenType: flags.string("token-exchange-requested-token-type"),
    subjectToken: tokenOrVariable(flags, "token-exchange-subject-token"),
    subjectTokenType: flags.string("token-exchange-subject-token-type"),
    actorToken: tokenOrVariable(flags, "token-exchange-actor-token"),
    actorTokenType: flags.string("token-exchange-actor-token-type"),
  };
}

/** A token flag's value: the named environment variable's content, or the value itself. */
function tokenOrVariable(flags: FlagReader, name: string): string | undefined {
  const given = flags.string(name);
  if (given === undefined || !ENV_NAME.test(given)) return given;
  const value = readEnv(given);
  if (!value) {
    throw new UsageError(
      `--${name} names the environment variable ${given}, which is empty or unset`,
    );
  }
  return value;
}
