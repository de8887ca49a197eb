/**
 * The `--token-cache-storage` choices, apart from the stores themselves: the flag table on the
 * cache-hit path needs the names without loading the keyring store's lazy import.
 *
 * @module
 */

/** `--token-cache-storage` values. */
export type TokenCacheStorage = "disk" | "keyring" | "none";

/** `--token-cache-storage` choices. */
export const TOKEN_CACHE_STORAGE_CHOICES: readonly TokenCacheStorage[] = [
  "disk",
  "keyring",
  "none",
];
