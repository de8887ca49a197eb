/**
 * The 256-bit data key that encrypts token cache entries, and where it is kept. The file store
 * keeps it in a 0600 file outside the cache directory, so a copy of the cache directory alone
 * (a backup, a synced folder) does not reveal tokens; the keyring store (`keyring.ts`)
 * keeps it in the OS keyring.
 *
 * @module
 */

import { decodeBase64Url, encodeBase64Url } from "../base64url.ts";
import { CacheError, InsecureCacheError } from "../errors.ts";
import { ensurePrivateDir, writeFileAtomic } from "../atomic_write.ts";
import { dirnameOf } from "../path.ts";
import { removeIfPresent } from "../remove_file.ts";
import {
  checkOwner,
  checkPrivateDirectory,
  knownUid,
  lstatRegularFile,
  readRegularFile,
} from "./safe_file.ts";

/** Length of the data key in bytes (AES-256). */
export const DATA_KEY_BYTES = 32;

/** Where the data key lives. */
export interface DataKeyStore {
  /** Human-readable location, for messages (never the key). */
  readonly location: string;
  /** The key, or `undefined` when none has been created yet. Never creates one. */
  load(): Promise<CryptoKey | undefined>;
  /** The key, created and stored first when there is none. */
  loadOrCreate(): Promise<CryptoKey>;
  /** Deletes the stored key; `true` when there was one. */
  remove(): Promise<boolean>;
}

/** Imports raw key bytes as a non-extractable AES-GCM key. */
function importDataKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== DATA_KEY_BYTES) {
    throw new CacheError(`the cache data key has ${raw.length} bytes, expected ${DATA_KEY_BYTES}`);
  }
  return crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}

/** A fresh random data key, encoded as base64url text for storage. */
export function newEncodedDataKey(): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES)));
}

/** Decodes a stored data key (base64url text, surrounding white space ignored). */
export function decodeDataKey(text: string): Promise<CryptoKey> {
  let raw: Uint8Array;
  try {
    raw = decodeBase64Url(text.trim());
  } catch (error) {
    throw new CacheError("the cache data key is not valid base64url", { cause: error });
  }
  return importDataKey(raw);
}

/** Keeps the data key in a file of mode 0600 in a directory of mode 0700. */
export class FileDataKeyStore implements DataKeyStore {
  /** The key file's path. */
  readonly location: string;

  constructor(path: string) {
    this.location = path;
  }

  async load(): Promise<CryptoKey | undefined> {
    const ownUid = knownUid();
    let dirInfo: Deno.FileInfo;
    try {
      dirInfo = checkPrivateDirectory(dirnameOf(this.location), ownUid);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    // Never read through a symlink: the key must be this user's own private file.
    const info = lstatRegularFile(this.location);
    if (!info) return undefined;
    // Without the user id, the key must at least belong to whoever owns its directory.
    checkOwner(this.location, info, ownUid ?? dirInfo.uid ?? undefined);
    if (info.mode !== null && Deno.build.os !== "windows" && (info.mode & 0o077) !== 0) {
      throw new InsecureCacheError(
        `the cache data key ${this.location} is readable or writable by other users; ` +
          `run chmod 600 ${this.location}`,
      );
    }
    const bytes = readRegularFile(this.location);
    if (!bytes) return undefined;
    return await decodeDataKey(new TextDecoder().decode(bytes));
  }

  async loadOrCreate(): Promise<CryptoKey> {
    const existing = await this.load();
    if (existing) return existing;
    await ensurePrivateDir(dirnameOf(this.location));
    checkPrivateDirectory(dirnameOf(this.location), knownUid());
    const encoded = newEncodedDataKey();
    // Link-free "create if absent": write a private temp file, then hard-link it into place,
    // which fails when another process created the key first; that process's key then wins.
    const tmp = `${this.location}.${crypto.randomUUID()}.tmp`;
    await writeFileAtomic(tmp, new TextEncoder().encode(encoded + "\n"), 0o600);
    try {
      await Deno.link(tmp, this.location);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
    const key = await this.load();
    if (!key) throw new CacheError(`could not create the cache data key at ${this.location}`);
    return key;
  }

  remove(): Promise<boolean> {
    return removeIfPresent(this.location);
  }
}
