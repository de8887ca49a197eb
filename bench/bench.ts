/**
 * `deno task bench`: the speed and memory figures of the plugin, each printed as a ratio to a
 * baseline measured in the same run (never as a pass/fail threshold):
 *
 * - cache hit: `get-token` answering from the cache, installed by README's line, against an empty
 *   script installed the same way (and the compiled forms, where `denort` exists);
 * - keyring cache hit: the same with `--token-cache-storage=keyring` on a private gnome-keyring,
 *   beside the disk storage's hit;
 * - concurrent refresh: 32 `get-token` processes with an expired token against a
 *   rotating-refresh-token provider, and 32 answered from the cache, against a single process
 *   refreshing alone; with the refresh and token requests the provider saw per run;
 * - kubectl: `kubectl get --raw /version` with the plugin answering from its cache, against the
 *   same command with the token in a file; the plugin's share of the whole command.
 *
 * @module
 */

import { benchConcurrentRefresh } from "./concurrent_refresh.ts";
import { benchCacheHit } from "./cache_hit.ts";
import { benchKeyringHit } from "./keyring_hit.ts";
import { benchKubectlVersion } from "./kubectl_version.ts";

const runs = Number(Deno.env.get("BENCH_RUNS") ?? "20");
console.log(`together-kubelogin benchmark (${runs} runs per subject, medians)\n`);
await benchCacheHit(runs);
console.log();
await benchKeyringHit(runs);
console.log();
await benchConcurrentRefresh(runs);
console.log();
await benchKubectlVersion(runs);
