/**
 * The test provider's login and consent pages, through the user agent.
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import { ALICE, BOB, OOB_REDIRECT_URI, startTestIdp } from "../idp.ts";
import {
  authorizationRequest,
  exchangeCode,
  refresh,
  startCallbackServer,
  verifyIdToken,
} from "./oauth_client.ts";
import { UserAgent } from "../user_agent.ts";

Deno.test("authorization code with PKCE through the user agent, then refresh", async (t) => {
  await using idp = await startTestIdp();
  await using callback = startCallbackServer();
  const request = await authorizationRequest(idp, callback.url);
  const outcome = await new UserAgent().login(request.url, ALICE);
  assert.equal(outcome.status, 200);
  assert.equal(outcome.body, "callback ok");
  assert.equal(callback.received.length, 1);
  const params = callback.received[0].searchParams;
  assert.equal(params.get("state"), request.state);
  assert.equal(params.get("iss"), idp.issuer);
  const code = params.get("code");
  assert.ok(code);
  assert.equal(idp.countRequests({ path: "/interaction/" }), 0, "exact path filter");
  assert.equal(idp.countRequests((r) => r.path.endsWith("/login") && r.method === "POST"), 1);

  const exchanged = await exchangeCode(idp, code, callback.url, request.verifier);
  assert.equal(exchanged.status, 200, JSON.stringify(exchanged.json));
  const claims = await verifyIdToken(idp, String(exchanged.json.id_token));
  assert.equal(claims.sub, "alice");
  assert.equal(claims.email, "alice@example.com");
  assert.equal(claims.email_verified, true);
  assert.deepEqual(claims.groups, ["developers"]);
  assert.equal(claims.name, "Alice Example");
  assert.equal(claims.preferred_username, "alice");
  assert.equal(claims.nonce, "nonce-1");
  const refreshToken = String(exchanged.json.refresh_token);
  assert.ok(refreshToken.length > 10, "a refresh token without offline_access");

  await t.step("the code verifier is checked", async () => {
    await using second = startCallbackServer();
    const again = await authorizationRequest(idp, second.url);
    await new UserAgent().login(again.url, ALICE);
    const answer = await exchangeCode(
      idp,
      second.received[0].searchParams.get("code")!,
      second.url,
      request.verifier,
    );
    assert.equal(answer.status, 400);
    assert.equal(answer.json.error, "invalid_grant");
  });

  await t.step("refresh keeps the refresh token and follows the ID token lifetime", async () => {
    idp.setIdTokenTtl(5);
    const refreshed = await refresh(idp, refreshToken);
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
    const payload = decodeJwt(String(refreshed.json.id_token));
    assert.equal(payload.exp! - payload.iat!, 5);
    assert.deepEqual(payload.groups, ["developers"]);
    assert.equal(refreshed.json.refresh_token, refreshToken, "no rotation by default");
    assert.equal((await refresh(idp, refreshToken)).status, 200);
    assert.equal(idp.requestsTo("/token", "refresh_token").length, 2);
  });

  await t.step("revoked refresh tokens answer invalid_grant", async () => {
    idp.revokeRefreshTokens();
    const refused = await refresh(idp, refreshToken);
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error, "invalid_grant");
  });
});

Deno.test("user agent: stop, tamper, deny, wrong password, redirect URIs", async (t) => {
  await using idp = await startTestIdp();
  await using callback = startCallbackServer();

  await t.step("stops at the callback without fetching it", async () => {
    const request = await authorizationRequest(idp, callback.url);
    const outcome = await new UserAgent().login(request.url, BOB, { stopAtCallback: true });
    assert.equal(outcome.status, 0);
    assert.ok(outcome.finalUrl.startsWith(callback.url), outcome.finalUrl);
    assert.ok(outcome.code);
    assert.equal(new URL(outcome.finalUrl).searchParams.get("code"), outcome.code);
    assert.equal(callback.received.length, 0);
  });

  await t.step("tampers with the callback", async () => {
    const request = await authorizationRequest(idp, callback.url);
    await new UserAgent().login(request.url, ALICE, {
      tamperCallback: (url) => {
        url.searchParams.set("state", "forged");
        return url;
      },
    });
    assert.equal(callback.received.at(-1)?.searchParams.get("state"), "forged");
  });

  await t.step("denied consent reaches the callback as access_denied", async () => {
    const request = await authorizationRequest(idp, callback.url);
    await new UserAgent().login(request.url, { ...ALICE, consent: false });
    const params = callback.received.at(-1)!.searchParams;
    assert.equal(params.get("error"), "access_denied");
    assert.equal(params.get("code"), null);
  });

  await t.step("a wrong password stays at the login page", async () => {
    const before = callback.received.length;
    const request = await authorizationRequest(idp, callback.url);
    const outcome = await new UserAgent().login(request.url, { ...ALICE, password: "wrong" });
    assert.equal(outcome.status, 401);
    assert.match(outcome.body, /Invalid username or password/);
    assert.equal(callback.received.length, before);
  });

  await t.step("any loopback port, path and scheme is a valid redirect URI", async () => {
    for (const uri of ["https://localhost:8443/cb", "http://localhost:1234", "http://[::1]:9/x"]) {
      const request = await authorizationRequest(idp, uri);
      const outcome = await new UserAgent().login(request.url, ALICE, { stopAtCallback: true });
      assert.ok(outcome.finalUrl.startsWith(uri), `${uri}: ${outcome.finalUrl}`);
      assert.ok(outcome.code, uri);
    }
  });

  await t.step("prompt=login and offline_access still end at the callback", async () => {
    const request = await authorizationRequest(idp, callback.url, true, {
      prompt: "login consent",
      scope: "openid offline_access",
    });
    const outcome = await new UserAgent().login(request.url, BOB);
    assert.equal(outcome.body, "callback ok");
    assert.ok(callback.received.at(-1)?.searchParams.get("code"));
  });

  await t.step("other redirect URIs are refused", async () => {
    const request = await authorizationRequest(idp, "http://example.com/callback");
    const outcome = await new UserAgent().login(request.url, ALICE);
    assert.equal(outcome.status, 400);
    assert.match(outcome.body, /invalid_redirect_uri/);
  });

  await t.step("out of band: the code is shown on a page and can be exchanged", async () => {
    const request = await authorizationRequest(idp, OOB_REDIRECT_URI);
    const outcome = await new UserAgent().login(request.url, ALICE);
    assert.equal(outcome.status, 200);
    assert.ok(outcome.code, outcome.body);
    const answer = await exchangeCode(idp, outcome.code, OOB_REDIRECT_URI, request.verifier);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
  });
});
