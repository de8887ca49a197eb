/**
 * Every grant type and the provider-facing options, end to end through the plugin process and
 * the test provider.
 */

import assert from "node:assert/strict";
import { decodeJwtClaims } from "../lib/jwt.ts";
import { createTestCa, issueServerCert, LOOPBACK_NAMES } from "./support/tls.ts";
import { parseExecCredential, type PluginResult, PluginSandbox } from "./support/plugin.ts";
import {
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  PUBLIC_CLIENT_ID,
  startTestIdp,
  TEST_USERS,
  type TestIdp,
} from "./support/idp.ts";
import { UserAgent } from "./support/user_agent.ts";

const ALICE = TEST_USERS[0];
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const NOT_INTERACTIVE = JSON.stringify({
  kind: "ExecCredential",
  apiVersion: "client.authentication.k8s.io/v1",
  spec: { interactive: false },
});

/** `get-token` for the provider, without the browser and the listen address. */
function provider(idp: TestIdp, clientId = PUBLIC_CLIENT_ID): string[] {
  return ["get-token", `--oidc-issuer-url=${idp.issuer}`, `--oidc-client-id=${clientId}`];
}

function base(idp: TestIdp, clientId = PUBLIC_CLIENT_ID): string[] {
  return [...provider(idp, clientId), "--skip-open-browser", "--listen-address=127.0.0.1:0"];
}

/** A port nobody listens on right now. */
function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

/** Fails when `promise` takes longer than `ms`; for processes that must not wait for input. */
async function within<T>(ms: number, promise: Promise<T>, onTimeout: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`still running after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function tokenOf(result: PluginResult): string {
  assert.equal(result.code, 0, result.stderr);
  return parseExecCredential(result.stdout).status.token;
}

function assertFailure(result: PluginResult, message: RegExp): void {
  assert.equal(result.code, 1, result.stdout);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, message);
}

const DEVICE_PROMPT =
  /^To log in, open (\S+) in a browser \(or open (\S+) and enter the code (\S+)\)$/;

Deno.test("device-code: approved in the browser", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start([...base(idp), "--grant-type=device-code"], {
    env: { KUBERNETES_EXEC_INFO: NOT_INTERACTIVE },
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

Deno.test("device-code: denied, expired, timed out, slowed down", async (t) => {
  await t.step("denied", async () => {
    await using idp = await startTestIdp();
    await using sandbox = await PluginSandbox.create();
    const plugin = sandbox.start([...base(idp), "--grant-type=device-code"]);
    const [, , uri, userCode] = await plugin.waitForLine(DEVICE_PROMPT);
    await new UserAgent().completeDeviceLogin(uri, userCode, ALICE, false);
    assertFailure(await plugin.result(), /^error: .*denied.*access_denied/m);
  });
  await t.step("expired", async () => {
    await using idp = await startTestIdp({ deviceCodeTtlSec: 2 });
    await using sandbox = await PluginSandbox.create();
    const result = await sandbox.run([...base(idp), "--grant-type=device-code"]);
    assertFailure(result, /^error: .*expired/m);
  });
  await t.step("timed out", async () => {
    await using idp = await startTestIdp();
    await using sandbox = await PluginSandbox.create();
    const result = await sandbox.run([
      ...base(idp),
      "--grant-type=device-code",
      "--authentication-timeout-sec=2",
    ]);
    assertFailure(result, /^error: .*(timed out|timeout).*authentication-timeout-sec/m);
  });
  await t.step("slow_down adds 5 seconds to the interval", async () => {
    await using idp = await startTestIdp();
    await using sandbox = await PluginSandbox.create();
    idp.slowDownNextPoll();
    const plugin = sandbox.start([...base(idp), "--grant-type=device-code"]);
    const [, , uri, userCode] = await plugin.waitForLine(DEVICE_PROMPT);
    const polls = () => idp.requestsTo("/token", DEVICE_GRANT);
    while (polls().length < 1) await new Promise((resolve) => setTimeout(resolve, 100));
    await new UserAgent().completeDeviceLogin(uri, userCode, ALICE);
    tokenOf(await plugin.result());
    const [slowed, next] = polls();
    assert.equal(slowed.status, 400);
    assert.ok(next.time - slowed.time >= 5_500, `polled again after ${next.time - slowed.time} ms`);
  });
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
      env: { KUBERNETES_EXEC_INFO: NOT_INTERACTIVE },
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
      cwd: new URL("..", import.meta.url).pathname,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = child.stdout.pipeThrough(new TextDecoderStream());
    let seen = "";
    const reader = output.getReader();
    while (!seen.includes("Password: ")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${ALICE.password}\r`));
    await writer.close();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    const status = await child.status;
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
      env: { KUBERNETES_EXEC_INFO: NOT_INTERACTIVE },
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

Deno.test("TLS: a provider behind HTTPS with a private CA", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const ca = await createTestCa(dir);
    const server = await issueServerCert(ca, LOOPBACK_NAMES);
    await using idp = await startTestIdp({ tls: { cert: server.certPem, key: server.keyPem } });
    await t.step("without the CA the error names the certificate problem", async () => {
      await using sandbox = await PluginSandbox.create();
      const result = await sandbox.run(base(idp));
      assertFailure(result, /^error: .*invalid peer certificate: UnknownIssuer/m);
      assert.match(result.stderr, /pass the CA with --certificate-authority/);
    });
    await t.step("with --certificate-authority it works", async () => {
      await using sandbox = await PluginSandbox.create();
      const permissions = sandbox.permissions.map((flag) =>
        flag.startsWith("--allow-read=") ? `${flag},${dir}` : flag
      );
      const plugin = sandbox.start([...base(idp), `--certificate-authority=${ca.certFile}`], {
        permissions,
      });
      await new UserAgent([ca.certPem]).login(await plugin.loginUrl(), ALICE);
      tokenOf(await plugin.result());
    });
    await t.step("with --certificate-authority-data it works", async () => {
      await using sandbox = await PluginSandbox.create();
      const data = btoa(ca.certPem);
      const plugin = sandbox.start([...base(idp), `--certificate-authority-data=${data}`]);
      await new UserAgent([ca.certPem]).login(await plugin.loginUrl(), ALICE);
      tokenOf(await plugin.result());
    });
    await t.step("--insecure-skip-tls-verify fails loudly", async () => {
      await using sandbox = await PluginSandbox.create();
      const result = await sandbox.run([...base(idp), "--insecure-skip-tls-verify"]);
      assertFailure(result, /^error: --insecure-skip-tls-verify cannot be honoured/m);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
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

Deno.test("authcode: --oidc-redirect-url with a path of its own", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const port = freePort();
  const redirect = `http://127.0.0.1:${port}/oidc/callback`;
  const plugin = sandbox.start([
    ...provider(idp),
    "--skip-open-browser",
    `--listen-address=127.0.0.1:${port}`,
    `--oidc-redirect-url=${redirect}`,
  ]);
  const page = await new UserAgent().login(await plugin.loginUrl(), ALICE);
  assert.equal(page.finalUrl.split("?")[0], redirect);
  assert.equal(page.status, 200);
  assert.equal(decodeJwtClaims(tokenOf(await plugin.result()))?.sub, ALICE.username);
  assert.equal(idp.requestsTo("/auth")[0].params.redirect_uri, redirect);
  assert.equal(idp.requestsTo("/token", "authorization_code")[0].params.redirect_uri, redirect);
});

Deno.test("authcode: --open-url-after-authentication sends the browser on", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const next = "http://127.0.0.1:9/welcome?cluster=blue";
  const plugin = sandbox.start([...base(idp), `--open-url-after-authentication=${next}`]);
  const page = await new UserAgent().login(await plugin.loginUrl(), ALICE, {
    stopAtOrigin: "http://127.0.0.1:9",
  });
  assert.equal(page.finalUrl, next);
  tokenOf(await plugin.result());
});

Deno.test("authcode: an HTTPS local server (--local-server-cert, --local-server-key)", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  // Inside the sandbox's home, so the plugin may read them and `~` is expanded.
  const ca = await createTestCa(`${sandbox.home}/tls`);
  await issueServerCert(ca, { dnsNames: ["localhost"], name: "local" });
  const plugin = sandbox.start([
    ...base(idp),
    "--local-server-cert=~/tls/local.crt",
    "--local-server-key=~/tls/local.key",
  ]);
  const url = await plugin.loginUrl();
  assert.match(url, /^https:\/\/localhost:\d+\/login\/[\w-]{43}$/);
  using agent = new UserAgent([ca.certPem]);
  const page = await agent.login(url, ALICE);
  assert.equal(page.status, 200);
  assert.match(page.body, /logged in/);
  tokenOf(await plugin.result());
  const redirect = idp.requestsTo("/auth")[0].params.redirect_uri;
  assert.equal(redirect, new URL(url).origin);
  assert.equal(
    idp.requestsTo("/token", "authorization_code")[0].params.redirect_uri,
    new URL(url).origin,
  );
});

Deno.test("authcode: --browser-command is run with the URL", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const opener = `${sandbox.root}/open-browser.sh`;
  const opened = `${sandbox.root}/opened-url`;
  await Deno.writeTextFile(opener, `#!/bin/sh\nprintf '%s' "$@" > '${opened}'\n`);
  await Deno.chmod(opener, 0o755);
  const plugin = sandbox.start([
    ...provider(idp),
    "--listen-address=127.0.0.1:0",
    `--browser-command=${opener}`,
  ], { permissions: [...sandbox.permissions, `--allow-run=${opener}`] });
  const shown = await plugin.loginUrl();
  // The opener runs detached; its file appears soon after the URL is shown.
  let url = "";
  for (let tries = 0; url === "" && tries < 200; tries++) {
    url = await Deno.readTextFile(opened).catch(() => "");
    if (url === "") await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.equal(url, shown, "the URL is the opener's only argument");
  await new UserAgent().login(url, ALICE);
  tokenOf(await plugin.result());
});

Deno.test("authcode: the next --listen-address when a port is taken", async (t) => {
  await using idp = await startTestIdp();
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const takenPort = taken.addr.port;
  await t.step("falls back to the second address", async () => {
    await using sandbox = await PluginSandbox.create();
    const fallback = freePort();
    const plugin = sandbox.start([
      ...provider(idp),
      "--skip-open-browser",
      `--listen-address=127.0.0.1:${takenPort},127.0.0.1:${fallback}`,
    ]);
    const url = await plugin.loginUrl();
    assert.equal(new URL(url).origin, `http://localhost:${fallback}`);
    await new UserAgent().login(url, ALICE);
    tokenOf(await plugin.result());
    assert.equal(idp.requestsTo("/auth")[0].params.redirect_uri, new URL(url).origin);
  });
  await t.step("fails naming the addresses when none is free", async () => {
    await using sandbox = await PluginSandbox.create();
    const result = await sandbox.run([
      ...provider(idp),
      "--skip-open-browser",
      `--listen-address=127.0.0.1:${takenPort}`,
    ]);
    assertFailure(
      result,
      new RegExp(`^error: could not start the local server: 127\\.0\\.0\\.1:${takenPort}`, "m"),
    );
  });
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

Deno.test("flags of older kubelogin releases still work end to end", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const port = freePort();
  const plugin = sandbox.start([
    ...provider(idp),
    "--skip-open-browser",
    `--listen-port=${port}`,
    "--oidc-redirect-url-hostname=127.0.0.1",
    "--no-keyring",
    "--logtostderr=true",
    "--vmodule=get_token=2",
  ]);
  const url = await plugin.loginUrl();
  assert.equal(new URL(url).origin, `http://localhost:${port}`);
  await new UserAgent().login(url, ALICE);
  tokenOf(await plugin.result());
  assert.equal(idp.requestsTo("/auth")[0].params.redirect_uri, `http://127.0.0.1:${port}`);
  assert.equal((await sandbox.cacheEntries()).length, 1, "--no-keyring: the disk cache");
});

Deno.test("authcode: denied in the browser, or never finished", async (t) => {
  await using idp = await startTestIdp();
  await t.step("the person presses Deny", async () => {
    await using sandbox = await PluginSandbox.create();
    const plugin = sandbox.start(base(idp));
    const page = await new UserAgent().login(await plugin.loginUrl(), {
      ...ALICE,
      consent: false,
    });
    assert.equal(page.status, 400);
    assert.match(page.body, /access_denied/);
    assertFailure(await plugin.result(), /^error: authorization failed: access_denied/m);
    assert.equal(idp.requestsTo("/token", "authorization_code").length, 0);
    assert.deepEqual(await sandbox.cacheEntries(), []);
  });
  await t.step("nobody logs in before --authentication-timeout-sec", async () => {
    await using sandbox = await PluginSandbox.create();
    const result = await sandbox.run([...base(idp), "--authentication-timeout-sec=1"]);
    assertFailure(
      result,
      /^error: timed out waiting for the browser login .*--authentication-timeout-sec/m,
    );
  });
});
