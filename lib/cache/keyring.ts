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
 * On Linux a read (every cache hit) skips the binding: `secret_service_lookup.ts` asks the Secret
 * Service over the session bus in TypeScript, which costs about a millisecond where loading the
 * binding costs about 34. It needs the bus socket (`busReadPermissionFlags`); without those
 * grants, or on a bus address it cannot open, the read goes through the binding as before.
 * Writes (once per user) and deletions (`clean`) always use the binding.
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
import {
  describe,
  DISK_HINT,
  KEYRING_PERMISSION_FLAGS,
  KEYRING_SETTINGS,
  loadBinding,
  permissionErrorIn,
  requireKeyringPermissions,
} from "./keyring_binding.ts";
import { SecretServiceLookupError, sessionBusRoute } from "./secret_service_lookup.ts";

import { KEYRING_DATA_KEY_ACCOUNT, KEYRING_SERVICE } from "./keyring_names.ts";
import { lookupDataKeyText } from "./bus_data_key.ts";

export { KEYRING_PERMISSION_FLAGS, requireKeyringPermissions };

export { KEYRING_DATA_KEY_ACCOUNT, KEYRING_SERVICE };

/**
 * How long a call into the binding may take. A write may wait on the desktop's dialog to create
 * or unlock a keyring, which a person must have time to answer.
 */
export const KEYRING_CALL_TIMEOUT_MS = 60_000;

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

/**
 * Linux: require the Secret Service. Left to itself the binding falls back to the kernel keyutils
 * keyring when there is no Secret Service; that keyring is lost at reboot (every cached entry
 * with it, silently) and `clean` would not find the key from another login session.
 */
const ENTRY_OPTIONS = { linux: { store: "secret-service" as const } };

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
  #routeLogged = false;

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

  async #read(): Promise<CryptoKey | undefined> {
    const text = await this.#readText();
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

  async #readText(): Promise<string | null | undefined> {
    const socketPath = this.#busSocket();
    if (socketPath === undefined) {
      const entry = await this.#entry("read");
      return await this.#call("read", () => entry.getPassword());
    }
    try {
      return await lookupDataKeyText(socketPath, this.#service, this.#account);
    } catch (error) {
      throw lookupFailure(error);
    }
  }

  /** The session bus socket for a read without the binding, else `undefined`. */
  #busSocket(): string | undefined {
    const route = sessionBusRoute();
    if ("socketPath" in route) return route.socketPath;
    if (!this.#routeLogged) {
      this.#logger.debug(`reading the keyring through the binding: ${route.skip}`);
    }
    this.#routeLogged = true;
    return undefined;
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
      throw new KeyringError(`${this.location} did not keep the cache data key; ${DISK_HINT}`, {
        settings: KEYRING_SETTINGS,
      });
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
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const seconds = KEYRING_CALL_TIMEOUT_MS / 1000;
        reject(new Error(`the OS keyring did not answer within ${seconds} s`));
      }, KEYRING_CALL_TIMEOUT_MS);
    });
    try {
      // A binding call cannot be cancelled: the process exits with the error and leaves it.
      return await Promise.race([operation(), timeout]);
    } catch (error) {
      throw keyringFailure(action, error);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The outcome of {@link probeKeyring}. */
export type KeyringProbe =
  | { available: true; hasDataKey: boolean }
  | { available: false; error: KeyringError | PermissionError | CacheError };

/**
 * Whether the keyring can be used, without creating anything: loads the binding and reads the
 * data key. For callers that report an unusable keyring rather than fail (`doctor`).
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
    { cause: error, settings: KEYRING_SETTINGS },
  );
}

/** Turns a fast-read failure into the same one-line {@link KeyringError} as the binding's. */
function lookupFailure(error: unknown): KeyringError | PermissionError {
  if (!(error instanceof SecretServiceLookupError)) return keyringFailure("read", error);
  const { explanation, fix } = error;
  const detail = describe(error);
  return new KeyringError(
    "could not read the token cache data key in the OS keyring: " +
      `${explanation ? `${explanation} (${detail})` : detail}; ${fix ? `${fix}, or ` : ""}` +
      DISK_HINT,
    { cause: error, settings: KEYRING_SETTINGS },
  );
}
