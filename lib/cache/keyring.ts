/**
 * The token cache data key kept in the OS keyring (`--token-cache-storage=keyring`): Secret
 * Service on Linux, Keychain on macOS, Credential Manager on Windows, through the
 * `@napi-rs/keyring` binding. Only the 32-byte data key lives there; the encrypted entries stay in
 * the cache directory. kubelogin kept whole token sets in the keyring, which ran into keyring
 * size limits (int128/kubelogin#1255) and wrote to the keyring on every refresh
 * (int128/kubelogin#1569); a data key is 43 characters and is written once, when first needed.
 *
 * The binding is a native addon: it is loaded on first use, so the `disk` and `none` storages
 * never load it, and it needs `--allow-ffi` and nothing more ({@link KEYRING_PERMISSION_FLAGS}),
 * checked before loading so that Deno never stops to ask.
 *
 * - {@link KeyringDataKeyStore}: the {@link DataKeyStore} in the keyring.
 * - {@link requireKeyringPermissions}: the permission check done before the binding loads.
 * - {@link probeKeyring}: whether the keyring answers, for messages that must not fail.
 *
 * @module
 */

import type { AsyncEntry } from "@napi-rs/keyring";
import { CacheError, KeyringError, PermissionError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { silentLogger } from "../log.ts";
import { type DataKeyStore, decodeDataKey, newEncodedDataKey } from "./data_key.ts";

/** The keyring service name every together-kubelogin entry is stored under. */
export const KEYRING_SERVICE = "together-kubelogin";

/**
 * The keyring account of the data key. The keyring is already per OS user and the data key file
 * of the `disk` storage is one per user as well, so one key serves every cluster and cache
 * directory; a per-cluster key would bring back one keyring entry per login.
 */
export const KEYRING_DATA_KEY_ACCOUNT = "token-cache-data-key";

/** The Deno flags that let the keyring binding load, to add to the plugin's own. */
export const KEYRING_PERMISSION_FLAGS: readonly string[] = ["--allow-ffi"];

/**
 * What the package's own loader needs besides `--allow-ffi`: it reads `NAPI_RS_*` variables (to
 * choose between native and WASI builds) and `/usr/bin/ldd` (to tell glibc from musl, else
 * `process.report`, which needs `--allow-sys`). It is only the fallback on platforms that
 * {@link nativePackages} does not know, and these flags are named when it is refused.
 */
const PACKAGE_LOADER_FLAGS: readonly string[] = [
  "--allow-ffi",
  "--allow-env=NAPI_RS_NATIVE_LIBRARY_PATH,NAPI_RS_WASI_FLAVOR,NAPI_RS_FORCE_WASI",
  ...(Deno.build.os === "linux" ? ["--allow-read=/usr/bin/ldd"] : []),
];

/** What the PermissionError and KeyringError messages say the binding is for. */
const LOAD_WHAT = "load the OS keyring binding for --token-cache-storage=keyring";

/** Appended to every keyring failure: the disk storage needs no keyring at all. */
const DISK_HINT = "use --token-cache-storage=disk where no keyring is available";

/**
 * keyring-rs reports a store it cannot use as "Platform failure: …" or "Couldn't access platform
 * storage: …"; the platform's own words after that pick a plainer explanation.
 */
const STORE_FAILURE_PREFIX =
  /^(?:Platform failure|Couldn't access platform storage): *(?:DBus error: *)?/;

const EXPLANATIONS: readonly [pattern: RegExp, explanation: string][] = [
  [/Failed to connect|autolaunch|DBUS_SESSION_BUS_ADDRESS/, "no D-Bus session bus is reachable"],
  [
    /org\.freedesktop\.secrets/,
    "no Secret Service (such as gnome-keyring) runs on the session bus",
  ],
  [/no result found/, "the Secret Service has no default keyring, or it is locked"],
  [/prompt was dismissed|is locked/i, "the keyring is locked and was not unlocked"],
];

/** Deno's wording for a refused permission, also when the binding loader re-wraps it. */
const NOT_CAPABLE_PATTERN = /Requires (\w+) access/;

/**
 * Linux: require the Secret Service. Left to itself the binding falls back to the kernel keyutils
 * keyring when there is no Secret Service; that keyring is lost at reboot (every cached entry
 * with it, silently) and `clean` would not find the key from another login session.
 */
const ENTRY_OPTIONS = { linux: { store: "secret-service" as const } };

type KeyringBinding = typeof import("@napi-rs/keyring");

let binding: Promise<KeyringBinding> | undefined;

/**
 * Throws unless Deno grants what the keyring binding needs to load: without this check the load
 * would fail with Deno's own words, or make Deno prompt where `--no-prompt` is missing.
 *
 * @throws {PermissionError} naming `--allow-ffi`
 */
export function requireKeyringPermissions(): void {
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    throw new PermissionError(LOAD_WHAT, KEYRING_PERMISSION_FLAGS.join(" "));
  }
}

/** Loads the binding once per process, after the permission check. */
function loadBinding(): Promise<KeyringBinding> {
  requireKeyringPermissions();
  binding ??= importBinding().catch((error: unknown) => {
    binding = undefined;
    throw permissionErrorIn(error) ??
      new KeyringError(`could not ${LOAD_WHAT}: ${describe(error)}; ${DISK_HINT}`, {
        cause: error,
      });
  });
  return binding;
}

/**
 * Requires this platform's binding package directly, resolved from the main package's location
 * so that npm resolution finds it. That needs `--allow-ffi` alone, unlike the package's loader
 * (see {@link PACKAGE_LOADER_FLAGS}), which stays as the fallback for other platforms.
 */
async function importBinding(): Promise<KeyringBinding> {
  const { createRequire } = await import("node:module");
  // Under `--unstable-lazy-dynamic-imports` (README's install line) npm resolution has not seen the
  // package yet, and `import.meta.resolve` would return its bare `npm:` specifier. Its package.json
  // brings it in without running the package's loader.
  await import("@napi-rs/keyring/package.json", { with: { type: "json" } });
  // Not named `require`: JSR's publish check reads `require(name)` as an import it cannot analyse.
  // `import.meta.resolve` of the bare name is rewritten to the npm: specifier on publish.
  const requireNative = createRequire(import.meta.resolve("@napi-rs/keyring"));
  for (const name of nativePackages(Deno.build.os, Deno.build.arch)) {
    try {
      return requireNative(name) as KeyringBinding;
    } catch {
      // Not installed for this platform (a musl build on glibc, say); try the next.
    }
  }
  return await import("@napi-rs/keyring");
}

/** The binding packages to try, best first, for a Deno build target. */
function nativePackages(os: typeof Deno.build.os, arch: typeof Deno.build.arch): string[] {
  const cpu = arch === "x86_64" ? "x64" : "arm64";
  switch (os) {
    case "linux":
      return [`@napi-rs/keyring-linux-${cpu}-gnu`, `@napi-rs/keyring-linux-${cpu}-musl`];
    case "darwin":
      return [`@napi-rs/keyring-darwin-${cpu}`];
    case "windows":
      return [`@napi-rs/keyring-win32-${cpu}-msvc`];
    case "freebsd":
      return arch === "x86_64" ? ["@napi-rs/keyring-freebsd-x64"] : [];
    default:
      return [];
  }
}

/** Options of {@link KeyringDataKeyStore}; the defaults are what the plugin uses. */
export interface KeyringDataKeyStoreOptions {
  /** The keyring service name; {@link KEYRING_SERVICE} by default. */
  service?: string;
  /** The keyring account; {@link KEYRING_DATA_KEY_ACCOUNT} by default. */
  account?: string;
  /** Receives one debug line per keyring operation (never the key). */
  logger?: Logger;
}

/**
 * Keeps the data key in the OS keyring. The key is read at most once per process (one D-Bus round
 * trip on Linux) and written only when there is none, never on a cache write or a refresh.
 *
 * @example
 * ```ts
 * import { EncryptedFileCache } from "./encrypted_file.ts";
 * import { KeyringDataKeyStore } from "./keyring.ts";
 *
 * const cache = new EncryptedFileCache("/home/me/.kube/cache/oidc-login", new KeyringDataKeyStore());
 * const read = await cache.read("0".repeat(64)); // throws KeyringError when no keyring answers
 * ```
 */
export class KeyringDataKeyStore implements DataKeyStore {
  /** Where the key is, for messages. */
  readonly location: string;
  readonly #service: string;
  readonly #account: string;
  readonly #logger: Logger;
  #key?: CryptoKey;
  #reading?: Promise<CryptoKey | undefined>;
  #creating?: Promise<CryptoKey>;

  constructor(options: KeyringDataKeyStoreOptions = {}) {
    this.#service = options.service ?? KEYRING_SERVICE;
    this.#account = options.account ?? KEYRING_DATA_KEY_ACCOUNT;
    this.#logger = options.logger ?? silentLogger;
    this.location = `the OS keyring (service ${this.#service}, account ${this.#account})`;
  }

  /**
   * The key, or `undefined` when the keyring holds none. A key once found is kept for the rest of
   * the process; an absent one is asked for again, since another process may create it.
   *
   * @throws {KeyringError} when the keyring cannot be reached
   * @throws {PermissionError} when Deno may not load the binding
   * @throws {CacheError} when the keyring holds something that is not a data key
   */
  load(): Promise<CryptoKey | undefined> {
    if (this.#key) return Promise.resolve(this.#key);
    this.#reading ??= this.#read().finally(() => this.#reading = undefined);
    return this.#reading;
  }

  /**
   * The key, created and stored first when the keyring holds none.
   *
   * @throws {KeyringError} when the keyring cannot be reached or refuses the write (locked)
   */
  async loadOrCreate(): Promise<CryptoKey> {
    const existing = await this.load();
    if (existing) return existing;
    this.#creating ??= this.#create().finally(() => this.#creating = undefined);
    return await this.#creating;
  }

  /**
   * Deletes the key from the keyring; `false` when there was none.
   *
   * @throws {KeyringError} when the keyring cannot be reached or refuses the deletion
   */
  async remove(): Promise<boolean> {
    const entry = await this.#entry("delete");
    const removed = await this.#call("delete", () => entry.deleteCredential());
    this.#key = undefined;
    this.#logger.debug(
      removed
        ? `deleted the cache data key from ${this.location}`
        : `no cache data key to delete in ${this.location}`,
    );
    return removed;
  }

  /**
   * Deletes this store's key and any other account stored under the same service (a key from
   * another version, a test); returns how many entries were deleted.
   *
   * @throws {KeyringError} when the keyring cannot be reached or refuses a deletion
   */
  async removeAll(): Promise<number> {
    // The pinned entry first: it fails loudly where no Secret Service answers, whereas the search
    // below would quietly look in the kernel keyring instead.
    let deleted = await this.remove() ? 1 : 0;
    const { AsyncEntry, findCredentialsAsync } = await loadBinding();
    const others = await this.#call("list", () => findCredentialsAsync(this.#service));
    for (const { account } of others) {
      const entry = new AsyncEntry(this.#service, account, ENTRY_OPTIONS);
      if (await this.#call("delete", () => entry.deleteCredential())) deleted++;
    }
    return deleted;
  }

  async #read(): Promise<CryptoKey | undefined> {
    const entry = await this.#entry("read");
    const text = await this.#call("read", () => entry.getPassword());
    // The typings say `null`; `undefined` is treated the same in case a platform build differs.
    if (text === null || text === undefined) {
      this.#logger.debug(`no cache data key in ${this.location}`);
      return undefined;
    }
    this.#logger.debug(`read the cache data key from ${this.location}`);
    try {
      this.#key = await decodeDataKey(text);
    } catch (error) {
      throw new CacheError(`${describe(error)} (in ${this.location}); delete it with clean`, {
        cause: error,
      });
    }
    return this.#key;
  }

  async #create(): Promise<CryptoKey> {
    const entry = await this.#entry("store");
    await this.#call("store", () => entry.setPassword(newEncodedDataKey()));
    this.#logger.debug(`stored a new cache data key in ${this.location}`);
    // The keyring has no "create if absent": when two processes create a key at once, the later
    // write wins. Using what the keyring holds now, not what was written, makes both processes
    // encrypt with the key that stays.
    const key = await this.#read();
    if (!key) {
      throw new KeyringError(`${this.location} did not keep the cache data key; ${DISK_HINT}`);
    }
    return key;
  }

  async #entry(action: string): Promise<AsyncEntry> {
    const { AsyncEntry } = await loadBinding();
    try {
      return new AsyncEntry(this.#service, this.#account, ENTRY_OPTIONS);
    } catch (error) {
      throw keyringFailure(action, error);
    }
  }

  async #call<T>(action: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw keyringFailure(action, error);
    }
  }
}

/** The outcome of {@link probeKeyring}. */
export type KeyringProbe =
  | { available: true; hasDataKey: boolean }
  | { available: false; error: KeyringError | PermissionError | CacheError };

/**
 * Whether the keyring can be used, without creating anything: loads the binding and reads the
 * data key. For callers that report an unusable keyring rather than fail (`clean`).
 */
export async function probeKeyring(
  options: KeyringDataKeyStoreOptions = {},
): Promise<KeyringProbe> {
  try {
    const key = await new KeyringDataKeyStore(options).load();
    return { available: true, hasDataKey: key !== undefined };
  } catch (error) {
    if (
      error instanceof KeyringError || error instanceof PermissionError ||
      error instanceof CacheError
    ) return { available: false, error };
    throw error;
  }
}

/** Turns a binding failure into a one-line {@link KeyringError} that points at `disk`. */
function keyringFailure(action: string, error: unknown): KeyringError | PermissionError {
  const permission = permissionErrorIn(error);
  if (permission) return permission;
  const message = describe(error);
  const detail = message.replace(STORE_FAILURE_PREFIX, "");
  const explanation = STORE_FAILURE_PREFIX.test(message)
    ? EXPLANATIONS.find(([pattern]) => pattern.test(detail))?.[1]
    : undefined;
  return new KeyringError(
    `could not ${action} the token cache data key in the OS keyring: ` +
      `${explanation ? `${explanation} (${detail})` : detail}; ${DISK_HINT}`,
    { cause: error },
  );
}

/**
 * A {@link PermissionError} when Deno refused something along the error's cause chain: the
 * binding loader wraps each failed attempt in a plain `Error` that keeps only Deno's message.
 */
function permissionErrorIn(error: unknown): PermissionError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 16; depth++) {
    const match = NOT_CAPABLE_PATTERN.exec(e.message);
    if (match) {
      const flag = match[1] === "ffi" ? "--allow-ffi" : PACKAGE_LOADER_FLAGS.join(" ");
      return new PermissionError(LOAD_WHAT, flag, { cause: error });
    }
    e = e.cause;
  }
  return undefined;
}

/** The first line of an error's message, which is all a one-line CLI message has room for. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n", 1)[0].trim();
}
