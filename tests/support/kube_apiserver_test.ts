/**
 * The API server double against the real test provider: its OIDC authenticator accepts what
 * kube-apiserver accepts and refuses the rest with 401, its fake RBAC answers 403 or 200, and the
 * real `kubectl` 1.32 talks to it (`auth whoami`, `get pods`, `cluster-info`).
 */

import assert from "node:assert/strict";
import { createTestCertificates } from "./certs.ts";
import { type KubeApiServer, startKubeApiServer } from "./kube_apiserver.ts";
import { PUBLIC_CLIENT_ID, startTestIdp, TEST_USERS, type TestIdp } from "./test_idp.ts";

const ALICE = TEST_USERS[0];
const KUBECTL = "/usr/bin/kubectl";

/** Gets an ID token for a test user by the password grant. */
async function idTokenFor(
  idp: TestIdp,
  user = ALICE,
  client?: Deno.HttpClient,
): Promise<string> {
  const response = await fetch(`${idp.issuer}/token`, {
    client,
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password",
      username: user.username,
      password: user.password,
      client_id: PUBLIC_CLIENT_ID,
      scope: "openid email groups",
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(typeof body.id_token, "string");
  return body.id_token;
}

/** A request to the API server with a bearer token, trusting its CA. */
async function call(
  apiserver: KubeApiServer,
  path: string,
  token: string | undefined,
  init: { method?: string; accept?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  using client = Deno.createHttpClient({ caCerts: [apiserver.caCertPem] });
  const headers: Record<string, string> = { accept: init.accept ?? "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${apiserver.url}${path}`, {
    client,
    method: init.method ?? "GET",
    headers,
    body: init.method === "POST"
      ? JSON.stringify({ kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1" })
      : undefined,
  });
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  return { status: response.status, body: await response.json() };
}

const WHOAMI = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
const PODS = "/api/v1/namespaces/default/pods";

async function whoami(
  apiserver: KubeApiServer,
  token: string | undefined,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return await call(apiserver, WHOAMI, token, { method: "POST" });
}

function userInfoOf(body: Record<string, unknown>): { username: string; groups: string[] } {
  assert.equal(body.kind, "SelfSubjectReview");
  assert.equal(body.apiVersion, "authentication.k8s.io/v1");
  const status = body.status as { userInfo: { username: string; groups: string[] } };
  return status.userInfo;
}

function assertUnauthorized(result: { status: number; body: Record<string, unknown> }): void {
  assert.equal(result.status, 401);
  assert.deepEqual(result.body, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "Unauthorized",
    reason: "Unauthorized",
    code: 401,
  });
}

function base64Url(value: unknown): string {
  return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeHeader(token: string): Record<string, unknown> {
  return JSON.parse(atob(token.split(".")[0].replaceAll("-", "+").replaceAll("_", "/")));
}

function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(atob(payload));
}

Deno.test("OIDC authentication and authorization as kube-apiserver does them", async (t) => {
  await using idp = await startTestIdp();
  const token = await idTokenFor(idp);

  await t.step("a valid token: prefixed sub claim, groups and system:authenticated", async () => {
    await using apiserver = await startKubeApiServer({
      issuerUrl: idp.issuer,
      clientId: PUBLIC_CLIENT_ID,
      groupsClaim: "groups",
    });
    const result = await whoami(apiserver, token);
    assert.equal(result.status, 201);
    assert.deepEqual(userInfoOf(result.body), {
      username: `${idp.issuer}#${ALICE.username}`,
      groups: [...ALICE.groups, "system:authenticated"],
    });
    assert.deepEqual(apiserver.decisions, [{
      method: "POST",
      path: WHOAMI,
      outcome: "allowed",
      user: `${idp.issuer}#${ALICE.username}`,
      groups: [...ALICE.groups, "system:authenticated"],
      reason: "selfsubjectreviews are open to system:authenticated",
    }]);
  });

  await t.step("email claim: no prefix; explicit prefixes; no groups claim", async () => {
    await using byEmail = await startKubeApiServer({
      issuerUrl: idp.issuer,
      clientId: PUBLIC_CLIENT_ID,
      usernameClaim: "email",
    });
    assert.deepEqual(userInfoOf((await whoami(byEmail, token)).body), {
      username: ALICE.email,
      groups: ["system:authenticated"],
    });
    await using prefixed = await startKubeApiServer({
      issuerUrl: idp.issuer,
      clientId: PUBLIC_CLIENT_ID,
      usernamePrefix: "oidc:",
      groupsClaim: "groups",
      groupsPrefix: "oidc:",
    });
    assert.deepEqual(userInfoOf((await whoami(prefixed, token)).body), {
      username: `oidc:${ALICE.username}`,
      groups: ["oidc:developers", "system:authenticated"],
    });
    await using unprefixed = await startKubeApiServer({
      issuerUrl: idp.issuer,
      clientId: PUBLIC_CLIENT_ID,
      usernamePrefix: "-",
    });
    assert.equal(userInfoOf((await whoami(unprefixed, token)).body).username, ALICE.username);
  });

  await t.step("refused tokens get 401 and a Status, and never reach the log", async () => {
    await using apiserver = await startKubeApiServer({
      issuerUrl: idp.issuer,
      clientId: PUBLIC_CLIENT_ID,
    });
    const header = base64Url({ alg: "none", typ: "JWT" });
    const claims = claimsOf(token);
    const unsigned = `${header}.${base64Url(claims)}.`;
    const hs256 = `${base64Url({ alg: "HS256", typ: "JWT", kid: "test-key" })}.${
      base64Url(claims)
    }.${base64Url("not a signature")}`;
    const tampered = token.replace(
      /^([^.]+)\.[^.]+\./,
      `$1.${base64Url({ ...claims, sub: "bob" })}.`,
    );
    const otherIssuer = `${header}.${base64Url({ ...claims, iss: "https://evil.example" })}.`;
    for (const bad of [undefined, "", "not-a-jwt", unsigned, hs256, tampered, otherIssuer]) {
      assertUnauthorized(await whoami(apiserver, bad));
      assertUnauthorized(await call(apiserver, "/api", bad));
    }
    assert.deepEqual(
      apiserver.decisions.map((decision) => decision.reason),
      [
        "no bearer token",
        "no bearer token",
        "no bearer token",
        "no bearer token",
        "malformed token: not a compact JWT",
        "malformed token: not a compact JWT",
        'token signed with unsupported algorithm "none", expected RS256',
        'token signed with unsupported algorithm "none", expected RS256',
        'token signed with unsupported algorithm "HS256", expected RS256',
        'token signed with unsupported algorithm "HS256", expected RS256',
        "failed to verify signature: JWSSignatureVerificationFailed",
        "failed to verify signature: JWSSignatureVerificationFailed",
        "token issuer does not match the issuer URL",
        "token issuer does not match the issuer URL",
      ],
    );
    assert.ok(apiserver.decisions.every((d) => d.outcome === "unauthenticated" && !d.user));
    const log = JSON.stringify(apiserver.decisions);
    for (const secret of [token, token.split(".")[2], tampered]) assert.ok(!log.includes(secret));
  });

  await t.step("a token for another client ID is refused", async () => {
    await using apiserver = await startKubeApiServer({
      issuerUrl: idp.issuer,
      clientId: "another-client",
    });
    assertUnauthorized(await whoami(apiserver, token));
    assert.equal(apiserver.decisions[0].reason, 'expected audience "another-client"');
  });

  await t.step("an expired token is refused", async () => {
    await using apiserver = await startKubeApiServer({
      issuerUrl: idp.issuer,
      clientId: PUBLIC_CLIENT_ID,
    });
    idp.setIdTokenTtl(1);
    const shortLived = await idTokenFor(idp);
    idp.setIdTokenTtl(3600);
    const exp = claimsOf(shortLived).exp as number;
    assert.equal((await whoami(apiserver, shortLived)).status, 201);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now() + 50)));
    assertUnauthorized(await whoami(apiserver, shortLived));
    assert.equal(apiserver.decisions.at(-1)?.reason, "token is expired");
  });

  await t.step(
    "keys: rotation is followed, a key not in the issuer's JWKS is refused",
    async () => {
      // Two providers in turn on one port: same issuer URL and key id, different keys.
      const before = await startTestIdp();
      const oldToken = await idTokenFor(before);
      await using apiserver = await startKubeApiServer({
        issuerUrl: before.issuer,
        clientId: PUBLIC_CLIENT_ID,
      });
      assert.equal((await whoami(apiserver, oldToken)).status, 201);
      await before.close();
      await using after = await startTestIdp({ port: before.port });
      const newToken = await idTokenFor(after);
      assert.equal(after.issuer, before.issuer);
      assert.equal(decodeHeader(newToken).kid, decodeHeader(oldToken).kid);

      // The cached key fails, so the keys are fetched again, as go-oidc does.
      assert.equal((await whoami(apiserver, newToken)).status, 201);
      assertUnauthorized(await whoami(apiserver, oldToken));
      assert.equal(
        apiserver.decisions.at(-1)?.reason,
        "failed to verify signature: JWSSignatureVerificationFailed",
      );
    },
  );

  await t.step("an issuer that is down: 401, then tokens work once it is up", async () => {
    const down = await startTestIdp();
    const early = await idTokenFor(down);
    await down.close();
    await using apiserver = await startKubeApiServer({
      issuerUrl: down.issuer,
      clientId: PUBLIC_CLIENT_ID,
    });
    assertUnauthorized(await whoami(apiserver, early));
    assert.match(apiserver.decisions[0].reason ?? "", /^authenticator not initialized: GET /);
    await using up = await startTestIdp({ port: down.port });
    assert.equal((await whoami(apiserver, await idTokenFor(up))).status, 201);
  });

  await t.step("an HTTPS issuer is trusted through issuerCaPem only", async () => {
    const dir = await Deno.makeTempDir({ prefix: "idp-certs-" });
    try {
      const certs = await createTestCertificates(dir);
      await using tlsIdp = await startTestIdp({ tls: { cert: certs.certPem, key: certs.keyPem } });
      assert.match(tlsIdp.issuer, /^https:/);
      using client = Deno.createHttpClient({ caCerts: [certs.caCertPem] });
      const httpsToken = await idTokenFor(tlsIdp, ALICE, client);
      await using trusting = await startKubeApiServer({
        issuerUrl: tlsIdp.issuer,
        clientId: PUBLIC_CLIENT_ID,
        issuerCaPem: certs.caCertPem,
      });
      assert.equal((await whoami(trusting, httpsToken)).status, 201);
      await using distrusting = await startKubeApiServer({
        issuerUrl: tlsIdp.issuer,
        clientId: PUBLIC_CLIENT_ID,
      });
      assertUnauthorized(await whoami(distrusting, httpsToken));
      assert.match(distrusting.decisions[0].reason ?? "", /^authenticator not initialized: GET /);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  await t.step("resources: 403 when not bound, 200 for a bound group or user", async () => {
    await using apiserver = await startKubeApiServer({
      issuerUrl: idp.issuer,
      clientId: PUBLIC_CLIENT_ID,
      groupsClaim: "groups",
      bindings: [{ group: "viewers" }],
    });
    const username = `${idp.issuer}#${ALICE.username}`;
    assert.equal((await call(apiserver, "/api", token)).body.kind, "APIVersions");
    assert.equal((await call(apiserver, "/apis", token)).body.kind, "APIGroupList");
    assert.equal((await call(apiserver, "/api/v1", token)).body.kind, "APIResourceList");
    assert.equal((await call(apiserver, "/version", token)).body.major, "1");

    const forbidden = await call(apiserver, PODS, token);
    assert.equal(forbidden.status, 403);
    assert.deepEqual(forbidden.body, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        `pods is forbidden: User "${username}" cannot list resource "pods" in API group "" ` +
        'in the namespace "default"',
      reason: "Forbidden",
      details: { kind: "pods" },
      code: 403,
    });
    assert.equal(apiserver.decisions.at(-1)?.outcome, "forbidden");

    apiserver.setBindings([{ group: "developers" }]);
    const list = await call(apiserver, PODS, token);
    assert.equal(list.status, 200);
    assert.equal(list.body.kind, "PodList");
    assert.equal((list.body.items as unknown[]).length, 2);
    assert.deepEqual(apiserver.decisions.at(-1), {
      method: "GET",
      path: PODS,
      outcome: "allowed",
      user: username,
      groups: ["developers", "system:authenticated"],
      reason: "bound to group developers",
    });

    apiserver.setBindings([{ user: username }]);
    const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    const table = await call(apiserver, PODS, token, { accept: tableAccept });
    assert.equal(table.status, 200);
    assert.equal(table.body.kind, "Table");
    assert.equal(table.body.apiVersion, "meta.k8s.io/v1");
    assert.equal((table.body.rows as unknown[]).length, 2);

    apiserver.setBindings([{ user: ALICE.username }]);
    assert.equal((await call(apiserver, PODS, token)).status, 403);
  });
});

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl with a kubeconfig holding a static token, in a private HOME. */
async function kubectl(
  home: string,
  apiserver: KubeApiServer,
  token: string,
  ...args: string[]
): Promise<KubectlResult> {
  const kubeconfig = `${home}/kubeconfig`;
  // JSON is YAML, and kubectl reads either.
  await Deno.writeTextFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{
        name: "test",
        cluster: { server: apiserver.url, "certificate-authority": apiserver.caCertFile },
      }],
      users: [{ name: "test", user: { token } }],
      contexts: [{
        name: "test",
        context: { cluster: "test", user: "test", namespace: "default" },
      }],
      "current-context": "test",
    }),
  );
  const output = await new Deno.Command(KUBECTL, {
    args: [`--kubeconfig=${kubeconfig}`, ...args],
    env: { HOME: home, PATH: "/usr/bin:/bin" },
    clearEnv: true,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("the real kubectl works against the API server double", async (t) => {
  await using idp = await startTestIdp();
  await using apiserver = await startKubeApiServer({
    issuerUrl: idp.issuer,
    clientId: PUBLIC_CLIENT_ID,
    groupsClaim: "groups",
    bindings: [{ group: "developers" }],
  });
  const home = await Deno.makeTempDir({ prefix: "kubectl-home-" });
  try {
    const token = await idTokenFor(idp);
    const username = `${idp.issuer}#${ALICE.username}`;

    await t.step("kubectl auth whoami", async () => {
      const result = await kubectl(home, apiserver, token, "auth", "whoami", "-o", "json");
      assert.equal(result.code, 0, result.stderr);
      const review = JSON.parse(result.stdout);
      assert.equal(review.kind, "SelfSubjectReview");
      assert.deepEqual(review.status.userInfo, {
        username,
        groups: ["developers", "system:authenticated"],
      });
      const table = await kubectl(home, apiserver, token, "auth", "whoami");
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^Username\s+\S+#alice$/m);
      assert.match(table.stdout, /^Groups\s+\[developers system:authenticated\]$/m);
    });

    await t.step("kubectl get pods (discovery falls back from aggregated, Table)", async () => {
      const result = await kubectl(home, apiserver, token, "get", "pods");
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split("\n");
      assert.match(lines[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      assert.equal(lines.length, 3);
      assert.match(lines[1], /^web-\S+\s+1\/1\s+Running\s+0\s+\d+m$/);
      const paths = apiserver.decisions.map((decision) => decision.path);
      assert.ok(paths.includes("/api") && paths.includes("/apis") && paths.includes("/api/v1"));
      const named = await kubectl(home, apiserver, token, "get", "pods", "-o", "name");
      assert.equal(named.code, 0, named.stderr);
      assert.equal(named.stdout, "pod/web-7d4b9c8f6-abcde\npod/worker-5f6c7d8e9-fghij\n");
    });

    await t.step("kubectl cluster-info", async () => {
      const result = await kubectl(home, apiserver, token, "cluster-info");
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /Kubernetes control plane.* is running at .*https:\/\/127\.0\.0\.1/,
      );
    });

    await t.step("an unbound user: Forbidden", async () => {
      apiserver.setBindings([]);
      const result = await kubectl(home, apiserver, token, "get", "pods");
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        new RegExp(`Error from server \\(Forbidden\\): pods is forbidden: User "${username}"`),
      );
    });

    await t.step("a bad token: Unauthorized", async () => {
      const result = await kubectl(home, apiserver, `${token}x`, "get", "pods");
      assert.equal(result.code, 1);
      assert.match(result.stderr, /must be logged in to the server \(Unauthorized\)/);
      const whoami = await kubectl(home, apiserver, "garbage", "auth", "whoami");
      assert.equal(whoami.code, 1);
      assert.match(whoami.stderr, /Unauthorized/);
    });

    assert.ok(!JSON.stringify(apiserver.decisions).includes(token));
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
