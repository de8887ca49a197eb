/**
 * `--token-cache-storage=keyring` against a real Secret Service: each test starts a private D-Bus
 * session bus with gnome-keyring on it and points only its child processes (the plugin,
 * `secret-tool`, the store's child script) at it.
 */

import assert from "node:assert/strict";
import { decodeJwtClaims } from "../../lib/jwt.ts";
import { type DataKeyStore, decodeDataKey } from "../../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../../lib/cache/encrypted_file.ts";
import { KEYRING_DATA_KEY_ACCOUNT, KEYRING_SERVICE } from "../../lib/cache/keyring.ts";
import { parseExecCredential, type PluginResult, PluginSandbox } from "../support/plugin.ts";
import {
  type SecretService,
  secretServiceAvailability,
  startSecretService,
} from "../support/secret_service.ts";
import { startTestIdp, TEST_USERS, type TestIdp } from "../support/idp.ts";
import { getTokenArgs } from "../support/login.ts";
import { withBusPermissions } from "../support/keyring.ts";
import { UserAgent } from "../support/user_agent.ts";
import type { ChildReport } from "./keyring_child.ts";

const CHILD = new URL("./keyring_child.ts", import.meta.url).pathname;

/** keyring-rs stores the account as the Secret Service attribute `username`. */
const LOOKUP = ["lookup", "service", KEYRING_SERVICE, "username", KEYRING_DATA_KEY_ACCOUNT];

const NO_BUS = { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent" };

const availability = await secretServiceAvailability();
/** Skipped where the daemons are not installed, except in CI, where that is a failure. */
const skip = !availability.ok && Deno.env.get("CI") !== "true";
const suffix = skip ? ` (skipped: ${availability.reason})` : "";

function keyringTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name: `${name}${suffix}`, ignore: skip, fn });
}

function keyringArgs(idp: TestIdp): string[] {
  return getTokenArgs(idp, "--token-cache-storage=keyring");
}

function withFfi(sandbox: PluginSandbox): string[] {
  return [...sandbox.permissions, "--allow-ffi"];
}

async function loginWithKeyring(
  sandbox: PluginSandbox,
  idp: TestIdp,
  secrets: SecretService,
): Promise<PluginResult> {
  const plugin = sandbox.start(keyringArgs(idp), {
    permissions: withFfi(sandbox),
    env: secrets.env,
  });
  await new UserAgent().login(await plugin.loginUrl(), TEST_USERS[0]);
  return await plugin.result();
}

function assertToken(result: PluginResult): string {
  assert.equal(result.code, 0, result.stderr);
  const { token } = parseExecCredential(result.stdout).status;
  assert.equal(decodeJwtClaims(token)?.sub, TEST_USERS[0].username);
  return token;
}

async function storedKey(secrets: SecretService): Promise<string | undefined> {
  const lookup = await secrets.secretTool(LOOKUP);
  return lookup.code === 0 ? lookup.stdout : undefined;
}

/** The keyring files' names, sizes and modification times: any write changes one of them. */
async function keyringFiles(secrets: SecretService): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(secrets.keyringDir)) {
    const path = `${secrets.keyringDir}/${entry.name}`;
    const info = await Deno.stat(path);
    const bytes = await Deno.readFile(path);
    files.push(`${entry.name} ${info.size} ${info.mtime?.getTime()} ${bytes.join(",")}`);
  }
  return files.sort();
}

function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}

async function runChild(
  env: Record<string, string>,
  steps: string[],
  permissions: string[] = ["--allow-ffi"],
): Promise<ChildReport> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...permissions, CHILD, ...steps],
    env: { PATH: Deno.env.get("PATH") ?? "", ...env },
    clearEnv: true,
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

keyringTest(
  "keyring storage: login keeps only the data key in the keyring, then cache hits",
  async () => {
    await using secrets = await startSecretService();
    await using idp = await startTestIdp();
    await using sandbox = await PluginSandbox.create();
    const token = assertToken(await loginWithKeyring(sandbox, idp, secrets));

    assert.equal(await exists(sandbox.dataKeyFile), false, "no key file with keyring storage");
    assert.equal((await sandbox.cacheEntries()).length, 1, "the encrypted entry stays on disk");
    const key = await storedKey(secrets);
    assert.ok(key, "the data key is in the keyring");
    assert.match(key, /^[A-Za-z0-9_-]{43}$/, "32 bytes as base64url");
    // That key, and no key file, is what opens the entry.
    const dataKey = await decodeDataKey(key);
    const keyringKey: DataKeyStore = {
      location: "test",
      load: () => Promise.resolve(dataKey),
      loadOrCreate: () => Promise.resolve(dataKey),
      remove: () => Promise.resolve(false),
    };
    const [entry] = await sandbox.cacheEntries();
    const read = await new EncryptedFileCache(sandbox.cacheDir, keyringKey).read(entry);
    assert.ok(read.hit, `the entry does not open with the keyring's key: ${JSON.stringify(read)}`);
    assert.equal(read.tokenSet.token, token);

    idp.clearRequests();
    const again = await sandbox.run(keyringArgs(idp), {
      permissions: withFfi(sandbox),
      env: secrets.env,
    });
    assert.equal(assertToken(again), token);
    assert.equal(idp.requests.length, 0, "a cache hit must not talk to the provider");
    assert.doesNotMatch(again.stderr, /Open http/);
    assert.equal(await storedKey(secrets), key);
  },
);

keyringTest("clean deletes the data key from the keyring, and again without error", async () => {
  await using secrets = await startSecretService();
  await using sandbox = await PluginSandbox.create();
  const stored = await secrets.secretTool(
    ["store", `--label=${KEYRING_SERVICE}`, ...LOOKUP.slice(1)],
    "A".repeat(43),
  );
  assert.equal(stored.code, 0, stored.stderr);
  assert.ok(await storedKey(secrets));
  for (let run = 0; run < 2; run++) {
    const result = await sandbox.run(["clean"], {
      permissions: withFfi(sandbox),
      env: secrets.env,
    });
    assert.equal(result.code, 0, result.stderr);
    // The keyring is mentioned only when a key was there to delete (the first run).
    assert.equal(/^Deleted the token cache from the keyring$/m.test(result.stderr), run === 0);
    assert.doesNotMatch(result.stderr, /Could not/);
    assert.equal(await storedKey(secrets), undefined);
  }
});

keyringTest(
  "without a Secret Service the plugin fails before any login and suggests disk",
  async () => {
    await using idp = await startTestIdp();
    await using noService = await startSecretService({ keyring: "none" });
    await using locked = await startSecretService({ keyring: "locked" });
    const cases: [string, Record<string, string>, RegExp][] = [
      ["no D-Bus session bus", NO_BUS, /no D-Bus session bus is reachable/],
      ["a bus with no Secret Service", noService.env, /no Secret Service/],
      [
        "a Secret Service with no unlocked keyring",
        locked.env,
        /no default keyring, or it is locked/,
      ],
    ];
    await Promise.all(cases.map(async ([name, env, reason]) => {
      await using sandbox = await PluginSandbox.create();
      const result = await sandbox.run(keyringArgs(idp), { permissions: withFfi(sandbox), env });
      const context = `${name}:\n${result.stderr}`;
      assert.equal(result.code, 1, context);
      assert.equal(result.stdout, "", context);
      assert.equal(result.stderr.trim().split("\n").length, 1, context);
      assert.match(result.stderr, /^error: could not .* the OS keyring: /, context);
      assert.match(result.stderr, reason, context);
      assert.match(result.stderr, /--token-cache-storage=disk/, context);
      assert.doesNotMatch(result.stderr, /Open http/, context);
      assert.deepEqual(await sandbox.cacheEntries(), [], context);
    }));
    assert.equal(idp.requestsTo("/auth").length, 0, "no login was started");
  },
);

keyringTest("keyring storage without --allow-ffi fails with one line naming it", async () => {
  await using secrets = await startSecretService();
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const result = await sandbox.run(keyringArgs(idp), { env: secrets.env });
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.match(
    result.stderr,
    /^error: permission denied: .*keyring.*; run with --allow-ffi(=\/\S+)?$/m,
  );
  assert.doesNotMatch(result.stderr, /Open http/);
  assert.equal(await storedKey(secrets), undefined);
});

keyringTest("refreshing a token neither rewrites nor replaces the data key", async () => {
  await using secrets = await startSecretService();
  await using idp = await startTestIdp({ idTokenTtlSec: 11 });
  await using sandbox = await PluginSandbox.create();
  const first = assertToken(await loginWithKeyring(sandbox, idp, secrets));
  const key = await storedKey(secrets);
  assert.ok(key);
  const files = await keyringFiles(secrets);
  // --force-refresh rather than a wait for the token to age (get_token_in_process_test.ts moves
  // a clock instead); the new lifetime makes the refreshed token differ within a second too.
  idp.setIdTokenTtl(3600);
  idp.clearRequests();
  const refreshed = await sandbox.run([...keyringArgs(idp), "--force-refresh", "-v1"], {
    permissions: withFfi(sandbox),
    env: secrets.env,
  });
  assert.notEqual(assertToken(refreshed), first);
  // The keyring store reports to the run's logger.
  assert.match(
    refreshed.stderr,
    new RegExp(
      `^debug: read the cache data key from the OS keyring \\(service ${KEYRING_SERVICE},`,
      "m",
    ),
  );
  assert.equal(idp.requestsTo("/token", "refresh_token").length, 1);
  assert.equal(idp.requestsTo("/auth").length, 0);
  assert.equal(await storedKey(secrets), key);
  assert.deepEqual(await keyringFiles(secrets), files, "the keyring was written to");
});

keyringTest("the store reads the key once, creates it once, and removes it", async () => {
  await using secrets = await startSecretService();
  const created = await runChild(secrets.env, ["load", "loadOrCreate", "loadOrCreate", "load"]);
  const [absent, key, ...same] = created.results;
  assert.equal(absent, null);
  assert.equal(typeof key, "string");
  assert.deepEqual(same, [key, key]);
  assert.deepEqual(created.debug.map(firstWords), [
    "reading the keyring through",
    "no cache data key",
    "no cache data key",
    "stored a new cache",
    "read the cache data",
  ]);

  // Reads over the session bus this time; deletions still go through the binding.
  const reread = await runChild(
    secrets.env,
    ["load", "loadOrCreate", "load", "remove", "remove"],
    withBusPermissions(["--allow-ffi"], secrets.env),
  );
  assert.deepEqual(reread.results, [key, key, key, true, false]);
  assert.deepEqual(reread.debug.map(firstWords), [
    "read the cache data",
    "deleted the cache data",
    "no cache data key",
  ]);
  assert.equal(await storedKey(secrets), undefined);

  const damaged = await secrets.secretTool(
    ["store", `--label=${KEYRING_SERVICE}`, ...LOOKUP.slice(1)],
    "not a key",
  );
  assert.equal(damaged.code, 0, damaged.stderr);
  const [failure] = (await runChild(secrets.env, ["loadOrCreate"])).results;
  assert.ok(failure && typeof failure === "object", JSON.stringify(failure));
  assert.equal(failure.name, "CacheError");
  assert.match(failure.error, /in the OS keyring .*; delete it with clean/);
  assert.equal(await storedKey(secrets), "not a key", "a damaged key is not overwritten");

  // removeAll also deletes other accounts under the service (keys of other versions).
  const other = await secrets.secretTool(
    ["store", "--label=other", "service", KEYRING_SERVICE, "username", "old-key"],
    "x",
  );
  assert.equal(other.code, 0, other.stderr);
  assert.deepEqual((await runChild(secrets.env, ["removeAll", "removeAll"])).results, [2, 0]);
  const left = await secrets.secretTool(["search", "--all", "service", KEYRING_SERVICE]);
  assert.equal(left.stdout, "", "entries left under the service");
});

function firstWords(line: string): string {
  return line.split(" ").slice(0, 4).join(" ");
}
