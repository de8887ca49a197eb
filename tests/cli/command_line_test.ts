/**
 * The command line as kubectl and people meet it, through the plugin process: flag errors are one
 * line with a usage hint and exit code 1, help hides the compatibility flags, and a kubeconfig
 * written for int128/kubelogin (old and klog flags included) works unchanged.
 */

import assert from "node:assert/strict";
import { VERSION } from "../../cli/version.ts";
import { parseExecCredential, type PluginResult, PluginSandbox } from "../support/plugin.ts";

/** An issuer that cannot be reached: these runs must not need the provider. */
const ISSUER = "https://issuer.invalid";
const REQUIRED = [`--oidc-issuer-url=${ISSUER}`, "--oidc-client-id=kubernetes"];
const GET_TOKEN_HINT = "(see 'kubectl together-login get-token --help')";

/** Asserts a failed run that printed exactly `line` on stderr and nothing on stdout. */
function assertOneLineError(result: PluginResult, line: string): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.trimEnd(), line);
}

Deno.test("flag errors: one line, exit code 1, a usage hint", async (t) => {
  await using sandbox = await PluginSandbox.create();
  await t.step("an unknown flag", async () => {
    const result = await sandbox.run(["get-token", ...REQUIRED, "--oidc-issuer"]);
    assertOneLineError(
      result,
      `error: unknown option '--oidc-issuer'; did you mean --oidc-issuer-url? ${GET_TOKEN_HINT}`,
    );
  });
  await t.step("a missing required flag", async () => {
    const result = await sandbox.run(["get-token", "--oidc-client-id=kubernetes"]);
    assertOneLineError(
      result,
      `error: required flag --oidc-issuer-url is not set ${GET_TOKEN_HINT}`,
    );
  });
  await t.step("an empty required flag", async () => {
    const result = await sandbox.run(["get-token", ...REQUIRED, "--oidc-client-id="]);
    assertOneLineError(
      result,
      `error: required flag --oidc-client-id is not set ${GET_TOKEN_HINT}`,
    );
  });
  await t.step("a value outside the choices", async () => {
    const result = await sandbox.run(["get-token", ...REQUIRED, "--grant-type=implicit"]);
    assertOneLineError(
      result,
      'error: invalid value "implicit" for --grant-type: must be one of ' +
        `auto|authcode|authcode-keyboard|password|device-code|client-credentials|token-exchange ${GET_TOKEN_HINT}`,
    );
  });
  await t.step("a stray argument", async () => {
    const result = await sandbox.run(["get-token", ...REQUIRED, "extra"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr.trimEnd(), /^error: too many arguments.*get-token --help'\)$/);
  });
  await t.step("an unknown command", async () => {
    const result = await sandbox.run(["get-tokens", ...REQUIRED]);
    assertOneLineError(
      result,
      `error: unknown command "get-tokens"; did you mean get-token? (see 'kubectl together-login --help')`,
    );
  });
});

Deno.test("help lists the documented flags and hides the compatibility ones", async () => {
  await using sandbox = await PluginSandbox.create();
  const result = await sandbox.run(["get-token", "--help"]);
  assert.equal(result.code, 0, result.stderr);
  for (const flag of ["--oidc-issuer-url", "--grant-type", "--token-cache-storage", "-v, --v"]) {
    assert.ok(result.stdout.includes(flag), `${flag} is not in the help`);
  }
  assert.match(
    result.stdout.replace(/\s+/g, " "),
    /--listen-address .*default: 127\.0\.0\.1:8000,127\.0\.0\.1:18000/,
  );
  for (
    const flag of ["--listen-port", "--oidc-redirect-url-hostname", "--log_dir", "--no-keyring"]
  ) {
    assert.ok(!result.stdout.includes(flag), `${flag} is in the help`);
  }
  // cobra's spelling, which kubelogin users know.
  const helpCommand = await sandbox.run(["help", "get-token"]);
  assert.equal(helpCommand.code, 0, helpCommand.stderr);
  assert.equal(helpCommand.stdout, result.stdout);
});

Deno.test("version, as a command and a flag", async () => {
  await using sandbox = await PluginSandbox.create();
  const command = await sandbox.run(["version"]);
  assert.equal(command.code, 0, command.stderr);
  assert.match(command.stdout, new RegExp(`^together-kubelogin version ${VERSION} \\(deno `));
  const flag = await sandbox.run(["--version"]);
  assert.equal(flag.stdout, command.stdout);
});

Deno.test("a kubeconfig written for kubelogin answers from the cache unchanged", async () => {
  await using sandbox = await PluginSandbox.create();
  // The arguments of a kubeconfig from the kubelogin 1.2x–1.3x era.
  const args = [
    ...REQUIRED,
    "--oidc-extra-scope=email,profile",
    "--listen-port=8000",
    "--listen-port=18000",
    "--oidc-redirect-url-hostname=localhost",
    "--no-keyring",
    "--oidc-use-pkce",
    "--tls-renegotiation-once",
    "--logtostderr=true",
    "--alsologtostderr",
    "--vmodule=get_token=2",
    "-v1",
  ];
  const token = "header.payload.signature";
  await sandbox.seedEntry(args, { token, expiresAt: Date.now() + 3600_000 });
  const result = await sandbox.run(["get-token", ...args]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(parseExecCredential(result.stdout).status.token, token);
  assert.match(result.stderr, /from the cache/);
});
