/**
 * Durable, atomic replacement of a small file: a reader sees the old content or the new, never a
 * torn mix, and after a crash the file holds one of the two.
 *
 * @module
 */

import { dirnameOf } from "./path.ts";

/**
 * Writes `data` to `path` through a temporary file in the same directory: write, fsync, rename over
 * the target, then fsync the directory so the rename itself survives a power loss.
 *
 * @param mode the file mode of the new file (the temporary file is created with it, so the content
 * is never readable by others, not even for a moment)
 */
export async function writeFileAtomic(path: string, data: Uint8Array, mode: number): Promise<void> {
  const dir = dirnameOf(path);
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    using file = await Deno.open(tmp, { write: true, createNew: true, mode });
    await writeAll(file, data);
    await file.sync();
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
  try {
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
  await syncDirectory(dir);
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) offset += await file.write(data.subarray(offset));
}

/** fsync of a directory; a no-op where the platform cannot open directories (Windows). */
async function syncDirectory(dir: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  using handle = await Deno.open(dir, { read: true });
  await handle.sync();
}

/** Creates a directory (and parents) with mode 0700 when absent; leaves an existing one as it is. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
}
