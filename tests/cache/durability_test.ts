import assert from "node:assert/strict";
import { FileDataKeyStore } from "../../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../../lib/cache/encrypted_file.ts";
import { LARGE_TOKEN, SMALL_TOKEN, WRITE_PHASES } from "./cache_child.ts";

const CHILD = new URL("./cache_child.ts", import.meta.url).pathname;
const KEY_ID = "a".repeat(64);
/** How long a child may take to say its next line on a loaded machine. */
const LINE_TIMEOUT_MS = 60_000;

/** A child process of `cache_child.ts`; disposing of it kills it (if alive) and waits for it. */
interface Child extends AsyncDisposable {
  readonly process: Deno.ChildProcess;
  /** The next line the child prints; rejects when it exits first or stays silent too long. */
  nextLine(): Promise<string>;
  /** Sends SIGKILL and resolves with the exit status. */
  kill(): Promise<Deno.CommandStatus>;
}

function startChild(args: string[]): Child {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", CHILD, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let exited = false;
  const status = process.status.finally(() => {
    exited = true;
  });
  const readLine = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`child exited: ${await new Response(process.stderr).text()}`);
      buffered += value;
    }
    const line = buffered.slice(0, buffered.indexOf("\n"));
    buffered = buffered.slice(buffered.indexOf("\n") + 1);
    return line;
  };
  const nextLine = async (): Promise<string> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no line from the child in ${LINE_TIMEOUT_MS} ms`)),
        LINE_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([readLine(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const kill = (): Promise<Deno.CommandStatus> => {
    if (!exited) {
      try {
        process.kill("SIGKILL");
      } catch {
        // It exited between the check and the kill.
      }
    }
    return status;
  };
  return {
    process,
    nextLine,
    kill,
    async [Symbol.asyncDispose]() {
      await kill();
      await lines.cancel().catch(() => {});
      await process.stderr.cancel().catch(() => {});
    },
  };
}

Deno.test("a writer killed with SIGKILL at each step of a write leaves the old entry or the new, never a torn one", async (t) => {
  for (const previous of [true, false]) {
    for (const phase of WRITE_PHASES) {
      const name = `${previous ? "over an entry" : "first write"}, killed at ${phase}`;
      await t.step(name, async () => {
        const root = await Deno.makeTempDir();
        try {
          const dir = `${root}/cache`;
          const keyFile = `${root}/key`;
          {
            await using writer = startChild([
              "write-stop",
              dir,
              keyFile,
              KEY_ID,
              previous ? "previous" : "fresh",
              phase,
            ]);
            assert.equal(await writer.nextLine(), `stopped ${phase}`);
            assert.equal((await writer.kill()).signal, "SIGKILL");
          }
          const renamed = phase === "dirsync";
          const cache = new EncryptedFileCache(dir, new FileDataKeyStore(keyFile));
          const read = await cache.read(KEY_ID);
          if (renamed || previous) {
            assert.ok(read.hit, `expected an entry, got ${JSON.stringify(read)}`);
            assert.equal(read.tokenSet.token, renamed ? LARGE_TOKEN : SMALL_TOKEN);
            assert.deepEqual(await cache.keyIds(), [KEY_ID]);
          } else {
            assert.deepEqual(read, { hit: false, reason: "absent" });
            assert.deepEqual(await cache.keyIds(), [], "a temporary file is not an entry");
          }
          const names = [];
          for await (const entry of Deno.readDir(dir)) names.push(entry.name);
          // Killed before the rename, the temporary file is still there: the kill was mid-write.
          assert.equal(names.some((entry) => entry !== KEY_ID), !renamed, names.join(" "));
        } finally {
          await Deno.remove(root, { recursive: true });
        }
      });
    }
  }
});

Deno.test("the entry lock serialises processes and is released when its holder dies", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using holder = startChild(["lock", dir, KEY_ID, "60000", "1000"]);
    assert.match(await holder.nextLine(), /^acquired waited=false/);
    await using waiter = startChild(["lock", dir, KEY_ID, "0", "20000"]);
    assert.equal(await waiter.nextLine(), `waiting for ${holder.process.pid}`);
    await holder.kill();
    const acquired = await waiter.nextLine();
    assert.match(acquired, /^acquired waited=true after=\d+$/);
    assert.equal(await waiter.nextLine(), "released");
    assert.equal((await waiter.process.status).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("waiting for a lock gives up after the timeout, naming the holder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using holder = startChild(["lock", dir, KEY_ID, "60000", "1000"]);
    await holder.nextLine();
    const waiter = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "-A", CHILD, "lock", dir, KEY_ID, "0", "300"],
      stdout: "piped",
      stderr: "piped",
      // It gives up after 300 ms; a waiter that never does is killed, and the test fails.
      signal: AbortSignal.timeout(LINE_TIMEOUT_MS),
    });
    const { code, stderr } = await waiter.output();
    assert.notEqual(code, 0);
    assert.match(
      new TextDecoder().decode(stderr),
      new RegExp(`timed out after 0 s waiting for process ${holder.process.pid}`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
