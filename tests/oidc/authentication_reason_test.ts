/**
 * `AuthenticationError.reason` says why a login did not complete, so callers branch on it and not
 * on the wording: a pasted response of another login, an empty answer, a response without a
 * code, an issuer mix-up, a port nobody can bind, a timeout.
 */

import assert from "node:assert/strict";
import { AuthenticationError, ListenAddressBusyError } from "../../lib/errors.ts";
import { type AuthorizationRequest, checkResponseIssuer } from "../../lib/oidc/authcode.ts";
import { parseEnteredCode } from "../../lib/oidc/authcode_keyboard.ts";
import { explainBusyListenAddresses } from "../../lib/oidc/busy_port.ts";
import type { ProviderMetadata } from "../../lib/oidc/discovery.ts";
import { startLoopbackServer } from "../../lib/oidc/loopback_server.ts";

const REQUEST: AuthorizationRequest = {
  url: "https://issuer.example/auth",
  state: "state-of-this-login",
  nonce: "nonce",
  redirectUri: "urn:ietf:wg:oauth:2.0:oob",
};

const METADATA: ProviderMetadata = {
  issuer: "https://issuer.example",
  authorizationEndpoint: "https://issuer.example/auth",
  tokenEndpoint: "https://issuer.example/token",
  jwksUri: "https://issuer.example/jwks",
  codeChallengeMethodsSupported: [],
  idTokenSigningAlgValuesSupported: [],
  tokenEndpointAuthMethodsSupported: [],
  authorizationResponseIssParameterSupported: true,
};

/** Asserts that `run` fails with an AuthenticationError of the reason. */
function failsWith(reason: string, run: () => unknown): AuthenticationError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof AuthenticationError, String(caught));
  assert.equal(caught.reason, reason, caught.message);
  assert.equal(
    caught.code,
    caught instanceof ListenAddressBusyError ? "ERR_LISTEN_ADDRESS_BUSY" : "ERR_AUTHENTICATION",
  );
  return caught;
}

Deno.test("a pasted answer: another login's state, nothing entered, no code", () => {
  failsWith("state", () => parseEnteredCode("?code=c&state=forged", REQUEST));
  failsWith("input", () => parseEnteredCode("  ", REQUEST));
  failsWith("response", () => parseEnteredCode(`?code=&state=${REQUEST.state}`, REQUEST));
  assert.equal(parseEnteredCode(`?code=c&state=${REQUEST.state}`, REQUEST), "c");
});

Deno.test("RFC 9207: an iss of another issuer, or none though promised, is reason state", () => {
  failsWith(
    "state",
    () => checkResponseIssuer({ code: "c", iss: "https://evil.example" }, METADATA),
  );
  failsWith("state", () => checkResponseIssuer({ code: "c" }, METADATA));
  assert.equal(checkResponseIssuer({ code: "c", iss: METADATA.issuer }, METADATA), "c");
});

Deno.test("the local server: bind, timeout and a callback without a code", async (t) => {
  await t.step("no address can be bound: bind, also once the holders are named", async () => {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const busy = `127.0.0.1:${taken.addr.port}`;
    const error = failsWith("bind", () => startLoopbackServer({ listenAddresses: [busy] }));
    const explained = await explainBusyListenAddresses(error, [busy]);
    assert.ok(explained instanceof ListenAddressBusyError, String(explained));
    assert.equal(explained.reason, "bind");
    assert.equal(explained.code, "ERR_LISTEN_ADDRESS_BUSY");
    assert.equal(explained.cause, error);
  });

  await t.step("the timeout", async () => {
    await using server = startLoopbackServer({ listenAddresses: ["127.0.0.1:0"] });
    const controller = new AbortController();
    const wait = server.waitForCode(REQUEST.url, "/", REQUEST.state, controller.signal);
    controller.abort();
    await assert.rejects(wait, (error: unknown) => {
      assert.ok(error instanceof AuthenticationError, String(error));
      assert.equal(error.reason, "timeout");
      return true;
    });
  });

  await t.step("a callback of this login without a code", async () => {
    await using server = startLoopbackServer({ listenAddresses: ["127.0.0.1:0"] });
    const wait = server.waitForCode(REQUEST.url, "/", REQUEST.state, AbortSignal.timeout(30_000));
    wait.catch(() => {});
    const page = await fetch(`${server.localUrl}/?state=${REQUEST.state}`);
    assert.equal(page.status, 400);
    await page.body?.cancel();
    await assert.rejects(wait, (error: unknown) => {
      assert.ok(error instanceof AuthenticationError, String(error));
      assert.equal(error.reason, "response");
      return true;
    });
  });
});

Deno.test("other errors are not taken for a busy port", async () => {
  const other = new AuthenticationError("could not start the local server", { reason: "input" });
  assert.equal(await explainBusyListenAddresses(other, ["127.0.0.1:8000"]), other);
});
