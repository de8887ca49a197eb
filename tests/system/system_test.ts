/**
 * The whole system as a person uses it: the real kubectl runs the plugin from `PATH` (a shim like
 * the one `deno install` writes, with README's scoped permissions; README's install line itself is
 * tests/install/install_test.ts's) through a kubeconfig written as the setup guide says,
 * against the HTTPS API server double, and the login happens in Debian's Chromium at the test
 * identity provider. The scenarios run in order on one cache, each asserting what kubectl printed,
 * whether the browser opened, and what the provider and the API server saw.
 *
 * Skipped with the reason when kubectl or Chromium is missing, except under `CI=true`, where that
 * fails. On failure the login and success pages' screenshots and the provider's request log are
 * written under `artifacts/system-test/`.
 */

import assert from "node:assert/strict";
import { chromiumAvailability, type Credentials, TestBrowser } from "../support/browser.ts";
import {
  assertKubectlSucceeded,
  escapeRegExp,
  failFastSteps,
  forbiddenPodsPattern,
  kubectlAvailability,
  KubectlClient,
  podNames,
  toolGate,
  whoamiUser,
} from "../support/cluster.ts";
import { startDevelopersApiServer } from "../support/developers_cluster.ts";
import {
  ALICE,
  BOB,
  DEVICE_CODE_GRANT_TYPE,
  PUBLIC_CLIENT_ID,
  startTestIdp,
  type TestIdp,
} from "../support/idp.ts";

const ARTIFACTS_DIR = new URL("../../artifacts/system-test", import.meta.url).pathname;
/** The plugin's local server page after a login. */
const LOGGED_IN = /You are logged in/;
/** The provider's page after a device approval. */
const DEVICE_APPROVED = /Device approved/;
/**
 * A short ID token lifetime: such a token counts as expired 4 s after it is issued. Not less:
 * kubectl may run the plugin twice for one command, and the second run should find the token
 * the first one got still valid.
 */
const SHORT_TTL_SECONDS = 14;
/** The pods of the API server double. */
const PODS = ["web-7d4b9c8f6-x2k9q", "worker-5f6c7d8e9-p4m7n"];

const kubectl = await kubectlAvailability();
const chromium = await chromiumAvailability();
const gate = toolGate([kubectl.ok ? undefined : kubectl.reason, chromium.reason]);

/** The get-token flags of the kubeconfig user: step 5 of the setup guide, plus test plumbing. */
function getTokenFlags(idp: TestIdp, client: KubectlClient, ...extra: string[]): string[] {
  return [
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    // The provider puts the groups claim, which the API server binds, only with this scope.
    "--oidc-extra-scope=groups",
    // A free port: other tests may hold the default 8000 and 18000.
    "--listen-address=127.0.0.1:0",
    `--browser-command=${client.browserCommand}`,
    ...extra,
  ];
}

/** Resolves once a token issued at `issuedAt` (ms) with a short TTL counts as expired. */
async function waitForExpiry(issuedAt: number): Promise<void> {
  // exp is whole seconds and tokens count as expired 10 s before it.
  const expiredAt = issuedAt + (SHORT_TTL_SECONDS - 10) * 1000 + 1100;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiredAt - Date.now())));
}

function lastTokenRequestTime(idp: TestIdp): number {
  const request = idp.requestsTo("/token").at(-1);
  assert.ok(request, "the provider saw no token request");
  return request.time;
}

Deno.test({
  name:
    `system: kubectl, the plugin on PATH, Chromium, a provider, an API server${gate.nameSuffix}`,
  ignore: gate.ignore,
  async fn(t) {
    gate.assertPresent();
    await using idp = await startTestIdp();
    await using apiserver = await startDevelopersApiServer(idp.issuer);
    await using browser = await TestBrowser.launch(ARTIFACTS_DIR);
    await using alice = await KubectlClient.create({ issuerUrl: idp.issuer, apiServer: apiserver });
    await alice.setCredentials("oidc", getTokenFlags(idp, alice));
    const aliceName = `${idp.issuer}#${ALICE.username}`;

    /** The person at the browser: logs in, and says how many times. */
    let logins = 0;
    const person = (user: Credentials, done = LOGGED_IN) => async (url: string) => {
      logins++;
      await browser.login(url, `login-${logins}-${user.username}`, user, done);
    };

    const step = failFastSteps(t, async () => {
      const screenshots = await browser.saveScreenshots();
      await Deno.mkdir(ARTIFACTS_DIR, { recursive: true });
      const log = `${ARTIFACTS_DIR}/requests-${Date.now()}.json`;
      const requests = { idp: idp.requests, apiserver: apiserver.decisions };
      await Deno.writeTextFile(log, JSON.stringify(requests, null, 2));
      return [...screenshots, log];
    });

    await step("kubectl auth whoami logs in through the browser", async () => {
      const result = await alice.kubectl(["auth", "whoami", "-o", "json"], {
        browser: person(ALICE),
      });
      assert.deepEqual(whoamiUser(result), {
        username: aliceName,
        groups: [...ALICE.groups, "system:authenticated"],
      });
      assert.equal(result.browserUrls.length, 1);
      assert.match(result.browserUrls[0], /^http:\/\/localhost:\d+\/login\/[\w-]{43}$/);
      // kubectl passes the plugin's stderr through.
      const prompt = `^Open ${escapeRegExp(result.browserUrls[0])} for authentication$`;
      assert.match(result.stderr, new RegExp(prompt, "m"));
      assert.equal(idp.countRequests({ path: "/token", grantType: "authorization_code" }), 1);
      // The entry is the one the kubeconfig's flags name.
      assert.deepEqual(await alice.sandbox.cacheEntries(), [
        await alice.sandbox.keyIdFor(alice.getTokenFlags()),
      ]);
    });

    await step("kubectl get pods uses the cached token: no browser, no provider", async () => {
      idp.clearRequests();
      apiserver.clearDecisions();
      const result = await alice.kubectl(["get", "pods"]);
      assert.deepEqual(podNames(result), PODS);
      assert.deepEqual(result.browserUrls, []);
      assert.deepEqual(idp.requests, []);
      const last = apiserver.decisions.at(-1);
      assert.equal(last?.user, aliceName);
      assert.equal(last?.outcome, "allowed");
    });

    await step("kubectl together-login clean, then the browser again", async () => {
      // The next token lives briefly, for the refresh that follows.
      idp.setIdTokenTtl(SHORT_TTL_SECONDS);
      const clean = await alice.kubectl(["together-login", "clean"]);
      assertKubectlSucceeded(clean);
      assert.match(clean.stderr, /^Deleted the token cache at .*\/oidc-login$/m);
      assert.deepEqual(await alice.sandbox.cacheEntries(), []);
      idp.clearRequests();
      const result = await alice.kubectl(["auth", "whoami", "-o", "json"], {
        browser: person(ALICE),
      });
      assert.equal(whoamiUser(result).username, aliceName);
      assert.equal(result.browserUrls.length, 1);
      assert.equal(idp.countRequests({ path: "/token", grantType: "authorization_code" }), 1);
    });

    await step("an expired ID token is refreshed, without the browser", async () => {
      await waitForExpiry(lastTokenRequestTime(idp));
      idp.clearRequests();
      const result = await alice.kubectl(["get", "pods"]);
      assert.deepEqual(podNames(result), PODS);
      assert.deepEqual(result.browserUrls, []);
      const tokenRequests = idp.requestsTo("/token");
      assert.ok(tokenRequests.length >= 1, "no refresh");
      for (const request of tokenRequests) {
        assert.deepEqual([request.grantType, request.status], ["refresh_token", 200]);
      }
      assert.equal(idp.countRequests({ pathSuffix: "/auth" }), 0);
    });

    await step("a revoked refresh token sends the user to the browser again", async () => {
      await waitForExpiry(lastTokenRequestTime(idp));
      idp.setIdTokenTtl(3600);
      idp.revokeRefreshTokens();
      idp.clearRequests();
      const result = await alice.kubectl(["get", "pods"], { browser: person(ALICE) });
      assert.deepEqual(podNames(result), PODS);
      assert.equal(result.browserUrls.length, 1);
      assert.deepEqual(
        idp.requestsTo("/token").map((request) => [request.grantType, request.status]),
        [["refresh_token", 400], ["authorization_code", 200]],
      );
    });

    await step("the device-code grant, approved in the browser", async () => {
      await alice.setCredentials(
        "oidc-device",
        getTokenFlags(idp, alice, "--grant-type=device-code"),
      );
      idp.clearRequests();
      const result = await alice.kubectl(["--user=oidc-device", "auth", "whoami", "-o", "json"], {
        browser: person(ALICE, DEVICE_APPROVED),
      });
      assert.equal(whoamiUser(result).username, aliceName);
      assert.equal(result.browserUrls.length, 1);
      const [verificationUrl] = result.browserUrls;
      assert.ok(verificationUrl.startsWith(`${idp.issuer}/device`), verificationUrl);
      assert.match(result.stderr, /^To log in, open \S+ in a browser/m);
      assert.equal(idp.countRequests({ path: "/device/auth" }), 1);
      assert.ok(idp.countRequests({ path: "/token", grantType: DEVICE_CODE_GRANT_TYPE }) >= 1);
      assert.equal(idp.countRequests({ path: "/token", grantType: "authorization_code" }), 0);
    });

    await step("a user without a binding gets kubectl's Forbidden", async () => {
      await using bob = await KubectlClient.create({ issuerUrl: idp.issuer, apiServer: apiserver });
      await bob.setCredentials("oidc", getTokenFlags(idp, bob));
      const result = await bob.kubectl(["get", "pods"], { browser: person(BOB) });
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      assert.equal(result.browserUrls.length, 1);
      assert.match(result.stderr, forbiddenPodsPattern(`${idp.issuer}#${BOB.username}`));
      assert.equal(apiserver.decisions.at(-1)?.outcome, "forbidden");
    });
  },
});
