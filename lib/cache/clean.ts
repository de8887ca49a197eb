/**
 * The `clean` use case: deleting the token cache, all of it or only one provider's entries.
 *
 * A full clean removes the cache directory (entries, metadata documents and lock files) and the
 * data keys, in the key file and in the keyring; the next login creates a fresh key, so nothing
 * encrypted under the old one can ever be read again. A clean limited to one issuer (and client)
 * deletes only the entries whose encrypted owner matches, with their lock files, and every cached
 * metadata document of that issuer; it keeps the data keys, which other entries need.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { joinPath } from "../path.ts";
import { removeIfPresent } from "../remove_file.ts";
import { type DataKeyStore, FileDataKeyStore } from "./data_key.ts";
import { EncryptedFileCache, type EntryOwner } from "./encrypted_file.ts";
import { keyringBindingPermitted } from "./keyring_binding.ts";
import { lockFilePath } from "./lock.ts";
import type { TokenCacheStorage } from "./storage.ts";
import { keyringDataKeyStore, metadataIssuerPrefix } from "./token_store.ts";

/** What to clean, and where. */
export interface CleanOptions {
  /** The directory of encrypted entries (`--token-cache-dir`). */
  directory: string;
  /** The data key file of `disk` storage. */
  dataKeyFile: string;
  /**
   * The storage the user named; `undefined` when none was named, so either may have been used.
   * `disk` and `none` leave the keyring alone in a full clean.
   */
  storage?: TokenCacheStorage;
  /** Delete only this issuer's entries (exact match) and its metadata documents. */
  issuerUrl?: string;
  /** Delete only this client's entries of {@link CleanOptions.issuerUrl}. */
  clientId?: string;
  /** Receives the keyring's debug lines. */
  logger?: Logger;
}

/** What happened to the keyring's data key in a full clean. */
export type KeyringCleanOutcome =
  /** A key was there and is gone. */
  | { kind: "deleted" }
  /** The keyring held no key. */
  | { kind: "absent" }
  /**
   * Not asked: `storage` named `disk` or `none`, or `no-ffi`, since without `--allow-ffi` this
   * installation cannot have used the keyring.
   */
  | { kind: "skipped"; reason: "storage" | "no-ffi" }
  /** The keyring could not be reached or refused; `error` says why. */
  | { kind: "failed"; error: unknown };

/** What a full clean removed. */
export interface FullCleanResult {
  /** A full clean. */
  kind: "all";
  /** `true` when the directory existed. */
  directoryRemoved: boolean;
  /** `true` when the data key file existed. */
  dataKeyFileRemoved: boolean;
  /** The keyring's data key. */
  keyring: KeyringCleanOutcome;
}

/** What a clean limited to one issuer (and client) removed, and what it left. */
export interface FilteredCleanResult {
  /** A clean limited to one issuer. */
  kind: "filtered";
  /** Entries deleted. */
  deleted: number;
  /** Entries no data key could decrypt, left in place because their owner is unknown. */
  unreadable: number;
  /** The issuers of the entries kept, once each: near misses of a mistyped filter show here. */
  keptIssuers: string[];
  /** The issuer's metadata documents (discovery, JWKS) deleted. */
  metadataDeleted: number;
}

/** What {@link clean} did. */
export type CleanResult = FullCleanResult | FilteredCleanResult;

/**
 * Deletes the token cache, or one issuer's part of it (see the module comment). Running it twice
 * is fine. In a full clean a keyring failure is reported in the result, never thrown.
 *
 * Requires `--allow-write` for the directory and the key file, `--allow-read` for the directory
 * in a filtered clean, and `--allow-ffi` (with the keyring's own grants) to reach the keyring.
 *
 * @example
 * ```ts
 * import { clean } from "./clean.ts";
 *
 * const home = Deno.env.get("HOME");
 * const result = await clean({
 *   directory: `${home}/.kube/cache/oidc-login`,
 *   dataKeyFile: `${home}/.config/together-kubelogin/token-cache.key`,
 *   issuerUrl: "https://issuer.example.com",
 * });
 * if (result.kind === "filtered") console.log(`${result.deleted} entries deleted`);
 * ```
 *
 * @throws {UsageError} when a client is given without an issuer
 * @throws the operating system's error when a file cannot be removed or the directory read
 */
export async function clean(options: CleanOptions): Promise<CleanResult> {
  const { directory, issuerUrl, clientId } = options;
  if (clientId && !issuerUrl) {
    throw new UsageError("`provider.clientId` needs `provider.issuerUrl` in clean", {
      settings: ["provider.clientId", "provider.issuerUrl"],
    });
  }
  const fileKey = new FileDataKeyStore(options.dataKeyFile);
  const keyringKey = keyringDataKeyStore(options.logger);
  if (issuerUrl) {
    const report = await cleanEntries(directory, [fileKey, keyringKey], { issuerUrl, clientId });
    return {
      kind: "filtered",
      ...report,
      metadataDeleted: await removeIssuerMetadata(directory, issuerUrl),
    };
  }
  const directoryRemoved = await removeIfPresent(directory, { recursive: true });
  const dataKeyFileRemoved = await fileKey.remove();
  return { kind: "all", directoryRemoved, dataKeyFileRemoved, keyring: await cleanKeyring() };

  async function cleanKeyring(): Promise<KeyringCleanOutcome> {
    if (options.storage === "disk" || options.storage === "none") {
      return { kind: "skipped", reason: "storage" };
    }
    // Keyring storage needs --allow-ffi too, so an installation without it never used the keyring.
    if (!(await keyringBindingPermitted())) return { kind: "skipped", reason: "no-ffi" };
    try {
      return { kind: (await keyringKey.remove()) ? "deleted" : "absent" };
    } catch (error) {
      return { kind: "failed", error };
    }
  }
}

/** Which entries a filtered clean deletes. */
interface CleanFilter {
  issuerUrl: string;
  clientId?: string;
}

/**
 * Deletes the entries of one owner. Each entry is decrypted with the first data key that opens it
 * (disk, then keyring), since either storage may have written it.
 */
async function cleanEntries(
  directory: string,
  dataKeys: readonly DataKeyStore[],
  filter: CleanFilter,
): Promise<Omit<FilteredCleanResult, "kind" | "metadataDeleted">> {
  const caches = dataKeys.map((dataKey) => new EncryptedFileCache(directory, dataKey));
  const report = { deleted: 0, unreadable: 0, keptIssuers: [] as string[] };
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
  return owner.issuerUrl === filter.issuerUrl &&
    (filter.clientId === undefined || owner.clientId === filter.clientId);
}

/**
 * Deletes every metadata document of the issuer, whichever client, headers or trust roots fetched
 * it: they are only a cache, which the next run of another client of the issuer fills again.
 * Found by file name, so no data key is needed; returns how many were deleted.
 */
async function removeIssuerMetadata(directory: string, issuerUrl: string): Promise<number> {
  const prefix = await metadataIssuerPrefix(issuerUrl);
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(directory)) {
      if (entry.isFile && entry.name.startsWith(prefix)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
  let deleted = 0;
  for (const name of names) {
    if (await removeIfPresent(joinPath(directory, name))) deleted++;
  }
  return deleted;
}
