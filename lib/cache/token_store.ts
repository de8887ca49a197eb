/**
 * Where token sets are kept between runs, per `--token-cache-storage`: `disk` (encrypted files,
 * data key in a file), `keyring` (encrypted files, data key in the OS keyring) or `none`.
 *
 * @module
 */

import type { TokenSet } from "../token_set.ts";
import { type DataKeyStore, FileDataKeyStore } from "./data_key.ts";
import { type CacheReadResult, EncryptedFileCache, type EntryOwner } from "./encrypted_file.ts";
import { acquireEntryLock, type AcquireLockOptions, type EntryLock } from "./lock.ts";

import type { TokenCacheStorage } from "./storage.ts";

export { TOKEN_CACHE_STORAGE_CHOICES, type TokenCacheStorage } from "./storage.ts";

/** Where the cache lives. */
export interface TokenCacheOptions {
  /** `--token-cache-storage`. */
  storage: TokenCacheStorage;
  /** The directory of encrypted entries (`--token-cache-dir`). */
  directory: string;
  /** The data key file used by `disk` storage. */
  dataKeyFile: string;
}

/** Reads and writes cached token sets by key id. */
export interface TokenStore {
  read(keyId: string): Promise<CacheReadResult>;
  write(keyId: string, tokenSet: TokenSet, owner: EntryOwner): Promise<void>;
  delete(keyId: string): Promise<boolean>;
  /** Makes sure a later write can succeed (creates the data key), before a login starts. */
  prepare(): Promise<void>;
  /**
   * Takes the entry's exclusive lock, for the refresh-or-login critical section; `undefined` when
   * `options.stopWaiting` ended the wait.
   */
  lock(keyId: string, options: AcquireLockOptions): Promise<EntryLock | undefined>;
}

/** `none`: nothing is kept, every run logs in, so there is nothing to lock either. */
const noStore: TokenStore = {
  read: () => Promise.resolve({ hit: false, reason: "absent" }),
  write: () => Promise.resolve(),
  delete: () => Promise.resolve(false),
  prepare: () => Promise.resolve(),
  lock: () => Promise.resolve({ waited: false, [Symbol.asyncDispose]: () => Promise.resolve() }),
};

/** Encrypted files with a lock file per entry. */
class LockingFileStore extends EncryptedFileCache implements TokenStore {
  lock(keyId: string, options: AcquireLockOptions): Promise<EntryLock | undefined> {
    return acquireEntryLock(this.directory, keyId, options);
  }
}

/**
 * Opens the store for the options. Opening touches nothing on disk and loads no keyring binding:
 * that happens on the first read that finds an entry.
 */
export function openTokenStore(options: TokenCacheOptions): TokenStore {
  switch (options.storage) {
    case "none":
      return noStore;
    case "disk":
      return new LockingFileStore(options.directory, new FileDataKeyStore(options.dataKeyFile));
    case "keyring":
      return new LockingFileStore(options.directory, keyringDataKeyStore());
  }
}

/** The data key store in the OS keyring, its binding loaded on first use. */
export function keyringDataKeyStore(): DataKeyStore {
  return new LazyKeyringDataKeyStore();
}

/** Defers loading the keyring module (and its native binding) until a key is needed. */
class LazyKeyringDataKeyStore implements DataKeyStore {
  readonly location = "the OS keyring";
  #store?: Promise<DataKeyStore>;

  #open(): Promise<DataKeyStore> {
    this.#store ??= import("./keyring.ts").then(({ KeyringDataKeyStore }) =>
      new KeyringDataKeyStore()
    );
    return this.#store;
  }

  async load(): Promise<CryptoKey | undefined> {
    return await (await this.#open()).load();
  }

  async loadOrCreate(): Promise<CryptoKey> {
    return await (await this.#open()).loadOrCreate();
  }

  async remove(): Promise<boolean> {
    return await (await this.#open()).remove();
  }
}
