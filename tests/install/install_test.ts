/**
 * README's install line, run as written from this checkout under a fresh HOME and DENO_DIR, then
 * used the way people use it: through kubectl, with exactly the permissions the line grants and
 * no browser opener (the headless form). A login, a cache hit and a refresh go through the
 * installed shim against the test provider and the API server double.
 */

import assert from "node:assert/strict";
import { FileDataKeyStore } from "../../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../../lib/cache/encrypted_file.ts";
import { startApiServer } from "../support/apiserver.ts";
import { kubectlAvailability, podNames, toolGate } from "../support/cluster.ts";
import { ALICE, PUBLIC_CLIENT_ID, startTestIdp, type TestIdp } from "../support/idp.ts";
import { CHECKOUT, InstalledPlugin, PLUGIN_NAME, readmeInstallLines } from "../support/install.ts";
import { type PluginResult, RunningPlugin } from "../support/plugin.ts";
import { UserAgent } from "../support/user_agent.ts";

const kubectl = await kubectlAvailability();
const gate = toolGate([kubectl.ok ? undefined : kubectl.reason]);

/** Lines Deno itself writes to stderr (downloads, warnings, an opener it cannot resolve). */
// deno-lint-ignore no-control-regex -- Deno colours its diagnostics; the plugin never does.
const DENO_DIAGNOSTIC = /^(\x1b\[[0-9;]*m)*(Download|Warning|Info|Check|Compile)\b|\x1b\[/m;

/** The npm packages only the tests and the benchmark use. */
const TEST_ONLY_PACKAGES = ["oidc-provider", "playwright-core"];

/** The npm packages the program may fetch: its imports and their dependencies, per deno.lock. */
async function runtimePackages(): Promise<Set<string>> {
  const lock = JSON.parse(await Deno.readTextFile(`${CHECKOUT}/deno.lock`));
  const npm: Record<string, { dependencies?: string[]; optionalDependencies?: string[] }> =
    lock.npm;
  const nameOf = (key: string) => key.replace(/^(@?[^@]+)@.*$/, "$1");
  const pending = (lock.workspace.dependencies as string[])
    .map((specifier) => specifier.replace(/^npm:/, ""))
    .filter((key) => !TEST_ONLY_PACKAGES.includes(nameOf(key)));
  const names = new Set<string>();
  for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
    const entry = Object.entries(npm).find(([id]) => id === key || nameOf(id) === nameOf(key));
    if (!entry || names.has(nameOf(entry[0]))) continue;
    names.add(nameOf(entry[0]));
    pending.push(...(entry[1].dependencies ?? []), ...(entry[1].optionalDependencies ?? []));
  }
  return names;
}

Deno.test("README's JSR and checkout install lines grant the same permissions", async () => {
  const { jsr, checkout } = await readmeInstallLines();
  const fromCheckout = checkout
    .replace(" --config ./deno.json", "")
    .replace(",$PWD ", " ")
    .replace(/ \.\/plugin\.ts$/, " jsr:@together/kubelogin/plugin");
  assert.equal(fromCheckout, jsr);
  assert.doesNotMatch(jsr, /--allow-run/, "the headless line needs no --allow-run");
});

/** Runs kubectl with the installed plugin on PATH; logs in as Alice when it prints a URL. */
async function kubectl_(plugin: InstalledPlugin, args: string[]): Promise<PluginResult> {
  const child = new Deno.Command("kubectl", {
    args,
    env: plugin.env,
    clearEnv: true,
    cwd: plugin.home,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const running = new RunningPlugin(child);
  const login = running.loginUrl().then(async (url) => {
    using agent = new UserAgent();
    await agent.login(url, ALICE);
  }).catch(() => {}); // no login on a cache hit; kubectl's exit tells the rest
  const timer = setTimeout(() => running.kill("SIGKILL"), 120_000);
  try {
    const result = await running.result();
    await login;
    return result;
  } finally {
    clearTimeout(timer);
  }
}

async function writeKubeconfig(plugin: InstalledPlugin, idp: TestIdp, api: {
  url: string;
  caFile: string;
}): Promise<void> {
  await Deno.mkdir(`${plugin.home}/.kube`, { recursive: true });
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test", cluster: { server: api.url, "certificate-authority": api.caFile } }],
    contexts: [{ name: "test", context: { cluster: "test", user: "oidc", namespace: "default" } }],
    "current-context": "test",
    users: [{
      name: "oidc",
      user: {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          interactiveMode: "Never",
          command: "kubectl",
          args: [
            "together-login",
            "get-token",
            `--oidc-issuer-url=${idp.issuer}`,
            `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
            "--oidc-extra-scope=groups",
            "--listen-address=127.0.0.1:0",
          ],
        },
      },
    }],
  };
  await Deno.writeTextFile(`${plugin.home}/.kube/config`, JSON.stringify(config));
}

/** Marks the only cache entry expired a minute ago, keeping its refresh token. */
async function expireOnlyEntry(plugin: InstalledPlugin): Promise<void> {
  const names = [];
  for await (const entry of Deno.readDir(plugin.cacheDir)) {
    if (/^[0-9a-f]{64}$/.test(entry.name)) names.push(entry.name);
  }
  assert.equal(names.length, 1, `cache entries: ${names.join(", ")}`);
  const cache = new EncryptedFileCache(plugin.cacheDir, new FileDataKeyStore(plugin.dataKeyFile));
  const read = await cache.read(names[0]);
  assert.ok(read.hit && read.owner, "the entry does not decrypt");
  await cache.write(names[0], { ...read.tokenSet, expiresAt: Date.now() - 60_000 }, read.owner);
}

function assertQuiet(result: PluginResult, what: string): void {
  assert.equal(result.code, 0, `${what} failed:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, DENO_DIAGNOSTIC, `${what}: Deno diagnostics on stderr`);
}

Deno.test({
  name: `install: README's checkout line gives a working kubectl plugin${gate.nameSuffix}`,
  ignore: gate.ignore,
  async fn(t) {
    gate.assertPresent();
    await using plugin = await InstalledPlugin.install();
    await using idp = await startTestIdp();
    await using api = await startApiServer({
      issuerUrl: idp.issuer,
      clientId: PUBLIC_CLIENT_ID,
      groupsClaim: "groups",
      bindings: [{ group: "developers" }],
    });

    await t.step("kubectl plugin list finds it", async () => {
      const result = await kubectl_(plugin, ["plugin", "list"]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^${plugin.binDir}/${PLUGIN_NAME}$`, "m"));
    });

    await t.step("--help and version work", async () => {
      const help = await kubectl_(plugin, ["together-login", "--help"]);
      assertQuiet(help, "--help");
      assert.match(help.stdout, /get-token/);
      const version = await kubectl_(plugin, ["together-login", "version"]);
      assertQuiet(version, "version");
      const { version: expected } = JSON.parse(await Deno.readTextFile("deno.json"));
      assert.match(version.stdout, new RegExp(`^together-kubelogin version ${expected} `));
    });

    await t.step("a login through kubectl, with no browser opener", async () => {
      // Written now: with a kubeconfig, even `kubectl plugin list` runs the credential plugin.
      await writeKubeconfig(plugin, idp, api);
      const result = await kubectl_(plugin, ["get", "pods"]);
      assertQuiet(result, "the login");
      assert.ok(podNames({ ...result, browserUrls: [] }).length > 0, result.stdout);
      assert.match(result.stderr, /^Open http:\/\/localhost:\d+(\/\S*)? for authentication$/m);
      assert.equal(idp.countRequests({ path: "/token", grantType: "authorization_code" }), 1);
    });

    await t.step("a cache hit: no provider request", async () => {
      idp.clearRequests();
      const result = await kubectl_(plugin, ["get", "pods"]);
      assertQuiet(result, "the cache hit");
      assert.equal(result.stderr, "");
      assert.deepEqual(idp.requests, []);
      assert.equal(api.decisions.at(-1)?.outcome, "allowed");
    });

    await t.step("a refresh when the ID token has expired", async () => {
      await expireOnlyEntry(plugin);
      idp.clearRequests();
      const result = await kubectl_(plugin, ["get", "pods"]);
      assertQuiet(result, "the refresh");
      assert.doesNotMatch(result.stderr, /for authentication/);
      assert.equal(idp.countRequests({ path: "/token", grantType: "refresh_token" }), 1);
      assert.equal(idp.countRequests({ path: "/token", grantType: "authorization_code" }), 0);
    });

    await t.step("only runtime npm packages were fetched", async () => {
      const fetched = await plugin.npmPackages();
      assert.ok(fetched.includes("jose"), `fetched: ${fetched.join(", ")}`);
      const runtime = await runtimePackages();
      for (const name of TEST_ONLY_PACKAGES) assert.ok(runtime.size > 0 && !runtime.has(name));
      for (const name of fetched) {
        assert.ok(runtime.has(name), `${name} was fetched: ${fetched.join(", ")}`);
      }
    });
  },
});

Deno.test({
  name: "install: with README's browser opener grant, a host without xdg-open hears nothing of it",
  async fn() {
    await using plugin = await InstalledPlugin.install({ extraFlags: ["--allow-run=xdg-open"] });
    assert.match(await Deno.readTextFile(plugin.shim), /--allow-run=xdg-open/);
    // A PATH holding the shim and deno alone: no xdg-open, as on a server.
    const denoOnly = `${plugin.dir}/deno-only`;
    await Deno.mkdir(denoOnly);
    await Deno.symlink(Deno.execPath(), `${denoOnly}/deno`);
    const env = { ...plugin.env, PATH: `${plugin.binDir}:${denoOnly}` };
    const run = (args: string[]) =>
      new Deno.Command(plugin.shim, { args, env, clearEnv: true, stdin: "null" }).output();
    const version = await run(["version"]);
    assert.equal(version.code, 0);
    assert.equal(new TextDecoder().decode(version.stderr), "");
    // A login that cannot start (nothing listens on port 9) still prints only the plugin's line.
    const failed = await run([
      "get-token",
      "--oidc-issuer-url=http://127.0.0.1:9",
      "--oidc-client-id=x",
    ]);
    const stderr = new TextDecoder().decode(failed.stderr);
    assert.notEqual(failed.code, 0);
    assert.match(
      stderr,
      /^error: discovery \(GET http:\/\/127\.0\.0\.1:9\/\S+\) failed: could not reach http:\/\/127\.0\.0\.1:9\b.*\n$/,
    );
    assert.doesNotMatch(stderr, DENO_DIAGNOSTIC);
  },
});
