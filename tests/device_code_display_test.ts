/**
 * The device-code login as a person sees it, through the plugin process and the test provider:
 * when the code expires (a countdown on a terminal, a plain line otherwise), that it expired, a
 * QR code of the complete verification URI, and PKCE sent with the device request.
 */

import assert from "node:assert/strict";
import { formatDuration } from "../lib/oidc/device_code_display.ts";
import { startTestIdp, TEST_USERS } from "./support/idp.ts";
import { getTokenArgs, tokenOf } from "./support/login.ts";
import { MOD_TS, PluginSandbox } from "./support/plugin.ts";
import { within } from "./support/plugin_grants.ts";
import { UserAgent } from "./support/user_agent.ts";

const ALICE = TEST_USERS[0];
const DEVICE_PROMPT =
  /^To log in, open (\S+) in a browser \(or open (\S+) and enter the code (\S+)\)$/;
/** Rows of a QR code drawn with half blocks. */
const QR_ROW = /^[█▀▄ ]{21,}$/m;

Deno.test("device-code: the expiry as a plain line, the QR code when asked", async (t) => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp, "--grant-type=device-code", "--token-cache-storage=none");
  for (const [choice, drawn] of [["always", true], ["never", false], ["auto", false]] as const) {
    await t.step(`--device-code-qr=${choice} off a terminal`, async () => {
      const plugin = sandbox.start([...args, `--device-code-qr=${choice}`]);
      const [, complete, uri, userCode] = await plugin.waitForLine(DEVICE_PROMPT);
      await plugin.waitForLine(/^The code expires in 10:00, at \d\d:\d\d:\d\d$/);
      await new UserAgent().completeDeviceLogin(uri, userCode, ALICE);
      const result = await plugin.result();
      tokenOf(result);
      assert.equal(QR_ROW.test(result.stderr), drawn, result.stderr);
      assert.equal(result.stderr.includes("Or scan this QR code"), drawn);
      assert.ok(complete.includes(userCode));
      // No countdown redraws into a file or pipe.
      assert.doesNotMatch(result.stderr, /\r|Waiting for approval/);
    });
  }
});

Deno.test("device-code: says when the code expired", async () => {
  // No poll within the code's 2 s: the provider counts whole seconds, so a poll could hear
  // expired_token up to a second before the plugin's own clock says so (then the line is
  // skipped), and this test is about what the plugin's clock says.
  await using idp = await startTestIdp({ deviceCodeTtlSec: 2, deviceIntervalSec: 5 });
  await using sandbox = await PluginSandbox.create();
  const result = await sandbox.run(getTokenArgs(idp, "--grant-type=device-code"));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^The code expires in 0:02, at (\d\d:\d\d:\d\d)$/m);
  const at = /^The code expires in 0:02, at (\S+)$/m.exec(result.stderr)?.[1];
  assert.match(result.stderr, new RegExp(`^The code expired at ${at}$`, "m"));
  assert.match(result.stderr, /^error: .*expired/m);
});

Deno.test("device-code: a countdown and the QR code on a terminal", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  // `script` gives the plugin a pseudo-terminal, as a shell would.
  const command = [Deno.execPath(), "run", ...sandbox.permissions, MOD_TS]
    .concat(getTokenArgs(idp, "--grant-type=device-code"))
    .map((word) => `'${word}'`).join(" ");
  const child = new Deno.Command("script", {
    args: ["-q", "-e", "-c", command, "/dev/null"],
    env: sandbox.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  // Every read is bounded: a plugin stuck on the terminal is killed, and the test fails.
  const kill = () => child.kill("SIGKILL");
  const read = () => within(60_000, reader.read(), kill);
  const readUntil = async (pattern: RegExp) => {
    while (!pattern.test(seen)) {
      const { value, done } = await read();
      if (done) throw new Error(`output ended before ${pattern}:\n${seen}`);
      seen += value;
    }
  };
  try {
    await readUntil(/Waiting for approval; the code expires in \d+:\d\d/);
    const [, uri, userCode] = /open (\S+) and enter the code (\S+)\)/.exec(seen) ?? [];
    assert.ok(QR_ROW.test(seen.replaceAll("\r", "")), "no QR code on the terminal");
    await new UserAgent().completeDeviceLogin(uri, userCode, ALICE);
    await readUntil(/"kind":"ExecCredential"/);
  } finally {
    await child.stdin.close().catch(() => {});
    for (;;) {
      const { value, done } = await read();
      if (done) break;
      seen += value;
    }
  }
  assert.equal((await within(60_000, child.status, kill)).code, 0, seen);
  // The countdown line is erased before the next line is written.
  assert.ok(seen.includes("\r\x1b[2K"), "the countdown line is never erased");
});

Deno.test("device-code sends PKCE when the provider supports S256", async (t) => {
  await using idp = await startTestIdp({ pkceRequired: true });
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp, "--grant-type=device-code", "--token-cache-storage=none");
  await t.step("auto: challenge with the request, verifier with the polls", async () => {
    const plugin = sandbox.start(args);
    const [, , uri, userCode] = await plugin.waitForLine(DEVICE_PROMPT);
    await new UserAgent().completeDeviceLogin(uri, userCode, ALICE);
    tokenOf(await plugin.result());
    const request = idp.requestsTo("/device/auth").at(-1);
    assert.equal(request?.params.code_challenge_method, "S256");
    assert.match(request?.params.code_challenge ?? "", /^[\w-]{43}$/);
    const polls = idp.requestsTo("/token", "urn:ietf:params:oauth:grant-type:device_code");
    assert.ok(polls.length > 0);
    for (const poll of polls) assert.equal(poll.params.code_verifier, "[redacted]");
  });
  await t.step("--oidc-pkce-method=no: none", async () => {
    idp.clearRequests();
    // Nobody approves this one: the request itself is what the step checks.
    const result = await sandbox.run([
      ...args,
      "--oidc-pkce-method=no",
      "--authentication-timeout-sec=2",
    ]);
    assert.equal(result.code, 1);
    assert.equal(idp.requestsTo("/device/auth").at(-1)?.params.code_challenge, undefined);
  });
});

Deno.test("formatDuration reads as a clock", () => {
  assert.equal(formatDuration(600), "10:00");
  assert.equal(formatDuration(545), "9:05");
  assert.equal(formatDuration(3600), "1:00:00");
  assert.equal(formatDuration(-3), "0:00");
});
