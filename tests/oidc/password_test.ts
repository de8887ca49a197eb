/**
 * The resource owner password grant (lib/oidc/password.ts), end to end through the library
 * against the test provider; the person at the terminal is a fake `FakePrompter`.
 */

import assert from "node:assert/strict";
import { AuthenticationError, NotInteractiveError, OidcError } from "../../lib/errors.ts";
import type { Interaction } from "../../lib/interaction.ts";
import { decodeJwtClaims } from "../../lib/jwt.ts";
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
import { ALICE, BOB, REDACTED, startTestIdp } from "../support/idp.ts";
import { providerOptions } from "../support/provider_options.ts";

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
    assert.match(error.message, /pass `login.password`/);
    assert.deepEqual(error.settings, ["login.password"]);
    assert.equal(idp.requests.length, 0);
  });
});
