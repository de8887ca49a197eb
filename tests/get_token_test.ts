/**
 * `get-token` end to end: the plugin as a process, the test provider over HTTP, a user agent
 * doing the browser's part. Each scenario asserts the exit code, the ExecCredential on stdout and
 * the requests the provider saw. Expiry and refresh scenarios that need no process run
 * in-process with a moved clock, in get_token_in_process_test.ts.
 */

import assert from "node:assert/strict";
import { decodeJwtClaims } from "../lib/jwt.ts";
import { EXEC_API_V1, EXEC_API_V1BETA1 } from "../lib/kube/exec_credential.ts";
import { parseExecCredential, type PluginResult, PluginSandbox } from "./support/plugin.ts";
import { PUBLIC_CLIENT_ID, startTestIdp, TEST_USERS } from "./support/idp.ts";
import { expireEntry, getTokenArgs, runWithLogin } from "./support/login.ts";

const ALICE = TEST_USERS[0];

function assertCredential(result: PluginResult, apiVersion = EXEC_API_V1): string {
  assert.equal(result.code, 0, result.stderr);
  const credential = parseExecCredential(result.stdout);
  assert.equal(credential.kind, "ExecCredential");
  assert.equal(credential.apiVersion, apiVersion);
  const claims = decodeJwtClaims(credential.status.token);
  assert.ok(claims, "the token is not a JWT");
  assert.equal(claims.sub, ALICE.username);
  assert.equal(
    credential.status.expirationTimestamp,
    new Date((claims.exp as number) * 1000).toISOString().replace(".000Z", "Z"),
  );
  return credential.status.token;
}

Deno.test("first login, then cache hits with no request to the provider", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const token = assertCredential(await runWithLogin(sandbox, getTokenArgs(idp)));

  const auth = idp.requestsTo("/auth")[0];
  assert.equal(auth.params.code_challenge_method, "S256");
  assert.ok(auth.params.state && auth.params.nonce && auth.params.code_challenge);
  assert.deepEqual(
    idp.requests.filter((r) => !r.path.startsWith("/auth") && !r.path.startsWith("/interaction"))
      .map((r) => `${r.method} ${r.path} ${r.grantType ?? ""}`.trim()),
    [
      "GET /.well-known/openid-configuration",
      "POST /token authorization_code",
      "GET /jwks",
    ],
  );
  assert.equal(idp.requestsTo("/token")[0].params.code_verifier, "[redacted]");

  idp.clearRequests();
  const again = await sandbox.run(getTokenArgs(idp));
  assert.equal(assertCredential(again), token);
  assert.equal(idp.requests.length, 0, "a cache hit must not talk to the provider");
  assert.doesNotMatch(again.stderr, /Open http/);
});

Deno.test("a provider outage during refresh is an error and keeps the cache", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  assertCredential(await runWithLogin(sandbox, getTokenArgs(idp)));
  // The entry is rewritten as expired rather than waited for; the in-process tests
  // (get_token_in_process_test.ts) move a clock instead.
  await expireEntry(sandbox, getTokenArgs(idp));
  const [entry] = await sandbox.cacheEntries();
  const before = await Deno.readFile(`${sandbox.cacheDir}/${entry}`);
  idp.failNextTokenRequest(503);
  const result = await sandbox.run(getTokenArgs(idp));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: .*503/m);
  assert.doesNotMatch(result.stderr, /Open http/);
  assert.equal(result.stdout, "");
  assert.deepEqual(await Deno.readFile(`${sandbox.cacheDir}/${entry}`), before);
  // Once the provider is back, the same refresh token works.
  const recovered = await sandbox.run(getTokenArgs(idp));
  assertCredential(recovered);
  assert.doesNotMatch(recovered.stderr, /Open http/);
});

Deno.test("a callback with another state is rejected", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  // The forged callback gets a 400 and the login waits on (issue 10), until its timeout.
  const args = [...getTokenArgs(idp), "--authentication-timeout-sec=5"];
  const result = await runWithLogin(sandbox, args, {
    agent: {
      tamperCallback: (url) => {
        url.searchParams.set("state", "forged");
        return url;
      },
    },
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: timed out waiting for the browser login/m);
  assert.equal(idp.requestsTo("/token").length, 0, "the code must not be exchanged");
  assert.deepEqual(await sandbox.cacheEntries(), []);
});

Deno.test("an issuer URL that differs from the discovery document is rejected", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const aliased = idp.issuer.replace("127.0.0.1", "localhost");
  const result = await sandbox.run([
    "get-token",
    `--oidc-issuer-url=${aliased}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    "--skip-open-browser",
  ]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /issuer/);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
});

Deno.test("an ID token signed by a key outside the provider's JWKS is rejected", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  idp.useForeignSigningKey(true);
  const result = await runWithLogin(sandbox, getTokenArgs(idp));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: the ID token is not valid: the signature is invalid/m);
  assert.equal(result.stdout, "");
  assert.deepEqual(await sandbox.cacheEntries(), []);
});

Deno.test("KUBERNETES_EXEC_INFO asking for v1beta1 gets a v1beta1 answer", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const env = {
    KUBERNETES_EXEC_INFO: JSON.stringify({
      kind: "ExecCredential",
      apiVersion: EXEC_API_V1BETA1,
      spec: { interactive: false },
    }),
  };
  assertCredential(await runWithLogin(sandbox, getTokenArgs(idp), { env }), EXEC_API_V1BETA1);
  assertCredential(await sandbox.run(getTokenArgs(idp), { env }), EXEC_API_V1BETA1);
});

Deno.test("the cache entry is private and holds no token in clear", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const token = assertCredential(await runWithLogin(sandbox, getTokenArgs(idp)));
  const entries = await sandbox.cacheEntries();
  assert.equal(entries.length, 1);
  const path = `${sandbox.cacheDir}/${entries[0]}`;
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  assert.equal((await Deno.stat(sandbox.cacheDir)).mode! & 0o777, 0o700);
  const content = new TextDecoder("latin1").decode(await Deno.readFile(path));
  for (const part of token.split(".")) {
    assert.ok(!content.includes(part.slice(0, 24)), "a token part appears in the cache file");
  }
  assert.ok(!content.includes(idp.issuer));
});

Deno.test("a corrupted cache entry means a new login, not a crash", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  assertCredential(await runWithLogin(sandbox, getTokenArgs(idp)));
  const [entry] = await sandbox.cacheEntries();
  await Deno.writeTextFile(`${sandbox.cacheDir}/${entry}`, "garbage");
  idp.clearRequests();
  const result = await runWithLogin(sandbox, getTokenArgs(idp, "-v1"));
  assertCredential(result);
  assert.match(result.stderr, /debug: no usable cached token \(corrupt/);
  assert.equal(idp.requestsTo("/token", "authorization_code").length, 1);
});

Deno.test("a missing permission names the flag to add, without prompting", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const permissions = sandbox.permissions.filter((flag) => !flag.startsWith("--allow-env"));
  const result = await sandbox.run(getTokenArgs(idp), { permissions });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: permission denied: .*; run with --allow-env=\w+$/m);
  const noNet = sandbox.permissions.filter((flag) => !flag.startsWith("--allow-net"));
  const offline = await sandbox.run(getTokenArgs(idp), { permissions: noNet });
  assert.equal(offline.code, 1);
  assert.match(offline.stderr, /run with --allow-net=127\.0\.0\.1:\d+/);
});
