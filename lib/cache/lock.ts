/**
 * An exclusive per-entry lock, so that exactly one process refreshes or logs in for a cache key
 * while the others wait and then take its result. Identity providers that rotate refresh tokens
 * (Okta and Auth0 with rotation, Keycloak with "Revoke Refresh Token") log the user out when two
 * processes refresh with the same token.
 *
 * The lock is an OS file lock (`Deno.FsFile.tryLock`) on `<key id>.lock` beside the entry: the
 * kernel releases it when the holder exits or dies, so there is never a stale lock to clean up.
 * The holder writes its process ID into the file, so a waiter can say whom it waits for.
 *
 * @module
 */

import { CacheError } from "../errors.ts";
import { joinPath } from "../path.ts";
import { ensurePrivateDir } from "../atomic_write.ts";
import { checkOwner, checkPrivateDirectory, knownUid, openRegularFile } from "./safe_file.ts";

/** A held lock; disposing it releases the lock. */
export interface EntryLock extends AsyncDisposable {
  /** Whether the lock had to be waited for (another process held it). */
  readonly waited: boolean;
  /**
   * Records in the lock file what the holder is doing (`refresh`, `login:authcode`), so that
   * waiters can say what they wait for. No secret ever goes there.
   */
  record?(activity: string): Promise<void>;
}

/** Options of {@link acquireEntryLock}; `T` is what a waiter may find instead of the lock. */
export interface AcquireLockOptions<T = never> {
  /** Give up after this long. */
  timeoutMs: number;
  /**
   * Called when the lock is found busy, with the holder's process ID and recorded activity when
   * known, and again whenever the holder records another activity.
   */
  onWait?: (holderPid: number | undefined, activity?: string) => void;
  /**
   * Asked between tries while the lock is busy; a value other than `undefined` stops waiting
   * without the lock and is handed back as the result's `found`. Waiters use it to pick up the
   * holder's fresh token as soon as it is written, rather than queueing for a lock they no
   * longer need.
   */
  stopWaiting?: () => Promise<T | undefined>;
}

/** How a wait for the lock ended: with the lock held, or with what `stopWaiting` found. */
export type LockOutcome<T> =
  | { held: true; lock: EntryLock }
  | { held: false; found: T };

const FIRST_RETRY_MS = 20;
const MAX_RETRY_MS = 200;
const encoder = new TextEncoder();

/** The lock file of a cache entry. */
export function lockFilePath(directory: string, keyId: string): string {
  return joinPath(directory, `${keyId}.lock`);
}

/**
 * Takes the exclusive lock of a cache entry, waiting while another process holds it.
 *
 * @throws {CacheError} when the lock is still held after `timeoutMs`
 */
export async function acquireEntryLock(
  directory: string,
  keyId: string,
  options: Omit<AcquireLockOptions, "stopWaiting">,
): Promise<EntryLock> {
  const outcome = await lockOrFind(directory, keyId, options);
  if (!outcome.held) throw new Error("unreachable: only stopWaiting ends a wait early");
  return outcome.lock;
}

/**
 * Takes the exclusive lock of a cache entry unless `options.stopWaiting` finds something first.
 *
 * @throws {CacheError} when the lock is still held after `timeoutMs`
 */
export async function lockOrFind<T>(
  directory: string,
  keyId: string,
  options: AcquireLockOptions<T>,
): Promise<LockOutcome<T>> {
  await ensurePrivateDir(directory);
  const dirInfo = checkPrivateDirectory(directory, knownUid());
  const path = lockFilePath(directory, keyId);
  // Never through a symlink: a planted `<key id>.lock` link would have the lock truncate its
  // target.
  const { file, created, info } = await openRegularFile(path, 0o600);
  try {
    // A file this process just created tells its user id without --allow-sys.
    const ownUid = knownUid() ?? (created ? info.uid ?? undefined : undefined);
    checkOwner(directory, dirInfo, ownUid);
    // Without the user id, a lock file found there must belong to the directory's owner.
    checkOwner(path, info, ownUid ?? dirInfo.uid ?? undefined);
    const wait = await waitForLock(file, path, options);
    if (!wait.held) {
      file.close();
      return wait;
    }
    const writeHolder = async (activity: string) => {
      await file.seek(0, Deno.SeekMode.Start);
      await file.truncate(0);
      await file.write(encoder.encode(`${Deno.pid}\n${activity}`));
    };
    await writeHolder("");
    const lock: EntryLock = {
      waited: wait.waited,
      record: writeHolder,
      async [Symbol.asyncDispose]() {
        try {
          await file.unlock();
        } finally {
          file.close();
        }
      },
    };
    return { held: true, lock };
  } catch (error) {
    file.close();
    throw error;
  }
}

/** The lock taken (and whether it was waited for), or what `stopWaiting` found. */
async function waitForLock<T>(
  file: Deno.FsFile,
  path: string,
  options: AcquireLockOptions<T>,
): Promise<{ held: true; waited: boolean } | { held: false; found: T }> {
  if (await file.tryLock(true)) return { held: true, waited: false };
  let holder = await readHolder(path);
  options.onWait?.(holder.pid, holder.activity);
  const deadline = Date.now() + options.timeoutMs;
  let delay = FIRST_RETRY_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, deadline - Date.now())));
    if (await file.tryLock(true)) return { held: true, waited: true };
    const found = await options.stopWaiting?.();
    if (found !== undefined) return { held: false, found };
    const now = await readHolder(path);
    if (now.activity !== undefined && now.activity !== holder.activity) {
      holder = now;
      options.onWait?.(holder.pid, holder.activity);
    }
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  }
  const who = holder.pid === undefined ? "another process" : `process ${holder.pid}`;
  throw new CacheError(
    `timed out after ${
      Math.round(options.timeoutMs / 1000)
    } s waiting for ${who}, which holds the token cache lock ${path}`,
  );
}

/** The holder's process ID and activity as written in the lock file, when readable. */
async function readHolder(path: string): Promise<{ pid?: number; activity?: string }> {
  try {
    const [first, second] = (await Deno.readTextFile(path)).split("\n");
    const pid = Number.parseInt(first.trim(), 10);
    return {
      pid: Number.isSafeInteger(pid) && pid > 0 ? pid : undefined,
      activity: second?.trim() || undefined,
    };
  } catch {
    return {};
  }
}
