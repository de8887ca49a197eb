/**
 * Opening the login page on real hosts, through the plugin process and the test provider:
 * `--browser-command`, then `$BROWSER`, then the platform opener; a failing opener reported at
 * once; headless hosts told how to log in from elsewhere; busy ports and lock waiters explained.
 */

import assert from "node:assert/strict";
import { startTestIdp, TEST_USERS } from "./support/idp.ts";
import { getTokenArgs, tokenOf } from "./support/login.ts";
import { PLUGIN_ENV_VARIABLES, PluginSandbox } from "./support/plugin.ts";
import { UserAgent } from "./support/user_agent.ts";

const ALICE = TEST_USERS[0];
const OPENER_ENV = ["BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION"];

/** The sandbox's permissions, with the opener's variables and these programs allowed. */
function permissionsFor(sandbox: PluginSandbox, programs: string[] = [], extra: string[] = []) {
  return [
    ...sandbox.permissions.filter((flag) => !flag.startsWith("--allow-env")),
    `--allow-env=${[...PLUGIN_ENV_VARIABLES, ...OPENER_ENV].join(",")}`,
    ...(programs.length > 0 ? [`--allow-run=${programs.join(",")}`] : []),
    ...extra,
  ];
}

/** A browser command that writes its argument to `<path>.url` and exits with `code`. */
async function opener(sandbox: PluginSandbox, name: string, code = 0): Promise<string> {
  const path = `${sandbox.root}/${name}`;
  await Deno.writeTextFile(path, `#!/bin/sh\nprintf '%s' "$1" > '${path}.url'\nexit ${code}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

/** The URL the opener received, waiting for it to run (it is started detached). */
async function openedUrl(path: string): Promise<string> {
  for (let tries = 0; tries < 400; tries++) {
    const url = await Deno.readTextFile(`${path}.url`).catch(() => "");
    if (url !== "") return url;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return "";
}

/** `get-token` for authcode with the browser allowed (no --skip-open-browser). */
function browserArgs(issuer: string, ...extra: string[]): string[] {
  return [
    "get-token",
    `--oidc-issuer-url=${issuer}`,
    "--oidc-client-id=kubelogin-test",
    "--listen-address=127.0.0.1:0",
    "--token-cache-storage=none",
    ...extra,
  ];
}

Deno.test("the opener: --browser-command, then $BROWSER", async (t) => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const fromEnv = await opener(sandbox, "env-browser");
  const fromFlag = await opener(sandbox, "flag-browser");
  const options = {
    permissions: permissionsFor(sandbox, [fromEnv, fromFlag]),
    env: { BROWSER: fromEnv, DISPLAY: ":0" },
  };
  await t.step("$BROWSER when no --browser-command", async () => {
    const plugin = sandbox.start(browserArgs(idp.issuer), options);
    const shown = await plugin.loginUrl();
    assert.equal(await openedUrl(fromEnv), shown);
    await new UserAgent().login(shown, ALICE);
    tokenOf(await plugin.result());
  });
  await t.step("--browser-command wins", async () => {
    await Deno.remove(`${fromEnv}.url`);
    const plugin = sandbox.start(browserArgs(idp.issuer, `--browser-command=${fromFlag}`), options);
    const shown = await plugin.loginUrl();
    assert.equal(await openedUrl(fromFlag), shown);
    await new UserAgent().login(shown, ALICE);
    tokenOf(await plugin.result());
    assert.equal(await Deno.readTextFile(`${fromEnv}.url`).catch(() => ""), "");
  });
});

Deno.test("an opener that fails is reported at once, not after the timeout", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const failing = await opener(sandbox, "no-display-browser", 3);
  const plugin = sandbox.start(browserArgs(idp.issuer), {
    permissions: permissionsFor(sandbox, [failing]),
    env: { BROWSER: failing, DISPLAY: ":0" },
  });
  const shown = await plugin.loginUrl();
  const [line] = await plugin.waitForLine(/^.*exited with status 3.*$/);
  assert.match(line, new RegExp(`^The browser command ${failing} exited with status 3; open `));
  await new UserAgent().login(shown, ALICE);
  tokenOf(await plugin.result());
});

Deno.test("a headless host gets the URL and how to log in from elsewhere", async (t) => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  await t.step("Linux without a display: the platform opener is not tried", async () => {
    // No --allow-run: a try of xdg-open would be reported as a permission error.
    const plugin = sandbox.start(browserArgs(idp.issuer), { permissions: permissionsFor(sandbox) });
    const shown = await plugin.loginUrl();
    const port = new URL(shown).port;
    const [line] = await plugin.waitForLine(/^No browser opened.*$/);
    assert.match(line, /no display \(neither DISPLAY nor WAYLAND_DISPLAY is set\)/);
    assert.ok(line.includes(`ssh -L ${port}:localhost:${port} `), line);
    assert.match(line, /--grant-type=device-code/);
    await new UserAgent().login(shown, ALICE);
    const result = await plugin.result();
    tokenOf(result);
    assert.doesNotMatch(result.stderr, /could not open the browser|permission/i);
  });
  await t.step("an SSH session, even with a display", async () => {
    const plugin = sandbox.start(browserArgs(idp.issuer), {
      permissions: permissionsFor(sandbox),
      env: { DISPLAY: ":0", SSH_CONNECTION: "10.0.0.2 50000 10.0.0.1 22" },
    });
    const shown = await plugin.loginUrl();
    await plugin.waitForLine(/^No browser opened: an SSH session \(SSH_CONNECTION is set\)/);
    await new UserAgent().login(shown, ALICE);
    tokenOf(await plugin.result());
  });
  await t.step("$BROWSER still runs: the user chose it", async () => {
    const chosen = await opener(sandbox, "w3m");
    const plugin = sandbox.start(browserArgs(idp.issuer), {
      permissions: permissionsFor(sandbox, [chosen]),
      env: { BROWSER: chosen, SSH_CONNECTION: "10.0.0.2 50000 10.0.0.1 22" },
    });
    const shown = await plugin.loginUrl();
    assert.equal(await openedUrl(chosen), shown);
    await new UserAgent().login(shown, ALICE);
    const result = await plugin.result();
    tokenOf(result);
    assert.doesNotMatch(result.stderr, /No browser opened/);
  });
  await t.step("device-code: open it on any device", async () => {
    const plugin = sandbox.start(
      [...browserArgs(idp.issuer, "--grant-type=device-code")],
      { permissions: permissionsFor(sandbox) },
    );
    const [, uri, userCode] = await plugin.waitForLine(
      /^To log in, open \S+ in a browser \(or open (\S+) and enter the code (\S+)\)$/,
    );
    await plugin.waitForLine(/^No browser opened: no display .*Open the URL on any device/);
    await new UserAgent().completeDeviceLogin(uri, userCode, ALICE);
    tokenOf(await plugin.result());
  });
});

Deno.test("busy listen ports: the holder and --listen-address=127.0.0.1:0", async (t) => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = taken.addr.port;
  const args = [
    ...getTokenArgs(idp).filter((arg) => !arg.startsWith("--listen-address")),
    `--listen-address=127.0.0.1:${port}`,
  ];
  const named = new RegExp(
    `^error: could not start the local server: .*\\(port ${port} is held by process ` +
      `${Deno.pid} \\(deno\\)\\); stop that process, or pass --listen-address=127\\.0\\.0\\.1:0`,
    "m",
  );
  await t.step("with ss allowed, the holding process is named", async () => {
    const result = await sandbox.run(args, {
      permissions: [...sandbox.permissions, "--allow-run=ss"],
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, named);
  });
  await t.step("under --allow-all, through /proc", async () => {
    const result = await sandbox.run(args, {
      permissions: ["--no-prompt", "--allow-all"],
      env: { PATH: "/nonexistent" },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, named);
  });
  await t.step("without, the hint alone", async () => {
    const result = await sandbox.run(args);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /; stop that process, or pass --listen-address=127\.0\.0\.1:0 /);
    assert.doesNotMatch(result.stderr, /held by/);
  });
});

Deno.test("a lock waiter says the holder is logging in, and takes its token", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp);
  const holder = sandbox.start(args);
  const url = await holder.loginUrl();
  const waiter = sandbox.start(args);
  await waiter.waitForLine(
    new RegExp(`^Waiting for process ${holder.pid} to finish logging in \\(browser\\)$`),
  );
  await new UserAgent().login(url, ALICE);
  const token = tokenOf(await holder.result());
  const waited = await waiter.result();
  assert.equal(tokenOf(waited), token);
  assert.doesNotMatch(waited.stderr, /Open http/);
});
