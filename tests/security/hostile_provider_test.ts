/**
 * Issue 10, items 6, 7, 8, 10, 11 and 13: a malicious or broken provider, and kubeconfig
 * parameters that would undo the login's defences. The plugin runs as a process, as kubectl runs
 * it; the provider is a hostile double on 127.0.0.1 or the real test provider.
 */

import assert from "node:assert/strict";
import { ProviderHttp } from "../../lib/oidc/http.ts";
import { readJsonObject } from "../../lib/oidc/json.ts";
import { ProviderError } from "../../lib/errors.ts";
import { startTestIdp } from "../support/idp.ts";
import {
  type HostileIdpOptions,
  pluginArgs,
  redirectBack,
  startHostileIdp,
} from "../support/hostile_idp.ts";
import { PluginSandbox } from "../support/plugin.ts";

const ESC = "\u001b";
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** A device flow provider: the device answer is `device`, every poll gets `poll`. */
function deviceProvider(
  device: Record<string, unknown>,
  poll: Record<string, unknown> = { error: "authorization_pending" },
): HostileIdpOptions {
  return {
    routes: {
      "/device": () =>
        Response.json({
          device_code: "dc",
          user_code: "ABCD-EFGH",
          verification_uri: "https://idp.example/device",
          expires_in: 30,
          interval: 1,
          ...device,
        }),
      "/token": () => Response.json(poll, { status: 400 }),
    },
  };
}

Deno.test("issue 10 item 6: the provider's control characters never reach the terminal", async (t) => {
  await using sandbox = await PluginSandbox.create();
  await t.step("device flow: user code, verification URI, error_description", async () => {
    await using hostile = await startHostileIdp(deviceProvider({
      user_code: `AB${ESC}[2J${ESC}]0;pwned\u0007CD`,
      verification_uri: `https://idp.example/device${ESC}[31m`,
    }, {
      error: "access_denied",
      error_description: `denied${ESC}]0;title\u0007${ESC}[2J\u009b31m now`,
    }));
    const result = await sandbox.run(pluginArgs(hostile.issuer, "--grant-type=device-code"));
    assert.equal(result.code, 1);
    // The printable rest of the code stays; the sequences lose their ESC and BEL.
    assert.match(result.stderr, /the code AB\[2J\]0;pwnedCD/);
    assert.match(result.stderr, /access_denied/);
    assert.doesNotMatch(result.stderr, CONTROL, JSON.stringify(result.stderr));
  });
  await t.step("authorization code flow: the error redirected back", async () => {
    await using hostile = await startHostileIdp({
      routes: {
        "/auth": redirectBack({
          error: "access_denied",
          error_description: `no${ESC}[2J${ESC}]0;t\u0007 way`,
        }),
      },
    });
    const plugin = sandbox.start(pluginArgs(hostile.issuer));
    const loginUrl = await plugin.loginUrl();
    await (await fetch(loginUrl)).body?.cancel();
    const result = await plugin.result();
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no.*way/);
    assert.doesNotMatch(result.stderr, CONTROL, JSON.stringify(result.stderr));
  });
});

Deno.test("issue 10 item 7: only https URLs (http on loopback) reach the browser opener", async (t) => {
  await using sandbox = await PluginSandbox.create();
  const opener = `${sandbox.root}/open-browser.sh`;
  const opened = `${sandbox.root}/opened`;
  await Deno.writeTextFile(opener, `#!/bin/sh\nprintf '%s\\n' "$@" >> '${opened}'\n`);
  await Deno.chmod(opener, 0o755);
  const run = async (uri: string) => {
    await Deno.remove(opened).catch(() => {});
    await using hostile = await startHostileIdp(
      deviceProvider({ verification_uri_complete: uri }, { error: "access_denied" }),
    );
    const result = await sandbox.run(
      pluginArgs(hostile.issuer, "--grant-type=device-code", `--browser-command=${opener}`)
        .filter((arg) => arg !== "--skip-open-browser"),
      { permissions: [...sandbox.permissions, `--allow-run=${opener}`] },
    );
    assert.equal(result.code, 1, result.stderr);
    // The opener runs detached; give it time to write before looking.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return await Deno.readTextFile(opened).catch(() => undefined);
  };
  for (const uri of ["-oProxyCommand=id", "--help", "file:///etc/passwd", "http://evil.example/"]) {
    await t.step(`${uri} is not opened`, async () => {
      assert.equal(await run(uri), undefined);
    });
  }
  await t.step("an https URL is opened as the only argument", async () => {
    assert.equal(
      await run("https://idp.example/device?code=AB"),
      "https://idp.example/device?code=AB\n",
    );
  });
});

Deno.test("issue 10 item 8: device-code polling is bounded", async (t) => {
  await using sandbox = await PluginSandbox.create();
  await t.step("an interval of 1 ms still polls at most once a second", async () => {
    await using hostile = await startHostileIdp(deviceProvider({ interval: 0.001, expires_in: 3 }));
    const result = await sandbox.run(pluginArgs(hostile.issuer, "--grant-type=device-code"));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /expired/);
    const polls = hostile.requestsTo("/token").length;
    assert.ok(polls <= 4, `${polls} token requests in 3 s`);
  });
  await t.step("a huge interval does not overflow into polling every millisecond", async () => {
    await using hostile = await startHostileIdp(deviceProvider({ interval: 1e10, expires_in: 2 }));
    const result = await sandbox.run(pluginArgs(hostile.issuer, "--grant-type=device-code"));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /expired/);
    const polls = hostile.requestsTo("/token").length;
    assert.ok(polls <= 1, `${polls} token requests`);
  });
});

Deno.test("issue 10 item 10: provider answers are capped at 1 MiB and time out naming the endpoint", async (t) => {
  await t.step("a 2 MiB discovery document is refused", async () => {
    await using hostile = await startHostileIdp({
      routes: {
        "/.well-known/openid-configuration": () => {
          let sent = 0;
          const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (sent >= 2 * 1024 * 1024) return controller.close();
              sent += chunk.length;
              controller.enqueue(chunk);
            },
          });
          return new Response(body, { headers: { "content-type": "application/json" } });
        },
      },
    });
    await using sandbox = await PluginSandbox.create();
    const result = await sandbox.run(pluginArgs(hostile.issuer));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /openid-configuration is larger than 1 MiB/);
  });
  await t.step("a body that stalls is a ProviderError naming the endpoint", async () => {
    let stalled: ReadableStreamDefaultController<Uint8Array> | undefined;
    await using hostile = await startHostileIdp({
      routes: {
        "/jwks": () =>
          new Response(
            new ReadableStream<Uint8Array>({
              start(controller) {
                stalled = controller;
                controller.enqueue(new TextEncoder().encode('{"keys": ['));
              },
            }),
          ),
      },
    });
    using http = await ProviderHttp.create({
      tls: {
        certificateAuthorities: [],
        certificateAuthorityData: [],
        insecureSkipTlsVerify: false,
      },
      requestHeaders: {},
    });
    const url = new URL(`${hostile.issuer}/jwks`);
    try {
      await assert.rejects(
        async () =>
          await readJsonObject(await http.fetch(url, { signal: AbortSignal.timeout(500) }), "JWKS"),
        (error: unknown) => {
          assert.ok(error instanceof ProviderError, String(error));
          assert.match(error.message, new RegExp(`${url.href}`));
          return true;
        },
      );
    } finally {
      stalled?.close();
    }
  });
});

Deno.test("issue 10 item 11: the issuer and every endpoint must be https, except on loopback", async (t) => {
  await using sandbox = await PluginSandbox.create();
  await t.step("an http token endpoint is refused before any secret is sent", async () => {
    await using hostile = await startHostileIdp({
      discovery: () => ({ token_endpoint: "http://token.example/token" }),
    });
    const result = await sandbox.run(
      pluginArgs(hostile.issuer, "--grant-type=password", "--username=u", "--password=p"),
    );
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /"token_endpoint" is http:\/\/token\.example\/token, which is not an https URL/,
    );
  });
  await t.step("an http issuer off this machine is refused", async () => {
    const result = await sandbox.run(pluginArgs("http://issuer.example"));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--oidc-issuer-url http:\/\/issuer\.example is not an https URL/);
  });
});

Deno.test("issue 10 item 13: extra params cannot replace the login's own parameters", async (t) => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const cases = [
    ["state=attacker"],
    ["nonce=n"],
    ["code_challenge=c"],
    ["redirect_uri=https://evil.example/"],
    ["response_type=token", "--grant-type=device-code"],
    ["client_id=other", "--grant-type=device-code"],
  ];
  for (const [param, ...extra] of cases) {
    await t.step(param, async () => {
      idp.clearRequests();
      const result = await sandbox.run([
        ...pluginArgs(idp.issuer, `--oidc-auth-request-extra-params=${param}`, ...extra),
        "--authentication-timeout-sec=3",
      ]);
      assert.equal(result.code, 1);
      const key = param.split("=")[0];
      assert.match(result.stderr, new RegExp(`^error: .*cannot set ${key}`, "m"));
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.equal(idp.requestsTo("/auth").length + idp.requestsTo("/device/auth").length, 0);
    });
  }
});
