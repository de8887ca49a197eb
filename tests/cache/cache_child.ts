/**
 * A child process for cache tests that need real process boundaries: write entries in a loop
 * (to be killed mid-write), or take an entry lock and hold it.
 *
 * Usage: `deno run -A cache_child.ts write-loop <dir> <keyFile> <keyId>`
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
