/**
 * `setup` end to end: the plugin as a process, a login at the test provider, the claims and the
 * next steps on stdout, and the printed `kubectl config set-credentials` run by the real kubectl.
 */

import assert from "node:assert/strict";
import {
  ALICE,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  PUBLIC_CLIENT_ID,
  startTestIdp,
} from "../support/idp.ts";
import { parseExecCredential, PluginSandbox } from "../support/plugin.ts";
import { UserAgent } from "../support/user_agent.ts";

Deno.test("setup without an issuer shows how to start", async () => {
  await using sandbox = await PluginSandbox.create();
  const result = await sandbox.run(["setup"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /kubectl together-login setup --oidc-issuer-url=ISSUER_URL/);
});

Deno.test("setup logs in, shows the claims and a kubeconfig command without the secret", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start([
    "setup",
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${CONFIDENTIAL_CLIENT_ID}`,
    `--oidc-client-secret=${CONFIDENTIAL_CLIENT_SECRET}`,
    "--oidc-extra-scope=email,groups",
    // max_age makes the provider put auth_time into the ID token.
    "--oidc-auth-request-extra-params=max_age=3600",
    "--skip-open-browser",
    "--listen-address=127.0.0.1:0",
  ]);
  await new UserAgent().login(await plugin.loginUrl(), ALICE);
  const result = await plugin.result();
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^Authentication in progress\.\.\.$/m);

  const claimsJson = result.stdout.match(/following claims:\n\n(\{[\s\S]*?\n\})\n/)?.[1];
  assert.ok(claimsJson, result.stdout);
  const claims = JSON.parse(claimsJson);
  assert.equal(claims.sub, ALICE.username);
  assert.equal(claims.iss, idp.issuer);
  assert.deepEqual(claims.groups, ALICE.groups);
  assert.match(result.stdout, new RegExp(`--user='?${idp.issuer}#${ALICE.username}'?`));
  assert.ok(!result.stdout.includes(CONFIDENTIAL_CLIENT_SECRET), "the secret is printed");
  assert.ok(!result.stderr.includes(CONFIDENTIAL_CLIENT_SECRET), "the secret is logged");
  // exp, iat and auth_time in words beside the raw numbers.
  for (const name of ["exp", "iat", "auth_time"]) {
    assert.match(
      result.stdout,
      new RegExp(
        `^ {2}${name} +${
          claims[name]
        } = \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\((in [\\dhm ]+|[\\dsmh ]+ ago)\\)$`,
        "m",
      ),
    );
  }
  // The token has email and groups: the API server flags and bindings that use them.
  assert.match(result.stdout, /^ {2}--oidc-username-claim=email$/m);
  assert.match(result.stdout, /^ {2}--oidc-groups-claim=groups$/m);
  assert.match(result.stdout, /--clusterrole=view --group=developers$/m);
  assert.match(result.stdout, /--user=alice@example\.com$/m);
  // The temporary listen address stays out of the kubeconfig, and setup says so.
  assert.match(result.stdout, /^Left out of the kubeconfig, .*: --listen-address\.$/m);

  // The printed command, run by the real kubectl against an empty kubeconfig.
  const command = result.stdout.match(/^ {2}(kubectl config set-credentials[\s\S]*?)\n\n/m)?.[1];
  assert.ok(command, result.stdout);
  const kubeconfig = `${sandbox.root}/kubeconfig`;
  const shell = await new Deno.Command("sh", {
    args: ["-c", command],
    env: { KUBECONFIG: kubeconfig, HOME: sandbox.home },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(shell.code, 0, new TextDecoder().decode(shell.stderr));
  const view = await new Deno.Command("kubectl", {
    args: ["config", "view", "-o", "jsonpath={.users[?(@.name=='oidc')].user.exec}"],
    env: { KUBECONFIG: kubeconfig, HOME: sandbox.home },
    stdout: "piped",
  }).output();
  const exec = JSON.parse(new TextDecoder().decode(view.stdout));
  assert.equal(exec.apiVersion, "client.authentication.k8s.io/v1");
  assert.equal(exec.command, "kubectl");
  assert.equal(exec.interactiveMode, "Never");
  assert.deepEqual(exec.args, [
    "together-login",
    "get-token",
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${CONFIDENTIAL_CLIENT_ID}`,
    "--oidc-extra-scope=email",
    "--oidc-extra-scope=groups",
    "--oidc-auth-request-extra-params=max_age=3600",
    "--skip-open-browser",
  ]);

  // setup cached its token: kubectl's first get-token with those arguments answers from the
  // cache, without a login (stdin closed, no browser: a login could not even start).
  idp.clearRequests();
  const first = await sandbox.run(["get-token", ...exec.args.slice(2)], {
    env: { OIDC_CLIENT_SECRET: CONFIDENTIAL_CLIENT_SECRET },
  });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(parseExecCredential(first.stdout).status.token.split(".").length, 3);
  assert.equal(idp.requests.length, 0, "get-token after setup talked to the provider");
});

Deno.test("setup with --username alone (the password grant) lets kubectl ask: IfAvailable", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const result = await sandbox.run([
    "setup",
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    `--username=${ALICE.username}`,
    `--password=${ALICE.password}`,
    "--browser-command=true",
    "--authentication-timeout-sec=30",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^ {4}--exec-interactive-mode=IfAvailable \\$/m);
  assert.ok(!result.stdout.includes(ALICE.password), "the password is printed");
  assert.match(result.stdout, /^ {4}--exec-arg=--username=alice$/m);
  assert.doesNotMatch(result.stdout, /--exec-arg=--(browser-command|authentication-timeout-sec)/);
  assert.match(
    result.stdout,
    /^Left out of the kubeconfig, .*: --browser-command, --authentication-timeout-sec\.$/m,
  );

  // And when a kubeconfig still says Never, the error tells what to set.
  await sandbox.run(["logout"]);
  const refused = await sandbox.run([
    "get-token",
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    `--username=${ALICE.username}`,
  ], {
    env: {
      KUBERNETES_EXEC_INFO: JSON.stringify({
        apiVersion: "client.authentication.k8s.io/v1",
        kind: "ExecCredential",
        spec: { interactive: false },
      }),
    },
  });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /set interactiveMode: IfAvailable/);
});
