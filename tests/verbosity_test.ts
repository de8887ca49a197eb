/**
 * The `-v` levels through the plugin process: `-v1` the steps and the cache entry, `-v2` a line
 * per request to the provider, `-v3` its response headers (never cookies or credentials), and at
 * no level a token, code, secret or password of any grant.
 */

import assert from "node:assert/strict";
import {
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  startTestIdp,
  TEST_USERS,
  type TestIdp,
} from "./support/idp.ts";
import { CI_SUBJECT_TOKEN } from "./support/idp/token_exchange.ts";
import { getTokenArgs, tokenOf } from "./support/login.ts";
import { type PluginResult, PluginSandbox } from "./support/plugin.ts";
import { UserAgent } from "./support/user_agent.ts";

const ALICE = TEST_USERS[0];
const DEVICE_PROMPT =
  /^To log in, open (\S+) in a browser \(or open (\S+) and enter the code (\S+)\)$/;
/** A request trace line: method, URL, status, milliseconds. */
const TRACE = /^debug: (GET|POST) (http\S+) -> (\d{3}) \(\d+ ms\)$/gm;

function machineArgs(idp: TestIdp, ...extra: string[]): string[] {
  return [
    "get-token",
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${MACHINE_CLIENT_ID}`,
    "--grant-type=client-credentials",
    "--oidc-use-access-token",
    ...extra,
  ];
}
const MACHINE_ENV = { env: { OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET } };

Deno.test("-v levels: steps and cache entry, then requests, then headers", async (t) => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  await t.step("-v1: the cache entry's path, no request trace", async () => {
    const args = machineArgs(idp, "-v1");
    const result = await sandbox.run(args, MACHINE_ENV);
    tokenOf(result);
    const keyId = await sandbox.keyIdFor(args.slice(1));
    assert.match(
      result.stderr,
      new RegExp(`^debug: token cache entry: ${sandbox.cacheDir}/${keyId} \\(disk\\)$`, "m"),
    );
    assert.doesNotMatch(result.stderr, TRACE);
  });
  await t.step("-v1 with --token-cache-storage=none: not cached", async () => {
    const result = await sandbox.run(
      machineArgs(idp, "-v1", "--token-cache-storage=none"),
      MACHINE_ENV,
    );
    tokenOf(result);
    assert.match(result.stderr, /^debug: token cache: not cached \(--token-cache-storage=none\)$/m);
  });
  await t.step("-v2: one line per request, no headers", async () => {
    const result = await sandbox.run(
      machineArgs(idp, "-v2", "--token-cache-storage=none"),
      MACHINE_ENV,
    );
    tokenOf(result);
    const traced = [...result.stderr.matchAll(TRACE)].map(([, method, url, status]) =>
      `${method} ${new URL(url).pathname} ${status}`
    );
    assert.ok(traced.includes("GET /.well-known/openid-configuration 200"), result.stderr);
    assert.ok(traced.some((line) => /^POST \S*\/token 200$/.test(line)), result.stderr);
    assert.doesNotMatch(result.stderr, /^debug: {3}content-type:/m);
  });
  await t.step("-v3: response headers too", async () => {
    const result = await sandbox.run(
      machineArgs(idp, "-v3", "--token-cache-storage=none"),
      MACHINE_ENV,
    );
    tokenOf(result);
    assert.match(result.stderr, /^debug: {3}content-type: application\/json/m);
  });
});

Deno.test("-v3 leaves out Set-Cookie and Authorization, and secret query values", async () => {
  await using sandbox = await PluginSandbox.create();
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      new Response("no", {
        status: 404,
        headers: {
          "set-cookie": "session=cookie-secret-value",
          "authorization": "Bearer header-secret-value",
          "x-request-id": "visible-request-id",
        },
      }),
  );
  const result = await sandbox.run([
    "get-token",
    `--oidc-issuer-url=http://127.0.0.1:${server.addr.port}`,
    "--oidc-client-id=kubernetes",
    "--token-cache-storage=none",
    "-v3",
  ]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^debug: GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\S* -> 404/m);
  assert.match(result.stderr, /x-request-id: visible-request-id/);
  assert.doesNotMatch(result.stderr, /cookie-secret-value|header-secret-value|set-cookie/i);
});

/** Asserts that no secret (nor a JWT's signature alone) appears in the run's stderr. */
function assertNoSecrets(result: PluginResult, secrets: readonly (string | undefined)[]): void {
  for (const secret of secrets) {
    if (!secret) continue;
    const parts = secret.split(".");
    for (const value of parts.length === 3 ? [secret, parts[2]] : [secret]) {
      assert.ok(!result.stderr.includes(value), `a secret is in the -v10 output: ${value}`);
    }
  }
  assert.doesNotMatch(
    result.stderr,
    /(code_verifier|device_code|refresh_token|client_secret|password)=[^*&\s]/,
  );
}

Deno.test("-v10 never shows a token, code, secret or password of any grant", async (t) => {
  // The subject token is given in argv here on purpose: even then it must not be echoed.
  await using idp = await startTestIdp();
  const fixed = [MACHINE_CLIENT_SECRET, ALICE.password];
  const cachedSecrets = async (sandbox: PluginSandbox, args: string[]) => {
    const read = await sandbox.diskCache().read(await sandbox.keyIdFor(args.slice(1)));
    return read.hit ? [read.tokenSet.token, read.tokenSet.refreshToken] : [];
  };
  await t.step("authcode, then a refresh", async () => {
    await using sandbox = await PluginSandbox.create();
    const args = getTokenArgs(idp, "-v10");
    const plugin = sandbox.start(args);
    const outcome = await new UserAgent().login(await plugin.loginUrl(), ALICE);
    const result = await plugin.result();
    const token = tokenOf(result);
    const cached = await cachedSecrets(sandbox, args);
    assertNoSecrets(result, [...fixed, token, outcome.code, ...cached]);
    const refresh = await sandbox.run([...args, "--force-refresh"]);
    assert.match(refresh.stderr, /^debug: POST \S+\/token -> 200/m);
    assertNoSecrets(refresh, [
      ...fixed,
      token,
      tokenOf(refresh),
      ...cached,
      ...await cachedSecrets(sandbox, args),
    ]);
  });
  await t.step("authcode-keyboard", async () => {
    await using sandbox = await PluginSandbox.create();
    const callback = "http://127.0.0.1:9/callback";
    const args = getTokenArgs(idp, "-v10", "--grant-type=authcode-keyboard");
    const plugin = sandbox.start([...args, `--oidc-redirect-url=${callback}`], {
      stdinStream: true,
    });
    const [, url] = await plugin.waitForLine(/^(http\S+\/auth\?\S+)$/);
    const outcome = await new UserAgent().login(url, ALICE, { stopAtOrigin: "http://127.0.0.1:9" });
    assert.ok(outcome.code);
    await plugin.writeStdin(`${outcome.code}\n`);
    const result = await plugin.result();
    assertNoSecrets(result, [...fixed, tokenOf(result), outcome.code]);
  });
  await t.step("password", async () => {
    await using sandbox = await PluginSandbox.create();
    const args = getTokenArgs(idp, "-v10", `--username=${ALICE.username}`);
    const result = await sandbox.run([...args, `--password=${ALICE.password}`]);
    assertNoSecrets(result, [...fixed, tokenOf(result)]);
  });
  await t.step("device-code", async () => {
    await using sandbox = await PluginSandbox.create();
    const args = getTokenArgs(idp, "-v10", "--grant-type=device-code");
    const plugin = sandbox.start(args);
    const [, , uri, userCode] = await plugin.waitForLine(DEVICE_PROMPT);
    await new UserAgent().completeDeviceLogin(uri, userCode, ALICE);
    const result = await plugin.result();
    assertNoSecrets(result, [...fixed, tokenOf(result), ...await cachedSecrets(sandbox, args)]);
  });
  await t.step("client-credentials", async () => {
    await using sandbox = await PluginSandbox.create();
    const result = await sandbox.run(machineArgs(idp, "-v10"), MACHINE_ENV);
    assertNoSecrets(result, [...fixed, tokenOf(result)]);
  });
  await t.step("token-exchange", async () => {
    await using sandbox = await PluginSandbox.create();
    const args = [
      ...machineArgs(idp, "-v10").filter((arg) => !arg.startsWith("--grant-type")),
      "--grant-type=token-exchange",
      `--token-exchange-subject-token=${CI_SUBJECT_TOKEN}`,
    ];
    const result = await sandbox.run(args, MACHINE_ENV);
    assert.match(result.stderr, /^debug: POST \S+\/token -> 200/m);
    assertNoSecrets(result, [...fixed, tokenOf(result), CI_SUBJECT_TOKEN]);
  });
});
