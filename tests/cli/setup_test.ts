/**
 * `setup` end to end: the plugin as a process, a login at the test provider, the claims and the
 * next steps on stdout, and the printed `kubectl config set-credentials` run by the real kubectl.
 */

import assert from "node:assert/strict";
import {
  ALICE,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  startTestIdp,
} from "../support/idp.ts";
import { PluginSandbox } from "../support/plugin.ts";
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
  assert.deepEqual(await sandbox.cacheEntries(), [], "setup must not fill the token cache");

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
    "--skip-open-browser",
    "--listen-address=127.0.0.1:0",
  ]);
});
