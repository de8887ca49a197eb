/**
 * Tests of the test identity provider and the user agent, through real HTTP on 127.0.0.1.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from "jose";
import { createTestCa, issueServerCert, LOOPBACK_NAMES } from "./tls.ts";
import {
  ALICE,
  BOB,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  DEVICE_CODE_GRANT_TYPE,
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  OOB_REDIRECT_URI,
  PUBLIC_CLIENT_ID,
  REDACTED,
  startTestIdp,
  type TestIdp,
} from "./idp.ts";
import { UserAgent } from "./user_agent.ts";

type Json = Record<string, unknown>;

interface TokenAnswer {
  status: number;
  json: Json;
}

async function discover(issuer: string, client?: Deno.HttpClient): Promise<Json> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`, {
    ...(client ? { client } : {}),
  });
  assert.equal(response.status, 200);
  return await response.json();
}

async function token(
  idp: TestIdp,
  form: Record<string, string>,
  basic?: [string, string],
): Promise<TokenAnswer> {
  const headers = new Headers({ "content-type": "application/x-www-form-urlencoded" });
  if (basic) headers.set("authorization", `Basic ${btoa(`${basic[0]}:${basic[1]}`)}`);
  const response = await fetch(`${idp.issuer}/token`, {
    method: "POST",
    headers,
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  let json: Json = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = { text };
  }
  return { status: response.status, json };
}

function password(idp: TestIdp, username: string, secret: string): Promise<TokenAnswer> {
  return token(idp, {
    grant_type: "password",
    client_id: PUBLIC_CLIENT_ID,
    username,
    password: secret,
    scope: "openid email profile groups",
  });
}

function refresh(idp: TestIdp, refreshToken: string): Promise<TokenAnswer> {
  return token(idp, {
    grant_type: "refresh_token",
    client_id: PUBLIC_CLIENT_ID,
    refresh_token: refreshToken,
  });
}

async function verifyIdToken(idp: TestIdp, idToken: string): Promise<Json> {
  const jwks: JSONWebKeySet = await (await fetch(`${idp.issuer}/jwks`)).json();
  const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
    issuer: idp.issuer,
    audience: PUBLIC_CLIENT_ID,
  });
  return payload;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

interface AuthorizationRequest {
  url: string;
  state: string;
  verifier: string;
}

async function authorizationRequest(
  idp: TestIdp,
  redirectUri: string,
  pkce = true,
  extra: Record<string, string> = {},
): Promise<AuthorizationRequest> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
  );
  const url = new URL(`${idp.issuer}/auth`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: PUBLIC_CLIENT_ID,
    redirect_uri: redirectUri,
    scope: "openid email profile groups",
    state,
    nonce: "nonce-1",
    ...(pkce ? { code_challenge: base64url(challenge), code_challenge_method: "S256" } : {}),
    ...extra,
  }).toString();
  return { url: url.href, state, verifier };
}

/** A loopback server standing in for the plugin's callback. */
interface CallbackServer extends AsyncDisposable {
  url: string;
  received: URL[];
}

function startCallbackServer(): CallbackServer {
  const received: URL[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    received.push(new URL(request.url));
    return new Response("callback ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    received,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

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

  const exchanged = await token(idp, {
    grant_type: "authorization_code",
    client_id: PUBLIC_CLIENT_ID,
    code,
    redirect_uri: callback.url,
    code_verifier: request.verifier,
  });
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
    const answer = await token(idp, {
      grant_type: "authorization_code",
      client_id: PUBLIC_CLIENT_ID,
      code: second.received[0].searchParams.get("code")!,
      redirect_uri: second.url,
      code_verifier: request.verifier,
    });
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
    const answer = await token(idp, {
      grant_type: "authorization_code",
      client_id: PUBLIC_CLIENT_ID,
      code: outcome.code,
      redirect_uri: OOB_REDIRECT_URI,
      code_verifier: request.verifier,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
  });
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

async function deviceAuthorization(idp: TestIdp): Promise<Json> {
  const response = await fetch(`${idp.issuer}/device/auth`, {
    method: "POST",
    body: new URLSearchParams({ client_id: PUBLIC_CLIENT_ID, scope: "openid email groups" }),
  });
  assert.equal(response.status, 200);
  return await response.json();
}

function poll(idp: TestIdp, deviceCode: unknown): Promise<TokenAnswer> {
  return token(idp, {
    grant_type: DEVICE_CODE_GRANT_TYPE,
    client_id: PUBLIC_CLIENT_ID,
    device_code: String(deviceCode),
  });
}

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
  await using idp = await startTestIdp({ deviceCodeTtlSec: 1 });
  const device = await deviceAuthorization(idp);
  assert.equal(device.expires_in, 1);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal((await poll(idp, device.device_code)).json.error, "expired_token");
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
  const exchanged = await token(idp, {
    grant_type: "authorization_code",
    client_id: PUBLIC_CLIENT_ID,
    code,
    redirect_uri: callback.url,
    code_verifier: request.verifier,
  });
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

Deno.test("as a program: prints the issuer, serves, stops on SIGTERM", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./idp.ts", import.meta.url).pathname, "--port=0"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!output.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    output += value;
  }
  const { issuer } = JSON.parse(output.split("\n")[0]);
  assert.match(issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await discover(issuer)).issuer, issuer);
  child.kill("SIGTERM");
  const status = await child.status;
  await lines.cancel();
  assert.equal(status.code, 0);
});
