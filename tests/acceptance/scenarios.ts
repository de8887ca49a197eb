/**
 * The acceptance scenarios, one list for every provider fixture (providers.ts): the real kubectl
 * runs the plugin from `PATH` against the API server double, which trusts the provider, and
 * Chromium (or a person) logs in at the provider's own pages.
 *
 * A real provider cannot be told to shorten a token's life or forget a refresh token, so the
 * scenarios do to the cache what time and the provider would: they rewrite the (encrypted) entry
 * to say the ID token has expired, and for a forgotten refresh token also replace it with one the
 * provider never issued. The provider itself then answers the refresh.
 *
 * A provider that runs in the test process ({@link AcceptanceProvider.local}, the system test's)
 * also has its request log asserted, and its refresh tokens revoked.
 *
 * @module
 */

import assert from "node:assert/strict";
import { TestBrowser } from "../support/browser.ts";
import {
  assertKubectlSucceeded,
  escapeRegExp,
  failFastSteps,
  forbiddenPodsPattern,
  KubectlClient,
  type KubectlRunOptions,
  podNames,
  whoamiUser,
} from "../support/cluster.ts";
import { startApiServer } from "../support/apiserver.ts";
import { parseExecCredential } from "../support/plugin.ts";
import type { TokenSet } from "../../lib/token_set.ts";
import { DEVICE_CODE_GRANT_TYPE } from "../support/idp.ts";
import type { AcceptanceProvider, LocalProvider } from "./providers.ts";

/** The plugin's local server page after a login. */
const LOGGED_IN = /You are logged in/;
/** How long a person has for a manual login. */
const MANUAL_LOGIN_MS = 180_000;
/** The pods of the API server double. */
const PODS = ["web-7d4b9c8f6-x2k9q", "worker-5f6c7d8e9-p4m7n"];

/**
 * Runs every scenario against one provider, stopping at the first failure; what a failure leaves
 * (screenshots, the API server's decisions, the provider's logs) goes into `artifacts`.
 */
export async function runScenarios(
  t: Deno.TestContext,
  provider: AcceptanceProvider,
  artifacts: string,
): Promise<void> {
  const { issuerUrl, clientId } = provider;
  await using apiserver = await startApiServer({
    issuerUrl,
    clientId,
    usernameClaim: provider.usernameClaim,
    groupsClaim: provider.groupsClaim,
  });
  const { local } = provider;
  await using browser = provider.user ? await TestBrowser.launch(artifacts) : undefined;
  await using client = await KubectlClient.create({
    issuerUrl,
    apiServer: apiserver,
    extraNetHosts: provider.extraNetHosts,
  });
  const flagsOf = (id: string) => [
    `--oidc-issuer-url=${issuerUrl}`,
    `--oidc-client-id=${id}`,
    ...(provider.extraScopes ? [`--oidc-extra-scope=${provider.extraScopes}`] : []),
    ...(provider.listenAddress ? [`--listen-address=${provider.listenAddress}`] : []),
    `--browser-command=${client.browserCommand}`,
  ];
  const flags = flagsOf(clientId);
  await client.setCredentials("oidc", flags);
  // The secret stays out of the kubeconfig and argv, as the setup guide says.
  const runEnv: Record<string, string> = provider.clientSecret
    ? { OIDC_CLIENT_SECRET: provider.clientSecret }
    : {};

  let logins = 0;
  const person = (done: RegExp, env = runEnv, user = provider.user): KubectlRunOptions => ({
    env,
    timeoutMs: provider.user ? 60_000 : MANUAL_LOGIN_MS,
    browser: async (url) => {
      logins++;
      if (browser) await browser.login(url, `login-${logins}`, user!, done);
      else console.error(`\n>>> Log in within 3 minutes, in a browser on this machine: ${url}\n`);
    },
  });
  const run = (args: string[], options: KubectlRunOptions = { env: runEnv }) =>
    client.kubectl(args, options);

  const step = failFastSteps(t, async () => {
    const screenshots = await browser?.saveScreenshots() ?? [];
    await Deno.mkdir(artifacts, { recursive: true });
    const paths = [...screenshots, `${artifacts}/apiserver-${Date.now()}.json`];
    await Deno.writeTextFile(paths.at(-1)!, JSON.stringify(apiserver.decisions, null, 2));
    for (const [name, text] of Object.entries(await provider.artifacts?.() ?? {})) {
      paths.push(`${artifacts}/${name}`);
      await Deno.writeTextFile(paths.at(-1)!, text);
    }
    return paths;
  });

  let username = "";
  await step("kubectl auth whoami logs in through the browser", async () => {
    local?.clearRequests();
    const result = await run(["auth", "whoami", "-o", "json"], person(LOGGED_IN));
    const user = whoamiUser(result);
    username = user.username;
    if (provider.expectedUsername) assert.equal(username, provider.expectedUsername);
    else if (provider.usernameClaim !== "email") assert.match(username, /#.+$/);
    assert.ok(user.groups.includes("system:authenticated"));
    if (provider.expectedGroups) {
      assert.deepEqual(user.groups, [...provider.expectedGroups, "system:authenticated"]);
    }
    assert.equal(result.browserUrls.length, 1);
    assert.match(result.browserUrls[0], /^http:\/\/localhost:\d+\/login\/[\w-]{43}$/);
    // kubectl passes the plugin's stderr through.
    const prompt = `^Open ${escapeRegExp(result.browserUrls[0])} for authentication$`;
    assert.match(result.stderr, new RegExp(prompt, "m"));
    // The entry is the one the kubeconfig's flags name.
    assert.deepEqual(await client.sandbox.cacheEntries(), [
      await client.sandbox.keyIdFor(client.getTokenFlags()),
    ]);
    if (local) {
      assert.equal(local.countRequests({ path: "/token", grantType: "authorization_code" }), 1);
    }
    apiserver.setBindings([{ user: username }]);
  });

  await step("kubectl get pods uses the cached token: no browser, no provider", async () => {
    const before = await entryBytes(client);
    local?.clearRequests();
    apiserver.clearDecisions();
    const result = await run(["get", "pods"]);
    assert.deepEqual(podNames(result), PODS);
    assert.deepEqual(result.browserUrls, []);
    // A login or a refresh would have rewritten the entry.
    assert.deepEqual(await entryBytes(client), before);
    if (local) assert.deepEqual(local.requests, []);
    const last = apiserver.decisions.at(-1);
    assert.equal(last?.user, username);
    assert.equal(last?.outcome, "allowed");
  });

  await step("an expired ID token is refreshed, without the browser", async () => {
    const before = await expireCachedToken(client, client.getTokenFlags());
    assert.ok(
      before.refreshToken,
      "the provider issued no refresh token; add offline_access to the extra scopes",
    );
    local?.clearRequests();
    const result = await run(["get", "pods"]);
    assert.deepEqual(podNames(result), PODS);
    assert.deepEqual(result.browserUrls, []);
    if (local) {
      const tokenRequests = local.requestsTo("/token");
      assert.ok(tokenRequests.length >= 1, "no refresh");
      for (const request of tokenRequests) {
        assert.deepEqual([request.grantType, request.status], ["refresh_token", 200]);
      }
      assert.equal(local.countRequests({ pathSuffix: "/auth" }), 0);
    }
    // Only a refresh writes a future expiry without a login. (Tokens are never compared in
    // assertions: a failure would print them.)
    const after = await cachedTokenSet(client, client.getTokenFlags());
    assert.ok(after.expiresAt > Date.now(), "the token was not renewed");
  });

  await step("a refresh token the provider does not know leads to one new login", async () => {
    await expireCachedToken(client, client.getTokenFlags(), "a-refresh-token-never-issued");
    local?.clearRequests();
    const result = await run(["get", "pods"], person(LOGGED_IN));
    assert.deepEqual(podNames(result), PODS);
    assert.equal(result.browserUrls.length, 1);
    const error = provider.unknownRefreshTokenError ?? "\\w+";
    assert.match(
      result.stderr,
      new RegExp(`^Could not refresh the token \\(token request failed: ${error}\\b.*\\); `, "m"),
    );
    if (local) assertRefreshThenLogin(local);
  });

  if (local) {
    await step("a revoked refresh token sends the user to the browser again", async () => {
      await expireCachedToken(client, client.getTokenFlags());
      local.revokeRefreshTokens();
      local.clearRequests();
      const result = await run(["get", "pods"], person(LOGGED_IN));
      assert.deepEqual(podNames(result), PODS);
      assert.equal(result.browserUrls.length, 1);
      assertRefreshThenLogin(local);
    });
  }

  await step("kubectl together-login clean, then the browser again", async () => {
    const clean = await run(["together-login", "clean"]);
    assertKubectlSucceeded(clean);
    assert.match(clean.stderr, /^Deleted the token cache at .*\/oidc-login$/m);
    assert.deepEqual(await client.sandbox.cacheEntries(), []);
    local?.clearRequests();
    const result = await run(["auth", "whoami", "-o", "json"], person(LOGGED_IN));
    assert.equal(whoamiUser(result).username, username);
    assert.equal(result.browserUrls.length, 1);
    if (local) {
      assert.equal(local.countRequests({ path: "/token", grantType: "authorization_code" }), 1);
    }
  });

  if (provider.passwordGrant && provider.user) {
    await step("the password grant, without the browser", async () => {
      await client.setCredentials("oidc-password", [
        ...flags,
        "--grant-type=password",
        `--username=${provider.user!.username}`,
        `--password=${provider.user!.password}`,
      ]);
      const result = await run(["--user=oidc-password", "auth", "whoami", "-o", "json"]);
      assert.equal(whoamiUser(result).username, username);
      assert.deepEqual(result.browserUrls, []);
    });
  }

  const device = provider.deviceCode;
  if (device) {
    await client.setCredentials("oidc-device", [...flags, "--grant-type=device-code"]);
  }
  if (device?.kind === "approve") {
    await step("the device-code grant, approved in the browser", async () => {
      local?.clearRequests();
      const result = await run(
        ["--user=oidc-device", "auth", "whoami", "-o", "json"],
        person(device.done),
      );
      assert.equal(whoamiUser(result).username, username);
      assert.equal(result.browserUrls.length, 1);
      assert.match(result.stderr, /^To log in, open \S+ in a browser/m);
      if (local) {
        const [verificationUrl] = result.browserUrls;
        assert.ok(verificationUrl.startsWith(`${issuerUrl}/device`), verificationUrl);
        assert.equal(local.countRequests({ path: "/device/auth" }), 1);
        assert.ok(local.countRequests({ path: "/token", grantType: DEVICE_CODE_GRANT_TYPE }) >= 1);
        assert.equal(local.countRequests({ path: "/token", grantType: "authorization_code" }), 0);
      }
    });
  } else if (device?.kind === "refused") {
    await step("the device-code grant is refused at once, with a clear line", async () => {
      const result = await run(["--user=oidc-device", "get", "pods"]);
      assert.equal(result.code, 1);
      assert.deepEqual(result.browserUrls, []);
      assert.match(
        result.stderr,
        new RegExp(
          `^error: the provider ${
            escapeRegExp(issuerUrl)
          } advertises no device_authorization_endpoint, so --grant-type=device-code cannot be used`,
          "m",
        ),
      );
    });
  }

  const confidential = provider.confidentialClient;
  if (confidential) {
    await step(
      "a confidential client whose secret holds + / = : % logs in and refreshes",
      async () => {
        const getToken = ["together-login", "get-token", ...flagsOf(confidential.clientId)];
        const secretEnv = { OIDC_CLIENT_SECRET: confidential.clientSecret };
        const login = await run(getToken, person(LOGGED_IN, secretEnv));
        assertKubectlSucceeded(login);
        assert.ok(parseExecCredential(login.stdout).status.token);
        assert.equal(login.browserUrls.length, 1);
        await expireCachedToken(client, getToken.slice(2));
        const refresh = await run(getToken, { env: secretEnv });
        assertKubectlSucceeded(refresh);
        assert.deepEqual(refresh.browserUrls, []);
        const after = await cachedTokenSet(client, getToken.slice(2));
        assert.ok(after.expiresAt > Date.now(), "the token was not renewed");
        assert.ok(!login.stderr.includes(confidential.clientSecret), "the secret was printed");
      },
    );
  }

  const other = provider.otherUser;
  await step("a user without a binding gets kubectl's Forbidden", async () => {
    if (!other) {
      apiserver.setBindings([]);
      const result = await run(["get", "pods"]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, forbiddenPodsPattern(username));
      return;
    }
    // Another person logs in, on a cache of their own; only the first one is bound.
    await using otherClient = await KubectlClient.create({
      issuerUrl,
      apiServer: apiserver,
      extraNetHosts: provider.extraNetHosts,
    });
    await otherClient.setCredentials("oidc", [
      ...flags.filter((flag) => !flag.startsWith("--browser-command=")),
      `--browser-command=${otherClient.browserCommand}`,
    ]);
    const result = await otherClient.kubectl(
      ["get", "pods"],
      person(LOGGED_IN, runEnv, other.user),
    );
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.equal(result.browserUrls.length, 1);
    assert.match(result.stderr, forbiddenPodsPattern(other.expectedUsername));
    assert.equal(apiserver.decisions.at(-1)?.outcome, "forbidden");
  });
}

/** The provider saw a refused refresh (the token it does not know), then one login. */
function assertRefreshThenLogin(local: LocalProvider): void {
  assert.deepEqual(
    local.requestsTo("/token").map((request) => [request.grantType, request.status]),
    [["refresh_token", 400], ["authorization_code", 200]],
  );
}

async function entryBytes(client: KubectlClient): Promise<Uint8Array> {
  const keyId = await client.sandbox.keyIdFor(client.getTokenFlags());
  return await Deno.readFile(client.sandbox.diskCache().entryPath(keyId));
}

async function cachedTokenSet(client: KubectlClient, flags: string[]): Promise<TokenSet> {
  const keyId = await client.sandbox.keyIdFor(flags);
  const read = await client.sandbox.diskCache().read(keyId);
  assert.ok(read.hit, `the cache entry cannot be read: ${!read.hit && read.reason}`);
  return read.tokenSet;
}

/**
 * Rewrites the cache entry of `flags` as time would: the ID token expired a minute ago. With
 * `refreshToken`, the entry also holds that refresh token instead of the provider's.
 *
 * @returns the token set before the change
 */
async function expireCachedToken(
  client: KubectlClient,
  flags: string[],
  refreshToken?: string,
): Promise<TokenSet> {
  const before = await cachedTokenSet(client, flags);
  await client.sandbox.seedEntry(flags, {
    ...before,
    expiresAt: Date.now() - 60_000,
    ...(refreshToken ? { refreshToken } : {}),
  });
  return before;
}
