/**
 * `clean`: deletes the token cache, so the next kubectl command logs in again. Prints what it
 * deleted, as kubelogin does; a keyring that cannot be reached is reported, not fatal, and one
 * this installation cannot use (no `--allow-ffi`) is left alone. The sequence itself is the
 * library's (`lib/cache/clean.ts`); this module reads the flags and words the result.
 *
 * @module
 */

import {
  clean,
  type CleanOptions,
  type FilteredCleanResult,
  type FullCleanResult,
} from "../lib/cache/clean.ts";
import type { TokenCacheStorage } from "../lib/cache/storage.ts";
import type { Logger } from "../lib/log.ts";
import type { ParsedFlags } from "./flags.ts";
import { describeError } from "./errors.ts";
import { createStderrLogger, writeStderrLine } from "./logger.ts";
import { dataKeyFile, FlagReader, tokenCacheDirectory } from "./options.ts";

/** Runs `clean`. */
export async function runClean(parsed: ParsedFlags): Promise<void> {
  const flags = new FlagReader(parsed);
  const logger = createStderrLogger(flags.int("v", 0));
  const options: CleanOptions = {
    directory: tokenCacheDirectory(flags),
    dataKeyFile: dataKeyFile(),
    storage: flags.string("token-cache-storage") as TokenCacheStorage | undefined,
    issuerUrl: flags.string("oidc-issuer-url"),
    clientId: flags.string("oidc-client-id"),
    logger,
  };
  const result = await clean(options);
  if (result.kind === "filtered") reportFiltered(result, options, logger);
  else reportFull(result, options, logger);
}

function reportFiltered(
  result: FilteredCleanResult,
  { directory, issuerUrl = "", clientId }: CleanOptions,
  logger: Logger,
): void {
  const whose = clientId ? `${issuerUrl} (client ${clientId})` : issuerUrl;
  writeStderrLine(`Deleted ${result.deleted} token cache entries of ${whose} at ${directory}`);
  const near = result.deleted === 0 ? nearIssuer(issuerUrl, result.keptIssuers) : undefined;
  if (near) {
    logger.info(
      `The cache has entries of ${near}, which differs from ${issuerUrl} only in ` +
        "case or a trailing slash; the issuer must be written exactly as in the kubeconfig",
    );
  }
  if (result.unreadable > 0) {
    logger.info(`Left ${result.unreadable} entries that no available key could decrypt`);
  }
  if (result.metadataDeleted > 0) {
    logger.debug(`deleted ${result.metadataDeleted} cached metadata documents of ${issuerUrl}`);
  }
}

function reportFull(
  result: FullCleanResult,
  { directory, storage, dataKeyFile }: CleanOptions,
  logger: Logger,
): void {
  writeStderrLine(`Deleted the token cache at ${directory}`);
  if (result.dataKeyFileRemoved) logger.debug(`deleted the cache data key ${dataKeyFile}`);
  const keyring = result.keyring;
  switch (keyring.kind) {
    case "skipped":
      logger.debug(
        keyring.reason === "storage"
          ? `skipped the keyring: --token-cache-storage=${storage}`
          : "skipped the keyring: without --allow-ffi this program cannot have used it",
      );
      return;
    case "deleted":
      writeStderrLine("Deleted the token cache from the keyring");
      return;
    case "absent":
      logger.debug("no token cache key in the keyring");
      return;
    case "failed": {
      // Without --token-cache-storage=keyring the keyring may never have been used: say something
      // only when a key was there, and keep an unreachable keyring to -v1.
      const report = storage === "keyring" ? writeStderrLine : logger.debug;
      const reason = describeError(keyring.error).replace(/^error: /, "");
      report(`Could not delete the token cache from the keyring: ${reason}`);
    }
  }
}

/** A kept issuer equal to the requested one but for case or trailing slashes. */
function nearIssuer(issuerUrl: string, kept: readonly string[]): string | undefined {
  const normal = (url: string) => url.replace(/\/+$/, "").toLowerCase();
  return kept.find((other) => normal(other) === normal(issuerUrl));
}
