/**
 * The cache-hit benchmark: kubectl runs `get-token` before every command, so its cost over an
 * empty `deno run` is what users feel.
 *
 * @module
 */

import { FileDataKeyStore } from "../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../lib/cache/encrypted_file.ts";
import { cacheKeyId } from "../lib/cache/key.ts";
import { cacheKeyInputOf } from "../lib/get_token.ts";
import { encodeBase64Url } from "../lib/jwt.ts";
import { parseFlagsFast } from "../cli/fast_args.ts";
import { GET_TOKEN_FLAGS } from "../cli/flags.ts";
import { getTokenOptions } from "../cli/get_token.ts";
import { FlagReader } from "../cli/options.ts";
import { MOD_TS, PluginSandbox } from "../tests/support/plugin.ts";
import { medianTimes, peakMemoryKiB, type Subject } from "./measure.ts";

const EMPTY_TS = new URL("./empty.ts", import.meta.url).pathname;

/** A JWT-shaped token valid for an hour; a cache hit never verifies it. */
function fakeIdToken(): string {
  const part = (value: unknown) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(value)));
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return `${part({ alg: "RS256" })}.${part({ sub: "bench", exp })}.c2lnbmF0dXJl`;
}

/** Writes the entry the plugin will look up for these arguments. */
async function seedCache(sandbox: PluginSandbox, args: string[]): Promise<void> {
  for (const [name, value] of Object.entries(sandbox.env)) Deno.env.set(name, value);
  const options = getTokenOptions(new FlagReader(parseFlagsFast(args, GET_TOKEN_FLAGS)!));
  const keyId = await cacheKeyId(cacheKeyInputOf(options));
  const cache = new EncryptedFileCache(
    options.cache.directory,
    new FileDataKeyStore(options.cache.dataKeyFile),
  );
  const token = fakeIdToken();
  await cache.write(keyId, { token, expiresAt: Date.now() + 3_600_000 }, {
    issuerUrl: options.provider.issuerUrl,
    clientId: options.provider.clientId,
  });
}

/** Prints the cache-hit figures. */
export async function benchCacheHit(runs: number): Promise<void> {
  await using sandbox = await PluginSandbox.create();
  const args = ["--oidc-issuer-url=https://issuer.invalid", "--oidc-client-id=bench"];
  await seedCache(sandbox, args);
  const deno = Deno.execPath();
  const baseline: Subject = {
    name: "empty deno run",
    command: deno,
    args: ["run", "--no-prompt", EMPTY_TS],
    env: sandbox.env,
  };
  const cacheHit: Subject = {
    name: "get-token cache hit",
    command: deno,
    args: ["run", ...sandbox.permissions, MOD_TS, "get-token", ...args],
    env: sandbox.env,
  };
  const times = await medianTimes([baseline, cacheHit], runs);
  const memory = new Map<string, number>();
  for (const subject of [baseline, cacheHit]) {
    const samples = [];
    for (let i = 0; i < 5; i++) samples.push(await peakMemoryKiB(subject));
    memory.set(subject.name, Math.max(...samples));
  }
  const base = times.get(baseline.name)!;
  const baseMemory = memory.get(baseline.name)!;
  console.log("| subject | wall time (median) | ratio | peak RSS | ratio |");
  console.log("|---|---|---|---|---|");
  for (const subject of [baseline, cacheHit]) {
    const time = times.get(subject.name)!;
    const rss = memory.get(subject.name)!;
    console.log(
      `| ${subject.name} | ${time.toFixed(1)} ms | ${(time / base).toFixed(2)}× | ${
        (rss / 1024).toFixed(1)
      } MiB | ${(rss / baseMemory).toFixed(2)}× |`,
    );
  }
}
