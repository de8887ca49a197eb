/**
 * The test provider's grants: password, client credentials, device code.
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import {
  ALICE,
  BOB,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  DEVICE_CODE_GRANT_TYPE,
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  REDACTED,
  startTestIdp,
} from "../idp.ts";
import {
  deviceAuthorization,
  password,
  poll,
  refresh,
  token,
  verifyIdToken,
} from "./oauth_client.ts";
import { UserAgent } from "../user_agent.ts";

Deno.test("password grant: tokens for good credentials, invalid_grant otherwise", async () => {
  await using idp = await startTestIdp();
  const answer = await password(idp, "bob", BOB.password);
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  const claims = await verifyIdToken(idp, String(answer.json.id_token));
  assert.equal(claims.sub, "bob");
  assert.deepEqual(claims.groups, ["viewers"]);
  assert.equal(claims.email_verified, true);
  assert.ok(answer.json.access_token);
  const refreshed = await refresh(idp, String(answer.json.refresh_token));
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
  assert.deepEqual(decodeJwt(String(refreshed.json.id_token)).groups, ["viewers"]);

  const wrong = await password(idp, "bob", ALICE.password);
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.error, "invalid_grant");

  const form = { grant_type: "password", username: "alice", password: ALICE.password };
  const basic = await token(idp, { ...form, scope: "openid" }, [
    CONFIDENTIAL_CLIENT_ID,
    CONFIDENTIAL_CLIENT_SECRET,
  ]);
  assert.equal(basic.status, 200, "client_secret_basic");
  const post = await token(idp, {
    ...form,
    client_id: CONFIDENTIAL_CLIENT_ID,
    client_secret: CONFIDENTIAL_CLIENT_SECRET,
  });
  assert.equal(post.status, 200, "client_secret_post");
  const badSecret = await token(idp, form, [CONFIDENTIAL_CLIENT_ID, "nope"]);
  assert.equal(badSecret.json.error, "invalid_client");
});

Deno.test("client credentials: an access token, the audience logged, the secret not", async () => {
  await using idp = await startTestIdp();
  const answer = await token(
    idp,
    { grant_type: "client_credentials", audience: "https://kubernetes.example" },
    [MACHINE_CLIENT_ID, MACHINE_CLIENT_SECRET],
  );
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  assert.ok(String(answer.json.access_token).length > 10);
  assert.equal(answer.json.expires_in, 600);
  const [logged] = idp.requestsTo("/token", "client_credentials");
  assert.equal(logged.params.audience, "https://kubernetes.example");
  assert.equal(logged.headers.authorization, REDACTED);
  const refused = await token(idp, { grant_type: "client_credentials" }, [
    MACHINE_CLIENT_ID,
    "wrong",
  ]);
  assert.equal(refused.status, 401);
  assert.equal(refused.json.error, "invalid_client");
});

Deno.test("device flow: approve, deny, slow_down", async (t) => {
  await using idp = await startTestIdp();

  await t.step("approved through verification_uri_complete", async () => {
    const device = await deviceAuthorization(idp);
    assert.equal(device.interval, 1);
    assert.equal((await poll(idp, device.device_code)).json.error, "authorization_pending");
    const page = await new UserAgent().approveDevice(
      String(device.verification_uri_complete),
      ALICE,
    );
    assert.match(page.body, /Device approved/);
    const answer = await poll(idp, device.device_code);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    const claims = await verifyIdToken(idp, String(answer.json.id_token));
    assert.equal(claims.sub, "alice");
    assert.deepEqual(claims.groups, ["developers"]);
    assert.ok(answer.json.refresh_token);
  });

  await t.step("denied after typing the code", async () => {
    const device = await deviceAuthorization(idp);
    const target = {
      verificationUri: String(device.verification_uri),
      userCode: String(device.user_code),
    };
    const page = await new UserAgent().approveDevice(target, BOB, false);
    assert.doesNotMatch(page.body, /Device approved/);
    assert.equal((await poll(idp, device.device_code)).json.error, "access_denied");
  });

  await t.step("a wrong code is refused", async () => {
    const target = { verificationUri: `${idp.issuer}/device`, userCode: "BCDF-GHJK" };
    const page = await new UserAgent().completeDeviceLogin(
      target.verificationUri,
      target.userCode,
      ALICE,
    );
    assert.doesNotMatch(page.body, /Device approved/);
    assert.match(page.body, /name="user_code"/);
  });

  await t.step("slow_down once, then pending again", async () => {
    const device = await deviceAuthorization(idp);
    idp.slowDownNext();
    const slowed = await poll(idp, device.device_code);
    assert.equal(slowed.status, 400);
    assert.equal(slowed.json.error, "slow_down");
    assert.equal((await poll(idp, device.device_code)).json.error, "authorization_pending");
    assert.equal(idp.requestsTo("/token", DEVICE_CODE_GRANT_TYPE).at(-2)?.status, 400);
  });
});

Deno.test("device codes expire after deviceCodeTtlSec", async () => {
  await using idp = await startTestIdp({ deviceCodeTtlSec: 30 });
  const device = await deviceAuthorization(idp);
  assert.equal(device.expires_in, 30);
  // The provider's own expiry check decides, on codes aged as the clock would age them.
  idp.ageDeviceCodes(20);
  assert.equal((await poll(idp, device.device_code)).json.error, "authorization_pending");
  idp.ageDeviceCodes(11);
  assert.equal((await poll(idp, device.device_code)).json.error, "expired_token");
});
