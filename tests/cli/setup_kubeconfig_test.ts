/**
 * `setup --write-kubeconfig` end to end: the plugin writes the user and context by kubectl's file
 * rules, keeps every other entry and a backup, and the real kubectl reads the result.
 */

import assert from "node:assert/strict";
import { ALICE, PUBLIC_CLIENT_ID, startTestIdp, type TestIdp } from "../support/idp.ts";
import { PLUGIN_ENV_VARIABLES, PluginSandbox } from "../support/plugin.ts";

function setupArgs(idp: TestIdp, ...extra: string[]): string[] {
  return [
    "setup",
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    `--username=${ALICE.username}`,
    `--password=${ALICE.password}`,
    "--write-kubeconfig",
    ...extra,
  ];
}

/** `kubectl config view` of the files, as JSON. */
async function kubectlView(sandbox: PluginSandbox, kubeconfig: string): Promise<{
  clusters: { name: string }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  users: { name: string; user: Record<string, unknown> }[];
  "current-context": string;
}> {
  const output = await new Deno.Command("kubectl", {
    args: ["config", "view", "--raw", "-o", "json"],
    env: { KUBECONFIG: kubeconfig, HOME: sandbox.home },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

const FIRST = `apiVersion: v1
kind: Config
current-context: other
clusters:
- name: dev
  cluster:
    server: https://dev.example:6443
contexts:
- name: other
  context:
    cluster: dev
    user: someone
users:
- name: someone
  user:
    token: unrelated-token
`;

const SECOND = `apiVersion: v1
kind: Config
users:
- name: oidc
  user:
    auth-provider:
      name: oidc
      config:
        client-id: old
        idp-issuer-url: https://old.example
- name: keep-me
  user:
    username: admin
`;

Deno.test("setup --write-kubeconfig follows KUBECONFIG, keeps other entries, backs up", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const first = `${sandbox.root}/first.yaml`;
  const second = `${sandbox.root}/second.yaml`;
  const absent = `${sandbox.root}/absent.yaml`;
  await Deno.writeTextFile(first, FIRST);
  await Deno.writeTextFile(second, SECOND);
  const kubeconfig = [absent, first, second].join(":");
  const result = await sandbox.run(setupArgs(idp, "--context-name=dev-oidc", "--cluster=dev"), {
    env: { KUBECONFIG: kubeconfig },
    permissions: sandbox.permissions.map((flag) =>
      flag.startsWith("--allow-env=") ? `--allow-env=${PLUGIN_ENV_VARIABLES},KUBECONFIG` : flag
    ),
  });
  assert.equal(result.code, 0, result.stderr);
  // The user goes to the file that already holds it, the new context to the first existing file.
  assert.match(
    result.stdout,
    new RegExp(`^Wrote the user oidc to ${second} \\(the old file is in ${second}\\.bak\\)$`, "m"),
  );
  assert.match(
    result.stdout,
    new RegExp(
      `^Wrote the context dev-oidc to ${first} \\(the old file is in ${first}\\.bak\\)$`,
      "m",
    ),
  );
  assert.match(
    result.stdout,
    /^ {2}kubectl config use-context dev-oidc\n {2}kubectl auth whoami$/m,
  );
  assert.equal(await Deno.readTextFile(`${first}.bak`), FIRST);
  assert.equal(await Deno.readTextFile(`${second}.bak`), SECOND);
  assert.ok(!(await Deno.stat(absent).then(() => true, () => false)), "absent.yaml was created");
  assert.ok(!result.stdout.includes(ALICE.password));

  const view = await kubectlView(sandbox, kubeconfig);
  assert.equal(view["current-context"], "other");
  assert.deepEqual(view.clusters.map((c) => c.name), ["dev"]);
  assert.deepEqual(view.contexts.map((c) => c.name).sort(), ["dev-oidc", "other"]);
  assert.deepEqual(view.contexts.find((c) => c.name === "dev-oidc")?.context, {
    cluster: "dev",
    user: "oidc",
  });
  assert.deepEqual(view.users.map((u) => u.name).sort(), ["keep-me", "oidc", "someone"]);
  assert.deepEqual(view.users.find((u) => u.name === "someone")?.user, {
    token: "unrelated-token",
  });
  const oidc = view.users.find((u) => u.name === "oidc")!.user;
  assert.equal(oidc["auth-provider"], undefined, "the old auth-provider would clash with exec");
  const exec = oidc.exec as Record<string, unknown>;
  assert.equal(exec.interactiveMode, "IfAvailable");
  assert.equal(exec.apiVersion, "client.authentication.k8s.io/v1");
  assert.deepEqual(exec.args, [
    "together-login",
    "get-token",
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    `--username=${ALICE.username}`,
  ]);
  assert.equal((await sandbox.cacheEntries()).length, 1, "setup cached its token");
});

Deno.test("setup --write-kubeconfig --kubeconfig creates a private file, and twice is stable", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const path = `${sandbox.root}/new/config`;
  const run = () => sandbox.run(setupArgs(idp, `--kubeconfig=${path}`));
  const created = await run();
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, new RegExp(`^Wrote the user oidc to ${path}$`, "m"));
  assert.match(created.stdout, /^ {2}kubectl --user=oidc auth whoami$/m);
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  const once = await Deno.readTextFile(path);
  const again = await run();
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await Deno.readTextFile(path), once);
  assert.equal(await Deno.readTextFile(`${path}.bak`), once);
  const view = await kubectlView(sandbox, path);
  assert.deepEqual(view.users.map((u) => u.name), ["oidc"]);

  idp.clearRequests();
  const broken = await sandbox.run(setupArgs(idp, `--kubeconfig=${path}`, "--cluster=dev"));
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /^error: --context-name and --cluster go together/m);
  assert.equal(idp.requests.length, 0, "a flag mistake must fail before the login");
  const stray = await sandbox.run(
    setupArgs(idp, "--context-name=x").filter((a) => a !== "--write-kubeconfig"),
  );
  assert.equal(stray.code, 1);
  assert.match(stray.stderr, /^error: --context-name needs --write-kubeconfig/m);
});
