/**
 * The loopback redirect server on its own, through real HTTP: what it answers to the browser and
 * what it hands the login, for every kind of request a browser (or a stray page) may send.
 */

import assert from "node:assert/strict";
import { AuthenticationError, OidcError, UsageError } from "../../lib/errors.ts";
import { parseListenAddress, startLoopbackServer } from "../../lib/oidc/loopback_server.ts";

const AUTHORIZATION_URL = "https://issuer.example/auth?client_id=kubernetes";
const STATE = "state-of-this-login";

/** Fetches without following redirects. */
async function get(
  url: string,
): Promise<{ status: number; location: string | null; body: string }> {
  const response = await fetch(url, { redirect: "manual" });
  return {
    status: response.status,
    location: response.headers.get("location"),
    body: await response.text(),
  };
}

Deno.test("listen addresses: host:port, [v6]:port, :port", () => {
  assert.deepEqual(parseListenAddress("127.0.0.1:8000"), { hostname: "127.0.0.1", port: 8000 });
  assert.deepEqual(parseListenAddress("[::1]:18000"), { hostname: "::1", port: 18000 });
  assert.deepEqual(parseListenAddress(":0"), { hostname: "127.0.0.1", port: 0 });
  assert.deepEqual(parseListenAddress("0.0.0.0:8000"), { hostname: "0.0.0.0", port: 8000 });
  for (const bad of ["8000", "localhost", "127.0.0.1:99999", "127.0.0.1:http"]) {
    assert.throws(() => parseListenAddress(bad), UsageError, bad);
  }
});

Deno.test("the local server: start page, callback, and everything else", async (t) => {
  await t.step(
    "the login URL sends the browser to the provider; the callback ends the wait",
    async () => {
      await using server = startLoopbackServer({ listenAddresses: ["127.0.0.1:0"] });
      assert.equal(server.localUrl, `http://localhost:${server.port}`);
      const wait = server.waitForCode(AUTHORIZATION_URL, "/", STATE, AbortSignal.timeout(10_000));
      const start = await get(server.loginUrl);
      assert.equal(start.status, 302);
      assert.equal(start.location, AUTHORIZATION_URL);
      const stray = await get(`${server.localUrl}/favicon.ico`);
      assert.equal(stray.status, 404);
      const callback = await get(`${server.localUrl}/?code=the-code&state=${STATE}`);
      assert.equal(callback.status, 200);
      assert.match(callback.body, /logged in/);
      assert.deepEqual(await wait, { code: "the-code" });
      const again = await get(`${server.localUrl}/?code=another&state=${STATE}`);
      assert.equal(again.status, 410, "only one response is taken");
    },
  );

  await t.step(
    "a callback path of --oidc-redirect-url; the root is not the callback",
    async () => {
      await using server = startLoopbackServer({ listenAddresses: ["127.0.0.1:0"] });
      const wait = server.waitForCode(AUTHORIZATION_URL, "/cb", STATE, AbortSignal.timeout(10_000));
      assert.equal((await get(`${server.localUrl}/?code=c&state=${STATE}`)).status, 404);
      assert.equal((await get(`${server.localUrl}/cb?code=c&state=${STATE}`)).status, 200);
      assert.deepEqual(await wait, { code: "c" });
    },
  );

  await t.step("another login's state gets a 400 and the wait goes on", async () => {
    await using server = startLoopbackServer({ listenAddresses: ["127.0.0.1:0"] });
    const wait = server.waitForCode(AUTHORIZATION_URL, "/", STATE, AbortSignal.timeout(10_000));
    const page = await get(`${server.localUrl}/?code=c&state=forged`);
    assert.equal(page.status, 400);
    assert.equal((await get(`${server.localUrl}/?code=good&state=${STATE}`)).status, 200);
    assert.deepEqual(await wait, { code: "good" });
  });

  await t.step("the provider's error is the login's error", async () => {
    await using server = startLoopbackServer({ listenAddresses: ["127.0.0.1:0"] });
    const wait = server.waitForCode(AUTHORIZATION_URL, "/", STATE, AbortSignal.timeout(10_000));
    wait.catch(() => {});
    const page = await get(
      `${server.localUrl}/?error=access_denied&error_description=no%20way&state=${STATE}`,
    );
    assert.equal(page.status, 400);
    assert.match(page.body, /access_denied/);
    await assert.rejects(wait, (error: unknown) => {
      assert.ok(error instanceof OidcError);
      assert.equal(error.error, "access_denied");
      assert.equal(error.errorDescription, "no way");
      return true;
    });
  });

  await t.step("--open-url-after-authentication replaces the success page", async () => {
    const next = "https://portal.example/welcome";
    await using server = startLoopbackServer({
      listenAddresses: ["127.0.0.1:0"],
      openUrlAfterAuthentication: next,
    });
    const wait = server.waitForCode(AUTHORIZATION_URL, "/", STATE, AbortSignal.timeout(10_000));
    const callback = await get(`${server.localUrl}/?code=c&state=${STATE}`);
    assert.equal(callback.status, 302);
    assert.equal(callback.location, next);
    await wait;
  });

  await t.step("the timeout ends the wait", async () => {
    await using server = startLoopbackServer({ listenAddresses: ["127.0.0.1:0"] });
    const controller = new AbortController();
    const wait = server.waitForCode(AUTHORIZATION_URL, "/", STATE, controller.signal);
    controller.abort();
    await assert.rejects(wait, /timed out waiting for the browser login/);
  });
});

Deno.test("the next listen address when one is taken; all named when none is free", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const busy = `127.0.0.1:${taken.addr.port}`;
  {
    await using server = startLoopbackServer({ listenAddresses: [busy, "127.0.0.1:0"] });
    assert.notEqual(server.port, taken.addr.port);
  }
  assert.throws(
    () => startLoopbackServer({ listenAddresses: [busy, busy] }),
    (error: unknown) => {
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.message.split(busy).length - 1, 2, error.message);
      return true;
    },
  );
});
