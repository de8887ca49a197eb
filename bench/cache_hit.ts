/**
 * The cache-hit benchmark: kubectl runs `get-token` before every command, so its cost over an
 * empty `deno run` is what users feel. Both subjects are installed by README's checkout line
 * (`tests/support/install.ts`), the baseline with `bench/empty.ts` as its entry point, so the
 * ratio compares two shims started the same way: same flags, same copied `deno.json`.
 *
 * @module
 */

import { FileDataKeyStore } from "../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../lib/cache/encrypted_file.ts";
import { cacheKeyId } from "../lib/cache/key.ts";
import { cacheKeyInputOf } from "../lib/get_token_key.ts";
import { encodeBase64Url } from "../lib/base64url.ts";
import { parseFlagsFast } from "../cli/fast_args.ts";
import { GET_TOKEN_FLAGS } from "../cli/flags.ts";
import { FlagReader, getTokenOptions } from "../cli/options.ts";
import { InstalledPlugin } from "../tests/support/install.ts";
import { benchCompiledCacheHit } from "./compiled.ts";
import { countModules } from "./hot_path.ts";
import { medianPeakMemoryKiB, medianTimes, type Subject } from "./measure.ts";

/** The module cache of the Deno running the benchmark, shared so no run downloads anything. */
const DENO_DIR: string = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;

/** The `get-token` flags of the benchmark's kubeconfig user. */
export const BENCH_ARGS: readonly string[] = [
  "--oidc-issuer-url=https://issuer.invalid",
  "--oidc-client-id=bench",
];

/** A JWT-shaped token valid for an hour; a cache hit never verifies it. */
function fakeIdToken(): string {
  const part = (value: unknown) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(value)));
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return `${part({ alg: "RS256" })}.${part({ sub: "bench", exp })}.c2lnbmF0dXJl`;
}

/** Writes the entry `get-token BENCH_ARGS` looks up, in a cache directory and data key file. */
export async function seedCache(directory: string, dataKeyFile: string): Promise<void> {
  const options = getTokenOptions(new FlagReader(parseFlagsFast(BENCH_ARGS, GET_TOKEN_FLAGS)!));
  const keyId = await cacheKeyId(cacheKeyInputOf(options));
  const cache = new EncryptedFileCache(directory, new FileDataKeyStore(dataKeyFile));
  await cache.write(keyId, { token: fakeIdToken(), expiresAt: Date.now() + 3_600_000 }, {
    issuerUrl: options.provider.issuerUrl,
    clientId: options.provider.clientId,
  });
}

/** Prints a table of subjects against the first one. */
export function printRatios(
  subjects: readonly Subject[],
  times: Map<string, number>,
  memory: Map<string, number>,
): void {
  const base = times.get(subjects[0].name)!;
  const baseMemory = memory.get(subjects[0].name)!;
  console.log("| subject | wall time (median) | ratio | peak RSS (median) | ratio |");
  console.log("|---|---|---|---|---|");
  for (const subject of subjects) {
    const time = times.get(subject.name)!;
    const rss = memory.get(subject.name)!;
    console.log(
      `| ${subject.name} | ${time.toFixed(1)} ms | ${(time / base).toFixed(2)}× | ${
        (rss / 1024).toFixed(1)
      } MiB | ${(rss / baseMemory).toFixed(2)}× |`,
    );
  }
}

/** Prints the cache-hit figures of the installed plugin, then of the compiled one. */
export async function benchCacheHit(runs: number): Promise<void> {
  await using empty = await InstalledPlugin.install({
    entry: "bench/empty.ts",
    name: "empty",
    denoDir: DENO_DIR,
  });
  await using plugin = await InstalledPlugin.install({ denoDir: DENO_DIR });
  await seedCache(plugin.cacheDir, plugin.dataKeyFile);
  const baseline: Subject = {
    name: "empty script, installed",
    command: empty.shim,
    args: [],
    env: empty.env,
  };
  const cacheHit: Subject = {
    name: "get-token cache hit, installed",
    command: plugin.shim,
    args: ["get-token", ...BENCH_ARGS],
    env: plugin.env,
  };
  const subjects = [baseline, cacheHit];
  const times = await medianTimes(subjects, runs);
  const memory = await medianPeakMemoryKiB(subjects, runs);
  console.log("Cache hit, installed by README's checkout line (same-run pairs A B A B …)\n");
  printRatios(subjects, times, memory);
  const installed = await countModules(new URL("../plugin.ts", import.meta.url).pathname);
  const source = await countModules(new URL("../cli/entry.ts", import.meta.url).pathname);
  console.log(
    `\nModules loaded at start-up: ${installed.static} (plugin.ts and the bundle it runs; ` +
      `${source.static} for the program's source, cli/entry.ts; ${source.withDynamic} with every analysable ` +
      "import() followed, as without --unstable-lazy-dynamic-imports)\n",
  );
  await benchCompiledCacheHit(runs, plugin);
}
