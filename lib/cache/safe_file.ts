/**
 * Opening cache, lock and key files so that nobody else can redirect or block them. In a shared
 * or world-writable cache directory another user could plant `<key id>.lock` as a symlink to a
 * victim file (which the lock would then truncate), or a FIFO as an entry (which blocks whoever
 * opens it). So directories must be private, and files are checked with `lstat` and opened only
 * when they are regular files, then checked again through the open handle.
 *
 * Windows has no POSIX modes or owners; the mode and owner checks are skipped there. The checks
 * use synchronous calls: they sit on the cache-hit path, where a handful of thread-pool round
 * trips would cost more than the small local reads themselves.
 *
 * @module
 */

import { InsecureCacheError } from "../errors.ts";

const CHECKS_MODES = Deno.build.os !== "windows";

/**
 * This process's user id, when `--allow-sys=uid` grants asking; else `undefined` (the callers
 * then take it from a file they have just created).
 */
export function knownUid(): number | undefined {
  if (!CHECKS_MODES) return undefined;
  if (Deno.permissions.querySync({ name: "sys", kind: "uid" }).state !== "granted") {
    return undefined;
  }
  return Deno.uid() ?? undefined;
}

/**
 * Refuses a directory that is not a directory, that group or others can write, or (when
 * `ownUid` is known) that another user owns.
 *
 * @throws {InsecureCacheError} saying how to fix it
 */
export function checkPrivateDirectory(dir: string, ownUid?: number): Deno.FileInfo {
  const info = Deno.statSync(dir);
  if (!info.isDirectory) throw new InsecureCacheError(`${dir} is not a directory`);
  if (!CHECKS_MODES) return info;
  if (info.mode !== null && (info.mode & 0o022) !== 0) {
    throw new InsecureCacheError(
      `the directory ${dir} is writable by other users, who could plant files in it; ` +
        `run chmod go-w ${dir} (or chmod 700 ${dir})`,
    );
  }
  checkOwner(dir, info, ownUid);
  return info;
}

/**
 * Refuses a file or directory owned by another user than `ownUid` (when known).
 *
 * @throws {InsecureCacheError}
 */
export function checkOwner(path: string, info: Deno.FileInfo, ownUid: number | undefined): void {
  if (!CHECKS_MODES || ownUid === undefined || info.uid === null || info.uid === ownUid) return;
  throw new InsecureCacheError(
    `${path} belongs to another user (uid ${info.uid}); use a directory of your own ` +
      "(`cache.directory`), or remove it so it is created again",
    { settings: ["cache.directory"] },
  );
}

/**
 * `lstat` of a path that must be a regular file; `undefined` when absent.
 *
 * @throws {InsecureCacheError} for a symlink, FIFO, directory or anything else
 */
export function lstatRegularFile(path: string): Deno.FileInfo | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  if (!info.isFile) {
    throw new InsecureCacheError(
      `${path} is not a regular file (a symlink, FIFO or directory was put there); remove it`,
    );
  }
  return info;
}

/** An open regular file and whether this call created it. */
export interface OpenedFile {
  file: Deno.FsFile;
  /** Set when the file was created here, so its owner is this process's user. */
  created: boolean;
  info: Deno.FileInfo;
}

/**
 * Opens a regular file for reading and writing without following a symlink: an existing path
 * must `lstat` as a regular file and still be the same file once open; a missing one is created
 * with `O_EXCL`, which never follows a symlink.
 *
 * @throws {InsecureCacheError} when the path is, or turns into, anything but a regular file
 */
export async function openRegularFile(path: string, mode: number): Promise<OpenedFile> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = lstatRegularFile(path);
    if (!before) {
      try {
        const file = await Deno.open(path, { read: true, write: true, createNew: true, mode });
        return { file, created: true, info: await file.stat() };
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) continue;
        throw error;
      }
    }
    const file = await Deno.open(path, { read: true, write: true });
    const info = await file.stat();
    if (!info.isFile || info.ino !== before.ino || info.dev !== before.dev) {
      file.close();
      throw new InsecureCacheError(`${path} was replaced while it was being opened; remove it`);
    }
    return { file, created: false, info };
  }
  throw new InsecureCacheError(`${path} keeps being replaced; remove it`);
}

/**
 * Reads a file that must be a regular file (never through a symlink or from a FIFO); `undefined`
 * when absent.
 *
 * @throws {InsecureCacheError} when it is anything but a regular file
 */
export function readRegularFile(path: string): Uint8Array<ArrayBuffer> | undefined {
  const before = lstatRegularFile(path);
  if (!before) return undefined;
  using file = Deno.openSync(path, { read: true });
  const info = file.statSync();
  if (!info.isFile || info.ino !== before.ino || info.dev !== before.dev) {
    throw new InsecureCacheError(`${path} was replaced while it was being read; remove it`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const buffer = new Uint8Array(16 * 1024);
  for (let n; (n = file.readSync(buffer)) !== null;) {
    chunks.push(buffer.slice(0, n));
    size += n;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
