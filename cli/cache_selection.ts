/**
 * Which cache entries `status` and `logout` act on: with an issuer and client id, the one entry
 * `get-token` with the same flags uses; with an issuer alone, that issuer's entries; with no
 * provider flags, every entry.
 *
 * @module
 */

import { cacheKeyId } from "../lib/cache/key.ts";
import { type CacheListing, listCacheEntries, type NamedDataKey } from "../lib/cache/entries.ts";
import { FileDataKeyStore } from "../lib/cache/data_key.ts";
import { keyringBindingPermitted } from "../lib/cache/keyring_binding.ts";
import { keyringDataKeyStore } from "../lib/cache/token_store.ts";
import { cacheKeyInputOf } from "../lib/get_token.ts";
import { UsageError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { getTokenOptions } from "./get_token.ts";
import { dataKeyFile, type FlagReader, tokenCacheDirectory, tokenCacheStorage } from "./options.ts";

/** The selected entries and where they were looked for. */
export interface CacheSelection extends CacheListing {
  directory: string;
  /** `true` when provider flags narrowed the selection. */
  narrowed: boolean;
}

/**
 * Reads the entries the flags select. The keyring is consulted only when the program may use it
 * (`--allow-ffi`), as `clean` does: an installation without it never wrote keyring entries.
 *
 * @param logger receives the keyring store's debug lines (`-v1`)
 */
export async function selectCacheEntries(
  flags: FlagReader,
  logger?: Logger,
): Promise<CacheSelection> {
  if (tokenCacheStorage(flags) === "none") {
    throw new UsageError("--token-cache-storage=none keeps no tokens: there is nothing to list");
  }
  const directory = tokenCacheDirectory(flags);
  const dataKeys: NamedDataKey[] = [
    { storage: "disk", dataKey: new FileDataKeyStore(dataKeyFile()) },
  ];
  const keyring = await keyringBindingPermitted();
  if (keyring) dataKeys.push({ storage: "keyring", dataKey: keyringDataKeyStore(logger) });
  const selection = await select(flags, directory, dataKeys);
  if (!keyring) {
    for (const entry of selection.unreadable) {
      entry.reason += "; the keyring was not tried (it needs --allow-ffi)";
    }
  }
  return selection;
}

async function select(
  flags: FlagReader,
  directory: string,
  dataKeys: readonly NamedDataKey[],
): Promise<CacheSelection> {
  const issuerUrl = flags.string("oidc-issuer-url");
  const clientId = flags.string("oidc-client-id");
  if (issuerUrl && clientId) {
    const keyId = await cacheKeyId(cacheKeyInputOf(getTokenOptions(flags)));
    return { directory, narrowed: true, ...await listCacheEntries(directory, dataKeys, [keyId]) };
  }
  if (clientId) throw new UsageError("--oidc-client-id needs --oidc-issuer-url");
  const listing = await listCacheEntries(directory, dataKeys);
  if (!issuerUrl) return { directory, narrowed: false, ...listing };
  return {
    directory,
    narrowed: true,
    entries: listing.entries.filter((entry) => entry.owner?.issuerUrl === issuerUrl),
    unreadable: listing.unreadable,
  };
}
