/**
 * Turns the operating system's refusals around the cache directory (not a directory, no write
 * permission, a read-only file system) into a {@link CacheDirectoryError} that names the
 * directory and the flags that avoid it, instead of a bare `NotADirectory` from deep inside.
 *
 * @module
 */

import { CacheDirectoryError } from "../errors.ts";
import type { TokenStore } from "./token_store.ts";

/** The OS errors that mean "this directory cannot hold the cache". */
const DIRECTORY_ERRORS: readonly (new (...args: never[]) => Error)[] = [
  Deno.errors.NotADirectory,
  Deno.errors.AlreadyExists,
  Deno.errors.PermissionDenied,
  Deno.errors.IsADirectory,
];

/**
 * Wraps a store so that each operation reports an unusable directory as a
 * {@link CacheDirectoryError}; other errors pass through unchanged.
 */
export function withDirectoryErrors(store: TokenStore, directory: string): TokenStore {
  const guard = <T>(operation: () => Promise<T>): Promise<T> =>
    operation().catch((error: unknown) => {
      throw toCacheDirectoryError(error, directory);
    });
  return {
    read: (keyId) => guard(() => store.read(keyId)),
    write: (keyId, tokenSet, owner) => guard(() => store.write(keyId, tokenSet, owner)),
    delete: (keyId) => guard(() => store.delete(keyId)),
    prepare: () => guard(() => store.prepare()),
    lock: (keyId, options) => guard(() => store.lock(keyId, options)),
    // The metadata documents go through the same directory; its failures surface on their reads
    // and writes, which the metadata cache already treats as misses.
    metadata: store.metadata?.bind(store),
  };
}

/** The error to report for a failure at `directory`: converted when it is an OS refusal. */
function toCacheDirectoryError(error: unknown, directory: string): unknown {
  if (!DIRECTORY_ERRORS.some((type) => error instanceof type)) return error;
  const reason = (error as Error).message.replace(/\s*\(os error \d+\)/, "");
  return new CacheDirectoryError(directory, reason, { cause: error });
}
