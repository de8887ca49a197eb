/**
 * A child process for cache tests that need real process boundaries: write entries in a loop
 * (to be killed mid-write), or take an entry lock and hold it.
 *
 * Usage: `deno run -A cache_child.ts write-loop <dir> <keyFile> <keyId>`
 *        `deno run -A cache_child.ts write-stop <dir> <keyFile> <keyId> <previous|fresh> <phase>`
 *        `deno run -A cache_child.ts lock <dir> <keyId> <holdMs> <timeoutMs>`
 */

import { FileDataKeyStore } from "../../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../../lib/cache/encrypted_file.ts";
import { acquireEntryLock } from "../../lib/cache/lock.ts";

/** Two token sets of different sizes, so a torn write would show as garbage. */
export const SMALL_TOKEN = "small-token";
/** See {@link SMALL_TOKEN}. */
export const LARGE_TOKEN = "large-token-".padEnd(64 * 1024, "x");

const [mode, dir, ...rest] = Deno.args;
const say = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));

if (mode === "write-loop") {
  const [keyFile, keyId] = rest;
  const cache = new EncryptedFileCache(dir, new FileDataKeyStore(keyFile));
  say("writing");
  for (let i = 0;; i++) {
    const token = i % 2 === 0 ? LARGE_TOKEN : SMALL_TOKEN;
    await cache.write(keyId, { token, expiresAt: i }, { issuerUrl: "i", clientId: "c" });
  }
} else if (mode === "write-stop") {
  // Writes the small entry (or only the data key), then the large one, stopping for good at
  // `phase` of the large write, so that the test kills it at a known step, not at random.
  const [keyFile, keyId, previous, phase] = rest;
  const cache = new EncryptedFileCache(dir, new FileDataKeyStore(keyFile));
  const owner = { issuerUrl: "i", clientId: "c" };
  if (previous === "previous") {
    await cache.write(keyId, { token: SMALL_TOKEN, expiresAt: 1 }, owner);
  } else {
    await cache.prepare();
  }
  stopAt(phase);
  await cache.write(keyId, { token: LARGE_TOKEN, expiresAt: 2 }, owner);
  say("not stopped");
} else if (mode === "lock") {
  const [keyId, holdMs, timeoutMs] = rest;
  const started = Date.now();
  await using lock = await acquireEntryLock(dir, keyId, {
    timeoutMs: Number(timeoutMs),
    onWait: (holder) => say(`waiting for ${holder}`),
  });
  say(`acquired waited=${lock.waited} after=${Date.now() - started}`);
  await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  say("released");
}

/**
 * The steps of an atomic write, in order: the temporary file created, half its data written,
 * its fsync, the rename over the entry, the directory's fsync.
 */
export const WRITE_PHASES = ["open", "write", "sync", "rename", "dirsync"] as const;

/** Says where it stopped, then waits until the test kills it (or, failing that, a deadline). */
function stop(phase: string): Promise<never> {
  say(`stopped ${phase}`);
  setTimeout(() => Deno.exit(3), 120_000);
  return new Promise(() => {});
}

/**
 * Interposes on the file system calls an atomic write makes, so the next write stops at `phase`.
 * The calls are wrapped, not replaced: up to the stop, the real ones do the work.
 */
function stopAt(phase: string): void {
  const deno = Deno as { open: typeof Deno.open; rename: typeof Deno.rename };
  const { open, rename } = Deno;
  const { write, sync } = Deno.FsFile.prototype;
  let syncs = 0;
  deno.open = async (path, options) => {
    const file = await open(path, options);
    if (options?.createNew && phase === "open") await stop(phase);
    return file;
  };
  Deno.FsFile.prototype.write = async function (this: Deno.FsFile, data: Uint8Array) {
    if (phase !== "write") return await write.call(this, data);
    await write.call(this, data.subarray(0, data.length >> 1));
    return await stop(phase);
  };
  Deno.FsFile.prototype.sync = async function (this: Deno.FsFile) {
    syncs++;
    // The first fsync is the temporary file's, the second the directory's.
    if ((phase === "sync" && syncs === 1) || (phase === "dirsync" && syncs === 2)) {
      await stop(phase);
    }
    return await sync.call(this);
  };
  deno.rename = async (from, to) => {
    if (phase === "rename") await stop(phase);
    return await rename(from, to);
  };
}
