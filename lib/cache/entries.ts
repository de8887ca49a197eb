/**
 * Listing the token cache for `status` and `logout`: every entry of the cache directory, opened
 * with whichever data key (disk or keyring) encrypted it. Only files in the entry format count
 * (a key id name and the entry's magic); other files that share the directory are ignored.
 *
 * @module
 */

import type { TokenSet } from "../token_set.ts";
import { errorMessage, PermissionError } from "../errors.ts";
import type { DataKeyStore } from "./data_key.ts";
import { EncryptedFileCache, type EntryOwner } from "./encrypted_file.ts";

/** Where an entry's data key is kept, as `--token-cache-storage` names it. */
export type EntryStorage = "disk" | "keyring";

/** A data key store and the storage it stands for. */
export interface NamedDataKey {
  storage: EntryStorage;
  dataKey: DataKeyStore;
}

/** One readable cache entry. Holds secrets: never print it whole. */
export interface CacheEntry {
  /** The entry's key id (its file name). */
  keyId: string;
  /** The entry's file. */
  path: string;
  storage: EntryStorage;
  /** Whose token it is; absent in entries written before owners were recorded. */
  owner?: EntryOwner;
  tokenSet: TokenSet;
}

/** An entry in the entry format that no available data key opens. */
export interface UnreadableEntry {
  keyId: string;
  path: string;
  /** Why, free of secrets. */
  reason: string;
}

/** What {@link listCacheEntries} found. */
export interface CacheListing {
  entries: CacheEntry[];
  unreadable: UnreadableEntry[];
}

/**
 * Reads every entry of the directory. A data key that cannot be loaded (keyring unreachable) is
 * skipped for the entry, which is then reported unreadable with the reason.
 *
 * @param keyIds only these entries, when given
 */
export async function listCacheEntries(
  directory: string,
  dataKeys: readonly NamedDataKey[],
  keyIds?: readonly string[],
): Promise<CacheListing> {
  const caches = dataKeys.map(({ storage, dataKey }) => ({
    storage,
    cache: new EncryptedFileCache(directory, dataKey),
  }));
  const listing: CacheListing = { entries: [], unreadable: [] };
  const probe = new EncryptedFileCache(directory, noKey);
  const ids = keyIds ?? await probe.keyIds();
  for (const keyId of ids) {
    const path = probe.entryPath(keyId);
    if (!await hasEntryMagic(path)) continue;
    const reasons: string[] = [];
    let found = false;
    for (const { storage, cache } of caches) {
      let read;
      try {
        read = await cache.read(keyId);
      } catch (error) {
        // A grant the user left out is theirs to add, not a reason this entry is unreadable.
        if (error instanceof Deno.errors.NotCapable || error instanceof PermissionError) {
          throw error;
        }
        reasons.push(`${storage}: ${errorMessage(error)}`);
        continue;
      }
      if (read.hit) {
        listing.entries.push({ keyId, path, storage, owner: read.owner, tokenSet: read.tokenSet });
        found = true;
        break;
      }
      // Deleted meanwhile (a concurrent logout): nothing to report.
      if (read.reason === "absent") {
        found = true;
        break;
      }
      reasons.push(`${storage}: ${read.reason}${read.detail ? ` (${read.detail})` : ""}`);
    }
    if (!found) listing.unreadable.push({ keyId, path, reason: reasons.join("; ") });
  }
  return listing;
}

const MAGIC = "TKL1";

/** Whether the file starts as an entry does (`encrypted_file.ts`); `false` when it is gone. */
async function hasEntryMagic(path: string): Promise<boolean> {
  try {
    using file = await Deno.open(path, { read: true });
    const head = new Uint8Array(MAGIC.length);
    const read = await file.read(head);
    return read === MAGIC.length && new TextDecoder().decode(head) === MAGIC;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** A key store with no key, for reading the directory without decrypting. */
const noKey: DataKeyStore = {
  location: "none",
  load: () => Promise.resolve(undefined),
  loadOrCreate: () => Promise.reject(new Error("not for writing")),
  remove: () => Promise.resolve(false),
};
