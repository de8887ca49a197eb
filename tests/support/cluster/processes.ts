/**
 * Shell and process helpers of the kubectl fixture: quoting, scripts, a timed wait, and stopping
 * a process tree by ID.
 *
 * @module
 */

/** Quotes a word for sh. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Writes an executable sh script. */
export async function writeScript(path: string, body: string): Promise<void> {
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}`, { mode: 0o755 });
  await Deno.chmod(path, 0o755);
}

/** Waits for the promise, or `ms`, whichever comes first, leaving no timer behind. */
export async function raceTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      promise,
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The process IDs below `pid` (Linux `/proc`; none elsewhere). */
async function descendantsOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  try {
    for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
      const text = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`);
      children.push(...text.split(/\s+/).filter(Boolean).map(Number));
    }
  } catch {
    // Gone already, or no /proc.
  }
  const all = [...children];
  for (const child of children) all.push(...await descendantsOf(child));
  return all;
}

/**
 * Stops kubectl and what it started (the plugin, which may be waiting for a login and would
 * hold kubectl's stderr open), by process ID.
 */
export async function stopTree(child: Deno.ChildProcess): Promise<void> {
  const descendants = await descendantsOf(child.pid);
  for (const pid of [child.pid, ...descendants]) {
    try {
      Deno.kill(pid, "SIGTERM");
    } catch {
      // Already exited.
    }
  }
}
