/**
 * The cache-hit path of `get-token`, which kubectl runs before every command: parse the flags,
 * read the entry, print the ExecCredential. Its static imports are the only modules `deno run`
 * loads for a cache hit from `plugin.ts`, so it imports no CLI library, no login code and no
 * module with an analysable `import()` of those; the keyring's bus read is imported only for keyring
 * storage. Anything it does not handle (another command, verbose logging, `--force-refresh`, no
 * storage, a miss, any error) it declines, and the full program answers, reporting errors the
 * usual way.
 *
 * @module
 */

import { type DataKeyStore, FileDataKeyStore } from "../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../lib/cache/encrypted_file.ts";
import { cacheKeyId } from "../lib/cache/key.ts";
import { cacheKeyInputOf } from "../lib/get_token_key.ts";
import { buildExecCredential, parseExecInfo } from "../lib/kube/exec_credential.ts";
import { readEnv } from "../lib/permissions.ts";
import { isExpired } from "../lib/token_set.ts";
import { parseFlagsFast } from "./fast_args.ts";
import { GET_TOKEN_FLAGS } from "./flags.ts";
import { writeStdout } from "./logger.ts";
import { FlagReader, getTokenOptions } from "./options.ts";
import type { TokenCacheOptions } from "../lib/cache/token_store.ts";

/**
 * Prints the ExecCredential of a valid cached token for a plain `get-token` command line.
 *
 * @returns whether it answered; `false` leaves the run to the full program, with nothing printed
 */
export async function answerFromCache(args: readonly string[]): Promise<boolean> {
  if (args[0] !== "get-token") return false;
  const parsed = parseFlagsFast(args.slice(1), GET_TOKEN_FLAGS);
  if (!parsed) return false;
  const flags = new FlagReader(parsed);
  // `-v1` and up log each step, which the full program does.
  if (flags.int("v", 0) > 0) return false;
  const options = getTokenOptions(flags);
  if (options.forceRefresh || options.cache.storage === "none") return false;
  const keyId = await cacheKeyId(cacheKeyInputOf(options));
  const dataKeys = await dataKeyStore(options.cache);
  if (!dataKeys) return false;
  const cache = new EncryptedFileCache(options.cache.directory, dataKeys);
  const read = await cache.read(keyId);
  if (!read.hit || isExpired(read.tokenSet)) return false;
  const execInfo = parseExecInfo(readEnv("KUBERNETES_EXEC_INFO"));
  const { token, expiresAt } = read.tokenSet;
  writeStdout(`${JSON.stringify(buildExecCredential(execInfo, token, expiresAt))}\n`);
  return true;
}

/**
 * The data key's store for the storage in use, or `undefined` to leave the run to the full
 * program. For keyring storage only the bus read is imported (`lib/cache/bus_data_key.ts`), so a
 * disk hit loads none of it and a keyring hit no keyring store or native binding
 * (docs/performance.md, "Keyring storage").
 */
async function dataKeyStore(cache: TokenCacheOptions): Promise<DataKeyStore | undefined> {
  if (cache.storage === "disk") return new FileDataKeyStore(cache.dataKeyFile);
  const { busDataKeyStore } = await import("../lib/cache/bus_data_key.ts");
  return await busDataKeyStore();
}
