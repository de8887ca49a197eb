/**
 * Measuring commands for the benchmark: wall time over interleaved runs, and peak memory (max
 * RSS) read from the kernel's accounting of child processes.
 *
 * @module
 */

/** A command to measure. */
export interface Subject {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** Wall time of one run in milliseconds; throws when the command fails. */
export async function timeOnce(subject: Subject): Promise<number> {
  const started = performance.now();
  const { code, stderr } = await new Deno.Command(subject.command, {
    args: subject.args,
    env: subject.env,
    clearEnv: subject.env !== undefined,
    stdout: "null",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - started;
  if (code !== 0) {
    throw new Error(`${subject.name} failed:\n${new TextDecoder().decode(stderr)}`);
  }
  return elapsed;
}

/**
 * Median wall times of subjects measured in alternation, so that machine noise (the other core
 * busy, a cache flush) hits every subject alike.
 */
export async function medianTimes(
  subjects: readonly Subject[],
  runs: number,
): Promise<Map<string, number>> {
  const samples = new Map(subjects.map((subject) => [subject.name, [] as number[]]));
  for (const subject of subjects) await timeOnce(subject); // warm the module caches
  for (let i = 0; i < runs; i++) {
    for (const subject of subjects) samples.get(subject.name)!.push(await timeOnce(subject));
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

/** The median of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median peak memory (KiB) of subjects measured in alternation, as {@link medianTimes} does. */
export async function medianPeakMemoryKiB(
  subjects: readonly Subject[],
  runs: number,
): Promise<Map<string, number>> {
  const samples = new Map(subjects.map((subject) => [subject.name, [] as number[]]));
  for (let i = 0; i < runs; i++) {
    for (const subject of subjects) samples.get(subject.name)!.push(await peakMemoryKiB(subject));
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

/**
 * Peak resident memory of one run in KiB. Python's `getrusage(RUSAGE_CHILDREN)` reports the
 * child's high-water mark after it exits, which Deno has no API for.
 */
export async function peakMemoryKiB(subject: Subject): Promise<number> {
  const script =
    "import resource,subprocess,sys\nr=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL)\n" +
    "sys.exit(r.returncode) if r.returncode else print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)";
  const { code, stdout, stderr } = await new Deno.Command("python3", {
    args: ["-c", script, subject.command, ...subject.args],
    env: subject.env,
    clearEnv: subject.env !== undefined,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`${subject.name} failed:\n${new TextDecoder().decode(stderr)}`);
  }
  return Number(new TextDecoder().decode(stdout).trim());
}
