/**
 * Standalone mode (no subcommand): the kubeconfig's `auth-provider: oidc` user is read, and a
 * login or refresh at the test provider writes the new tokens back into the file.
 */

import assert from "node:assert/strict";
import { encodeBase64Url } from "../../lib/base64url.ts";
import { decodeJwtClaims } from "../../lib/jwt.ts";
import { ALICE, PUBLIC_CLIENT_ID, startTestIdp } from "../support/idp.ts";
import { PluginSandbox } from "../support/plugin.ts";
import { UserAgent } from "../support/user_agent.ts";

function jwtExpiringIn(seconds: number): string {
  const part = (value: unknown) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(value)));
  return `${part({ alg: "RS256" })}.${
    part({ sub: "alice", exp: Math.floor(Date.now() / 1000) + seconds })
  }.c2ln`;
}

function kubeconfig(
  idToken: string,
  issuer = "http://127.0.0.1:9",
  clientId = "kubernetes",
): string {
  return `# written by the test
apiVersion: v1
kind: Config
current-context: oidc@cluster
contexts:
  - name: oidc@cluster
    context: { cluster: cluster, user: oidc }
  - name: static@cluster
    context: { cluster: cluster, user: static }
clusters:
  - name: cluster
    cluster: { server: "https://127.0.0.1:6443" }
users:
  - name: oidc
    user:
      auth-provider:
        name: oidc
        config:
          idp-issuer-url: ${issuer}
          client-id: ${clientId}
          id-token: ${idToken}
  - name: static
    user:
      token: static-token
`;
}

Deno.test("standalone mode leaves a valid token alone", async () => {
  await using sandbox = await PluginSandbox.create();
  const path = `${sandbox.root}/kubeconfig`;
  const content = kubeconfig(jwtExpiringIn(3600));
  await Deno.writeTextFile(path, content);
  const result = await sandbox.run([`--kubeconfig=${path}`]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^You already have a valid token until \d{4}-/m);
  assert.equal(await Deno.readTextFile(path), content);
});

Deno.test("standalone mode needs an oidc auth-provider user", async () => {
  await using sandbox = await PluginSandbox.create();
  const path = `${sandbox.root}/kubeconfig`;
  await Deno.writeTextFile(path, kubeconfig(jwtExpiringIn(3600)));
  const cases: [string[], RegExp][] = [
    [["--context=static@cluster"], /the user static in .* has no auth-provider of name oidc/],
    [["--user=nobody"], /no user nobody in /],
    [["--context=nowhere"], /no context nowhere with a user/],
  ];
  for (const [args, message] of cases) {
    const result = await sandbox.run([`--kubeconfig=${path}`, ...args]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  }
  const missing = await sandbox.run([`--kubeconfig=${sandbox.root}/absent`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: no kubeconfig found at /);
});

/** The `auth-provider` config of the `oidc` user, as the real kubectl reads the file. */
async function authProviderConfig(path: string): Promise<Record<string, string>> {
  const output = await new Deno.Command("kubectl", {
    args: ["config", "view", "--raw", "-o", "jsonpath={.users[?(@.name=='oidc')].user}"],
    env: { KUBECONFIG: path },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout))["auth-provider"].config;
}

Deno.test("standalone mode logs in, then refreshes, writing the tokens into the kubeconfig", async () => {
  // The refreshed token gets another lifetime, so it differs from the first within a second too.
  await using idp = await startTestIdp({ idTokenTtlSec: 12 });
  await using sandbox = await PluginSandbox.create();
  const path = `${sandbox.root}/kubeconfig`;
  await Deno.writeTextFile(path, kubeconfig("", idp.issuer, PUBLIC_CLIENT_ID));
  const args = [`--kubeconfig=${path}`, "--skip-open-browser", "--listen-address=127.0.0.1:0"];

  const plugin = sandbox.start(args);
  await new UserAgent().login(await plugin.loginUrl(), ALICE);
  const first = await plugin.result();
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /^You got a valid token until \d{4}-/m);
  const written = await authProviderConfig(path);
  assert.equal(decodeJwtClaims(written["id-token"])?.sub, ALICE.username);
  assert.ok(written["refresh-token"], "no refresh token written");
  assert.equal(written["idp-issuer-url"], idp.issuer);
  assert.equal(idp.requestsTo("/token", "authorization_code").length, 1);
  assert.ok(
    !first.stdout.includes(written["id-token"]) && !first.stderr.includes(written["id-token"]),
  );

  // An ID token past its expiry, rather than waiting for the real one to age: the refresh token
  // stays, so expect a refresh, no browser.
  const content = await Deno.readTextFile(path);
  await Deno.writeTextFile(path, content.replace(written["id-token"], jwtExpiringIn(-60)));
  idp.setIdTokenTtl(3600);
  const second = await sandbox.run(args);
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stderr, /for authentication/);
  assert.equal(idp.requestsTo("/token", "refresh_token").length, 1);
  const refreshed = await authProviderConfig(path);
  assert.notEqual(refreshed["id-token"], written["id-token"]);
  assert.equal(decodeJwtClaims(refreshed["id-token"])?.sub, ALICE.username);

  // A valid token is left alone: no request at all.
  idp.clearRequests();
  const third = await sandbox.run(args);
  assert.equal(third.code, 0, third.stderr);
  assert.equal(idp.requests.length, 0);
});
