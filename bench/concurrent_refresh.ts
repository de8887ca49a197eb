/**
 * The concurrent-refresh benchmark: when a token expires, kubectl (or several kubectl processes,
 * as `k9s`, shell loops and IDE plugins start them) runs many `get-token` processes at once. One
 * of them refreshes while the others wait on the entry's lock and then take its token, so the
 * provider sees one refresh; this measures what that queueing costs in wall time.
 *
 * Subjects, measured in alternation against the test provider with rotating refresh tokens:
 *
 * - one process refreshing an expired entry alone (the baseline);
 * - {@link PROCESSES} processes answered from a valid entry (what starting that many processes
 *   costs on this machine, with no lock and no request);
 * - {@link PROCESSES} processes started together on the same expired entry.
 *
 * Every wall time is printed as a ratio to the single refresh, and every run counts the requests
 * the provider saw: one per refresh, discovery and JWKS included (they come from the cache).
 *
 * @module
 */

import { startTestIdp, type TestIdp } from "../tests/support/idp.ts";
import { type PluginResult, PluginSandbox } from "../tests/support/plugin.ts";
import { expireEntry, getTokenArgs, runWithLogin, tokenOf } from "../tests/support/login.ts";
import { median } from "./measure.ts";

/** How many `get-token` processes start at once. */
export const PROCESSES = 32;

/** What one run of a subject did. */
interface Sample {
  /** Wall time from the first spawn to the last exit, in milliseconds. */
  ms: number;
  /** Refresh requests the provider saw. */
  refreshes: number;
  /** Token requests of any grant the provider saw. */
  tokenRequests: number;
  /** Requests of any kind the provider saw (discovery and JWKS come from the metadata cache). */
  requests: number;
  /** Processes that reported waiting for the entry's lock. */
  waited: number;
}

interface Subject {
  name: string;
  processes: number;
  /** Whether the entry is expired before each run. */
  expired: boolean;
}

/** Runs a subject once: all its processes started before any is awaited. */
async function runOnce(
  idp: TestIdp,
  sandbox: PluginSandbox,
  args: string[],
  subject: Subject,
): Promise<Sample> {
  if (subject.expired) await expireEntry(sandbox, args);
  idp.clearRequests();
  const started = performance.now();
  const plugins = Array.from({ length: subject.processes }, () => sandbox.start(args));
  const results: PluginResult[] = await Promise.all(plugins.map((plugin) => plugin.result()));
  const ms = performance.now() - started;
  const tokens = new Set(results.map(tokenOf));
  if (tokens.size !== 1) throw new Error(`${subject.name}: ${tokens.size} different tokens`);
  return {
    ms,
    refreshes: idp.countRequests({ path: "/token", grantType: "refresh_token" }),
    tokenRequests: idp.countRequests({ path: "/token" }),
    requests: idp.requests.length,
    waited: results.filter(({ stderr }) => /^Waiting for /m.test(stderr)).length,
  };
}

/** The distinct values of a field over the runs, for a column that should read one number. */
function values(samples: readonly Sample[], field: keyof Sample): string {
  return [...new Set(samples.map((sample) => sample[field]))].sort((a, b) => a - b).join(", ");
}

/** Prints the concurrent refresh figures. */
export async function benchConcurrentRefresh(runs: number): Promise<void> {
  await using idp = await startTestIdp({ rotateRefreshTokens: true });
  await using sandbox = await PluginSandbox.create();
  // A login whose URL nobody opens would stall a run; this bounds it.
  const args = getTokenArgs(idp, "--authentication-timeout-sec=60");
  tokenOf(await runWithLogin(sandbox, args));

  const single: Subject = { name: "1 process refreshing", processes: 1, expired: true };
  const hits: Subject = {
    name: `${PROCESSES} processes, cache hit`,
    processes: PROCESSES,
    expired: false,
  };
  const concurrent: Subject = {
    name: `${PROCESSES} processes refreshing one entry`,
    processes: PROCESSES,
    expired: true,
  };
  const subjects = [single, hits, concurrent];
  const samples = new Map(subjects.map((subject) => [subject, [] as Sample[]]));
  for (const subject of subjects) await runOnce(idp, sandbox, args, subject); // warm up
  for (let i = 0; i < runs; i++) {
    for (const subject of subjects) {
      samples.get(subject)!.push(await runOnce(idp, sandbox, args, subject));
    }
  }

  const base = median(samples.get(single)!.map((sample) => sample.ms));
  console.log(
    "| subject | wall time (median) | ratio to one refresh | refresh requests per run " +
      "| token requests per run | provider requests per run " +
      "| processes that waited for the lock (median) |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const subject of subjects) {
    const runSamples = samples.get(subject)!;
    const time = median(runSamples.map((sample) => sample.ms));
    console.log(
      `| ${subject.name} | ${time.toFixed(1)} ms | ${(time / base).toFixed(2)}× | ${
        values(runSamples, "refreshes")
      } | ${values(runSamples, "tokenRequests")} | ${values(runSamples, "requests")} | ${
        median(runSamples.map((sample) => sample.waited))
      } |`,
    );
  }
}
