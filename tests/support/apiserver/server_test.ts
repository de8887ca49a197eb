import assert from "node:assert/strict";
import { createTestCa, issueServerCert } from "../tls.ts";
import { startApiServer } from "./server.ts";
import { kubectl, options, startIssuer, whoami } from "./fixtures.ts";

Deno.test("apiserver server: an HTTPS issuer is trusted through issuerCaPem only", async () => {
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

Deno.test("apiserver server: the real kubectl 1.32 works against it", async (t) => {
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
