/**
 * `doctor` end to end: the plugin as a process against the test provider, a healthy setup that
 * passes, and one failure per cause, each named on its line with what was tried.
 */

import assert from "node:assert/strict";
import { PUBLIC_CLIENT_ID, startTestIdp, type TestIdp } from "../support/idp.ts";
import { withClockSkew } from "../support/idp/extensions.ts";
import { PLUGIN_ENV_VARIABLES, type PluginResult, PluginSandbox } from "../support/plugin.ts";

const KUBECTL = new TextDecoder().decode(
  (await new Deno.Command("sh", { args: ["-c", "command -v kubectl"], stdout: "piped" }).output())
    .stdout,
).trim();

/** A PATH directory with kubectl and the plugin binary, as an installed plugin has them. */
async function pluginPath(sandbox: PluginSandbox): Promise<string> {
  const bin = `${sandbox.root}/bin`;
  if (await Deno.stat(bin).then(() => true, () => false)) return bin;
  await Deno.mkdir(bin, { recursive: true });
  await Deno.symlink(KUBECTL, `${bin}/kubectl`);
  await Deno.writeTextFile(`${bin}/kubectl-together_login`, "#!/bin/sh\n", { mode: 0o755 });
  return bin;
}

function kubeconfigUser(name: string, args: string[], interactiveMode = "Never"): string {
  return `- name: ${name}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubectl
      interactiveMode: ${interactiveMode}
      args: [${["together-login", ...args].map((arg) => JSON.stringify(arg)).join(", ")}]
`;
}

function providerArgs(idp: TestIdp | string, ...extra: string[]): string[] {
  const issuer = typeof idp === "string" ? idp : idp.issuer;
  return [`--oidc-issuer-url=${issuer}`, `--oidc-client-id=${PUBLIC_CLIENT_ID}`, ...extra];
}

/** Runs doctor with the plugin's permissions, plus PATH to look kubectl up. */
async function doctor(
  sandbox: PluginSandbox,
  args: string[],
  kubeconfigText?: string,
): Promise<PluginResult> {
  const kubeconfig = `${sandbox.root}/kubeconfig`;
  if (kubeconfigText !== undefined) {
    await Deno.writeTextFile(kubeconfig, `apiVersion: v1\nkind: Config\nusers:\n${kubeconfigText}`);
  }
  const path = await pluginPath(sandbox);
  return await sandbox.run(["doctor", ...args, `--kubeconfig=${kubeconfig}`], {
    env: { PATH: path },
    permissions: sandbox.permissions.map((flag) =>
      flag.startsWith("--allow-env=") ? `--allow-env=${PLUGIN_ENV_VARIABLES},PATH` : flag
    ),
  });
}

/** Doctor with the flags of a login that needs nothing from this machine but the provider. */
function doctorOf(sandbox: PluginSandbox, idp: TestIdp): Promise<PluginResult> {
  return doctor(sandbox, providerArgs(idp, "--skip-open-browser", "--listen-address=127.0.0.1:0"));
}

/** Exactly one check failed, the one the pattern describes, and the exit code says so. */
function assertOnlyFailure(result: PluginResult, pattern: string): void {
  assert.equal(result.code, 1, result.stdout);
  assert.match(result.stdout, new RegExp(`^FAIL {2}${pattern}`, "m"));
  assert.equal(lines(result, "FAIL").length, 1, result.stdout);
  assert.match(result.stderr, /^error: 1 of \d+ checks failed$/m);
}

function lines(result: PluginResult, mark: string): string[] {
  return result.stdout.split("\n").filter((line) => line.startsWith(mark));
}

Deno.test("doctor passes on a healthy setup", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = ["get-token", ...providerArgs(idp, "--skip-open-browser")];
  await Deno.writeTextFile(`${sandbox.root}/kubeconfig`, `users:\n${kubeconfigUser("oidc", args)}`);
  const result = await doctorOf(sandbox, idp);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.deepEqual(lines(result, "FAIL"), []);
  for (
    const name of [
      "discovery",
      "jwks",
      "clock",
      "grant authcode",
      "port 127.0.0.1:0",
      "permissions",
    ]
  ) {
    assert.match(result.stdout, new RegExp(`^PASS {2}${name}: `, "m"), result.stdout);
  }
  assert.match(
    result.stdout,
    new RegExp(
      `^PASS {2}discovery: ${idp.issuer}/\\.well-known/openid-configuration answered`,
      "m",
    ),
  );
  assert.match(
    result.stdout,
    /^PASS {2}kubeconfig user oidc: .*args parse, .*\/bin\/kubectl and .*\/bin\/kubectl-together_login$/m,
  );
  assert.match(
    result.stdout,
    /^INFO {2}revocation: the provider advertises no revocation_endpoint/m,
  );
  assert.match(result.stdout, /^INFO {2}cache directory: .* does not exist yet/m);
});

Deno.test("doctor fails on an unreachable issuer, naming the URL", async () => {
  await using sandbox = await PluginSandbox.create();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  const result = await doctor(
    sandbox,
    providerArgs(`http://127.0.0.1:${port}`, "--skip-open-browser"),
  );
  assert.equal(result.code, 1, result.stdout);
  assert.match(
    result.stdout,
    new RegExp(
      `^FAIL {2}discovery: GET http://127\\.0\\.0\\.1:${port}/\\.well-known/openid-configuration: could not reach .* -> fix: `,
      "m",
    ),
  );
  assert.match(result.stderr, /^error: \d+ of \d+ checks failed$/m);

  // Plain http is for loopback only: refused before any request.
  const plain = await doctor(sandbox, providerArgs("http://issuer.example", "--skip-open-browser"));
  assert.equal(plain.code, 1, plain.stdout);
  assert.match(
    plain.stdout,
    /^FAIL {2}discovery: http:\/\/issuer\.example is plain http on a host that is not loopback -> fix: use the provider's https:\/\/ issuer URL/m,
  );
});

Deno.test("doctor fails on a busy listen port, naming the port", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  using busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const address = `127.0.0.1:${(busy.addr as Deno.NetAddr).port}`;
  const args = providerArgs(idp, "--skip-open-browser", `--listen-address=${address}`);
  assertOnlyFailure(await doctor(sandbox, args), `port ${address}: ${address} is in use -> fix: `);
});

Deno.test("doctor fails on a skewed clock (the provider's Date header)", async () => {
  await using idp = await startTestIdp(withClockSkew(3_600_000));
  await using sandbox = await PluginSandbox.create();
  assertOnlyFailure(
    await doctorOf(sandbox, idp),
    `clock: this machine's clock is 3[56]\\d\\d s behind the provider's \\(Date header of ${idp.issuer}/\\.well-known/openid-configuration\\) -> fix: synchronise the clock`,
  );
});

Deno.test("doctor fails on a broken kubeconfig entry, naming the user and the cause", async () => {
  await using sandbox = await PluginSandbox.create();
  const args = ["get-token", ...providerArgs("https://issuer.example")];
  const result = await doctor(
    sandbox,
    [],
    kubeconfigUser("typo", [...args, "--oidc-extra-scop=email"], "IfAvailable") +
      kubeconfigUser("asks", [...args, "--username=alice"], "Never") +
      kubeconfigUser("fine", args, "Never") +
      "- name: unrelated\n  user:\n    token: abc\n",
  );
  assert.equal(result.code, 1, result.stdout);
  assert.match(result.stdout, /^SKIP {2}provider: pass the get-token flags/m);
  assert.match(
    result.stdout,
    /^FAIL {2}kubeconfig user typo: in \S+: its args do not parse: unknown option '--oidc-extra-scop=email'/m,
  );
  assert.match(
    result.stdout,
    /^FAIL {2}kubeconfig user asks: .*interactiveMode is Never -> fix: set interactiveMode: IfAvailable$/m,
  );
  assert.match(result.stdout, /^PASS {2}kubeconfig user fine: /m);
  assert.doesNotMatch(result.stdout, /unrelated/);
});

Deno.test("doctor without a kubeconfig says so and passes", async () => {
  await using sandbox = await PluginSandbox.create();
  const result = await doctor(sandbox, []);
  assert.equal(result.code, 0, result.stdout);
  assert.match(result.stdout, /^INFO {2}kubeconfig: no kubeconfig at \S+\/kubeconfig$/m);
});

Deno.test("doctor fails on a cache directory others can read", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  await Deno.mkdir(sandbox.cacheDir, { recursive: true });
  await Deno.chmod(sandbox.cacheDir, 0o755);
  assertOnlyFailure(
    await doctorOf(sandbox, idp),
    `cache directory: ${sandbox.cacheDir} has mode 755: .* -> fix: chmod 700 ${sandbox.cacheDir}$`,
  );
});

Deno.test("doctor fails on keyring storage it cannot use, naming the cause", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = providerArgs(idp, "--skip-open-browser", "--token-cache-storage=keyring");
  // Without --allow-ffi the keyring binding cannot load, and the permission check says so too.
  const noFfi = await doctor(sandbox, args);
  assert.equal(noFfi.code, 1, noFfi.stdout);
  assert.match(noFfi.stdout, /^FAIL {2}keyring: keyring storage needs --allow-ffi/m);
  assert.match(noFfi.stdout, /^FAIL {2}permissions: this process lacks --allow-ffi /m);

  // With it, but no D-Bus session to reach a Secret Service.
  const noBus = await sandbox.run(["doctor", ...args], {
    env: { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" },
    permissions: [...sandbox.permissions, "--allow-ffi"],
  });
  assert.equal(noBus.code, 1, noBus.stdout);
  assert.match(noBus.stdout, /^FAIL {2}keyring: the keyring did not answer: .+ -> fix: /m);
});
