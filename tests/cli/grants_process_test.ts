/**
 * The grants through the plugin process, for what only a process shows: stdin a pipe or a
 * terminal, kubectl's non-interactive exec info, secrets from the environment, flags parsed end
 * to end, exit codes and error lines. The grants themselves are tested in-process beside their
 * modules (tests/oidc/*_test.ts).
 */

import assert from "node:assert/strict";
import { decodeJwtClaims } from "../../lib/jwt.ts";
import { parseExecCredential, PluginSandbox } from "../support/plugin.ts";
import {
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  DEVICE_CODE_GRANT_TYPE as DEVICE_GRANT,
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  startTestIdp,
  TEST_USERS,
} from "../support/idp.ts";
import { tokenOf } from "../support/login.ts";
import {
  assertFailure,
  base,
  DEVICE_PROMPT,
  NOT_INTERACTIVE_EXEC_INFO,
  within,
} from "../support/plugin_grants.ts";
import { UserAgent } from "../support/user_agent.ts";

const ALICE = TEST_USERS[0];

Deno.test("device-code: approved in the browser", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start([...base(idp), "--grant-type=device-code"], {
    env: { KUBERNETES_EXEC_INFO: NOT_INTERACTIVE_EXEC_INFO },
  });
  const [, complete, uri, userCode] = await plugin.waitForLine(DEVICE_PROMPT);
  assert.ok(complete.includes(userCode));
  const page = await new UserAgent().completeDeviceLogin(uri, userCode, ALICE);
  assert.match(page.body, /Device approved/);
  const token = tokenOf(await plugin.result());
  assert.equal(decodeJwtClaims(token)?.sub, ALICE.username);
  assert.ok(idp.requestsTo("/device/auth").length === 1);
  assert.ok(idp.requestsTo("/token", DEVICE_GRANT).length >= 1);
  // The cache now answers, whatever the grant.
  idp.clearRequests();
  assert.equal(tokenOf(await sandbox.run([...base(idp), "--grant-type=device-code"])), token);
  assert.equal(idp.requests.length, 0);
});

// Expired, timed out and slow_down are in-process (tests/oidc/device_code_test.ts): each waits
// seconds, and the process adds only the "error: " line, which this case checks.
Deno.test("device-code: denied in the browser is an error line and exit code 1", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start([...base(idp), "--grant-type=device-code"]);
  const [, , uri, userCode] = await plugin.waitForLine(DEVICE_PROMPT);
  await new UserAgent().completeDeviceLogin(uri, userCode, ALICE, false);
  assertFailure(await plugin.result(), /^error: .*denied.*access_denied/m);
});

Deno.test("password: from flags, wrong password, and never from a pipe", async (t) => {
  await using idp = await startTestIdp();
  await t.step("username and password flags (grant type auto)", async () => {
    await using sandbox = await PluginSandbox.create();
    const result = await sandbox.run([
      ...base(idp),
      `--username=${ALICE.username}`,
      `--password=${ALICE.password}`,
      "--oidc-extra-scope=groups",
    ]);
    const claims = decodeJwtClaims(tokenOf(result));
    assert.equal(claims?.sub, ALICE.username);
    assert.deepEqual(claims?.groups, ALICE.groups);
    assert.equal(idp.requestsTo("/token", "password").at(-1)?.params.password, "[redacted]");
  });
  await t.step("wrong password", async () => {
    await using sandbox = await PluginSandbox.create();
    const result = await sandbox.run([...base(idp), "--username=alice", "--password=nope"]);
    assertFailure(
      result,
      /^error: the provider rejected the username or password .*invalid_grant/m,
    );
    assert.doesNotMatch(result.stderr, /nope/);
  });
  await t.step("no password and stdin is a pipe", async () => {
    await using sandbox = await PluginSandbox.create();
    idp.clearRequests();
    const result = await sandbox.run([...base(idp), "--username=alice"], {
      stdin: `${ALICE.password}\n`,
    });
    assertFailure(result, /^error: a password is read only from a terminal .*--password$/m);
    assert.equal(idp.requestsTo("/token").length, 0);
  });
  await t.step("no password and kubectl says non-interactive", async () => {
    await using sandbox = await PluginSandbox.create();
    const result = await sandbox.run([...base(idp), "--username=alice"], {
      env: { KUBERNETES_EXEC_INFO: NOT_INTERACTIVE_EXEC_INFO },
    });
    assertFailure(result, /^error: --grant-type=password needs a password, .*interactiveMode/m);
  });
  await t.step("asked on a terminal without echo", async () => {
    await using sandbox = await PluginSandbox.create();
    // `script` gives the plugin a pseudo-terminal, as a shell would.
    const command = [Deno.execPath(), "run", ...sandbox.permissions, "mod.ts", ...base(idp)]
      .concat("--username=alice").map((word) => `'${word}'`).join(" ");
    const child = new Deno.Command("script", {
      args: ["-q", "-e", "-c", command, "/dev/null"],
      env: sandbox.env,
      clearEnv: true,
      cwd: new URL("../..", import.meta.url).pathname,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = child.stdout.pipeThrough(new TextDecoderStream());
    let seen = "";
    const reader = output.getReader();
    const kill = () => child.kill("SIGKILL");
    while (!seen.includes("Password: ")) {
      const { value, done } = await within(60_000, reader.read(), kill);
      if (done) break;
      seen += value;
    }
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${ALICE.password}\r`));
    await writer.close();
    for (;;) {
      const { value, done } = await within(60_000, reader.read(), kill);
      if (done) break;
      seen += value;
    }
    const status = await within(60_000, child.status, kill);
    await child.stderr.cancel();
    assert.equal(status.code, 0, seen);
    assert.match(seen, /"kind":"ExecCredential"/);
    assert.ok(!seen.includes(ALICE.password), "the password was echoed");
  });
});

Deno.test("authcode-keyboard: the code typed in, or an immediate refusal", async (t) => {
  await using idp = await startTestIdp();
  await t.step("code read from stdin", async () => {
    await using sandbox = await PluginSandbox.create();
    const callback = "http://127.0.0.1:9/callback";
    const plugin = sandbox.start([
      ...base(idp),
      "--grant-type=authcode-keyboard",
      `--oidc-redirect-url=${callback}`,
    ], { stdinStream: true });
    const [, url] = await plugin.waitForLine(/^(http\S+\/auth\?\S+)$/);
    assert.equal(new URL(url).searchParams.get("redirect_uri"), callback);
    const outcome = await new UserAgent().login(url, ALICE, {
      stopAtOrigin: "http://127.0.0.1:9",
    });
    const code = new URL(outcome.finalUrl).searchParams.get("code");
    assert.ok(code, outcome.finalUrl);
    await plugin.writeStdin(`${code}\n`);
    const result = await plugin.result();
    assert.equal(decodeJwtClaims(tokenOf(result))?.sub, ALICE.username);
    assert.ok(!result.stderr.includes(code), "the code was echoed to stderr");
  });
  await t.step("refused at once when kubectl gives no stdin", async () => {
    await using sandbox = await PluginSandbox.create();
    idp.clearRequests();
    // stdin stays open and silent: a plugin that read it would never finish.
    const plugin = sandbox.start([...base(idp), "--grant-type=authcode-keyboard"], {
      env: { KUBERNETES_EXEC_INFO: NOT_INTERACTIVE_EXEC_INFO },
      stdinStream: true,
    });
    const result = await within(30_000, plugin.result(), () => plugin.kill("SIGKILL"));
    assertFailure(result, /^error: --grant-type=authcode-keyboard .*--grant-type=device-code/m);
    assert.match(result.stderr, /interactiveMode: Never/);
    assert.doesNotMatch(result.stderr, /Enter code/);
    assert.equal(idp.requestsTo("/auth").length, 0);
  });
});

Deno.test("client-credentials: the access token, extra parameters, secret from the environment", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = [
    ...base(idp, MACHINE_CLIENT_ID),
    "--grant-type=client-credentials",
    "--oidc-auth-request-extra-params=audience=https://kubernetes.example",
    "--oidc-use-access-token",
  ];
  const result = await sandbox.run(args, { env: { OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET } });
  const credential = parseExecCredential(result.stdout);
  assert.ok(credential.status.token.length > 10);
  const expiry = Date.parse(credential.status.expirationTimestamp);
  assert.ok(Math.abs(expiry - (Date.now() + 600_000)) < 10_000, "expiry from expires_in");
  const request = idp.requestsTo("/token", "client_credentials")[0];
  assert.equal(request.params.audience, "https://kubernetes.example");
  assert.equal(request.headers.authorization, "[redacted]");

  const noSecret = await sandbox.run([...args, "--token-cache-storage=none"]);
  assertFailure(noSecret, /^error: .*client secret/m);

  // As kubelogin: the ID token unless --oidc-use-access-token, and the test provider issues none.
  const withoutFlag = await sandbox.run(
    args.filter((arg) => arg !== "--oidc-use-access-token").concat("--token-cache-storage=none"),
    { env: { OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET } },
  );
  assertFailure(withoutFlag, /^error: .*without an ID token; add --oidc-use-access-token/m);
});

Deno.test("a confidential client authenticates with OIDC_CLIENT_SECRET", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start(base(idp, CONFIDENTIAL_CLIENT_ID), {
    env: { OIDC_CLIENT_SECRET: CONFIDENTIAL_CLIENT_SECRET },
  });
  await new UserAgent().login(await plugin.loginUrl(), ALICE);
  tokenOf(await plugin.result());
  assert.equal(
    idp.requestsTo("/token", "authorization_code")[0].headers.authorization,
    "[redacted]",
  );
});

Deno.test("request headers, extra parameters and the access token option", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start([
    ...base(idp),
    "--oidc-request-header=X-Tenant=blue",
    "--oidc-auth-request-extra-params=prompt=login,ui_locales=en",
    "--oidc-use-access-token",
    "--oidc-extra-scope=email,groups",
  ]);
  await new UserAgent().login(await plugin.loginUrl(), ALICE);
  const result = await plugin.result();
  const token = tokenOf(result);
  assert.equal(decodeJwtClaims(token), undefined, "an opaque access token, not the ID token");
  // An opaque token carries no exp: its expiry is expires_in (the provider's 3600 s).
  const expiry = Date.parse(parseExecCredential(result.stdout).status.expirationTimestamp);
  assert.ok(Math.abs(expiry - (Date.now() + 3600_000)) < 60_000, "expiry from expires_in");
  const auth = idp.requestsTo("/auth")[0];
  assert.equal(auth.params.prompt, "login");
  assert.equal(auth.params.ui_locales, "en");
  assert.equal(auth.params.scope, "openid email groups");
  for (const path of ["/.well-known/openid-configuration", "/token", "/jwks"]) {
    assert.equal(idp.requestsTo(path)[0].headers["x-tenant"], "blue", path);
  }
});

Deno.test("the cache keeps configurations apart", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const login = async (extra: string[]) => {
    const plugin = sandbox.start([...base(idp), ...extra]);
    await new UserAgent().login(await plugin.loginUrl(), ALICE);
    return tokenOf(await plugin.result());
  };
  await login([]);
  await login(["--oidc-extra-scope=email"]);
  await login(["--oidc-use-access-token"]);
  assert.equal((await sandbox.cacheEntries()).length, 3);
  idp.clearRequests();
  // Scope order does not matter; each configuration finds its own entry.
  await sandbox.run([...base(idp), "--oidc-extra-scope=email"]);
  assert.equal(idp.requests.length, 0);
});

Deno.test("--force-refresh refreshes a valid token without a login", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start(base(idp));
  await new UserAgent().login(await plugin.loginUrl(), ALICE);
  tokenOf(await plugin.result());

  idp.clearRequests();
  tokenOf(await sandbox.run(base(idp)));
  assert.equal(idp.requests.length, 0, "a valid cached token needs no request");

  const result = await sandbox.run([...base(idp), "--force-refresh"]);
  assert.equal(decodeJwtClaims(tokenOf(result))?.sub, ALICE.username);
  const refreshes = idp.requestsTo("/token", "refresh_token");
  assert.equal(refreshes.length, 1);
  assert.equal(refreshes[0].status, 200);
  assert.equal(idp.requestsTo("/auth").length, 0, "no browser login");
  assert.doesNotMatch(result.stderr, /Open http/);
});
