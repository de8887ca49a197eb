/**
 * The encrypted on-disk token cache: one file per cache key, named by the key id, holding the
 * token set sealed with AES-256-GCM under the data key. The key id is the additional
 * authenticated data, so an entry copied over another key's file fails to decrypt instead of
 * handing one cluster's token to another.
 *
 * File layout: `"TKL1"` magic (4 bytes) | 12-byte random IV | ciphertext with the 16-byte tag.
 *
 * @module
 */

import { KeyringError, PermissionError } from "../errors.ts";
import type { TokenSet } from "../token_set.ts";
import type { DataKeyStore } from "./data_key.ts";
import { ensurePrivateDir, writeFileAtomic } from "./atomic_write.ts";
import { joinPath } from "../path.ts";

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
    let sealed: Uint8Array<ArrayBuffer>;
    try {
      sealed = await Deno.readFile(this.entryPath(keyId));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return { hit: false, reason: "absent" };
      if (error instanceof Deno.errors.NotCapable) throw error;
      return { hit: false, reason: "unreadable", detail: describe(error) };
    }
    let key: CryptoKey | undefined;
    try {
      key = await this.#dataKey.load();
    } catch (error) {
      // An unreachable keyring or a missing permission is the user's to fix, not a miss that
      // would send them through a login whose result could not be stored either.
      if (
        error instanceof Deno.errors.NotCapable || error instanceof KeyringError ||
        error instanceof PermissionError
      ) throw error;
      return { hit: false, reason: "no-data-key", detail: describe(error) };
    }
    if (!key) return { hit: false, reason: "no-data-key" };
    if (sealed.length < MAGIC.length + IV_BYTES + 16 || !hasMagic(sealed)) {
      return { hit: false, reason: "corrupt", detail: "not a together-kubelogin cache entry" };
    }
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: sealed.subarray(MAGIC.length, MAGIC.length + IV_BYTES),
          additionalData: encoder.encode(keyId),
        },
        key,
        sealed.subarray(MAGIC.length + IV_BYTES),
      );
    } catch {
      return { hit: false, reason: "undecryptable", detail: "authentication tag mismatch" };
    }
    const entry = parseEntry(decoder.decode(plain));
    if (!entry) return { hit: false, reason: "corrupt", detail: "unexpected content" };
    return { hit: true, ...entry };
  }

  /** Loads or creates the data key, so a store that cannot be written fails before a login. */
  async prepare(): Promise<void> {
    await this.#dataKey.loadOrCreate();
  }

  /** Encrypts and writes an entry atomically (mode 0600, directory 0700). */
  async write(keyId: string, tokenSet: TokenSet, owner: EntryOwner): Promise<void> {
    const key = await this.#dataKey.loadOrCreate();
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const plain = encoder.encode(JSON.stringify(serialize(tokenSet, owner)));
    const cipher = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(keyId) },
        key,
        plain,
      ),
    );
    const sealed = new Uint8Array(MAGIC.length + IV_BYTES + cipher.length);
    sealed.set(MAGIC, 0);
    sealed.set(iv, MAGIC.length);
    sealed.set(cipher, MAGIC.length + IV_BYTES);
    await ensurePrivateDir(this.directory);
    await writeFileAtomic(this.entryPath(keyId), sealed, 0o600);
  }

  /** Deletes an entry; `true` when there was one. */
  async delete(keyId: string): Promise<boolean> {
    try {
      await Deno.remove(this.entryPath(keyId));
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
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
  if (typeof token !== "string" || typeof expires_at !== "number") return undefined;
  if (refresh_token !== undefined && typeof refresh_token !== "string") return undefined;
  const owner = typeof issuer === "string" && typeof client_id === "string"
    ? { issuerUrl: issuer, clientId: client_id }
    : undefined;
  return { tokenSet: { token, expiresAt: expires_at, refreshToken: refresh_token }, owner };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
