/**
 * The client credentials grant (lib/oidc/client_credentials.ts), end to end through the library
 * against the test provider (opaque access tokens) and a small provider that issues JWT ones.
 */

import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type SignJWT } from "jose";
import { OidcError, TokenVerificationError, UsageError } from "../../lib/errors.ts";
import type { Interaction } from "../../lib/interaction.ts";
import { decodeJwtClaims } from "../../lib/jwt.ts";
import { login } from "../../lib/oidc/login.ts";
import { openProviderSession } from "../../lib/oidc/provider.ts";
import { loginOptions, rejection, TestLogger } from "../support/grant_login.ts";
import {
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  REDACTED,
  startTestIdp,
} from "../support/idp.ts";
import { startJwtAccessTokenProvider } from "../support/jwt_access_token_idp.ts";
import { providerOptions } from "../support/provider_options.ts";

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
      assert.match(error.message, /without an ID token; add `provider.useAccessToken`/);
      assert.deepEqual(error.settings, ["provider.useAccessToken"]);
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
