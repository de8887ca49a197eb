/**
 * The program's source (`cli/entry.ts`) and the installed entry `plugin.ts`, which runs its bundle,
 * answer a keyring cache hit by themselves: they read the data key over the session bus and load neither the full program
 * nor the native binding. The run is granted the bus but no `--allow-ffi`, and read access to the
 * bus read's sources alone (`lib/cache/`, or the keyring bundle), so any path through
 * `cli/main.ts` (or the keyring store's binding) would fail.
 */

import assert from "node:assert/strict";
import { parseExecCredential, PluginSandbox } from "../support/plugin.ts";
import { secretServiceAvailability, startSecretService } from "../support/secret_service.ts";
import { seedKeyringEntry, withBusPermissions } from "../support/keyring.ts";

const CHECKOUT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const TOKEN = { token: "a.b.c", expiresAt: Date.now() + 3_600_000, refreshToken: "r" };
const FLAGS = [
  "--oidc-issuer-url=https://issuer.invalid",
  "--oidc-client-id=keyring-plugin",
  "--token-cache-storage=keyring",
];

const availability = await secretServiceAvailability();
/** Skipped where the daemons are not installed, except in CI, where that is a failure. */
const skip = Deno.build.os !== "linux" ||
  (!availability.ok && Deno.env.get("CI") !== "true");

/** Each entry point, with the one part of the checkout it may read: the bus read's modules. */
const ENTRIES = [
  { entry: "cli/entry.ts", readable: `${CHECKOUT}/lib/cache` },
  { entry: "plugin.ts", readable: `${CHECKOUT}/plugin_bundle_keyring.js` },
];

for (const { entry, readable } of ENTRIES) {
  Deno.test({
    name: `${entry} answers a keyring cache hit over the bus, without the full program or the ` +
      `binding${skip ? ` (skipped: ${availability.reason ?? Deno.build.os})` : ""}`,
    ignore: skip,
    fn: () => answersKeyringHit(entry, readable),
  });
}

async function answersKeyringHit(entry: string, readable: string): Promise<void> {
  await using secrets = await startSecretService();
  await using sandbox = await PluginSandbox.create();
  await seedKeyringEntry(sandbox, secrets, FLAGS, TOKEN);
  const permissions = withBusPermissions(sandbox.permissions, secrets.env).map((flag) =>
    flag.startsWith("--allow-read=") ? `${flag},${readable}` : flag
  );
  assert.ok(!permissions.some((flag) => flag.startsWith("--allow-ffi")));
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--unstable-lazy-dynamic-imports",
      "--config",
      `${CHECKOUT}/deno.json`,
      ...permissions,
      `${CHECKOUT}/${entry}`,
      "get-token",
      ...FLAGS,
    ],
    env: { ...sandbox.env, ...secrets.env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  assert.equal(stderr, "");
  const credential = parseExecCredential(new TextDecoder().decode(output.stdout));
  assert.equal(credential.status.token, TOKEN.token);
}
