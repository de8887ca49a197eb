/**
 * The grants other than the browser's authorization code flow, end to end through the library
 * against the test provider: authorization code with a keyboard, device code, password and
 * client credentials. The person at the terminal is a fake {@link Prompter}, the person in the
 * browser the fetch-based {@link UserAgent}.
 */

import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import {
  AuthenticationError,
  NotInteractiveError,
  OidcError,
  TokenVerificationError,
  UsageError,
} from "../../lib/errors.ts";
import type { Interaction, Prompter } from "../../lib/interaction.ts";
import { decodeJwtClaims } from "../../lib/jwt.ts";
import type { Logger } from "../../lib/log.ts";
import type { GrantType, LoginOptions } from "../../lib/login_options.ts";
import { OOB_REDIRECT_URI } from "../../lib/oidc/authcode_keyboard.ts";
import { login } from "../../lib/oidc/login.ts";
import { openProviderSession, type ProviderSession } from "../../lib/oidc/provider.ts";
import type { TokenSet } from "../../lib/token_set.ts";
import {
  ALICE,
  BOB,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  DEVICE_CODE_GRANT_TYPE as DEVICE_GRANT,
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  PUBLIC_CLIENT_ID,
  REDACTED,
  startTestIdp,
} from "../support/idp.ts";
import { providerOptions } from "../support/provider_options.ts";
import { type LoginOutcome, UserAgent } from "../support/user_agent.ts";

/** A short polling interval keeps the device tests fast. */
const FAST_INTERVAL_SEC = 0.2;
const NOT_INTERACTIVE = "kubectl runs the plugin without stdin (test)";

/** Collects what the library tells the user. */
class TestLogger implements Logger {
  readonly infos: string[] = [];
  readonly debugs: string[] = [];

  info(message: string): void {
    this.infos.push(message);
  }

  debug(message: string): void {
    this.debugs.push(message);
  }

  /** Waits for an info message matching `pattern` and returns the match. */
  async waitForInfo(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const message of this.infos) {
        const match = message.match(pattern);
        if (match) return match;
      }
      if (Date.now() > deadline) {
        throw new Error(`no message matches ${pattern}: ${JSON.stringify(this.infos)}`);
      }
      await delay(20);
    }
  }
}

/** The person at the terminal: answers each prompt with `answer`, and records the prompts. */
class FakePrompter implements Prompter {
  readonly lines: string[] = [];
  readonly secrets: string[] = [];
  readonly #answer: (prompt: string) => string | Promise<string>;

  constructor(answer: (prompt: string) => string | Promise<string>) {
    this.#answer = answer;
  }

  async readLine(prompt: string): Promise<string> {
    this.lines.push(prompt);
    return await this.#answer(prompt);
  }

  async readSecret(prompt: string): Promise<string> {
    this.secrets.push(prompt);
    return await this.#answer(prompt);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function loginOptions(grantType: GrantType, overrides: Partial<LoginOptions> = {}): LoginOptions {
  return {
    grantType,
    listenAddresses: ["127.0.0.1:0"],
    skipOpenBrowser: true,
    authenticationTimeoutSec: 30,
    authRequestExtraParams: {},
    ...overrides,
  };
}

/** Asserts that `token` is an ID token about `username` for `clientId`, and `tokenSet` is sane. */
function assertIdToken(tokenSet: TokenSet, username: string, clientId = PUBLIC_CLIENT_ID): void {
  const claims = decodeJwtClaims(tokenSet.token);
  assert.ok(claims, "the credential is a JWT");
  assert.equal(claims.sub, username);
  assert.equal(claims.aud, clientId);
  assert.equal(tokenSet.expiresAt, (claims.exp as number) * 1000);
  assert.ok(tokenSet.expiresAt > Date.now());
}

/** Runs `fn` and returns what it threw, failing when it did not throw. */
async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected a rejection");
}

Deno.test("authcode-keyboard", async (t) => {
  await using idp = await startTestIdp();
  const loopback = "http://127.0.0.1/callback";

  /** A person who opens the printed URL, signs in, and types what `answer` makes of the end. */
  const person = (logger: TestLogger, answer: (outcome: LoginOutcome) => string) =>
    new FakePrompter(async () => {
      const [url] = await logger.waitForInfo(/^http\S+$/m);
      using agent = new UserAgent();
      return answer(await agent.login(url, ALICE, { stopAtCallback: true }));
    });

  await t.step("out of band: the code shown by the provider is typed in", async () => {
    using session = await openProviderSession(providerOptions(idp));
    const logger = new TestLogger();
    const prompter = person(logger, (outcome) => {
      assert.match(outcome.body, /id="oob-code"/, "the provider's code page");
      return outcome.code!;
    });
    idp.clearRequests();
    const tokenSet = await login(
      session,
      loginOptions("authcode-keyboard", { authRequestExtraParams: { ui_locales: "en" } }),
      { logger, prompter },
    );
    assertIdToken(tokenSet, ALICE.username);
    assert.ok(tokenSet.refreshToken);
    assert.deepEqual(prompter.lines, ["Enter code: "]);
    assert.deepEqual(prompter.secrets, []);
    const [auth] = idp.requestsTo("/auth");
    assert.equal(auth.params.redirect_uri, OOB_REDIRECT_URI);
    assert.equal(auth.params.ui_locales, "en");
    assert.equal(auth.params.code_challenge_method, "S256");
    const token = idp.requestsTo("/token", "authorization_code");
    assert.equal(token.length, 1);
    assert.equal(token[0].status, 200);
    assert.equal(token[0].params.redirect_uri, OOB_REDIRECT_URI);
    assert.equal(token[0].params.code, REDACTED);
  });

  await t.step("--oidc-redirect-url: the pasted redirect URL is accepted", async () => {
    using session = await openProviderSession(providerOptions(idp, { redirectUrl: loopback }));
    const logger = new TestLogger();
    const prompter = person(logger, (outcome) => ` ${outcome.finalUrl} `);
    idp.clearRequests();
    const tokenSet = await login(session, loginOptions("authcode-keyboard"), { logger, prompter });
    assertIdToken(tokenSet, ALICE.username);
    assert.equal(idp.requestsTo("/auth")[0].params.redirect_uri, loopback);
    assert.equal(idp.requestsTo("/token")[0].params.redirect_uri, loopback);
  });

  await t.step("a pasted redirect URL of another login is refused", async () => {
    using session = await openProviderSession(providerOptions(idp, { redirectUrl: loopback }));
    const logger = new TestLogger();
    const prompter = person(logger, (outcome) => {
      const url = new URL(outcome.finalUrl);
      assert.ok(url.searchParams.get("code"));
      url.searchParams.set("state", "someone-elses-state");
      return url.href;
    });
    idp.clearRequests();
    const error = await rejection(() =>
      login(session, loginOptions("authcode-keyboard"), { logger, prompter })
    );
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.match(error.message, /wrong state/);
    assert.equal(idp.requestsTo("/token").length, 0, "the code was not redeemed");
  });

  await t.step("nothing entered", async () => {
    using session = await openProviderSession(providerOptions(idp));
    idp.clearRequests();
    const error = await rejection(() =>
      login(session, loginOptions("authcode-keyboard"), {
        logger: new TestLogger(),
        prompter: new FakePrompter(() => "  "),
      })
    );
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.match(error.message, /no authorization code was entered/);
    assert.equal(idp.requests.length, 0);
  });

  await t.step("without a terminal it fails at once and says what to use", async () => {
    using session = await openProviderSession(providerOptions(idp));
    const logger = new TestLogger();
    idp.clearRequests();
    const error = await rejection(() =>
      login(session, loginOptions("authcode-keyboard"), {
        logger,
        notInteractiveReason: NOT_INTERACTIVE,
      })
    );
    assert.ok(error instanceof NotInteractiveError, String(error));
    assert.ok(error.message.includes(NOT_INTERACTIVE), error.message);
    assert.match(error.message, /--grant-type=device-code/);
    assert.deepEqual(logger.infos, [], "no URL shown for a login that cannot finish");
    assert.equal(idp.requests.length, 0);
  });
});

Deno.test("device-code", async (t) => {
  await using idp = await startTestIdp({ deviceIntervalSec: FAST_INTERVAL_SEC });
  const prompt = /^To log in, open (\S+) in a browser \(or open (\S+) and enter the code (\S+)\)$/;

  /** Starts a device login and returns it with what it showed. */
  const startDeviceLogin = async (
    session: ProviderSession,
    overrides: Partial<LoginOptions> = {},
  ) => {
    const logger = new TestLogger();
    const result = login(session, loginOptions("device-code", overrides), { logger });
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

  await t.step("the browser opens at the complete verification URI", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const opened = `${dir}/opened`;
      const opener = `${dir}/opener.sh`;
      await Deno.writeTextFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
      await Deno.chmod(opener, 0o755);
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
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
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
    assert.match(error.message, /timed out.*--authentication-timeout-sec/);
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
    while (polls().length < 1) await delay(20);
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

Deno.test("password", async (t) => {
  await using idp = await startTestIdp();
  const noTerminal: Interaction = {
    logger: new TestLogger(),
    notInteractiveReason: NOT_INTERACTIVE,
  };

  await t.step("username and password from the options", async () => {
    using session = await openProviderSession(providerOptions(idp, { extraScopes: ["groups"] }));
    idp.clearRequests();
    const tokenSet = await login(
      session,
      loginOptions("password", { username: ALICE.username, password: ALICE.password }),
      noTerminal,
    );
    assertIdToken(tokenSet, ALICE.username);
    assert.deepEqual(decodeJwtClaims(tokenSet.token)?.groups, ALICE.groups);
    assert.ok(tokenSet.refreshToken);
    const [request] = idp.requestsTo("/token", "password");
    assert.equal(request.status, 200);
    assert.equal(request.params.username, ALICE.username);
    assert.equal(request.params.password, REDACTED);
    assert.equal(request.params.scope, "openid groups");
  });

  await t.step("the password is asked without echo when only the username is given", async () => {
    using session = await openProviderSession(providerOptions(idp));
    const prompter = new FakePrompter(() => BOB.password);
    const tokenSet = await login(session, loginOptions("password", { username: BOB.username }), {
      logger: new TestLogger(),
      prompter,
    });
    assertIdToken(tokenSet, BOB.username);
    assert.deepEqual(prompter.secrets, ["Password: "]);
    assert.deepEqual(prompter.lines, []);
  });

  await t.step("both are asked when neither is given", async () => {
    using session = await openProviderSession(providerOptions(idp));
    const prompter = new FakePrompter((prompt) =>
      prompt === "Username: " ? ALICE.username : ALICE.password
    );
    const tokenSet = await login(session, loginOptions("password"), {
      logger: new TestLogger(),
      prompter,
    });
    assertIdToken(tokenSet, ALICE.username);
    assert.deepEqual(prompter.lines, ["Username: "]);
    assert.deepEqual(prompter.secrets, ["Password: "]);
  });

  await t.step("a wrong password is an authentication error naming invalid_grant", async () => {
    using session = await openProviderSession(providerOptions(idp));
    const error = await rejection(() =>
      login(
        session,
        loginOptions("password", { username: ALICE.username, password: "wrong-horse" }),
        noTerminal,
      )
    );
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.match(error.message, /rejected the username or password for alice \(invalid_grant/);
    assert.ok(!error.message.includes("wrong-horse"));
    assert.ok(error.cause instanceof OidcError);
    assert.equal(error.cause.error, "invalid_grant");
  });

  await t.step("no password and no terminal: fails at once, nothing sent", async () => {
    using session = await openProviderSession(providerOptions(idp));
    idp.clearRequests();
    const error = await rejection(() =>
      login(session, loginOptions("password", { username: ALICE.username }), noTerminal)
    );
    assert.ok(error instanceof NotInteractiveError, String(error));
    assert.ok(error.message.includes(NOT_INTERACTIVE), error.message);
    assert.match(error.message, /--password/);
    assert.equal(idp.requests.length, 0);
  });
});

Deno.test("client-credentials", async (t) => {
  await using idp = await startTestIdp();
  const machine = {
    clientId: MACHINE_CLIENT_ID,
    clientSecret: MACHINE_CLIENT_SECRET,
    useAccessToken: true,
  };
  const interaction: Interaction = { logger: new TestLogger() };

  await t.step("the access token, with the extra parameters in the token request", async () => {
    using session = await openProviderSession(providerOptions(idp, machine));
    idp.clearRequests();
    const before = Date.now();
    const tokenSet = await login(
      session,
      loginOptions("client-credentials", {
        authRequestExtraParams: { audience: "https://kubernetes.example" },
      }),
      interaction,
    );
    assert.equal(decodeJwtClaims(tokenSet.token), undefined, "the provider's opaque token");
    assert.ok(tokenSet.token.length > 20);
    // The test provider gives client credentials tokens 600 s (expires_in).
    assert.ok(tokenSet.expiresAt >= before + 600_000 && tokenSet.expiresAt <= Date.now() + 600_000);
    assert.equal(tokenSet.refreshToken, undefined);
    const [request] = idp.requestsTo("/token", "client_credentials");
    assert.equal(request.status, 200);
    assert.equal(request.params.audience, "https://kubernetes.example");
    assert.equal(request.headers.authorization, REDACTED);
    assert.equal(request.params.scope, "openid", "openid, as kubelogin requests it");
  });

  await t.step(
    "no ID token and no --oidc-use-access-token: an error that says to add it",
    async () => {
      using session = await openProviderSession(
        providerOptions(idp, { ...machine, useAccessToken: false }),
      );
      const error = await rejection(() =>
        login(session, loginOptions("client-credentials"), interaction)
      );
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, /without an ID token; add --oidc-use-access-token/);
    },
  );

  await t.step("extra scopes are requested, with openid", async () => {
    using session = await openProviderSession(
      providerOptions(idp, { ...machine, extraScopes: ["groups"] }),
    );
    idp.clearRequests();
    await login(session, loginOptions("client-credentials"), interaction);
    assert.equal(
      idp.requestsTo("/token", "client_credentials")[0].params.scope,
      "openid groups",
    );
  });

  await t.step("a wrong secret is the provider's invalid_client", async () => {
    using session = await openProviderSession(
      providerOptions(idp, { ...machine, clientSecret: "not-the-secret" }),
    );
    const error = await rejection(() =>
      login(session, loginOptions("client-credentials"), interaction)
    );
    assert.ok(error instanceof OidcError, String(error));
    assert.equal(error.error, "invalid_client");
    assert.ok(!error.message.includes("not-the-secret"));
  });

  await t.step("no client secret is a usage error, nothing sent", async () => {
    using session = await openProviderSession(
      providerOptions(idp, { clientId: MACHINE_CLIENT_ID }),
    );
    idp.clearRequests();
    const error = await rejection(() =>
      login(session, loginOptions("client-credentials"), interaction)
    );
    assert.ok(error instanceof UsageError, String(error));
    assert.match(error.message, /client secret/);
    assert.equal(idp.requests.length, 0);
  });
});

/**
 * A provider whose client credentials answer is a JWT access token for an API (`aud` is not the
 * client), as Auth0, Okta and Azure AD issue: the test provider's tokens are opaque.
 */
function startJwtAccessTokenProvider(
  signingKey: Parameters<SignJWT["sign"]>[0],
  verifyingJwk: JWK,
  withIdToken = false,
): AsyncDisposable & { issuer: string } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const issuer = url.origin;
    switch (url.pathname) {
      case "/.well-known/openid-configuration":
        return Response.json({
          issuer,
          authorization_endpoint: `${issuer}/auth`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          id_token_signing_alg_values_supported: ["RS256"],
        });
      case "/jwks":
        return Response.json({ keys: [{ ...verifyingJwk, kid: "k1", alg: "RS256" }] });
      case "/token": {
        await request.body?.cancel();
        const accessToken = await new SignJWT({ scope: "api" })
          .setProtectedHeader({ alg: "RS256", kid: "k1" })
          .setIssuer(issuer)
          .setSubject(`${MACHINE_CLIENT_ID}@clients`)
          .setAudience("https://kubernetes.example")
          .setIssuedAt()
          .setExpirationTime("20m")
          .sign(signingKey);
        const idToken = withIdToken
          ? await new SignJWT({})
            .setProtectedHeader({ alg: "RS256", kid: "k1" })
            .setIssuer(issuer)
            .setSubject(`${MACHINE_CLIENT_ID}@clients`)
            .setAudience(MACHINE_CLIENT_ID)
            .setIssuedAt()
            .setExpirationTime("30m")
            .sign(signingKey)
          : undefined;
        // expires_in disagrees with exp on purpose: the verified exp wins.
        return Response.json({
          access_token: accessToken,
          token_type: "Bearer",
          expires_in: 60,
          ...(idToken ? { id_token: idToken } : {}),
        });
      }
    }
    return new Response("not found", { status: 404 });
  });
  return {
    issuer: `http://127.0.0.1:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("client-credentials: a JWT access token is verified and its exp used", async (t) => {
  const keys = await generateKeyPair("RS256", { extractable: true });
  const other = await generateKeyPair("RS256", { extractable: true });
  const machine = {
    clientId: MACHINE_CLIENT_ID,
    clientSecret: MACHINE_CLIENT_SECRET,
    useAccessToken: true,
  };
  const interaction: Interaction = { logger: new TestLogger() };

  await t.step("signed by the provider, for another audience: accepted", async () => {
    await using provider = startJwtAccessTokenProvider(
      keys.privateKey,
      await exportJWK(keys.publicKey),
    );
    using session = await openProviderSession({
      ...providerOptions(provider),
      ...machine,
    });
    const tokenSet = await login(session, loginOptions("client-credentials"), interaction);
    const claims = decodeJwtClaims(tokenSet.token);
    assert.equal(claims?.aud, "https://kubernetes.example");
    assert.equal(tokenSet.expiresAt, (claims?.exp as number) * 1000);
  });

  /** Logs in at a provider that also returns an ID token signed with `signingKey`. */
  const loginForIdToken = async (signingKey: Parameters<SignJWT["sign"]>[0]) => {
    await using provider = startJwtAccessTokenProvider(
      signingKey,
      await exportJWK(keys.publicKey),
      true,
    );
    using session = await openProviderSession({
      ...providerOptions(provider),
      ...machine,
      useAccessToken: false,
    });
    return await login(session, loginOptions("client-credentials"), interaction);
  };

  await t.step("an ID token in the answer is the credential without the flag", async () => {
    const tokenSet = await loginForIdToken(keys.privateKey);
    const claims = decodeJwtClaims(tokenSet.token);
    assert.equal(claims?.aud, MACHINE_CLIENT_ID, "the ID token, not the access token");
    assert.equal(tokenSet.expiresAt, (claims?.exp as number) * 1000);
  });

  await t.step("an ID token from a key the provider does not publish: refused", async () => {
    const error = await rejection(() => loginForIdToken(other.privateKey));
    assert.ok(error instanceof TokenVerificationError, String(error));
    assert.match(error.message, /ID token/);
  });

  await t.step("signed by a key the provider does not publish: refused", async () => {
    await using provider = startJwtAccessTokenProvider(
      other.privateKey,
      await exportJWK(keys.publicKey),
    );
    using session = await openProviderSession({
      ...providerOptions(provider),
      ...machine,
    });
    const error = await rejection(() =>
      login(session, loginOptions("client-credentials"), interaction)
    );
    assert.ok(error instanceof TokenVerificationError, String(error));
    assert.match(error.message, /access token/);
  });
});

Deno.test("an unknown grant type is a usage error", async () => {
  await using idp = await startTestIdp();
  using session = await openProviderSession(providerOptions(idp));
  const error = await rejection(() =>
    login(session, loginOptions("implicit" as GrantType), { logger: new TestLogger() })
  );
  assert.ok(error instanceof UsageError);
  assert.match(error.message, /implicit/);
});
