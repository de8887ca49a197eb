/**
 * The keyring storage's cache hit on Linux, which reads the data key over the session bus in
 * TypeScript instead of loading the native binding: against a real gnome-keyring on a private
 * bus, and against a locked keyring, a missing bus and a bus that never answers. Each failure is
 * one line with the fix, within a bounded time, never a prompt.
 */

import assert from "node:assert/strict";
import { parseExecCredential, type PluginResult, PluginSandbox } from "../support/plugin.ts";
import { secretServiceAvailability, startSecretService } from "../support/secret_service.ts";
import { DATA_KEY_ATTRIBUTES, seedKeyringEntry, withBusPermissions } from "../support/keyring.ts";

const TOKEN = { token: "a.b.c", expiresAt: Date.now() + 3_600_000, refreshToken: "r" };
const ARGS = [
  "get-token",
  "--oidc-issuer-url=https://issuer.invalid",
  "--oidc-client-id=keyring-bus",
  "--token-cache-storage=keyring",
];

/** Far above the plugin's own 5 s bound, so only a hang trips it on a loaded machine. */
const HANG_GUARD_MS = 90_000;

const availability = await secretServiceAvailability();
/** Skipped where the daemons are not installed, except in CI, where that is a failure. */
const skip = Deno.build.os !== "linux" ||
  (!availability.ok && Deno.env.get("CI") !== "true");
const suffix = skip ? ` (skipped: ${availability.reason ?? Deno.build.os})` : "";

function busTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name: `${name}${suffix}`, ignore: skip, fn });
}

/** Runs the plugin, failing the test (and stopping the plugin) if it outlives the guard. */
async function runGuarded(
  sandbox: PluginSandbox,
  permissions: string[],
  env: Record<string, string>,
): Promise<PluginResult> {
  const plugin = sandbox.start(ARGS, { permissions, env });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<"hung">((resolve) =>
    timer = setTimeout(resolve, HANG_GUARD_MS, "hung")
  );
  const outcome = await Promise.race([plugin.result(), guard]);
  clearTimeout(timer);
  if (outcome === "hung") {
    plugin.kill("SIGKILL");
    await plugin.result();
    assert.fail(`the plugin still ran after ${HANG_GUARD_MS} ms:\n${plugin.stderr}`);
  }
  return outcome;
}

/** One line with the reason and the fix, nothing on stdout, the cache entry left in place. */
async function assertOneLineFailure(
  sandbox: PluginSandbox,
  result: PluginResult,
  reason: RegExp,
): Promise<void> {
  const context = result.stderr;
  assert.equal(result.code, 1, context);
  assert.equal(result.stdout, "", context);
  assert.equal(result.stderr.trim().split("\n").length, 1, context);
  assert.match(
    result.stderr,
    /^error: could not read the token cache data key in the OS keyring: /,
  );
  assert.match(result.stderr, reason, context);
  assert.match(result.stderr, /use --token-cache-storage=disk/, context);
  assert.doesNotMatch(result.stderr, /Open http/, context);
  assert.equal((await sandbox.cacheEntries()).length, 1, "the cache entry must stay");
}

busTest("a keyring cache hit reads the key over the session bus, without --allow-ffi", async () => {
  await using secrets = await startSecretService();
  await using sandbox = await PluginSandbox.create();
  await seedKeyringEntry(sandbox, secrets, ARGS.slice(1), TOKEN);
  const env = secrets.env;
  // No --allow-ffi: the binding cannot load, so only the bus read can answer.
  const hit = await runGuarded(sandbox, withBusPermissions(sandbox.permissions, env), env);
  assert.equal(hit.code, 0, hit.stderr);
  assert.equal(parseExecCredential(hit.stdout).status.token, TOKEN.token);
  // Without the bus grants the same hit needs the binding, and names the narrowest flag that
  // loads it: that flag alone is then enough.
  const withoutBus = await runGuarded(sandbox, sandbox.permissions, env);
  assert.equal(withoutBus.code, 1, withoutBus.stderr);
  const named = /^error: permission denied: .*keyring.*; run with (--allow-ffi=\/\S+)$/m.exec(
    withoutBus.stderr,
  );
  assert.ok(named, withoutBus.stderr);
  const scoped = await runGuarded(sandbox, [...sandbox.permissions, named[1]], env);
  assert.equal(scoped.code, 0, scoped.stderr);
  assert.equal(parseExecCredential(scoped.stdout).status.token, TOKEN.token);
  const stored = await secrets.secretTool(["lookup", ...DATA_KEY_ATTRIBUTES]);
  assert.equal(stored.code, 0, "a read leaves the key in the keyring");
});

busTest("a locked keyring fails at once with one line saying to unlock it", async () => {
  await using secrets = await startSecretService();
  await using sandbox = await PluginSandbox.create();
  await seedKeyringEntry(sandbox, secrets, ARGS.slice(1), TOKEN);
  await secrets.lock();
  const env = secrets.env;
  // --allow-ffi as well: the bus read is still the one used, and it never asks to unlock.
  const permissions = [...withBusPermissions(sandbox.permissions, env), "--allow-ffi"];
  const result = await runGuarded(sandbox, permissions, env);
  await assertOneLineFailure(sandbox, result, /the keyring is locked .*; unlock it \(/);
});

busTest("no D-Bus session bus: one line, bounded, for each way it can be missing", async () => {
  await using sandbox = await PluginSandbox.create();
  await using secrets = await startSecretService({ keyring: "none" });
  // The read fails before the key matters: any key will do, as long as no key file remains.
  await sandbox.seedEntry(ARGS.slice(1), TOKEN);
  await Deno.remove(sandbox.dataKeyFile);
  const root = await Deno.makeTempDir({ prefix: "kubelogin-nobus-" });
  // A bus that accepts connections and never answers, as a hung daemon would.
  const hungPath = `${root}/hung`;
  const hung = Deno.listen({ transport: "unix", path: hungPath });
  // And one that refuses to authenticate us.
  const refusingPath = `${root}/refusing`;
  const refusing = Deno.listen({ transport: "unix", path: refusingPath });
  const held: Deno.Conn[] = [];
  const accepting = Promise.all([
    (async () => {
      for await (const conn of hung) held.push(conn);
    })(),
    (async () => {
      for await (const conn of refusing) {
        held.push(conn);
        await conn.write(new TextEncoder().encode("REJECTED EXTERNAL\r\n")).catch(() => {});
      }
    })(),
  ]);
  try {
    const missing = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${root}/missing` };
    const silent = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${hungPath}` };
    const refused = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${refusingPath}` };
    const cases: [string, string[], Record<string, string>, RegExp][] = [
      [
        "the bus socket does not exist",
        withBusPermissions(sandbox.permissions, missing),
        missing,
        /no D-Bus session bus is reachable/,
      ],
      [
        "the bus never answers",
        withBusPermissions(sandbox.permissions, silent),
        silent,
        /did not answer within 5 s/,
      ],
      [
        "the bus refuses to authenticate",
        withBusPermissions(sandbox.permissions, refused),
        refused,
        /the bus refused authentication: REJECTED EXTERNAL/,
      ],
      [
        "DBUS_SESSION_BUS_ADDRESS is not set (the binding reads)",
        [...sandbox.permissions, "--allow-env=DBUS_SESSION_BUS_ADDRESS", "--allow-ffi"],
        {},
        /no D-Bus session bus is reachable/,
      ],
      [
        "a bus with no Secret Service",
        withBusPermissions(sandbox.permissions, secrets.env),
        secrets.env,
        /no Secret Service/,
      ],
    ];
    for (const [name, permissions, env, reason] of cases) {
      const result = await runGuarded(sandbox, permissions, env);
      await assertOneLineFailure(sandbox, result, reason).catch((error) => {
        throw new Error(`${name}: ${error.message}`);
      });
    }
  } finally {
    hung.close();
    refusing.close();
    for (const conn of held) conn.close();
    await accepting.catch(() => {});
    await Deno.remove(root, { recursive: true });
  }
});
