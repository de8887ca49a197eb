import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { type ApiServer, type ApiServerOptions, startApiServer } from "./apiserver.ts";
import { createTestCa, issueServerCert } from "./tls.ts";

const CLIENT_ID = "kubelogin-test";
const KEY_ID = "key-1";
const SELF_SUBJECT_REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
const PODS = "/api/v1/namespaces/default/pods";

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

/** A minimal OIDC issuer: discovery and a JWKS, plus a signer for test tokens. */
interface TestIssuer extends AsyncDisposable {
  url: string;
  /** How many times the JWKS was fetched. */
  jwksRequests(): number;
  /** Signs claims (defaults: iss, aud, sub alice, groups, 5 minute lifetime) with the issuer key. */
  sign(
    claims?: JWTPayload,
    options?: { key?: PrivateKey | Uint8Array; alg?: string },
  ): Promise<string>;
  /** Makes the issuer answer 503 to everything, or serve again. */
  setDown(down: boolean): void;
}

async function startIssuer(tls?: { cert: string; key: string }): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: KEY_ID, alg: "RS256", use: "sig" };
  let jwksCount = 0;
  let down = false;
  let url = "";
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {}, ...tls },
    (request) => {
      if (down) return new Response("down", { status: 503 });
      const path = new URL(request.url).pathname;
      if (path === "/.well-known/openid-configuration") {
        return Response.json({ issuer: url, jwks_uri: `${url}/jwks` });
      }
      if (path === "/jwks") {
        jwksCount++;
        return Response.json({ keys: [jwk] });
      }
      return new Response("not found", { status: 404 });
    },
  );
  url = `${tls ? "https" : "http"}://127.0.0.1:${server.addr.port}`;
  return {
    url,
    jwksRequests: () => jwksCount,
    sign: (claims = {}, options = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: url,
        aud: CLIENT_ID,
        sub: "alice",
        email: "alice@example.com",
        email_verified: true,
        groups: ["developers"],
        iat: now,
        exp: now + 300,
        ...claims,
      }).setProtectedHeader({ alg: options.alg ?? "RS256", kid: KEY_ID })
        .sign(options.key ?? privateKey);
    },
    setDown: (value) => {
      down = value;
    },
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** An unsigned (`alg: none`) JWT, which no verifier may accept. */
function unsecuredToken(claims: JWTPayload): string {
  const part = (value: unknown) =>
    btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
  return `${part({ alg: "none", kid: KEY_ID })}.${part(claims)}.`;
}

async function call(
  apiserver: ApiServer,
  path: string,
  token?: string,
  init: { method?: string; accept?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const client = Deno.createHttpClient({ caCerts: [apiserver.caPem] });
  try {
    const headers: Record<string, string> = { accept: init.accept ?? "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${apiserver.url}${path}`, {
      method: init.method ?? "GET",
      headers,
      client,
      body: init.method === "POST" ? "{}" : undefined,
    });
    return { status: response.status, body: await response.json() };
  } finally {
    client.close();
  }
}

function whoami(apiserver: ApiServer, token?: string) {
  return call(apiserver, SELF_SUBJECT_REVIEWS, token, { method: "POST" });
}

function options(issuer: TestIssuer, more: Partial<ApiServerOptions> = {}): ApiServerOptions {
  return { issuerUrl: issuer.url, clientId: CLIENT_ID, groupsClaim: "groups", ...more };
}

Deno.test("tls: a CA and server certificates Deno's TLS accepts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const started = performance.now();
    const ca = await createTestCa(dir);
    const server = await issueServerCert(ca, {
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
    });
    assert.ok(performance.now() - started < 1000, "making certificates must stay quick");
    assert.match(ca.certPem, /^-----BEGIN CERTIFICATE-----/);
    assert.equal(await Deno.readTextFile(server.certFile), server.certPem);
    assert.match(server.keyPem, /PRIVATE KEY-----/);
    await assert.rejects(issueServerCert(ca, {}), /needs a DNS name or IP address/);

    await using _https = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      cert: server.certPem,
      key: server.keyPem,
      onListen: () => {},
    }, () => new Response("hello"));
    const port = _https.addr.port;
    for (const host of ["127.0.0.1", "localhost"]) {
      using client = Deno.createHttpClient({ caCerts: [ca.certPem] });
      const response = await fetch(`https://${host}:${port}/`, { client });
      assert.equal(await response.text(), "hello");
    }
    // Without the CA the certificate must not be trusted.
    await assert.rejects(fetch(`https://127.0.0.1:${port}/`).then((r) => r.text()));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("apiserver: OIDC authentication and authorization as kube-apiserver does them", async (t) => {
  await using issuer = await startIssuer();

  await t.step("a valid token: prefixed sub, groups and system:authenticated", async () => {
    await using apiserver = await startApiServer(options(issuer));
    const token = await issuer.sign();
    const { status, body } = await whoami(apiserver, token);
    assert.equal(status, 201);
    assert.equal(body.kind, "SelfSubjectReview");
    assert.deepEqual(body.status, {
      userInfo: {
        username: `${issuer.url}#alice`,
        groups: ["developers", "system:authenticated"],
      },
    });
    assert.equal(apiserver.decisions.length, 1);
    const [decision] = apiserver.decisions;
    assert.equal(decision.outcome, "authenticated");
    assert.equal(decision.method, "POST");
    assert.equal(decision.path, SELF_SUBJECT_REVIEWS);
    assert.equal(decision.user, `${issuer.url}#alice`);
    assert.ok(!Number.isNaN(Date.parse(decision.time)));
    assert.ok(!JSON.stringify(apiserver.decisions).includes(token.split(".")[2]));

    const version = await call(apiserver, "/version", token);
    assert.equal(version.status, 200);
    assert.equal(version.body.gitVersion, "v1.32.0");
  });

  await t.step("username and group claims and prefixes follow the flags", async () => {
    const cases: [Partial<ApiServerOptions>, JWTPayload, string | undefined, string[]][] = [
      [{ usernameClaim: "email" }, {}, "alice@example.com", ["developers"]],
      [{ usernameClaim: "email" }, { email_verified: undefined }, "alice@example.com", [
        "developers",
      ]],
      [{ usernameClaim: "email" }, { email_verified: false }, undefined, []],
      [{ usernameClaim: "email" }, { email_verified: "true" }, undefined, []],
      [{ usernameClaim: "email", usernamePrefix: "oidc:" }, {}, "oidc:alice@example.com", [
        "developers",
      ]],
      [{ usernamePrefix: "-" }, {}, "alice", ["developers"]],
      [{ usernamePrefix: "corp:", groupsPrefix: "oidc:" }, {}, "corp:alice", ["oidc:developers"]],
      [{}, { groups: "admins" }, `${issuer.url}#alice`, ["admins"]],
      [{ groupsClaim: undefined }, {}, `${issuer.url}#alice`, []],
      [{}, { groups: [1] }, undefined, []],
      [{ usernameClaim: "preferred_username" }, {}, undefined, []],
    ];
    for (const [flags, claims, username, groups] of cases) {
      await using apiserver = await startApiServer(options(issuer, flags));
      const { status, body } = await whoami(apiserver, await issuer.sign(claims));
      const label = JSON.stringify({ flags, claims });
      if (username === undefined) {
        assert.equal(status, 401, label);
        continue;
      }
      assert.equal(status, 201, label);
      assert.deepEqual(body.status, {
        userInfo: { username, groups: [...groups, "system:authenticated"] },
      }, label);
    }
  });

  await t.step("refused tokens get 401 and a Status", async () => {
    await using apiserver = await startApiServer(options(issuer));
    const now = Math.floor(Date.now() / 1000);
    const foreign = await generateKeyPair("RS256");
    const es256 = await generateKeyPair("ES256");
    const refused: [string, string | undefined, RegExp][] = [
      ["no token", undefined, /no bearer token/],
      ["not a JWT", "not-a-jwt", /malformed/],
      ["wrong audience", await issuer.sign({ aud: ["someone-else"] }), /audience/],
      ["expired", await issuer.sign({ iat: now - 600, exp: now - 1 }), /expired/],
      ["no exp", await issuer.sign({ exp: undefined }), /expired/],
      ["not yet valid", await issuer.sign({ nbf: now + 120 }), /nbf/],
      ["wrong issuer", await issuer.sign({ iss: "https://elsewhere.example" }), /issuer/],
      ["foreign key", await issuer.sign({}, { key: foreign.privateKey }), /signature/],
      ["alg none", unsecuredToken({ iss: issuer.url, aud: CLIENT_ID, sub: "a" }), /algorithm/],
      ["ES256 not allowed", await issuer.sign({}, { key: es256.privateKey, alg: "ES256" }), /alg/],
      [
        "HS256",
        await issuer.sign({}, { key: new TextEncoder().encode("k".repeat(32)), alg: "HS256" }),
        /algorithm/,
      ],
    ];
    for (const [label, token, reason] of refused) {
      apiserver.clearDecisions();
      const { status, body } = await whoami(apiserver, token);
      assert.equal(status, 401, label);
      assert.deepEqual(body, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Unauthorized",
        reason: "Unauthorized",
        code: 401,
      }, label);
      const [decision] = apiserver.decisions;
      assert.equal(decision.outcome, "unauthenticated", label);
      assert.match(decision.reason ?? "", reason, label);
      assert.equal(decision.user, undefined, label);
    }
    // A token a minute inside the nbf leeway is fine, as with go-oidc.
    assert.equal((await whoami(apiserver, await issuer.sign({ nbf: now + 30 }))).status, 201);
  });

  await t.step("keys are fetched again when none verifies, e.g. after rotation", async () => {
    await using apiserver = await startApiServer(options(issuer));
    const before = issuer.jwksRequests();
    assert.equal((await whoami(apiserver, await issuer.sign())).status, 201);
    assert.equal((await whoami(apiserver, await issuer.sign())).status, 201);
    assert.equal(issuer.jwksRequests() - before, 1, "keys are cached");
    const foreign = await generateKeyPair("RS256");
    assert.equal(
      (await whoami(apiserver, await issuer.sign({}, { key: foreign.privateKey }))).status,
      401,
    );
    assert.equal(issuer.jwksRequests() - before, 2, "a key miss fetches the keys again");
  });

  await t.step("an issuer that is down: 401 until it is back", async () => {
    await using apiserver = await startApiServer(options(issuer));
    issuer.setDown(true);
    try {
      assert.equal((await whoami(apiserver, await issuer.sign())).status, 401);
      assert.match(apiserver.decisions[0].reason ?? "", /not initialized/);
    } finally {
      issuer.setDown(false);
    }
    assert.equal((await whoami(apiserver, await issuer.sign())).status, 201);
  });

  await t.step("an HTTPS issuer is trusted through issuerCaPem only", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const ca = await createTestCa(dir);
      const cert = await issueServerCert(ca, { ipAddresses: ["127.0.0.1"] });
      await using https = await startIssuer({ cert: cert.certPem, key: cert.keyPem });
      const token = await https.sign();
      {
        await using untrusting = await startApiServer(options(https));
        assert.equal((await whoami(untrusting, token)).status, 401);
      }
      await using trusting = await startApiServer(options(https, { issuerCaPem: ca.certPem }));
      assert.equal((await whoami(trusting, token)).status, 201);
      // The serving certificate can come from a CA the caller owns, too.
      await using shared = await startApiServer(options(https, { issuerCaPem: ca.certPem, ca }));
      assert.equal(shared.caFile, ca.certFile);
      assert.equal((await whoami(shared, token)).status, 201);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  await t.step("resources: 403 without a binding, 200 for a bound group or user", async () => {
    await using apiserver = await startApiServer(options(issuer, { usernamePrefix: "-" }));
    const token = await issuer.sign();
    const forbidden = await call(apiserver, PODS, token);
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.reason, "Forbidden");
    assert.equal(
      forbidden.body.message,
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" ' +
        'in the namespace "default"',
    );
    assert.equal(apiserver.decisions.at(-1)?.outcome, "forbidden");
    const all = await call(apiserver, "/api/v1/pods", token);
    assert.match(String(all.body.message), /cannot list resource "pods" .* at the cluster scope$/);

    apiserver.setBindings([{ group: "developers" }]);
    const pods = await call(apiserver, PODS, token);
    assert.equal(pods.status, 200);
    assert.equal(pods.body.kind, "PodList");
    assert.equal((pods.body.items as unknown[]).length, 2);
    assert.equal(apiserver.decisions.at(-1)?.outcome, "allowed");
    assert.equal(apiserver.decisions.at(-1)?.reason, "bound to group developers");
    const table = await call(apiserver, PODS, token, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    assert.equal(table.body.kind, "Table");
    assert.equal((table.body.rows as unknown[]).length, 2);
    // Bindings grant reading only.
    const create = await call(apiserver, PODS, token, { method: "POST" });
    assert.equal(create.status, 403);
    assert.match(String(create.body.message), /cannot create resource "pods"/);

    apiserver.setBindings([{ user: "bob" }]);
    assert.equal((await call(apiserver, PODS, token)).status, 403);
    assert.equal((await call(apiserver, PODS, await issuer.sign({ sub: "bob" }))).status, 200);
    assert.equal(apiserver.decisions.at(-1)?.reason, "bound to user bob");
    assert.equal(
      (await call(apiserver, "/api/v1/namespaces/default/pods/nope", token)).status,
      403,
    );
  });
});

/** Runs the real kubectl with a private HOME and a kubeconfig holding a static bearer token. */
async function kubectl(
  apiserver: ApiServer,
  token: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = await Deno.makeTempDir({ prefix: "kubectl-home-" });
  try {
    const kubeconfig = `${home}/config`;
    await Deno.writeTextFile(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: test",
        "  cluster:",
        `    server: ${apiserver.url}`,
        `    certificate-authority: ${apiserver.caFile}`,
        "users:",
        "- name: test",
        "  user:",
        `    token: ${token}`,
        "contexts:",
        "- name: test",
        "  context: {cluster: test, user: test, namespace: default}",
        "current-context: test",
        "",
      ].join("\n"),
    );
    const output = await new Deno.Command("kubectl", {
      args: [`--kubeconfig=${kubeconfig}`, `--cache-dir=${home}/cache`, ...args],
      env: { HOME: home, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      clearEnv: true,
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("apiserver: the real kubectl 1.32 works against it", async (t) => {
  await using issuer = await startIssuer();
  await using apiserver = await startApiServer(
    options(issuer, { bindings: [{ group: "developers" }] }),
  );
  const alice = await issuer.sign({ groups: ["developers"] });
  const bob = await issuer.sign({ sub: "bob", groups: ["viewers"] });

  await t.step("kubectl auth whoami", async () => {
    const { code, stdout, stderr } = await kubectl(apiserver, alice, [
      "auth",
      "whoami",
      "-o",
      "json",
    ]);
    assert.equal(code, 0, stderr);
    const review = JSON.parse(stdout);
    assert.equal(review.kind, "SelfSubjectReview");
    assert.equal(review.status.userInfo.username, `${issuer.url}#alice`);
    assert.deepEqual(review.status.userInfo.groups, ["developers", "system:authenticated"]);

    const table = await kubectl(apiserver, alice, ["auth", "whoami"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`Username\\s+${issuer.url}#alice`));
  });

  await t.step("kubectl get pods: discovery, then a Table", async () => {
    apiserver.clearDecisions();
    const { code, stdout, stderr } = await kubectl(apiserver, alice, ["get", "pods"]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split("\n");
    assert.match(lines[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    assert.match(lines[1], /^web-7d4b9c8f6-x2k9q\s+1\/1\s+Running\s+0\s+\d+[mh]$/);
    assert.equal(lines.length, 3);
    const paths = apiserver.decisions.map((decision) => decision.path);
    assert.ok(paths.includes("/api/v1"), `discovery fell back to legacy: ${paths}`);
    assert.equal(apiserver.decisions.at(-1)?.outcome, "allowed");
  });

  await t.step("kubectl cluster-info", async () => {
    const { code, stdout, stderr } = await kubectl(apiserver, alice, ["cluster-info"]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`Kubernetes control plane.* is running at .*${apiserver.url}`));
    assert.match(
      stdout,
      /CoreDNS.* is running at .*\/namespaces\/kube-system\/services\/kube-dns:dns\/proxy/,
    );
  });

  await t.step("an unbound user: Forbidden", async () => {
    const whoamiBob = await kubectl(apiserver, bob, ["auth", "whoami", "-o", "json"]);
    assert.equal(whoamiBob.code, 0, whoamiBob.stderr);
    const { code, stdout, stderr } = await kubectl(apiserver, bob, ["get", "pods"]);
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.match(
      stderr,
      /Error from server \(Forbidden\): pods is forbidden: User ".*#bob" cannot list resource "pods"/,
    );
    const clusterInfo = await kubectl(apiserver, bob, ["cluster-info"]);
    assert.equal(clusterInfo.code, 1);
    assert.match(clusterInfo.stderr, /Forbidden/);
  });

  await t.step("a bad token: Unauthorized", async () => {
    const expired = await issuer.sign({ exp: Math.floor(Date.now() / 1000) - 10 });
    for (const args of [["get", "pods"], ["auth", "whoami"]]) {
      const { code, stderr } = await kubectl(apiserver, expired, args);
      assert.equal(code, 1, args.join(" "));
      // Discovery words it "the server has asked for the client to provide credentials".
      assert.match(stderr, /^error: You must be logged in to the server \(/m, stderr);
    }
  });
});
