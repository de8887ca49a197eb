/**
 * The keyring cache-hit benchmark: `get-token --token-cache-storage=keyring` answering from the
 * cache, inside a private D-Bus session with an unlocked gnome-keyring (as the keyring tests
 * start one), against an empty `deno run` and the same hit with the `disk` storage. The keyring
 * hit is measured twice: reading the data key over the session bus (the documented permissions)
 * and through the native binding (`--allow-ffi` without the bus socket), which is what every hit
 * cost before.
 *
 * @module
 */

import { PluginSandbox } from "../tests/support/plugin.ts";
import { secretServiceAvailability, startSecretService } from "../tests/support/secret_service.ts";
import { seedKeyringEntry, withBusPermissions } from "../tests/support/keyring.ts";
import { medianTimes, peakMemoryKiB, type Subject } from "./measure.ts";

const EMPTY_TS = new URL("./empty.ts", import.meta.url).pathname;
/** The installed entry (README's line), which runs the bundled program. */
const PLUGIN_TS = new URL("../plugin.ts", import.meta.url).pathname;
const CHECKOUT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** How README's line runs it; the baseline is started the same way. */
const INSTALLED_FLAGS = [
  "--quiet",
  "--unstable-lazy-dynamic-imports",
  "--config",
  new URL("../deno.json", import.meta.url).pathname,
];
const TOKEN = { token: "a.b.c", expiresAt: Date.now() + 3_600_000 };
const ARGS = ["get-token", "--oidc-issuer-url=https://issuer.invalid", "--oidc-client-id=bench"];

/** Prints the keyring cache-hit figures, or why they were skipped. */
export async function benchKeyringHit(runs: number): Promise<void> {
  const availability = await secretServiceAvailability();
  if (!availability.ok) {
    console.log(`keyring cache hit: skipped (${availability.reason})`);
    return;
  }
  await using secrets = await startSecretService();
  await using sandbox = await PluginSandbox.create();
  // The disk subject needs the key file; the keyring subjects ignore it.
  await seedKeyringEntry(sandbox, secrets, ARGS.slice(1), TOKEN, { keepKeyFile: true });
  const env = { ...sandbox.env, ...secrets.env };
  const run = (name: string, permissions: string[], storage: string): Subject => ({
    name,
    command: Deno.execPath(),
    args: [
      "run",
      ...INSTALLED_FLAGS,
      // README's checkout line grants reading the checkout, whose modules load lazily.
      ...permissions.map((flag) => flag.startsWith("--allow-read=") ? `${flag},${CHECKOUT}` : flag),
      PLUGIN_TS,
      ...ARGS,
      `--token-cache-storage=${storage}`,
    ],
    env,
  });
  const subjects: Subject[] = [
    {
      name: "empty deno run",
      command: Deno.execPath(),
      args: ["run", ...INSTALLED_FLAGS, "--no-prompt", EMPTY_TS],
      env,
    },
    run("get-token cache hit, disk", sandbox.permissions, "disk"),
    run(
      "get-token cache hit, keyring",
      withBusPermissions(sandbox.permissions, secrets.env),
      "keyring",
    ),
    run(
      "get-token cache hit, keyring through the binding",
      [...sandbox.permissions, "--allow-ffi"],
      "keyring",
    ),
  ];
  const times = await medianTimes(subjects, runs);
  const memory = new Map<string, number>();
  for (const subject of subjects) {
    const samples = [];
    for (let i = 0; i < 5; i++) samples.push(await peakMemoryKiB(subject));
    memory.set(subject.name, Math.max(...samples));
  }
  const [baseTime, baseMemory] = [times.get(subjects[0].name)!, memory.get(subjects[0].name)!];
  console.log("| subject | wall time (median) | ratio | peak RSS | ratio |");
  console.log("|---|---|---|---|---|");
  for (const { name } of subjects) {
    const [time, rss] = [times.get(name)!, memory.get(name)!];
    const ratio = (value: number, base: number) => `${(value / base).toFixed(2)}×`;
    console.log(
      `| ${name} | ${time.toFixed(1)} ms | ${ratio(time, baseTime)} | ${
        (rss / 1024).toFixed(1)
      } MiB | ${ratio(rss, baseMemory)} |`,
    );
  }
}

if (import.meta.main) await benchKeyringHit(Number(Deno.env.get("BENCH_RUNS") ?? "20"));
