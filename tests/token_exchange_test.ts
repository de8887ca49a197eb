/**
 * `--grant-type=token-exchange` (RFC 8693) through the plugin process and the test provider,
 * whose token endpoint accepts a CI job's token as the subject (tests/support/idp/token_exchange.ts).
 */

import assert from "node:assert/strict";
import { decodeJwtClaims } from "../lib/jwt.ts";
import {
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  startTestIdp,
  type TestIdp,
} from "./support/idp.ts";
import {
  CI_ACTOR_TOKEN,
  CI_SUBJECT_TOKEN,
  CI_SUBJECT_USER,
  TOKEN_EXCHANGE_GRANT_TYPE,
  TOKEN_TYPE_ID_TOKEN,
  TOKEN_TYPE_JWT,
} from "./support/idp/token_exchange.ts";
import { tokenOf } from "./support/login.ts";
import { PLUGIN_ENV_VARIABLES, type PluginResult, PluginSandbox } from "./support/plugin.ts";
import { createTestCa, issueServerCert, LOOPBACK_NAMES } from "./support/tls.ts";

const CI_ENV = "CI_JOB_JWT";

function exchangeArgs(idp: TestIdp, ...extra: string[]): string[] {
  return [
    "get-token",
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${MACHINE_CLIENT_ID}`,
    "--grant-type=token-exchange",
    `--token-exchange-subject-token=${CI_ENV}`,
    `--token-exchange-subject-token-type=${TOKEN_TYPE_JWT}`,
    "--token-exchange-audience=kubernetes",
    "--token-exchange-resource=https://kubernetes.example",
    ...extra,
  ];
}

/** Runs with the client secret and the CI token in the environment, both readable. */
function runExchange(sandbox: PluginSandbox, args: string[], subject = CI_SUBJECT_TOKEN) {
  return sandbox.run(args, {
    env: { OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET, [CI_ENV]: subject },
    permissions: withEnv(sandbox.permissions),
  });
}

function withEnv(permissions: string[]): string[] {
  return permissions.map((flag) =>
    flag.startsWith("--allow-env") ? `--allow-env=${[...PLUGIN_ENV_VARIABLES, CI_ENV]}` : flag
  );
}

function assertNoSubjectToken(result: PluginResult): void {
  for (const secret of [CI_SUBJECT_TOKEN, CI_ACTOR_TOKEN, MACHINE_CLIENT_SECRET]) {
    assert.ok(!result.stderr.includes(secret), "a secret token is in the output");
  }
}

Deno.test("token-exchange: a CI job's token for a verified ID token", async (t) => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  await t.step(
    "the subject token read from the named variable, the ID token handed over",
    async () => {
      const result = await runExchange(sandbox, exchangeArgs(idp, "-v10"));
      const claims = decodeJwtClaims(tokenOf(result));
      assert.equal(claims?.sub, CI_SUBJECT_USER);
      assert.equal(claims?.aud, MACHINE_CLIENT_ID);
      assertNoSubjectToken(result);
      const [request] = idp.requestsTo("/token", TOKEN_EXCHANGE_GRANT_TYPE);
      assert.equal(request.status, 200);
      assert.equal(request.params.subject_token, "[redacted]");
      assert.equal(request.params.subject_token_type, TOKEN_TYPE_JWT);
      assert.equal(request.params.audience, "kubernetes");
      assert.equal(request.params.resource, "https://kubernetes.example");
      assert.equal(request.params.scope, "openid");
    },
  );
  await t.step("the next run answers from the cache", async () => {
    idp.clearRequests();
    tokenOf(await runExchange(sandbox, exchangeArgs(idp)));
    assert.equal(idp.requests.length, 0);
  });
  await t.step("another subject token is another cache entry, refused here", async () => {
    const result = await runExchange(sandbox, exchangeArgs(idp), "someone-else.x.y");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: token request failed: invalid_grant/m);
    assert.ok(!result.stderr.includes("someone-else"));
  });
  await t.step("an ID token asked for as the issued token", async () => {
    const result = await runExchange(
      sandbox,
      exchangeArgs(
        idp,
        `--token-exchange-requested-token-type=${TOKEN_TYPE_ID_TOKEN}`,
        "--token-cache-storage=none",
      ),
    );
    assert.equal(decodeJwtClaims(tokenOf(result))?.sub, CI_SUBJECT_USER);
  });
  await t.step("an actor token, from its variable too", async () => {
    idp.clearRequests();
    const result = await sandbox.run(
      exchangeArgs(
        idp,
        "--token-exchange-actor-token=CI_RUNNER_JWT",
        `--token-exchange-actor-token-type=${TOKEN_TYPE_JWT}`,
        "--token-cache-storage=none",
      ),
      {
        env: {
          OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET,
          [CI_ENV]: CI_SUBJECT_TOKEN,
          CI_RUNNER_JWT: CI_ACTOR_TOKEN,
        },
        permissions: sandbox.permissions.map((flag) =>
          flag.startsWith("--allow-env")
            ? `--allow-env=${[...PLUGIN_ENV_VARIABLES, CI_ENV, "CI_RUNNER_JWT"]}`
            : flag
        ),
      },
    );
    tokenOf(result);
    assertNoSubjectToken(result);
    const [request] = idp.requestsTo("/token", TOKEN_EXCHANGE_GRANT_TYPE);
    assert.equal(request.params.actor_token_type, TOKEN_TYPE_JWT);
  });
  await t.step("the access token only with --oidc-use-access-token", async () => {
    const result = await runExchange(
      sandbox,
      exchangeArgs(idp, "--oidc-use-access-token", "--token-cache-storage=none"),
    );
    assert.equal(decodeJwtClaims(tokenOf(result)), undefined, "the provider's opaque token");
  });
});

Deno.test("token-exchange: what is missing is said before anything is sent", async (t) => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  await t.step("no subject token", async () => {
    idp.clearRequests();
    const args = exchangeArgs(idp).filter((arg) => !arg.includes("subject-token="));
    const result = await runExchange(sandbox, args);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^error: --grant-type=token-exchange needs --token-exchange-subject-token/m,
    );
    assert.equal(idp.requestsTo("/token").length, 0);
  });
  await t.step("a variable that is not set", async () => {
    const result = await sandbox.run(exchangeArgs(idp), {
      env: { OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET },
      permissions: withEnv(sandbox.permissions),
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /names the environment variable CI_JOB_JWT, which is empty or unset/,
    );
  });
  await t.step("a variable --allow-env does not grant", async () => {
    const result = await sandbox.run(exchangeArgs(idp), {
      env: { OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET, [CI_ENV]: CI_SUBJECT_TOKEN },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--allow-env=CI_JOB_JWT/);
  });
  await t.step("an actor token without its type", async () => {
    const result = await runExchange(
      sandbox,
      exchangeArgs(idp, "--token-exchange-actor-token=a.b.c", "--token-cache-storage=none"),
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /needs --token-exchange-actor-token-type/);
    assert.ok(!result.stderr.includes("a.b.c"));
  });
});

Deno.test("token-exchange: TLS is verified", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const ca = await createTestCa(dir);
    const server = await issueServerCert(ca, LOOPBACK_NAMES);
    await using idp = await startTestIdp({ tls: { cert: server.certPem, key: server.keyPem } });
    await using sandbox = await PluginSandbox.create();
    await t.step("a provider certificate from an unknown CA is refused", async () => {
      const result = await runExchange(sandbox, exchangeArgs(idp));
      assert.equal(result.code, 1);
      assert.match(result.stderr, /invalid peer certificate: UnknownIssuer/);
      assertNoSubjectToken(result);
    });
    await t.step("with the CA it works", async () => {
      const result = await runExchange(
        sandbox,
        exchangeArgs(idp, `--certificate-authority-data=${btoa(ca.certPem)}`),
      );
      assert.equal(decodeJwtClaims(tokenOf(result))?.sub, CI_SUBJECT_USER);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
