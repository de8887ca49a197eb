/**
 * The test provider's front: outages, the redacted request log, issuers, HTTPS.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createTestCa, issueServerCert, LOOPBACK_NAMES } from "../tls.ts";
import {
  ALICE,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  REDACTED,
  startTestIdp,
} from "../idp.ts";
import {
  authorizationRequest,
  discover,
  exchangeCode,
  password,
  refresh,
  startCallbackServer,
  token,
} from "./oauth_client.ts";
import { UserAgent } from "../user_agent.ts";

Deno.test("outages: the next refresh or token request fails once", async () => {
  await using idp = await startTestIdp();
  const answer = await password(idp, "alice", ALICE.password);
  const refreshToken = String(answer.json.refresh_token);
  idp.failNextRefresh(503);
  assert.equal((await password(idp, "alice", ALICE.password)).status, 200, "not a refresh");
  assert.equal((await refresh(idp, refreshToken)).status, 503);
  assert.equal((await refresh(idp, refreshToken)).status, 200, "the token survived");
  idp.failNextTokenRequest(500);
  assert.equal((await password(idp, "alice", ALICE.password)).status, 500);
  assert.equal((await password(idp, "alice", ALICE.password)).status, 200);
  assert.equal(idp.countRequests({ grantType: "refresh_token" }), 2);
  assert.equal(idp.requestsTo("/token", "refresh_token")[0].status, 503);
});

Deno.test("the request log redacts secrets, codes and tokens", async () => {
  await using idp = await startTestIdp();
  await using callback = startCallbackServer();
  const request = await authorizationRequest(idp, callback.url);
  await new UserAgent().login(request.url, ALICE);
  const code = callback.received[0].searchParams.get("code")!;
  const exchanged = await exchangeCode(idp, code, callback.url, request.verifier);
  const refreshToken = String(exchanged.json.refresh_token);
  await refresh(idp, refreshToken);
  await token(idp, { grant_type: "client_credentials" }, [
    MACHINE_CLIENT_ID,
    MACHINE_CLIENT_SECRET,
  ]);
  await token(idp, {
    grant_type: "password",
    client_id: CONFIDENTIAL_CLIENT_ID,
    client_secret: CONFIDENTIAL_CLIENT_SECRET,
    username: "alice",
    password: ALICE.password,
  });

  const log = JSON.stringify(idp.requests);
  for (
    const secret of [code, request.verifier, refreshToken, ALICE.password, MACHINE_CLIENT_SECRET]
  ) {
    assert.ok(!log.includes(secret), "a secret reached the request log");
  }
  assert.ok(!log.includes(CONFIDENTIAL_CLIENT_SECRET));
  const [login] = idp.requests.filter((r) => r.path.endsWith("/login") && r.method === "POST");
  assert.equal(login.params.login, "alice");
  assert.equal(login.params.password, REDACTED);
  const [exchange] = idp.requestsTo("/token", "authorization_code");
  assert.equal(exchange.params.code, REDACTED);
  assert.equal(exchange.params.code_verifier, REDACTED);
  assert.equal(exchange.params.redirect_uri, callback.url);
  assert.equal(idp.requestsTo("/token", "refresh_token")[0].params.refresh_token, REDACTED);
  assert.equal(idp.requestsTo("/token", "password")[0].params.client_secret, REDACTED);
  const [authorize] = idp.requestsTo("/auth");
  assert.equal(authorize.params.state, request.state, "non-secret parameters stay readable");
  assert.ok(idp.requests.some((r) => r.headers.cookie === REDACTED), "cookies redacted");
  idp.clearRequests();
  assert.equal(idp.countRequests(), 0);
});

Deno.test("mismatching issuers: the localhost alias and an advertised issuer", async () => {
  await using idp = await startTestIdp();
  assert.equal(idp.aliasIssuer, idp.issuer.replace("127.0.0.1", "localhost"));
  const viaAlias = await discover(idp.aliasIssuer);
  assert.equal(viaAlias.issuer, idp.issuer);
  assert.notEqual(viaAlias.issuer, idp.aliasIssuer);

  await using other = await startTestIdp({ advertisedIssuer: "https://issuer.example" });
  assert.equal((await discover(other.issuer)).issuer, "https://issuer.example");
});

Deno.test("HTTPS with a test CA", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ca = await createTestCa(dir);
    const server = await issueServerCert(ca, LOOPBACK_NAMES);
    await using idp = await startTestIdp({
      tls: { certFile: server.certFile, keyFile: server.keyFile },
    });
    assert.match(idp.issuer, /^https:\/\/127\.0\.0\.1:\d+$/);
    using client = Deno.createHttpClient({ caCerts: [ca.certPem] });
    const metadata = await discover(idp.issuer, client);
    assert.equal(metadata.authorization_endpoint, `${idp.issuer}/auth`);
    using agent = new UserAgent([ca.certPem]);
    const request = await authorizationRequest(idp, "http://127.0.0.1:9/");
    const outcome = await agent.login(request.url, ALICE, { stopAtCallback: true });
    assert.ok(outcome.code, outcome.body.slice(0, 300));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
