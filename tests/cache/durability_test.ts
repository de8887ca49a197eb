import assert from "node:assert/strict";
import { FileDataKeyStore } from "../../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../../lib/cache/encrypted_file.ts";
import { LARGE_TOKEN, SMALL_TOKEN } from "./cache_child.ts";

const CHILD = new URL("./cache_child.ts", import.meta.url).pathname;
const KEY_ID = "a".repeat(64);
const RUNS = 200;
const PARALLEL = 4;

/** Starts a child and resolves once it printed its first line. */
function startChild(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", CHILD, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const nextLine = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`child exited: ${await new Response(child.stderr).text()}`);
      buffered += value;
    }
    const line = buffered.slice(0, buffered.indexOf("\n"));
    buffered = buffered.slice(buffered.indexOf("\n") + 1);
    return line;
  };
  return { child, nextLine, lines };
}

Deno.test(`${RUNS} writers killed with SIGKILL mid-write leave no torn entry`, async () => {
  const root = await Deno.makeTempDir();
  try {
    const outcomes = { hit: 0, absent: 0 };
    for (let batch = 0; batch < RUNS / PARALLEL; batch++) {
      await Promise.all(Array.from({ length: PARALLEL }, async (_, slot) => {
        const dir = `${root}/${slot}/cache`;
        const keyFile = `${root}/${slot}/key`;
        const { child, nextLine, lines } = startChild(["write-loop", dir, keyFile, KEY_ID]);
        assert.equal(await nextLine(), "writing");
        // Each write of the large entry takes a few milliseconds: a random delay lands in the
        // middle of one (temp file written, synced, renamed, directory synced) most of the time.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
        child.kill("SIGKILL");
        const status = await child.status;
        await lines.cancel();
        await child.stderr.cancel();
        assert.equal(status.signal, "SIGKILL");
        const read = await new EncryptedFileCache(dir, new FileDataKeyStore(keyFile)).read(KEY_ID);
        if (read.hit) {
          assert.ok([SMALL_TOKEN, LARGE_TOKEN].includes(read.tokenSet.token), "unexpected token");
          outcomes.hit++;
        } else {
          assert.equal(
            read.reason === "absent" || read.reason === "no-data-key",
            true,
            read.reason,
          );
          outcomes.absent++;
        }
      }));
    }
    // Most runs must have got past the first write, or the test proved nothing.
    assert.ok(outcomes.hit > RUNS / 2, `only ${outcomes.hit} of ${RUNS} runs wrote an entry`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the entry lock serialises processes and is released when its holder dies", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const holder = startChild(["lock", dir, KEY_ID, "60000", "1000"]);
    assert.match(await holder.nextLine(), /^acquired waited=false/);
    const waiter = startChild(["lock", dir, KEY_ID, "0", "20000"]);
    assert.equal(await waiter.nextLine(), `waiting for ${holder.child.pid}`);
    holder.child.kill("SIGKILL");
    await holder.child.status;
    await holder.lines.cancel();
    await holder.child.stderr.cancel();
    const acquired = await waiter.nextLine();
    assert.match(acquired, /^acquired waited=true after=\d+$/);
    assert.equal(await waiter.nextLine(), "released");
    assert.equal((await waiter.child.status).code, 0);
    await waiter.lines.cancel();
    await waiter.child.stderr.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("waiting for a lock gives up after the timeout, naming the holder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const holder = startChild(["lock", dir, KEY_ID, "60000", "1000"]);
    await holder.nextLine();
    const waiter = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "-A", CHILD, "lock", dir, KEY_ID, "0", "300"],
      stdout: "piped",
      stderr: "piped",
    });
    const { code, stderr } = await waiter.output();
    assert.notEqual(code, 0);
    assert.match(
      new TextDecoder().decode(stderr),
      new RegExp(`timed out after 0 s waiting for process ${holder.child.pid}`),
    );
    holder.child.kill("SIGKILL");
    await holder.child.status;
    await holder.lines.cancel();
    await holder.child.stderr.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
