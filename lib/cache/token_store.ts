/**
 * Where token sets are kept between runs, per `--token-cache-storage`: `disk` (encrypted files,
 * data key in a file), `keyring` (encrypted files, data key in the OS keyring) or `none`.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import type { TokenSet } from "../token_set.ts";
import { type DataKeyStore, FileDataKeyStore } from "./data_key.ts";
import { type CacheReadResult, EncryptedFileCache, type EntryOwner } from "./encrypted_file.ts";
import { canonicalHeaders, sha256Hex } from "./key.ts";
import { type AcquireLockOptions, lockOrFind, type LockOutcome } from "./lock.ts";

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
   * Takes the entry's exclusive lock, for the refresh-or-login critical section, unless
   * `options.stopWaiting` finds what the caller waits for first.
   */
  lock<T>(keyId: string, options: AcquireLockOptions<T>): Promise<LockOutcome<T>>;
  /**
   * The provider's metadata documents sealed beside the entries, for one provider configuration;
   * absent when nothing may be written (`none`).
   */
  metadata?(scope: MetadataScope): MetadataDocumentStore;
}

/** The provider configuration a metadata document was fetched under. */
export interface MetadataScope {
  issuerUrl: string;
  /** Headers sent to the provider (`--oidc-request-header`). */
  requestHeaders: Readonly<Record<string, string>>;
  /** CA file paths and inline CA data: another trust root may reach another server. */
  certificateAuthorities: readonly string[];
  certificateAuthorityData: readonly string[];
}

/** Sealed metadata documents of one provider configuration, by URL. */
export interface MetadataDocumentStore {
  /** The stored text, or `undefined` when absent, damaged or tampered with. */
  read(url: string): Promise<string | undefined>;
  /** Stores the text, replacing the file atomically. */
  write(url: string, text: string): Promise<void>;
  /** Forgets the document (the provider said `no-store`). */
  delete(url: string): Promise<void>;
}

/** Prefix of the metadata files, which keeps them apart from the 64-hex token entries. */
export const METADATA_FILE_PREFIX = "metadata-";

/**
 * The start of every metadata file name of one issuer: the prefix, then the issuer's digest, so
 * that `clean --oidc-issuer-url` finds them by name, without a data key to decrypt them.
 */
export async function metadataIssuerPrefix(issuerUrl: string): Promise<string> {
  return `${METADATA_FILE_PREFIX}${await sha256Hex(issuerUrl)}-`;
}

/** `none`: nothing is kept, every run logs in, so there is nothing to lock either. */
const noStore: TokenStore = {
  read: () => Promise.resolve({ hit: false, reason: "absent" }),
  write: () => Promise.resolve(),
  delete: () => Promise.resolve(false),
  prepare: () => Promise.resolve(),
  lock: () =>
    Promise.resolve({
      held: true,
      lock: { waited: false, [Symbol.asyncDispose]: () => Promise.resolve() },
    }),
};

/** Encrypted files with a lock file per entry. */
class LockingFileStore extends EncryptedFileCache implements TokenStore {
  lock<T>(keyId: string, options: AcquireLockOptions<T>): Promise<LockOutcome<T>> {
    return lockOrFind(this.directory, keyId, options);
  }

  metadata(scope: MetadataScope): MetadataDocumentStore {
    return metadataDocumentStore(this, scope);
  }
}

/**
 * The provider's metadata (discovery document, JWKS) kept beside the entries, so a refresh needs
 * no request but the token request. Each document is sealed like an entry (same data key, the file
 * name as additional authenticated data), so a file that was damaged, swapped or forged without
 * the key reads as absent and is fetched again, never trusted. Documents are keyed like entries by
 * everything that could change the answer: the issuer, the URL, the request headers and the trust
 * roots; the file name starts with the issuer's own digest ({@link metadataIssuerPrefix}). It
 * lives here rather than in a module of its own so that the cache-hit path's module graph, which
 * Deno reads in full at start-up, stays as it was.
 */
export function metadataDocumentStore(
  cache: EncryptedFileCache,
  scope: MetadataScope,
): MetadataDocumentStore {
  // The same for every document of the store: hashed once, on the first use.
  let issuerPrefix: Promise<string> | undefined;
  const nameOf = async (url: string): Promise<string> =>
    await (issuerPrefix ??= metadataIssuerPrefix(scope.issuerUrl)) +
    await sha256Hex(JSON.stringify([
      ["certificateAuthorities", [...scope.certificateAuthorities]],
      ["certificateAuthorityData", [...scope.certificateAuthorityData]],
      ["issuerUrl", scope.issuerUrl],
      ["requestHeaders", canonicalHeaders(scope.requestHeaders)],
      ["url", url],
    ]));
  return {
    read: async (url) => await cache.readDocument(await nameOf(url)),
    write: async (url, text) => await cache.writeDocument(await nameOf(url), text),
    delete: async (url) => {
      await cache.delete(await nameOf(url));
    },
  };
}

/**
 * Opens the store for the options. Opening touches nothing on disk and loads no keyring binding:
 * that happens on the first read that finds an entry. The keyring store reports each keyring
 * operation to `logger` (`-v1`).
 */
export function openTokenStore(options: TokenCacheOptions, logger?: Logger): TokenStore {
  switch (options.storage) {
    case "none":
      return noStore;
    case "disk":
      return new LockingFileStore(options.directory, new FileDataKeyStore(options.dataKeyFile));
    case "keyring":
      return new LockingFileStore(options.directory, keyringDataKeyStore(logger));
  }
}

/**
 * The data key store in the OS keyring, its binding loaded on first use; `logger` receives one
 * debug line per keyring operation (never the key).
 */
export function keyringDataKeyStore(logger?: Logger): DataKeyStore {
  return new LazyKeyringDataKeyStore(logger);
}

/** Defers loading the keyring module (and its native binding) until a key is needed. */
class LazyKeyringDataKeyStore implements DataKeyStore {
  readonly location = "the OS keyring";
  readonly #logger?: Logger;
  #store?: Promise<DataKeyStore>;

  constructor(logger?: Logger) {
    this.#logger = logger;
  }

  #open(): Promise<DataKeyStore> {
    this.#store ??= import("./keyring.ts").then(({ KeyringDataKeyStore }) =>
      new KeyringDataKeyStore({ logger: this.#logger })
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
