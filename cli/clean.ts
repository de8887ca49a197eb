/**
 * `clean`: deletes the token cache, so the next kubectl command logs in again.
 *
 * @module
 */

import type { ParsedFlags } from "./flags.ts";
import { writeStderrLine } from "./logger.ts";
import { FlagReader, tokenCacheDirectory } from "./options.ts";

/** Runs `clean`. */
export async function runClean(parsed: ParsedFlags): Promise<void> {
  const flags = new FlagReader(parsed);
  const directory = tokenCacheDirectory(flags);
  try {
    await Deno.remove(directory, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  writeStderrLine(`Deleted the token cache at ${directory}`);
}
