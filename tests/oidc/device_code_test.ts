/**
 * The device authorization grant (lib/oidc/device_code.ts), end to end through the library
 * against the test provider; the person in the browser is the fetch-based {@link UserAgent}.
 */

import assert from "node:assert/strict";
import { AuthenticationError, OidcError, UsageError } from "../../lib/errors.ts";
import { decodeJwtClaims } from "../../lib/jwt.ts";
import type { LoginOptions } from "../../lib/login_options.ts";
import { login } from "../../lib/oidc/login.ts";
import { loginPageOpener } from "../../lib/open_login_page.ts";
import { openProviderSession, type ProviderSession } from "../../lib/oidc/provider.ts";
import {
  assertIdToken,
  delay,
  loginOptions,
  rejection,
  TestLogger,
  waitUntil,
} from "../support/grant_login.ts";
import {
  ALICE,
  BOB,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  DEVICE_CODE_GRANT_TYPE as DEVICE_GRANT,
  PUBLIC_CLIENT_ID,
  REDACTED,
  startTestIdp,
} from "../support/idp.ts";
import { providerOptions } from "../support/provider_options.ts";
import { UserAgent } from "../support/user_agent.ts";

/** A short polling interval keeps the device tests fast. */
const FAST_INTERVAL_SEC = 0.2;

Deno.test("device-code", async (t) => {
  await using idp = await startTestIdp({ deviceIntervalSec: FAST_INTERVAL_SEC });
  const prompt = /^To log in, open (\S+) in a browser \(or open (\S+) and enter the code (\S+)\)$/;

  /** Starts a device login and returns it with what it showed; `opener: false` leaves none. */
  const startDeviceLogin = async (
    session: ProviderSession,
    overrides: Partial<LoginOptions> = {},
    opener = true,
  ) => {
    const logger = new TestLogger();
    const openLoginPage = opener ? loginPageOpener(logger) : undefined;
    const result = login(session, loginOptions("device-code", overrides), {
      logger,
      openLoginPage,
    });
    // Keep an early failure from being an unhandled rejection while the test waits.
    result.catch(() => {});
    const [, complete, uri, userCode] = await logger.waitForInfo(prompt);
    return { logger, result, complete, uri, userCode };
  };

  await t.step("approved in the browser: the ID token is verified", async () => {
    using session = await openProviderSession(
      providerOptions(idp, { requestHeaders: { "x-tenant": "blue" }, extraScopes: ["email"] }),
    );
    idp.clearRequests();
    const { result, complete, uri, userCode } = await startDeviceLogin(session);
    assert.equal(new URL(complete).searchParams.get("user_code"), userCode);
    const page = await new UserAgent().completeDeviceLogin(uri, userCode, ALICE);
    assert.match(page.body, /Device approved/);
    const tokenSet = await result;
    assertIdToken(tokenSet, ALICE.username);
    assert.equal(decodeJwtClaims(tokenSet.token)?.email, ALICE.email);
    const [authorization] = idp.requestsTo("/device/auth");
    assert.equal(authorization.params.client_id, PUBLIC_CLIENT_ID);
    assert.equal(authorization.params.scope, "openid email");
    assert.equal(authorization.headers["x-tenant"], "blue");
    const polls = idp.requestsTo("/token", DEVICE_GRANT);
    assert.ok(polls.length >= 1);
    assert.equal(polls.at(-1)?.status, 200);
    assert.ok(polls.every((poll) => poll.headers["x-tenant"] === "blue"));
    assert.equal(polls[0].params.device_code, REDACTED);
  });

  await t.step("a confidential client authenticates at the device endpoint", async () => {
    using session = await openProviderSession(providerOptions(idp, {
      clientId: CONFIDENTIAL_CLIENT_ID,
      clientSecret: CONFIDENTIAL_CLIENT_SECRET,
    }));
    idp.clearRequests();
    const { result, uri, userCode } = await startDeviceLogin(session);
    await new UserAgent().completeDeviceLogin(uri, userCode, BOB);
    assertIdToken(await result, BOB.username, CONFIDENTIAL_CLIENT_ID);
    const [authorization] = idp.requestsTo("/device/auth");
    assert.equal(authorization.status, 200);
    assert.equal(authorization.headers.authorization, REDACTED);
    assert.equal(authorization.params.client_secret, undefined, "the secret went in the header");
  });

  /** Runs `fn` with a browser command that writes the URL it gets to `opened`. */
  const withRecordingOpener = async (fn: (opener: string, opened: string) => Promise<void>) => {
    const dir = await Deno.makeTempDir();
    try {
      const opened = `${dir}/opened`;
      const opener = `${dir}/opener.sh`;
      await Deno.writeTextFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
      await Deno.chmod(opener, 0o755);
      await fn(opener, opened);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  };

  await t.step("the browser opens at the complete verification URI", async () => {
    await withRecordingOpener(async (opener, opened) => {
      using session = await openProviderSession(providerOptions(idp));
      const { result, complete } = await startDeviceLogin(session, {
        skipOpenBrowser: false,
        browserCommand: opener,
      });
      // The opener runs detached; its file appears soon after the URL is shown.
      let url = "";
      for (let tries = 0; url === "" && tries < 100; tries++) {
        url = await Deno.readTextFile(opened).catch(() => "");
        if (url === "") await delay(20);
      }
      assert.equal(url, complete);
      // The complete URI carries the code: the person only confirms.
      const page = await new UserAgent().approveDevice(url, ALICE);
      assert.match(page.body, /Device approved/);
      assertIdToken(await result, ALICE.username);
    });
  });

  await t.step("an interaction without an opener opens no browser", async () => {
    await withRecordingOpener(async (opener, opened) => {
      using session = await openProviderSession(providerOptions(idp));
      const { result, complete } = await startDeviceLogin(
        session,
        { skipOpenBrowser: false, browserCommand: opener },
        false,
      );
      await new UserAgent().approveDevice(complete, ALICE);
      assertIdToken(await result, ALICE.username);
      // An opener started at the URL's showing would have written the file by now.
      await delay(500);
      assert.equal(await Deno.readTextFile(opened).catch(() => ""), "");
    });
  });

  await t.step("a browser that cannot start is only a warning", async () => {
    using session = await openProviderSession(providerOptions(idp));
    const { logger, result, uri, userCode } = await startDeviceLogin(session, {
      skipOpenBrowser: false,
      browserCommand: "/nonexistent/browser",
    });
    assert.match(logger.infos.join("\n"), /could not open the browser/);
    await new UserAgent().completeDeviceLogin(uri, userCode, ALICE);
    assertIdToken(await result, ALICE.username);
  });

  await t.step("denied in the browser", async () => {
    using session = await openProviderSession(providerOptions(idp));
    const { result, uri, userCode } = await startDeviceLogin(session);
    await new UserAgent().completeDeviceLogin(uri, userCode, ALICE, false);
    const error = await rejection(() => result);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.match(error.message, /denied.*access_denied/);
    assert.ok(error.cause instanceof OidcError);
    assert.equal(error.cause.error, "access_denied");
  });

  await t.step("the device code expires before anyone approves it", async () => {
    await using shortIdp = await startTestIdp({
      deviceIntervalSec: FAST_INTERVAL_SEC,
      // The provider counts whole seconds: the code lives between 1 and 2 s.
      deviceCodeTtlSec: 2,
    });
    using session = await openProviderSession(providerOptions(shortIdp));
    const started = Date.now();
    const { result } = await startDeviceLogin(session);
    const error = await rejection(() => result);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.match(error.message, /expired.*run the command again/);
    // Well before the 30 s authentication timeout: the expiry ended it.
    assert.ok(Date.now() - started < 20_000);
    assert.ok(shortIdp.requestsTo("/token", DEVICE_GRANT).length >= 1, "it polled meanwhile");
  });

  await t.step("--authentication-timeout-sec ends the wait", async () => {
    using session = await openProviderSession(providerOptions(idp));
    idp.clearRequests();
    const started = Date.now();
    // Polls come at least 1 s apart whatever the interval, so 3 s leave room for two.
    const { result } = await startDeviceLogin(session, { authenticationTimeoutSec: 3 });
    const error = await rejection(() => result);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.reason, "timeout");
    assert.deepEqual(error.settings, ["login.authenticationTimeoutSec"]);
    assert.doesNotMatch(error.message, /--authentication-timeout-sec/, "the CLI adds the flag");
    const elapsed = Date.now() - started;
    // Not before the timeout; the upper bound only catches a wait that ignored it.
    assert.ok(elapsed >= 3000 && elapsed < 12_000, `ended after ${elapsed} ms`);
    const polls = idp.requestsTo("/token", DEVICE_GRANT).length;
    assert.ok(polls >= 2, `${polls} polls`);
    await delay(2000);
    assert.equal(idp.requestsTo("/token", DEVICE_GRANT).length, polls, "polling stopped");
  });

  await t.step("slow_down adds 5 seconds to the interval", async () => {
    using session = await openProviderSession(providerOptions(idp));
    idp.clearRequests();
    idp.slowDownNextPoll();
    const { result, uri, userCode } = await startDeviceLogin(session);
    const polls = () => idp.requestsTo("/token", DEVICE_GRANT);
    await waitUntil(() => polls().length >= 1, "the first device poll");
    await new UserAgent().completeDeviceLogin(uri, userCode, ALICE);
    assertIdToken(await result, ALICE.username);
    const [slowed, next] = polls();
    assert.equal(slowed.status, 400);
    const gap = next.time - slowed.time;
    // 0.2 s + 5 s; the upper bound only catches a back-off far beyond RFC 8628's.
    assert.ok(gap >= 5000 && gap < 10_000, `polled again after ${gap} ms`);
  });

  await t.step("a provider without a device endpoint is a usage error", async () => {
    using real = await openProviderSession(providerOptions(idp));
    const session: ProviderSession = {
      ...real,
      metadata: { ...real.metadata, deviceAuthorizationEndpoint: undefined },
    };
    idp.clearRequests();
    const error = await rejection(() =>
      login(session, loginOptions("device-code"), { logger: new TestLogger() })
    );
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /device_authorization_endpoint/);
    assert.equal(idp.requests.length, 0);
  });
});
