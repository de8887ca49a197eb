/**
 * Deleting the token cache (`clean`): everything, or only one provider's entries.
 *
 * A full clean removes the cache directory (entries and lock files) and the data keys, in the
 * key file and in the keyring; the next login creates a fresh key, so nothing encrypted under
 * the old one can ever be read again. A clean limited to one issuer (and client) deletes only
 * the entries whose encrypted owner matches and keeps the data keys, which other entries need.
 *
 * @module
 */

import type { DataKeyStore } from "./data_key.ts";
import { EncryptedFileCache, type EntryOwner } from "./encrypted_file.ts";
import { lockFilePath } from "./lock.ts";
import { removeIfPresent } from "../remove_file.ts";

/** Which entries to delete; all of them when both fields are absent. */
export interface CleanFilter {
  issuerUrl?: string;
  clientId?: string;
}

/** What {@link cleanEntries} did. */
export interface CleanReport {
  /** Entries deleted. */
  deleted: number;
  /** Entries no data key could decrypt, left in place because their owner is unknown. */
  unreadable: number;
  /** The issuers of the entries kept, once each: near misses of a mistyped filter show here. */
  keptIssuers: string[];
}

/** Removes the whole cache directory; `true` when it existed. */
export function removeCacheDirectory(directory: string): Promise<boolean> {
  return removeIfPresent(directory, { recursive: true });
}

/**
 * Deletes the entries of one owner. Each entry is decrypted with the first data key that opens it
 * (disk, then keyring), since either storage may have written it.
 */
export async function cleanEntries(
  directory: string,
  dataKeys: readonly DataKeyStore[],
  filter: CleanFilter,
): Promise<CleanReport> {
  const caches = dataKeys.map((dataKey) => new EncryptedFileCache(directory, dataKey));
  const report: CleanReport = { deleted: 0, unreadable: 0, keptIssuers: [] };
  for (const keyId of await caches[0]?.keyIds() ?? []) {
    const owner = await ownerOf(caches, keyId);
    if (!owner) {
      report.unreadable++;
      continue;
    }
    if (!matches(owner, filter)) {
      if (!report.keptIssuers.includes(owner.issuerUrl)) report.keptIssuers.push(owner.issuerUrl);
      continue;
    }
    await caches[0].delete(keyId);
    await Deno.remove(lockFilePath(directory, keyId)).catch(() => {});
    report.deleted++;
  }
  return report;
}

async function ownerOf(
  caches: readonly EncryptedFileCache[],
  keyId: string,
): Promise<EntryOwner | undefined> {
  for (const cache of caches) {
    try {
      const read = await cache.read(keyId);
      if (read.hit) return read.owner;
    } catch {
      // This data key is unavailable (keyring unreachable); try the next.
    }
  }
  return undefined;
}

function matches(owner: EntryOwner, filter: CleanFilter): boolean {
  return (filter.issuerUrl === undefined || owner.issuerUrl === filter.issuerUrl) &&
    (filter.clientId === undefined || owner.clientId === filter.clientId);
}
