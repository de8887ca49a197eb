import assert from "node:assert/strict";
import { generateKeyPair, type JWTPayload } from "jose";
import { type ApiServerOptions, startApiServer } from "./server.ts";
import {
  CLIENT_ID,
  options,
  SELF_SUBJECT_REVIEWS,
  startIssuer,
  unsecuredToken,
  whoami,
} from "./fixtures.ts";

Deno.test("apiserver authenticator: OIDC tokens checked as kube-apiserver checks them", async (t) => {
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
});
