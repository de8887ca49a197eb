/**
 * The browser's authorization code grant through the plugin process, for the flags only a
 * process exercises: TLS to the provider, the local server's addresses, ports, certificates and
 * redirects, the browser command, older releases' flags, and the failure lines.
 */

import assert from "node:assert/strict";
import { decodeJwtClaims } from "../../lib/jwt.ts";
import { createTestCa, issueServerCert, LOOPBACK_NAMES } from "../support/tls.ts";
import { PluginSandbox } from "../support/plugin.ts";
import { startTestIdp, TEST_USERS } from "../support/idp.ts";
import { tokenOf } from "../support/login.ts";
import { assertFailure, base, provider, startOnFreePort } from "../support/plugin_grants.ts";
import { UserAgent } from "../support/user_agent.ts";

const ALICE = TEST_USERS[0];

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

Deno.test("authcode: --oidc-redirect-url with a path of its own", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const redirectFor = (port: number) => `http://127.0.0.1:${port}/oidc/callback`;
  const { plugin, port, url } = await startOnFreePort(sandbox, (port) => [
    ...provider(idp),
    "--skip-open-browser",
    `--listen-address=127.0.0.1:${port}`,
    `--oidc-redirect-url=${redirectFor(port)}`,
  ]);
  const redirect = redirectFor(port);
  const page = await new UserAgent().login(url, ALICE);
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
    const { plugin, port: fallback, url } = await startOnFreePort(sandbox, (fallback) => [
      ...provider(idp),
      "--skip-open-browser",
      `--listen-address=127.0.0.1:${takenPort},127.0.0.1:${fallback}`,
    ]);
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

Deno.test("flags of older kubelogin releases still work end to end", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const { plugin, port, url } = await startOnFreePort(sandbox, (port) => [
    ...provider(idp),
    "--skip-open-browser",
    `--listen-port=${port}`,
    "--oidc-redirect-url-hostname=127.0.0.1",
    "--no-keyring",
    "--logtostderr=true",
    "--vmodule=get_token=2",
  ]);
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
