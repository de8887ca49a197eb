/**
 * The test provider's configuration: discovery, JWKS, PKCE, refresh token rotation, keys.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ALICE, DEVICE_CODE_GRANT_TYPE, startTestIdp } from "../idp.ts";
import {
  authorizationRequest,
  discover,
  password,
  refresh,
  verifyIdToken,
} from "./oauth_client.ts";
import { UserAgent } from "../user_agent.ts";

Deno.test("discovery and JWKS describe the provider", async () => {
  await using idp = await startTestIdp();
  const metadata = await discover(idp.issuer);
  assert.equal(metadata.issuer, idp.issuer);
  assert.match(idp.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(metadata.token_endpoint, `${idp.issuer}/token`);
  assert.equal(metadata.device_authorization_endpoint, `${idp.issuer}/device/auth`);
  assert.deepEqual(metadata.code_challenge_methods_supported, ["S256"]);
  for (const grant of ["authorization_code", "refresh_token", "password", "client_credentials"]) {
    assert.ok((metadata.grant_types_supported as string[]).includes(grant), grant);
  }
  assert.ok((metadata.grant_types_supported as string[]).includes(DEVICE_CODE_GRANT_TYPE));
  for (const scope of ["openid", "email", "profile", "groups", "offline_access"]) {
    assert.ok((metadata.scopes_supported as string[]).includes(scope), scope);
  }
  const jwks = await (await fetch(String(metadata.jwks_uri))).json();
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].d, undefined, "the JWKS must not publish the private key");
});

Deno.test("pkceRequired refuses an authorization request without PKCE", async () => {
  await using idp = await startTestIdp({ pkceRequired: true });
  const request = await authorizationRequest(idp, "http://127.0.0.1:9/", false);
  const outcome = await new UserAgent().login(request.url, ALICE, { stopAtCallback: true });
  const params = new URL(outcome.finalUrl).searchParams;
  assert.equal(params.get("error"), "invalid_request", outcome.finalUrl);
  assert.equal(idp.countRequests({ pathSuffix: "/login" }), 0, "refused before login");
});

Deno.test("rotation issues a new refresh token and consumes the old one", async () => {
  await using idp = await startTestIdp({ rotateRefreshTokens: true });
  const first = await password(idp, "alice", ALICE.password);
  const oldToken = String(first.json.refresh_token);
  const rotated = await refresh(idp, oldToken);
  assert.equal(rotated.status, 200);
  const newToken = String(rotated.json.refresh_token);
  assert.notEqual(newToken, oldToken);
  const reused = await refresh(idp, oldToken);
  assert.equal(reused.status, 400);
  assert.equal(reused.json.error, "invalid_grant");
});

Deno.test("a foreign signing key makes ID token verification fail", async () => {
  await using idp = await startTestIdp();
  const answer = await password(idp, "alice", ALICE.password);
  const idToken = String(answer.json.id_token);
  idp.useForeignSigningKey(true);
  await assert.rejects(
    () => verifyIdToken(idp, idToken),
    (error: Error) => error.name === "JWSSignatureVerificationFailed",
  );
  idp.useForeignSigningKey(false);
  assert.equal((await verifyIdToken(idp, idToken)).sub, "alice");
});
