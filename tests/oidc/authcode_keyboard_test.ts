/**
 * The authorization code grant with a keyboard (lib/oidc/authcode_keyboard.ts), end to end
 * through the library against the test provider: the person at the terminal is a
 * `FakePrompter`, the person in the browser the fetch-based {@link UserAgent}.
 */

import assert from "node:assert/strict";
import { AuthenticationError, NotInteractiveError } from "../../lib/errors.ts";
import { OOB_REDIRECT_URI } from "../../lib/oidc/authcode_keyboard.ts";
import { login } from "../../lib/oidc/login.ts";
import { openProviderSession } from "../../lib/oidc/provider.ts";
import {
  assertIdToken,
  FakePrompter,
  loginOptions,
  NOT_INTERACTIVE,
  rejection,
  TestLogger,
} from "../support/grant_login.ts";
import { ALICE, REDACTED, startTestIdp } from "../support/idp.ts";
import { providerOptions } from "../support/provider_options.ts";
import { type LoginOutcome, UserAgent } from "../support/user_agent.ts";

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
    // The library names its setting, not the flag; the CLI puts the flag there.
    assert.match(error.message, /`login.grantType: "device-code"`/);
    assert.deepEqual(error.settings, ["login.grantType"]);
    assert.deepEqual(logger.infos, [], "no URL shown for a login that cannot finish");
    assert.equal(idp.requests.length, 0);
  });
});
