/**
 * The cache hit of the compiled plugin against an empty compiled program. `deno compile` needs
 * `denort` (from `DENORT_BIN` or Deno's download cache), which this build machine cannot download;
 * without it the figure is skipped with the reason printed.
 *
 * @module
 */

import type { InstalledPlugin } from "../tests/support/install.ts";
import { BENCH_ARGS, printRatios } from "./cache_hit.ts";
import { medianPeakMemoryKiB, medianTimes, type Subject } from "./measure.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Where `deno compile` finds `denort`, or why it cannot. */
export async function denortAvailability(): Promise<{ ok: boolean; reason: string }> {
  const given = Deno.env.get("DENORT_BIN");
  if (given) return { ok: true, reason: `DENORT_BIN=${given}` };
  const denoDir = Deno.env.get("DENO_DIR") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;
  const target = `${Deno.build.arch}-${
    { linux: "unknown-linux-gnu", darwin: "apple-darwin", windows: "pc-windows-msvc" }[
      Deno.build.os as string
    ] ?? Deno.build.os
  }`;
  const archive = `${denoDir}/dl/release/v${Deno.version.deno}/denort-${target}.zip`;
  try {
    await Deno.stat(archive);
    return { ok: true, reason: archive };
  } catch {
    return { ok: false, reason: `no DENORT_BIN and no ${archive} (dl.deno.land unreachable)` };
  }
}

async function compile(entry: string, output: string, permissions: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["compile", "--quiet", "--no-prompt", ...permissions, "--output", output, entry],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno compile ${entry}: ${new TextDecoder().decode(stderr)}`);
}

/** Prints the compiled figures, or why they are skipped. */
export async function benchCompiledCacheHit(runs: number, plugin: InstalledPlugin): Promise<void> {
  const denort = await denortAvailability();
  if (!denort.ok) {
    console.log(`Cache hit, compiled: skipped (${denort.reason})`);
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "kubelogin-bench-compiled-" });
  try {
    const permissions = [
      `--allow-read=${plugin.cacheDir},${plugin.dataKeyFile}`,
      "--allow-env=HOME,KUBECACHEDIR,XDG_CONFIG_HOME,KUBERNETES_EXEC_INFO,OIDC_CLIENT_SECRET",
    ];
    await compile("bench/empty.ts", `${dir}/empty`, permissions);
    await compile("plugin.ts", `${dir}/plugin`, permissions);
    const subjects: Subject[] = [
      { name: "empty program, compiled", command: `${dir}/empty`, args: [], env: plugin.env },
      {
        name: "get-token cache hit, compiled",
        command: `${dir}/plugin`,
        args: ["get-token", ...BENCH_ARGS],
        env: plugin.env,
      },
    ];
    console.log(`Cache hit, compiled (denort: ${denort.reason})\n`);
    printRatios(
      subjects,
      await medianTimes(subjects, runs),
      await medianPeakMemoryKiB(subjects, runs),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
