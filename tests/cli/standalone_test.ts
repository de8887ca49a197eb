import assert from "node:assert/strict";
import { encodeBase64Url } from "../../lib/jwt.ts";
import { PluginSandbox } from "../support/plugin.ts";

function jwtExpiringIn(seconds: number): string {
  const part = (value: unknown) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(value)));
  return `${part({ alg: "RS256" })}.${
    part({ sub: "alice", exp: Math.floor(Date.now() / 1000) + seconds })
  }.c2ln`;
}

function kubeconfig(idToken: string): string {
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
          idp-issuer-url: http://127.0.0.1:9
          client-id: kubernetes
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
