/**
 * Issue 10, items 2–5 and 14: what other local processes and web pages can do to a pending
 * browser login, tried against the plugin's real loopback server with the real test provider.
 */

import assert from "node:assert/strict";
import { startLoopbackServer } from "../../lib/oidc/loopback_server.ts";
import { ALICE, startTestIdp } from "../support/idp.ts";
import { getTokenArgs, tokenOf } from "../support/login.ts";
import { type PluginResult, PluginSandbox, type RunningPlugin } from "../support/plugin.ts";
import { UserAgent } from "../support/user_agent.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sends raw HTTP/1.1 text and returns the status line and headers of the answer. */
async function rawRequest(port: number, text: string, hostname = "127.0.0.1"): Promise<string> {
  using conn = await Deno.connect({ hostname, port });
  await conn.write(encoder.encode(text));
  const buffer = new Uint8Array(4096);
  let head = "";
  while (!head.includes("\r\n\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) break;
    head += decoder.decode(buffer.subarray(0, n));
  }
  return head;
}

function get(path: string, host: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
}

/** The plugin's result, or a failure when it has not exited within `ms`. */
async function resultWithin(plugin: RunningPlugin, ms: number): Promise<PluginResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), ms));
  const outcome = await Promise.race([plugin.result(), late]);
  clearTimeout(timer);
  if (outcome === "late") {
    plugin.kill("SIGKILL");
    await plugin.result();
    assert.fail(`the plugin did not exit within ${ms} ms:\n${plugin.stderr}`);
  }
  return outcome;
}

function hasIpv6Loopback(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("issue 10 item 2: a callback without this login's state gets a 400 and the login goes on", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start(getTokenArgs(idp));
  const url = new URL(await plugin.loginUrl());
  for (const forged of ["/?error=access_denied", "/?code=x&state=wrong", "/?error=x&state=wrong"]) {
    const head = await rawRequest(Number(url.port), get(forged, url.host));
    assert.match(head, /^HTTP\/1\.1 400 /, `${forged}: ${head}`);
  }
  using agent = new UserAgent();
  await agent.login(url.href, ALICE);
  tokenOf(await plugin.result());
});

Deno.test("issue 10 item 3: a foreign Host (DNS rebinding) is refused", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start(getTokenArgs(idp));
  const url = new URL(await plugin.loginUrl());
  const port = Number(url.port);
  for (const path of ["/", url.pathname]) {
    for (const host of ["evil.example", `evil.example:${port}`, "localhost:1"]) {
      const head = await rawRequest(port, get(path, host));
      assert.doesNotMatch(head, /^location:/im, `${host}${path} was redirected: ${head}`);
      assert.match(head, /^HTTP\/1\.1 421 /, head);
    }
  }
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
    const head = await rawRequest(port, get(url.pathname, host));
    assert.match(head, /^HTTP\/1\.1 302 /, `${host}: ${head}`);
  }
  using agent = new UserAgent();
  await agent.login(url.href, ALICE);
  tokenOf(await plugin.result());
});

Deno.test({
  name: "issue 10 item 4: [::1]:PORT is bound too, and a squatter there makes the port busy",
  ignore: !hasIpv6Loopback(),
  fn: async (t) => {
    await t.step("the login URL works over IPv6 and reaches this server", async () => {
      await using server = startLoopbackServer({ listenAddresses: ["127.0.0.1:0"] });
      server.waitForCode("https://issuer.example/auth", "/", "s", AbortSignal.timeout(10_000))
        .catch(() => {});
      const head = await rawRequest(
        server.port,
        get(new URL(server.loginUrl).pathname, `localhost:${server.port}`),
        "::1",
      );
      assert.match(head, /^HTTP\/1\.1 302 /, head);
    });
    await t.step("the plugin skips a port whose [::1] side another process holds", async () => {
      await using idp = await startTestIdp();
      await using sandbox = await PluginSandbox.create();
      using squatter = Deno.listen({ hostname: "::1", port: 0 });
      const squatted = squatter.addr.port;
      const plugin = sandbox.start([
        ...getTokenArgs(idp).filter((arg) => !arg.startsWith("--listen-address")),
        `--listen-address=127.0.0.1:${squatted},127.0.0.1:0`,
      ]);
      const url = new URL(await plugin.loginUrl());
      assert.notEqual(Number(url.port), squatted, "the login must not use the squatted port");
      using agent = new UserAgent();
      await agent.login(url.href, ALICE);
      tokenOf(await plugin.result());
    });
  },
});

Deno.test("issue 10 item 5: a request held open does not keep the plugin from exiting", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start(getTokenArgs(idp));
  const url = new URL(await plugin.loginUrl());
  // Announces 100000 bytes and sends 2, then keeps the connection open.
  using holder = await Deno.connect({ hostname: "127.0.0.1", port: Number(url.port) });
  await holder.write(
    encoder.encode(
      `POST /upload HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: 100000\r\n\r\nab`,
    ),
  );
  using agent = new UserAgent();
  await agent.login(url.href, ALICE);
  // 500 ms of grace, plus a loaded machine's slowness; without the bound it never exits.
  tokenOf(await resultWithin(plugin, 20_000));
});

Deno.test("issue 10 item 14: only the printed, unguessable URL leads to the provider", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start(getTokenArgs(idp));
  const url = new URL(await plugin.loginUrl());
  assert.match(url.pathname, /^\/login\/[\w-]{43}$/);
  for (const path of ["/", "/login", "/login/guess"]) {
    const head = await rawRequest(Number(url.port), get(path, url.host));
    assert.doesNotMatch(head, /^location:/im, `${path} leaked the authorization URL: ${head}`);
    assert.match(head, /^HTTP\/1\.1 404 /, head);
  }
  assert.equal(idp.requestsTo("/auth").length, 0);
  using agent = new UserAgent();
  await agent.login(url.href, ALICE);
  tokenOf(await plugin.result());
});
