/**
 * Standalone mode builds its provider options as `get-token` does: `--oidc-use-pkce` (kubelogin's
 * older spelling of `--oidc-pkce-method=S256`) forces PKCE there too. It was dropped before.
 */

import assert from "node:assert/strict";
import { PluginSandbox } from "../support/plugin.ts";

/** A provider that does not advertise PKCE: only a forced S256 puts a challenge in the URL. */
function startProvider(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const issuer = new URL(request.url).origin;
    if (new URL(request.url).pathname !== "/.well-known/openid-configuration") {
      return new Response("not found", { status: 404 });
    }
    return Response.json({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
    });
  });
}

/** A kubeconfig (JSON is YAML) whose only user has an `oidc` auth-provider with no token yet. */
function kubeconfigFor(issuer: string): string {
  const authProvider = { name: "oidc", config: { "idp-issuer-url": issuer, "client-id": "app" } };
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": "ctx",
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
    users: [{ name: "u", user: { "auth-provider": authProvider } }],
  });
}

/** The authorization request the standalone login sends the browser to. */
async function authorizationRequest(sandbox: PluginSandbox, args: string[]): Promise<URL> {
  const plugin = sandbox.start(args);
  try {
    const start = await fetch(await plugin.loginUrl(), { redirect: "manual" });
    await start.body?.cancel();
    assert.equal(start.status, 302);
    return new URL(start.headers.get("location")!);
  } finally {
    plugin.kill();
    await plugin.result();
  }
}

Deno.test("standalone mode: --oidc-use-pkce forces PKCE S256", async () => {
  await using provider = startProvider();
  await using sandbox = await PluginSandbox.create();
  const path = `${sandbox.root}/kubeconfig`;
  await Deno.writeTextFile(path, kubeconfigFor(`http://127.0.0.1:${provider.addr.port}`));
  const args = [`--kubeconfig=${path}`, "--skip-open-browser", "--listen-address=127.0.0.1:0"];

  const plain = await authorizationRequest(sandbox, args);
  assert.equal(plain.searchParams.get("code_challenge"), null, "auto: the provider offers none");

  const forced = await authorizationRequest(sandbox, [...args, "--oidc-use-pkce"]);
  assert.equal(forced.searchParams.get("code_challenge_method"), "S256", forced.href);
  assert.match(forced.searchParams.get("code_challenge") ?? "", /^[\w-]{43}$/);
});
