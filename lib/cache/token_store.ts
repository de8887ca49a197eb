/**
 * Where token sets are kept between runs, per `--token-cache-storage`.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { TokenSet } from "../token_set.ts";
import { FileDataKeyStore } from "./data_key.ts";
import { type CacheReadResult, EncryptedFileCache } from "./encrypted_file.ts";

/** `--token-cache-storage` values. */
export type TokenCacheStorage = "disk" | "keyring" | "none";

/** `--token-cache-storage` choices. */
export const TOKEN_CACHE_STORAGE_CHOICES: readonly TokenCacheStorage[] = [
  "disk",
  "keyring",
  "none",
];

/** Where the cache lives. */
export interface TokenCacheOptions {
  storage: TokenCacheStorage;
  /** The directory of encrypted entries (`--token-cache-dir`). */
  directory: string;
  /** The data key file used by `disk` storage. */
  dataKeyFile: string;
}

/** Reads and writes cached token sets by key id. */
export interface TokenStore {
  read(keyId: string): Promise<CacheReadResult>;
  write(keyId: string, tokenSet: TokenSet): Promise<void>;
  delete(keyId: string): Promise<boolean>;
}

/** `none`: nothing is kept, every run logs in. */
const noStore: TokenStore = {
  read: () => Promise.resolve({ hit: false, reason: "absent" }),
  write: () => Promise.resolve(),
  delete: () => Promise.resolve(false),
};

/** Opens the store for the options. Opening touches nothing on disk. */
export function openTokenStore(options: TokenCacheOptions): TokenStore {
  switch (options.storage) {
    case "none":
      return noStore;
    case "disk":
      return new EncryptedFileCache(options.directory, new FileDataKeyStore(options.dataKeyFile));
    case "keyring":
      throw new UsageError(
        "--token-cache-storage=keyring is not available yet; use --token-cache-storage=disk",
      );
  }
}
