/**
 * The system test's scenarios against a real OpenID Connect provider: the real kubectl runs the
 * plugin from `PATH` against the API server double, which trusts the provider named by the
 * environment. docs/acceptance-test.md says how to run it; without
 * `ACCEPTANCE_OIDC_ISSUER_URL` and `ACCEPTANCE_OIDC_CLIENT_ID` it is skipped.
 *
 * A real provider cannot be told to shorten a token's life or revoke a refresh token, so the
 * test does to the cache what time and the provider would: it rewrites the (encrypted) entry to
 * say the ID token has expired, and for the revocation also replaces the refresh token with one
 * the provider never issued. The provider itself then answers the refresh.
 */

import assert from "node:assert/strict";
import { chromiumAvailability, TestBrowser } from "../support/browser.ts";
import {
  assertKubectlSucceeded,
  failFastSteps,
  forbiddenPodsPattern,
  kubectlAvailability,
  KubectlClient,
  type KubectlRunOptions,
  podNames,
  toolGate,
  whoamiUser,
} from "../support/cluster.ts";
import { startApiServer } from "../support/apiserver.ts";

const env = (name: string): string | undefined => Deno.env.get(name) || undefined;

/** The provider and how to log in there, from the environment (see docs/acceptance-test.md). */
const config = {
  issuerUrl: env("ACCEPTANCE_OIDC_ISSUER_URL"),
  clientId: env("ACCEPTANCE_OIDC_CLIENT_ID"),
  clientSecret: env("ACCEPTANCE_OIDC_CLIENT_SECRET"),
  extraScopes: env("ACCEPTANCE_OIDC_EXTRA_SCOPES"),
  username: env("ACCEPTANCE_LOGIN_USERNAME"),
  password: env("ACCEPTANCE_LOGIN_PASSWORD"),
  usernameClaim: env("ACCEPTANCE_USERNAME_CLAIM") ?? "sub",
  groupsClaim: env("ACCEPTANCE_GROUPS_CLAIM"),
  expectedUsername: env("ACCEPTANCE_EXPECTED_USERNAME"),
  deviceCode: env("ACCEPTANCE_DEVICE_CODE") === "true",
  deviceDone: new RegExp(
    env("ACCEPTANCE_DEVICE_DONE_TEXT") ??
      String.raw`\b(approved|success\w*|all set|signed in|logged in|you can close|return to)\b`,
    "i",
  ),
  listenAddress: env("ACCEPTANCE_LISTEN_ADDRESS"),
  extraNetHosts: env("ACCEPTANCE_ALLOW_NET")?.split(",").filter(Boolean) ?? [],
};
const ARTIFACTS_DIR = new URL("../../artifacts/acceptance-test", import.meta.url).pathname;
/** The plugin's local server page after a login. */
const LOGGED_IN = /You are logged in/;
/** How long a person has for a manual login. */
const MANUAL_LOGIN_MS = 180_000;

const configured = config.issuerUrl && config.clientId;
const automatic = Boolean(config.username && config.password);
const kubectl = configured ? await kubectlAvailability() : undefined;
const chromium = configured && automatic ? await chromiumAvailability() : undefined;
const gate = toolGate([kubectl?.ok === false ? kubectl.reason : undefined, chromium?.reason]);

Deno.test({
  name: `acceptance: the system test's scenarios against a real provider${
    configured
      ? gate.nameSuffix
      : " (skipped: set ACCEPTANCE_OIDC_ISSUER_URL and ACCEPTANCE_OIDC_CLIENT_ID, " +
        "see docs/acceptance-test.md)"
  }`,
  // Unconfigured, it is skipped even in CI: it needs a provider account that CI does not have.
  ignore: !configured || gate.ignore,
  async fn(t) {
    gate.assertPresent();
    const issuerUrl = config.issuerUrl!;
    const clientId = config.clientId!;
    await using apiserver = await startApiServer({
      issuerUrl,
      clientId,
      usernameClaim: config.usernameClaim,
      groupsClaim: config.groupsClaim,
    });
    await using browser = automatic ? await TestBrowser.launch(ARTIFACTS_DIR) : undefined;
    await using client = await KubectlClient.create({
      issuerUrl,
      apiServer: apiserver,
      extraNetHosts: config.extraNetHosts,
    });
    const flags = [
      `--oidc-issuer-url=${issuerUrl}`,
      `--oidc-client-id=${clientId}`,
      ...(config.extraScopes ? [`--oidc-extra-scope=${config.extraScopes}`] : []),
      ...(config.listenAddress ? [`--listen-address=${config.listenAddress}`] : []),
      `--browser-command=${client.browserCommand}`,
    ];
    await client.setCredentials("oidc", flags);
    // The secret stays out of the kubeconfig and argv, as the setup guide says.
    const runEnv: Record<string, string> = config.clientSecret
      ? { OIDC_CLIENT_SECRET: config.clientSecret }
      : {};

    let logins = 0;
    const person = (done: RegExp): KubectlRunOptions => ({
      env: runEnv,
      timeoutMs: automatic ? 60_000 : MANUAL_LOGIN_MS,
      browser: async (url) => {
        logins++;
        if (browser) {
          await browser.login(url, `login-${logins}`, {
            username: config.username!,
            password: config.password!,
          }, done);
        } else {
          console.error(`\n>>> Log in within 3 minutes, in a browser on this machine: ${url}\n`);
        }
      },
    });
    const run = (args: string[], options: KubectlRunOptions = { env: runEnv }) =>
      client.kubectl(args, options);

    const step = failFastSteps(t, async () => {
      const screenshots = await browser?.saveScreenshots() ?? [];
      await Deno.mkdir(ARTIFACTS_DIR, { recursive: true });
      const log = `${ARTIFACTS_DIR}/apiserver-${Date.now()}.json`;
      await Deno.writeTextFile(log, JSON.stringify(apiserver.decisions, null, 2));
      return [...screenshots, log];
    });

    let username = "";
    await step("kubectl auth whoami logs in through the browser", async () => {
      const result = await run(["auth", "whoami", "-o", "json"], person(LOGGED_IN));
      const user = whoamiUser(result);
      username = user.username;
      if (config.expectedUsername) assert.equal(username, config.expectedUsername);
      else if (config.usernameClaim !== "email") assert.match(username, /#.+$/);
      assert.ok(username.length > 0);
      assert.ok(user.groups.includes("system:authenticated"));
      assert.equal(result.browserUrls.length, 1);
      assert.equal((await client.sandbox.cacheEntries()).length, 1);
      apiserver.setBindings([{ user: username }]);
    });

    await step("kubectl get pods uses the cached token: no browser, no provider", async () => {
      const before = await entryBytes(client);
      const result = await run(["get", "pods"]);
      assert.ok(podNames(result).length > 0);
      assert.deepEqual(result.browserUrls, []);
      // A login or a refresh would have rewritten the entry.
      assert.deepEqual(await entryBytes(client), before);
    });

    await step("an expired ID token is refreshed, without the browser", async () => {
      const before = await expireCachedToken(client);
      assert.ok(
        before.refreshToken,
        "the provider issued no refresh token; add offline_access to ACCEPTANCE_OIDC_EXTRA_SCOPES",
      );
      const result = await run(["get", "pods"]);
      assert.ok(podNames(result).length > 0);
      assert.deepEqual(result.browserUrls, []);
      // The entry said "expired a minute ago"; only a refresh writes a future expiry without a
      // login. (Tokens are never compared in assertions: a failure would print them.)
      assert.ok((await cachedTokenSet(client)).expiresAt > Date.now(), "the token was not renewed");
    });

    await step("a refresh token the provider rejects sends the user to the browser", async () => {
      await expireCachedToken(client, "a-refresh-token-the-provider-never-issued");
      const result = await run(["get", "pods"], person(LOGGED_IN));
      assert.ok(podNames(result).length > 0);
      assert.equal(result.browserUrls.length, 1);
    });

    await step("kubectl together-login clean, then the browser again", async () => {
      const clean = await run(["together-login", "clean"]);
      assertKubectlSucceeded(clean);
      assert.deepEqual(await client.sandbox.cacheEntries(), []);
      const result = await run(["auth", "whoami", "-o", "json"], person(LOGGED_IN));
      assert.equal(whoamiUser(result).username, username);
      assert.equal(result.browserUrls.length, 1);
    });

    if (config.deviceCode) {
      await step("the device-code grant, approved in the browser", async () => {
        await client.setCredentials("oidc-device", [...flags, "--grant-type=device-code"]);
        const result = await run(
          ["--user=oidc-device", "auth", "whoami", "-o", "json"],
          person(config.deviceDone),
        );
        assert.equal(whoamiUser(result).username, username);
        assert.equal(result.browserUrls.length, 1);
        assert.match(result.stderr, /^To log in, open \S+ in a browser/m);
      });
    }

    await step("a user without a binding gets kubectl's Forbidden", async () => {
      apiserver.setBindings([]);
      const result = await run(["get", "pods"]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, forbiddenPodsPattern(username));
    });
  },
});

async function entryBytes(client: KubectlClient): Promise<Uint8Array> {
  const [entry] = await client.sandbox.cacheEntries();
  assert.ok(entry, "no cache entry");
  return await Deno.readFile(`${client.sandbox.cacheDir}/${entry}`);
}

async function cachedTokenSet(
  client: KubectlClient,
): Promise<{ token: string; expiresAt: number; refreshToken?: string }> {
  const keyId = await client.sandbox.keyIdFor(client.getTokenFlags());
  const read = await client.sandbox.diskCache().read(keyId);
  assert.ok(read.hit, `the cache entry cannot be read: ${!read.hit && read.reason}`);
  return read.tokenSet;
}

/**
 * Rewrites the cache entry as time would: the ID token expired a minute ago. With
 * `refreshToken`, the entry also holds that refresh token instead of the provider's.
 *
 * @returns the token set before the change
 */
async function expireCachedToken(
  client: KubectlClient,
  refreshToken?: string,
): Promise<{ token: string; expiresAt: number; refreshToken?: string }> {
  const flags = client.getTokenFlags();
  const keyId = await client.sandbox.keyIdFor(flags);
  const read = await client.sandbox.diskCache().read(keyId);
  assert.ok(read.hit, `the cache entry cannot be read: ${!read.hit && read.reason}`);
  await client.sandbox.seedEntry(flags, {
    ...read.tokenSet,
    expiresAt: Date.now() - 60_000,
    ...(refreshToken ? { refreshToken } : {}),
  });
  return read.tokenSet;
}
