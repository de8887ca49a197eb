/**
 * The permission sets of deno.json (`deno run -P=<command>`) with the per-user grants
 * docs/permissions.md adds on the command line: each command works under exactly those, and
 * without any one of them fails at once with one line naming the `--allow-…` flag to add.
 */

import assert from "node:assert/strict";
import { startTestIdp, type TestIdp } from "../support/idp.ts";
import { expireEntry, getTokenArgs, runWithLogin, tokenOf } from "../support/login.ts";
import { type PluginResult, PluginSandbox } from "../support/plugin.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const CONFIG = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
const SETS: Record<string, { env: string[] }> = CONFIG.permissions;

/** One grant: a kind and its scope. */
interface Grant {
  kind: "env" | "read" | "write" | "net";
  values: string[];
}

/** The command's set from deno.json plus the user's grants, as docs/permissions.md lists them. */
function grantsFor(set: string, userGrants: Grant[]): Grant[] {
  return [
    ...SETS[set].env.map((name) => ({ kind: "env" as const, values: [name] })),
    ...userGrants,
  ];
}

/**
 * `deno run` flags for the grants: the env part through `-P=<set>` of a config holding exactly
 * those variables (deno.json itself when none is left out), the rest as flags.
 */
async function permissionFlags(dir: string, set: string, grants: Grant[]): Promise<string[]> {
  const env = grants.filter((grant) => grant.kind === "env").flatMap((grant) => grant.values);
  let config = `${ROOT}deno.json`;
  if (env.length !== SETS[set].env.length) {
    config = `${dir}/deno.json`;
    const permissions = { ...SETS, [set]: { ...SETS[set], env } };
    await Deno.writeTextFile(config, JSON.stringify({ ...CONFIG, permissions }));
  }
  const flags = ["--no-prompt", "--quiet", "--config", config, `--permission-set=${set}`];
  for (const kind of ["read", "write", "net"] as const) {
    const values = grants.filter((grant) => grant.kind === kind).flatMap((grant) => grant.values);
    if (values.length > 0) flags.push(`--allow-${kind}=${values.join(",")}`);
  }
  return flags;
}

/** Asserts a failed run said, in one line, which flag to add for the grant. */
function assertNamesFlag(result: PluginResult, grant: Grant): void {
  assert.notEqual(result.code, 0, `ran without ${grant.kind} ${grant.values}`);
  // The error is one line, the last; only setup's "Authentication in progress..." may precede it.
  const lines = result.stderr.trim().split("\n");
  const errors = lines.filter((line) => line.startsWith("error"));
  assert.equal(errors.length, 1, `not one error line without ${grant.kind}:\n${result.stderr}`);
  assert.equal(lines.at(-1), errors[0]);
  assert.ok(lines.length === 1 || lines[0] === "Authentication in progress...", result.stderr);
  const flag = grant.kind === "env" ? `--allow-env=${grant.values[0]}` : `--allow-${grant.kind}`;
  assert.match(errors[0], /^error: permission denied: .+; run with --allow-/);
  assert.ok(errors[0].includes(flag), `${errors[0]} does not name ${flag}`);
  // A grant to add is a directory, never one hashed cache entry.
  assert.doesNotMatch(errors[0], /[0-9a-f]{64}/);
  assert.equal(result.stdout, "");
}

/**
 * Runs the command once per grant left out, checking the message each time. `HOME` is read only
 * for the default locations, so its run has `KUBECACHEDIR` and `XDG_CONFIG_HOME` empty, as on a
 * machine that does not set them.
 */
async function eachWithoutOne(
  sandbox: PluginSandbox,
  set: string,
  grants: Grant[],
  run: (permissions: string[], env: Record<string, string>) => Promise<PluginResult>,
): Promise<void> {
  for (const grant of grants) {
    const rest = grants.filter((other) => other !== grant);
    const env: Record<string, string> = grant.kind === "env" && grant.values[0] === "HOME"
      ? { KUBECACHEDIR: "", XDG_CONFIG_HOME: "" }
      : {};
    assertNamesFlag(await run(await permissionFlags(sandbox.root, set, rest), env), grant);
  }
}

/** The cache and key directories README grants, made as a user's machine has their parents. */
async function cacheGrants(sandbox: PluginSandbox, idp?: TestIdp): Promise<Grant[]> {
  const kubeCache = sandbox.env.KUBECACHEDIR;
  const keyDir = `${sandbox.env.XDG_CONFIG_HOME}/together-kubelogin`;
  await Deno.mkdir(kubeCache, { recursive: true });
  await Deno.mkdir(sandbox.env.XDG_CONFIG_HOME, { recursive: true });
  const grants: Grant[] = [
    { kind: "read", values: [kubeCache, keyDir] },
    { kind: "write", values: [kubeCache, keyDir] },
  ];
  if (idp) grants.push({ kind: "net", values: [new URL(idp.issuer).hostname] });
  return grants;
}

Deno.test("permission sets: get-token under -P=get-token and the user's grants", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const grants = grantsFor("get-token", await cacheGrants(sandbox, idp));
  const permissions = await permissionFlags(sandbox.root, "get-token", grants);
  const args = getTokenArgs(idp);
  const first = tokenOf(await runWithLogin(sandbox, args, { permissions }));
  assert.equal(tokenOf(await sandbox.run(args, { permissions })), first, "no cache hit");

  // A refresh needs every grant: each left out in turn fails before the cache is touched.
  await expireEntry(sandbox, args);
  const entries = await sandbox.cacheEntries();
  await eachWithoutOne(sandbox, "get-token", grants, (without, env) => {
    return sandbox.run(args, { permissions: without, env });
  });
  assert.deepEqual(await sandbox.cacheEntries(), entries);
  idp.clearRequests();
  assert.notEqual(tokenOf(await sandbox.run(args, { permissions })), first, "no refresh");
  assert.equal(idp.countRequests({ path: "/token", grantType: "refresh_token" }), 1);
});

Deno.test("permission sets: clean under -P=clean and the user's grants", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  // Deleting the whole cache needs no read access; `clean --oidc-issuer-url=…` reads entries.
  const cache = (await cacheGrants(sandbox)).filter((grant) => grant.kind !== "read");
  const args = getTokenArgs(idp);
  tokenOf(await runWithLogin(sandbox, args));
  const grants = grantsFor("clean", cache);
  await eachWithoutOne(sandbox, "clean", grants, (without, env) => {
    return sandbox.run(["clean"], { permissions: without, env });
  });
  assert.equal((await sandbox.cacheEntries()).length, 1, "clean removed entries without a grant");
  const permissions = await permissionFlags(sandbox.root, "clean", grants);
  const result = await sandbox.run(["clean"], { permissions });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await sandbox.cacheEntries(), []);
});

Deno.test("permission sets: setup under -P=setup and the user's grants", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  // setup caches the token it gets, for kubectl's first get-token: get-token's grants.
  const grants = grantsFor("setup", await cacheGrants(sandbox, idp));
  const args = ["setup", ...getTokenArgs(idp).slice(1)];
  const permissions = await permissionFlags(sandbox.root, "setup", grants);
  const result = await runWithLogin(sandbox, args, { permissions });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /set-credentials/);
  // Each grant a login needs in any case, left out in turn.
  const needed = grants.filter((grant) =>
    grant.kind === "net" ||
    ["KUBERNETES_EXEC_INFO", "OIDC_CLIENT_SECRET"].includes(grant.values[0])
  );
  for (const grant of needed) {
    const rest = grants.filter((other) => other !== grant);
    const without = await permissionFlags(sandbox.root, "setup", rest);
    assertNamesFlag(await sandbox.run(args, { permissions: without }), grant);
  }
});

Deno.test("permission sets: standalone under -P=standalone and the kubeconfig's path", async () => {
  await using sandbox = await PluginSandbox.create();
  // A kubeconfig whose oidc user holds a token valid for an hour: standalone mode only reads it.
  const part = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "");
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const kubeconfig = `${sandbox.home}/.kube/config`;
  await Deno.mkdir(`${sandbox.home}/.kube`, { recursive: true });
  await Deno.writeTextFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "c", user: "oidc" } }],
      clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
      users: [{
        name: "oidc",
        user: {
          "auth-provider": {
            name: "oidc",
            config: {
              "idp-issuer-url": "http://127.0.0.1:9",
              "client-id": "kubernetes",
              "id-token": `${part({ alg: "RS256" })}.${part({ sub: "alice", exp })}.c2ln`,
            },
          },
        },
      }],
    }),
  );
  const grants = grantsFor("standalone", [{ kind: "read", values: [kubeconfig] }]);
  const permissions = await permissionFlags(sandbox.root, "standalone", grants);
  const result = await sandbox.run([], { permissions });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^You already have a valid token until /);
  await eachWithoutOne(sandbox, "standalone", grants, (without) => {
    return sandbox.run([], { permissions: without });
  });
});

Deno.test("permission sets: every command's set is in deno.json and docs/permissions.md", async () => {
  const doc = await Deno.readTextFile(`${ROOT}docs/permissions.md`);
  for (const [set, { env }] of Object.entries(SETS)) {
    assert.match(doc, new RegExp(`-P=${set}\\b`), `docs/permissions.md lacks -P=${set}`);
    for (const name of env) assert.ok(doc.includes(name), `docs/permissions.md lacks ${name}`);
  }
});
