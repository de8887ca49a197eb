/**
 * The permission sets of deno.json (`deno run -P=<command>`) with the per-user grants
 * docs/permissions.md adds on the command line: each command works under exactly those, and
 * without any one of them fails at once with one line naming the `--allow-…` flag to add.
 */

import assert from "node:assert/strict";
import { startTestIdp } from "../support/idp.ts";
import { withRevocation } from "../support/idp/extensions.ts";
import { expireEntry, getTokenArgs, runWithLogin, tokenOf } from "../support/login.ts";
import {
  assertNamesFlag,
  cacheDirectories,
  cacheGrants,
  eachWithoutOne,
  envWithout,
  flagOf,
  type Grant,
  grantsFor,
  permissionFlags,
  SETS,
} from "../support/permission_sets.ts";
import { PluginSandbox } from "../support/plugin.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

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

Deno.test("permission sets: status under -P=status and read access to the cache", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp);
  tokenOf(await runWithLogin(sandbox, args));
  // status only reads; with provider flags it finds the entry as get-token would (the secret
  // variable is part of the cache key).
  const { kubeCache, keyDir } = await cacheDirectories(sandbox);
  const grants = grantsFor("status", [
    { kind: "read", values: [kubeCache] },
    { kind: "read", values: [keyDir] },
  ]);
  const status = ["status", ...args.slice(1)];
  const permissions = await permissionFlags(sandbox.root, "status", grants);
  const result = await sandbox.run(status, { permissions });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^ {2}subject: +alice$/m);
  await eachWithoutOne(sandbox, "status", grants, (without, env) => {
    return sandbox.run(status, { permissions: without, env });
  });
});

Deno.test("permission sets: logout under -P=logout revokes; without a grant nothing is lost", async () => {
  await using idp = await startTestIdp(withRevocation());
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp);
  tokenOf(await runWithLogin(sandbox, args));
  const { kubeCache, keyDir } = await cacheDirectories(sandbox);
  const grants = grantsFor("logout", [
    { kind: "read", values: [kubeCache] },
    { kind: "read", values: [keyDir] },
    { kind: "write", values: [kubeCache] },
    { kind: "net", values: [new URL(idp.issuer).hostname] },
  ]);
  const logout = ["logout", ...args.slice(1)];
  // Each grant left out stops logout before it revokes or deletes anything, so the refresh token
  // can still be revoked once the grant is added.
  const entries = await sandbox.cacheEntries();
  idp.clearRequests();
  await eachWithoutOne(sandbox, "logout", grants, (without, env) => {
    return sandbox.run(logout, { permissions: without, env });
  });
  assert.deepEqual(await sandbox.cacheEntries(), entries);
  assert.equal(idp.requestsTo("/token/revocation").length, 0);

  const permissions = await permissionFlags(sandbox.root, "logout", grants);
  const result = await sandbox.run(logout, { permissions });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^Revoked the refresh token at /m);
  assert.equal(idp.requestsTo("/token/revocation")[0]?.status, 200);
  assert.deepEqual(await sandbox.cacheEntries(), []);
});

Deno.test("permission sets: doctor under -P=doctor checks everything; each grant's absence is named", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp);
  tokenOf(await runWithLogin(sandbox, args));
  // kubectl and the plugin on PATH, and a kubeconfig whose user runs the plugin.
  const bin = `${sandbox.root}/bin`;
  await Deno.mkdir(bin);
  for (const name of ["kubectl", "kubectl-together_login"]) {
    await Deno.writeTextFile(`${bin}/${name}`, "#!/bin/sh\n", { mode: 0o755 });
  }
  const kubeconfig = `${sandbox.root}/kubeconfig`;
  const exec = {
    apiVersion: "client.authentication.k8s.io/v1",
    command: "kubectl",
    interactiveMode: "IfAvailable",
    args: ["together-login", ...args],
  };
  await Deno.writeTextFile(
    kubeconfig,
    JSON.stringify({ users: [{ name: "oidc", user: { exec } }] }),
  );
  const { kubeCache, keyDir } = await cacheDirectories(sandbox);
  // doctor checks that this process holds what get-token needs: get-token's grants, and those of
  // its own checks.
  const grants = grantsFor("doctor", [
    { kind: "read", values: [kubeCache] },
    { kind: "read", values: [keyDir] },
    { kind: "read", values: [kubeconfig] },
    { kind: "read", values: [bin] },
    { kind: "write", values: [kubeCache, keyDir] },
    { kind: "net", values: [new URL(idp.issuer).hostname] },
  ]);
  const doctor = ["doctor", ...args.slice(1)];
  const run = async (grantsOfRun: Grant[], env: Record<string, string> = {}) => {
    const permissions = await permissionFlags(sandbox.root, "doctor", grantsOfRun);
    return await sandbox.run(doctor, {
      permissions,
      env: { KUBECONFIG: kubeconfig, PATH: bin, ...env },
    });
  };
  const full = await run(grants);
  assert.equal(full.code, 0, `${full.stdout}\n${full.stderr}`);
  assert.match(full.stdout, /^PASS {2}permissions: /m);
  assert.match(full.stdout, /^PASS {2}cache directory: .* has mode 700 and is yours$/m);
  assert.match(
    full.stdout,
    /^PASS {2}kubeconfig user oidc: .*\/bin\/kubectl and .*\/bin\/kubectl-together_login$/m,
  );
  assert.doesNotMatch(full.stdout, /^(FAIL|SKIP)/m);
  assert.doesNotMatch(full.stdout, /--allow-/);

  // What doctor itself reads to find the cache stops it with one line; a grant get-token needs
  // fails a check that names it; a grant only doctor's own checks use makes them say what they
  // skipped and which flag would complete them (exit 0).
  const stops = ["HOME", "KUBECACHEDIR", "XDG_CONFIG_HOME", "OIDC_CLIENT_SECRET"];
  const optional = ["KUBECONFIG", "PATH", "uid", kubeconfig, bin];
  for (const grant of grants) {
    const rest = grants.filter((other) => other !== grant);
    const result = await run(rest, envWithout(grant));
    const flag = flagOf(grant);
    if (stops.includes(grant.values[0])) {
      assertNamesFlag(result, grant);
      continue;
    }
    // A kubeconfig that could not be read is not reported missing.
    assert.doesNotMatch(result.stdout, /^INFO {2}kubeconfig: no /m);
    const named = result.stdout.split("\n").filter((line) => line.includes(flag));
    const scope = grant.kind === "read" || grant.kind === "net" ? grant.values[0] : "";
    assert.ok(
      named.some((line) => line.includes(scope)),
      `no line names ${flag}:\n${result.stdout}`,
    );
    if (optional.includes(grant.values[0])) {
      assert.equal(result.code, 0, `without ${flag}:\n${result.stdout}${result.stderr}`);
      assert.ok(named.every((line) => /^(SKIP|PASS) /.test(line)), result.stdout);
    } else {
      assert.equal(result.code, 1, `without ${flag}:\n${result.stdout}`);
      assert.ok(named.some((line) => line.startsWith("FAIL  ")), result.stdout);
      assert.match(result.stderr, /^error: \d+ of \d+ checks failed$/);
    }
  }
});

Deno.test("permission sets: every command's set is in deno.json and docs/permissions.md", async () => {
  const doc = await Deno.readTextFile(`${ROOT}docs/permissions.md`);
  for (const [set, { env, sys }] of Object.entries(SETS)) {
    assert.match(doc, new RegExp(`-P=${set}\\b`), `docs/permissions.md lacks -P=${set}`);
    for (const name of env) assert.ok(doc.includes(name), `docs/permissions.md lacks ${name}`);
    for (const kind of sys ?? []) {
      assert.ok(doc.includes(`--allow-sys=${kind}`), `docs/permissions.md lacks sys ${kind}`);
    }
  }
  // Every command the program has (but help and version) has its set.
  const program = await Deno.readTextFile(`${ROOT}cli/program.ts`);
  const commands = [...program.matchAll(/^ {4}name: "([a-z-]+)",\n {4}summary: /gm)];
  assert.ok(commands.length >= 6, "cli/program.ts's command list changed shape");
  for (const [, name] of commands) {
    assert.ok(name in SETS, `deno.json has no permission set for ${name}`);
  }
});
