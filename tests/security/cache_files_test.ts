/**
 * Issue 10, item 12: cache, lock and key files that another local user planted or loosened. The
 * plugin runs as a process with the password grant against the real test provider.
 */

import assert from "node:assert/strict";
import { ALICE, PUBLIC_CLIENT_ID, startTestIdp, type TestIdp } from "../support/idp.ts";
import { tokenOf } from "../support/login.ts";
import { type PluginResult, PluginSandbox } from "../support/plugin.ts";

function args(idp: TestIdp): string[] {
  return [
    "get-token",
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    `--username=${ALICE.username}`,
    `--password=${ALICE.password}`,
  ];
}

/** Runs the plugin; a run that has not ended within `ms` is killed and fails the test. */
async function runWithin(
  sandbox: PluginSandbox,
  argv: string[],
  ms: number,
): Promise<PluginResult> {
  const plugin = sandbox.start(argv);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), ms));
  const outcome = await Promise.race([plugin.result(), late]);
  clearTimeout(timer);
  if (outcome !== "late") return outcome;
  plugin.kill("SIGKILL");
  await plugin.result();
  return assert.fail(`the plugin was still running after ${ms} ms`);
}

Deno.test("issue 10 item 12: a symlink planted as the lock file is not followed", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const keyId = await sandbox.keyIdFor(args(idp).slice(1));
  const victim = `${sandbox.root}/victim.txt`;
  await Deno.writeTextFile(victim, "precious");
  await Deno.mkdir(sandbox.cacheDir, { recursive: true, mode: 0o700 });
  await Deno.symlink(victim, `${sandbox.cacheDir}/${keyId}.lock`);
  const result = await runWithin(sandbox, args(idp), 60_000);
  assert.equal(await Deno.readTextFile(victim), "precious", "the lock wrote through the symlink");
  assert.equal(result.code, 1);
  assert.match(result.stderr, /\.lock is not a regular file.*remove it/);
});

Deno.test("issue 10 item 12: a FIFO planted as the entry does not block get-token", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const keyId = await sandbox.keyIdFor(args(idp).slice(1));
  await Deno.mkdir(sandbox.cacheDir, { recursive: true, mode: 0o700 });
  const mkfifo = await new Deno.Command("mkfifo", { args: [`${sandbox.cacheDir}/${keyId}`] })
    .output();
  assert.ok(mkfifo.success);
  // A miss: the plugin logs in and replaces the FIFO with a real entry.
  tokenOf(await runWithin(sandbox, args(idp), 60_000));
  assert.ok((await Deno.lstat(`${sandbox.cacheDir}/${keyId}`)).isFile);
});

Deno.test("issue 10 item 12: a cache directory others can write is refused with the fix", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  tokenOf(await sandbox.run(args(idp)));
  await Deno.chmod(sandbox.cacheDir, 0o777);
  const result = await sandbox.run(args(idp));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /is writable by other users.*chmod go-w/);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
});

Deno.test({
  name: "issue 10 item 12: a cache directory owned by another user is refused",
  // Only root can hand a directory to another user.
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await using idp = await startTestIdp();
    await using sandbox = await PluginSandbox.create();
    await Deno.mkdir(sandbox.cacheDir, { recursive: true, mode: 0o700 });
    await Deno.chown(sandbox.cacheDir, 4242, 4242);
    const result = await sandbox.run(args(idp));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /belongs to another user \(uid 4242\)/);
    assert.equal(idp.requestsTo("/token").length, 0, "no login into a foreign directory");
  },
});

Deno.test("issue 10 item 12: a data key file others can read is refused with the fix", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  tokenOf(await sandbox.run(args(idp)));
  await Deno.chmod(sandbox.dataKeyFile, 0o644);
  const result = await sandbox.run(args(idp));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /readable or writable by other users; run chmod 600 /);
});

Deno.test("issue 10 item 12: a symlink in place of the data key is refused", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  tokenOf(await sandbox.run(args(idp)));
  const moved = `${sandbox.root}/elsewhere.key`;
  await Deno.rename(sandbox.dataKeyFile, moved);
  await Deno.symlink(moved, sandbox.dataKeyFile);
  const result = await sandbox.run(args(idp));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /token-cache\.key is not a regular file/);
});

Deno.test({
  name: "issue 10 item 12: a lock or key file owned by another user is refused",
  ignore: Deno.uid() !== 0,
  fn: async (t) => {
    await using idp = await startTestIdp();
    await t.step("the lock file", async () => {
      await using sandbox = await PluginSandbox.create();
      const keyId = await sandbox.keyIdFor(args(idp).slice(1));
      await Deno.mkdir(sandbox.cacheDir, { recursive: true, mode: 0o700 });
      const lock = `${sandbox.cacheDir}/${keyId}.lock`;
      await Deno.writeTextFile(lock, "", { mode: 0o600 });
      await Deno.chown(lock, 4242, 4242);
      const result = await sandbox.run(args(idp));
      assert.equal(result.code, 1);
      assert.match(result.stderr, /\.lock belongs to another user \(uid 4242\)/);
    });
    await t.step("the data key file", async () => {
      await using sandbox = await PluginSandbox.create();
      tokenOf(await sandbox.run(args(idp)));
      await Deno.chown(sandbox.dataKeyFile, 4242, 4242);
      const result = await sandbox.run(args(idp));
      assert.equal(result.code, 1);
      assert.match(result.stderr, /token-cache\.key belongs to another user \(uid 4242\)/);
    });
  },
});
