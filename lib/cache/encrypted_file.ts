/**
 * The encrypted on-disk token cache: one file per cache key, named by the key id, holding the
 * token set sealed with AES-256-GCM under the data key. The key id is the additional
 * authenticated data, so an entry copied over another key's file fails to decrypt instead of
 * handing one cluster's token to another.
 *
 * Other small documents (the provider's metadata) can be sealed beside the entries the same way.
 *
 * File layout: `"TKL1"` magic (4 bytes) | 12-byte random IV | ciphertext with the 16-byte tag.
 *
 * @module
 */

import { errorMessage, InsecureCacheError, KeyringError, PermissionError } from "../errors.ts";
import type { TokenSet } from "../token_set.ts";
import type { DataKeyStore } from "./data_key.ts";
import { ensurePrivateDir, writeFileAtomic } from "../atomic_write.ts";
import { joinPath } from "../path.ts";
import { removeIfPresent } from "../remove_file.ts";
import { checkPrivateDirectory, knownUid, readRegularFile } from "./safe_file.ts";

const MAGIC = new TextEncoder().encode("TKL1");
const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Why a cache read found no usable entry. */
export type CacheMissReason = "absent" | "no-data-key" | "unreadable" | "corrupt" | "undecryptable";

/**
 * Whose token an entry holds, stored inside the encrypted payload so that `clean` can drop one
 * provider's entries while the file name stays an opaque hash.
 */
export interface EntryOwner {
  issuerUrl: string;
  clientId: string;
}

/** The outcome of reading one entry. */
export type CacheReadResult =
  | { hit: true; tokenSet: TokenSet; owner?: EntryOwner }
  | { hit: false; reason: CacheMissReason; detail?: string };

/** An encrypted token cache in one directory. */
export class EncryptedFileCache {
  /** The cache directory. */
  readonly directory: string;
  readonly #dataKey: DataKeyStore;

  constructor(directory: string, dataKey: DataKeyStore) {
    this.directory = directory;
    this.#dataKey = dataKey;
  }

  /** The path of the entry for a key id. */
  entryPath(keyId: string): string {
    return joinPath(this.directory, keyId);
  }

  /**
   * Reads and decrypts an entry. Every failure is a miss with a reason, never an exception:
   * a damaged cache must cost a login, not break kubectl.
   */
  async read(keyId: string): Promise<CacheReadResult> {
    const opened = await this.#open(keyId);
    if (!opened.ok) return opened.miss;
    const entry = parseEntry(opened.text);
    if (!entry) return { hit: false, reason: "corrupt", detail: "unexpected content" };
    return { hit: true, ...entry };
  }

  /**
   * Reads a sealed document stored beside the entries (the provider's metadata), sealed and
   * checked exactly like an entry; `undefined` when it is absent, damaged or tampered with.
   */
  async readDocument(name: string): Promise<string | undefined> {
    const opened = await this.#open(name);
    return opened.ok ? opened.text : undefined;
  }

  /** Seals and writes a document beside the entries, atomically, as {@link write} does. */
  async writeDocument(name: string, text: string): Promise<void> {
    await this.#seal(name, text);
  }

  /** Reads and decrypts the file `name`, with the name as additional authenticated data. */
  async #open(
    name: string,
  ): Promise<{ ok: true; text: string } | { ok: false; miss: CacheReadResult & { hit: false } }> {
    const miss = (reason: CacheMissReason, detail?: string) => ({
      ok: false as const,
      miss: { hit: false as const, reason, ...(detail === undefined ? {} : { detail }) },
    });
    try {
      // A directory others can write is the user's to fix before anything is read or cached.
      checkPrivateDirectory(this.directory, knownUid());
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return miss("absent");
      throw error;
    }
    let sealed: Uint8Array<ArrayBuffer> | undefined;
    try {
      // A symlink or FIFO planted as the entry is a miss, never followed or waited on.
      sealed = readRegularFile(this.entryPath(name));
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) throw error;
      return miss("unreadable", errorMessage(error));
    }
    if (!sealed) return miss("absent");
    let key: CryptoKey | undefined;
    try {
      key = await this.#dataKey.load();
    } catch (error) {
      // An unreachable keyring or a missing permission is the user's to fix, not a miss that
      // would send them through a login whose result could not be stored either.
      if (
        error instanceof Deno.errors.NotCapable || error instanceof KeyringError ||
        error instanceof PermissionError || error instanceof InsecureCacheError
      ) throw error;
      return miss("no-data-key", errorMessage(error));
    }
    if (!key) return miss("no-data-key");
    if (sealed.length < MAGIC.length + IV_BYTES + 16 || !hasMagic(sealed)) {
      return miss("corrupt", "not a together-kubelogin cache entry");
    }
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: sealed.subarray(MAGIC.length, MAGIC.length + IV_BYTES),
          additionalData: encoder.encode(name),
        },
        key,
        sealed.subarray(MAGIC.length + IV_BYTES),
      );
    } catch {
      return miss("undecryptable", "authentication tag mismatch");
    }
    return { ok: true, text: decoder.decode(plain) };
  }

  /** Loads or creates the data key, so a store that cannot be written fails before a login. */
  async prepare(): Promise<void> {
    await this.#dataKey.loadOrCreate();
  }

  /** Encrypts and writes an entry atomically (mode 0600, directory 0700). */
  async write(keyId: string, tokenSet: TokenSet, owner: EntryOwner): Promise<void> {
    await this.#seal(keyId, JSON.stringify(serialize(tokenSet, owner)));
  }

  /** Encrypts `text` under the data key, with the name as additional authenticated data. */
  async #seal(name: string, text: string): Promise<void> {
    const key = await this.#dataKey.loadOrCreate();
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const cipher = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(name) },
        key,
        encoder.encode(text),
      ),
    );
    const sealed = new Uint8Array(MAGIC.length + IV_BYTES + cipher.length);
    sealed.set(MAGIC, 0);
    sealed.set(iv, MAGIC.length);
    sealed.set(cipher, MAGIC.length + IV_BYTES);
    await ensurePrivateDir(this.directory);
    await writeFileAtomic(this.entryPath(name), sealed, 0o600);
  }

  /** Deletes an entry; `true` when there was one. */
  delete(keyId: string): Promise<boolean> {
    return removeIfPresent(this.entryPath(keyId));
  }

  /** The key ids of the entries in the directory (lock and temporary files excluded). */
  async keyIds(): Promise<string[]> {
    const ids: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.directory)) {
        if (entry.isFile && KEY_ID_PATTERN.test(entry.name)) ids.push(entry.name);
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    return ids.sort();
  }
}

/** Key ids are hex SHA-256 digests (`key.ts`). */
const KEY_ID_PATTERN = /^[0-9a-f]{64}$/;

function hasMagic(bytes: Uint8Array): boolean {
  return MAGIC.every((byte, i) => bytes[i] === byte);
}

function serialize(tokenSet: TokenSet, owner: EntryOwner): Record<string, unknown> {
  return {
    issuer: owner.issuerUrl,
    client_id: owner.clientId,
    token: tokenSet.token,
    expires_at: tokenSet.expiresAt,
    ...(tokenSet.refreshToken ? { refresh_token: tokenSet.refreshToken } : {}),
  };
}

function parseEntry(text: string): { tokenSet: TokenSet; owner?: EntryOwner } | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  const { token, expires_at, refresh_token, issuer, client_id } = doc as Record<string, unknown>;
  if (typeof token !== "string" || !isUsableTime(expires_at)) return undefined;
  if (refresh_token !== undefined && typeof refresh_token !== "string") return undefined;
  const owner = typeof issuer === "string" && typeof client_id === "string"
    ? { issuerUrl: issuer, clientId: client_id }
    : undefined;
  return { tokenSet: { token, expiresAt: expires_at, refreshToken: refresh_token }, owner };
}

/** An expiry `Date` can hold: anything else would make every later cache hit throw. */
function isUsableTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(new Date(value).getTime());
}
