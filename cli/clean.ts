/**
 * `clean`: deletes the token cache, so the next kubectl command logs in again. Prints what it
 * deleted, as kubelogin does; a keyring that cannot be reached is reported, not fatal, and one
 * this installation cannot use (no `--allow-ffi`) is left alone.
 *
 * @module
 */

import { cleanEntries, removeCacheDirectory } from "../lib/cache/clean.ts";
import { FileDataKeyStore } from "../lib/cache/data_key.ts";
import { keyringDataKeyStore } from "../lib/cache/token_store.ts";
import { keyringBindingPermitted } from "../lib/cache/keyring_binding.ts";
import { UsageError } from "../lib/errors.ts";
import type { ParsedFlags } from "./flags.ts";
import { describeError } from "./errors.ts";
import { createStderrLogger, writeStderrLine } from "./logger.ts";
import { dataKeyFile, FlagReader, tokenCacheDirectory } from "./options.ts";

/** Runs `clean`. */
export async function runClean(parsed: ParsedFlags): Promise<void> {
  const flags = new FlagReader(parsed);
  const logger = createStderrLogger(flags.int("v", 0));
  const directory = tokenCacheDirectory(flags);
  const issuerUrl = flags.string("oidc-issuer-url");
  const clientId = flags.string("oidc-client-id");
  const fileKey = new FileDataKeyStore(dataKeyFile());
  const keyringKey = keyringDataKeyStore();
  if (issuerUrl || clientId) {
    if (!issuerUrl) throw new UsageError("--oidc-client-id needs --oidc-issuer-url in clean");
    const report = await cleanEntries(directory, [fileKey, keyringKey], { issuerUrl, clientId });
    const whose = clientId ? `${issuerUrl} (client ${clientId})` : issuerUrl;
    writeStderrLine(`Deleted ${report.deleted} token cache entries of ${whose} at ${directory}`);
    const near = report.deleted === 0 ? nearIssuer(issuerUrl, report.keptIssuers) : undefined;
    if (near) {
      logger.info(
        `The cache has entries of ${near}, which differs from ${issuerUrl} only in ` +
          "case or a trailing slash; the issuer must be written exactly as in the kubeconfig",
      );
    }
    if (report.unreadable > 0) {
      logger.info(`Left ${report.unreadable} entries that no available key could decrypt`);
    }
    return;
  }
  await removeCacheDirectory(directory);
  writeStderrLine(`Deleted the token cache at ${directory}`);
  if (await fileKey.remove()) logger.debug(`deleted the cache data key ${fileKey.location}`);
  const storage = flags.string("token-cache-storage");
  if (storage === "disk" || storage === "none") {
    logger.debug(`skipped the keyring: --token-cache-storage=${storage}`);
    return;
  }
  if (!(await keyringBindingPermitted())) {
    // Keyring storage needs --allow-ffi too, so an installation without it never used the keyring.
    logger.debug("skipped the keyring: without --allow-ffi this program cannot have used it");
    return;
  }
  // Without --token-cache-storage=keyring the keyring may never have been used: say something
  // only when a key was there, and keep an unreachable keyring to -v1.
  const report = storage === "keyring" ? writeStderrLine : logger.debug;
  try {
    if (await keyringKey.remove()) writeStderrLine("Deleted the token cache from the keyring");
    else logger.debug("no token cache key in the keyring");
  } catch (error) {
    const reason = describeError(error).replace(/^error: /, "");
    report(`Could not delete the token cache from the keyring: ${reason}`);
  }
}

/** A kept issuer equal to the requested one but for case or trailing slashes. */
function nearIssuer(issuerUrl: string, kept: readonly string[]): string | undefined {
  const normal = (url: string) => url.replace(/\/+$/, "").toLowerCase();
  return kept.find((other) => normal(other) === normal(issuerUrl));
}
