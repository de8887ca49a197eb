/**
 * `deno task demo`: the plugin at work on one machine, with no account anywhere. It starts the
 * test OpenID Provider (demo user alice) and the Kubernetes API server double on free loopback
 * ports, installs the plugin in a temporary HOME, lets `kubectl together-login setup` log in once
 * and print the kubeconfig command, runs that command, then runs `kubectl auth whoami` and
 * `kubectl get pods` through the plugin, and shows the cache hit and a refresh, saying on the
 * terminal what happens at each step. Everything it started is stopped and removed at the end.
 *
 * The person's part of each login is done by:
 * - Chromium shown on the display, filling in the forms by itself, when there is a display
 *   (`DISPLAY` or `WAYLAND_DISPLAY`, and not `CI`) and Chromium is installed;
 * - the system's browser, where you log in yourself, when there is a display but no Chromium;
 * - headless Chromium (playwright-core), when there is no display;
 * - otherwise the scripted user agent of the tests (tests/support/user_agent.ts).
 *
 * `--browser=headed|headless|scripted|system` picks one.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { findChromium, TestBrowser } from "../support/browser.ts";
import {
  assertKubectlSucceeded,
  kubectlAvailability,
  KubectlClient,
  type KubectlResult,
} from "../support/cluster.ts";
import { startApiServer } from "../support/apiserver.ts";
import { ALICE, PUBLIC_CLIENT_ID, startTestIdp, type TestIdp } from "../support/idp.ts";
import { UserAgent } from "../support/user_agent.ts";

/** Who does the person's part of a login. */
type LoginMode = "headed" | "headless" | "scripted" | "system";

/**
 * The ID token lifetime in the demo: short, so that the refresh comes within seconds, yet long
 * enough for setup's cached token to serve the two kubectl commands after it.
 */
const TOKEN_TTL_SECONDS = 30;
/** The plugin treats a token as expired this long before its `exp`. */
const EXPIRY_MARGIN_SECONDS = 10;
/** The page the plugin's local server shows after a login. */
const LOGGED_IN = /You are logged in/;
const ARTIFACTS_DIR = new URL("../../artifacts/demo", import.meta.url).pathname;

const styled = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
const bold = (text: string): string => styled ? `\x1b[1m${text}\x1b[0m` : text;
const dim = (text: string): string => styled ? `\x1b[2m${text}\x1b[0m` : text;

let stepNumber = 0;
const STEPS = 6;

/** A numbered step title. */
function step(title: string): void {
  console.log(`\n${bold(`[${++stepNumber}/${STEPS}] ${title}`)}`);
}

/** A line of explanation under a step. */
function say(text: string): void {
  console.log(`      ${text}`);
}

/** A command as a person would type it. */
function showCommand(words: readonly string[]): void {
  console.log(`\n  $ ${words.join(" ")}`);
}

/** A command's output, indented; the plugin's messages (kubectl's stderr) marked as such. */
function showOutput(result: KubectlResult): void {
  for (const line of result.stdout.trimEnd().split("\n").filter(Boolean)) {
    console.log(`    ${line}`);
  }
  for (const line of result.stderr.trimEnd().split("\n").filter(Boolean)) {
    console.log(dim(`    (stderr) ${line}`));
  }
  console.log();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Splits a shell command the way sh would, for the quoting `setup` uses. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  const pattern = /'((?:[^']|'\\'')*)'|(\S+)/g;
  const joined = command.replace(/\\\n/g, " ");
  let current = "";
  let last = -1;
  for (const match of joined.matchAll(pattern)) {
    const text = match[1] !== undefined ? match[1].replaceAll(`'\\''`, "'") : match[2];
    // Adjacent pieces without a space between form one word.
    if (last === match.index && words.length > 0) current = words.pop()! + text;
    else current = text;
    words.push(current);
    last = match.index! + match[0].length;
  }
  return words;
}

/** The `kubectl config set-credentials …` command in `setup`'s output. */
function setCredentialsCommand(setupOutput: string): string[] {
  const lines = setupOutput.split("\n");
  const start = lines.findIndex((line) => line.trim().startsWith("kubectl config set-credentials"));
  if (start < 0) {
    throw new Error(`setup printed no kubectl config set-credentials:\n${setupOutput}`);
  }
  const command: string[] = [];
  for (const line of lines.slice(start)) {
    command.push(line.trim());
    if (!line.endsWith("\\")) break;
  }
  return shellWords(command.join("\n"));
}

function loginModeFor(requested: string, chromium: string | undefined): LoginMode {
  if (requested !== "auto") {
    if (!["headed", "headless", "scripted", "system"].includes(requested)) {
      throw new Error(`--browser must be auto, headed, headless, scripted or system`);
    }
    return requested as LoginMode;
  }
  const display = Boolean(Deno.env.get("DISPLAY") || Deno.env.get("WAYLAND_DISPLAY")) &&
    Deno.env.get("CI") !== "true";
  if (display) return chromium ? "headed" : "system";
  return chromium ? "headless" : "scripted";
}

function describeMode(mode: LoginMode): string {
  switch (mode) {
    case "headed":
      return "Logins: Chromium opens on your display and fills in alice's name and password " +
        "by itself (playwright-core).";
    case "headless":
      return "Logins: no display here, so headless Chromium (driven by playwright-core) does " +
        "the person's part in the browser.";
    case "scripted":
      return "Logins: no Chromium found, so the scripted user agent of the tests " +
        "(tests/support/user_agent.ts) fills in the login and consent forms over HTTP " +
        "instead of a browser.";
    case "system":
      return "Logins: no Chromium found, so your own browser opens; log in there as alice with " +
        `the password "${ALICE.password}".`;
  }
}

/** Opens a URL with the platform's opener, for the `system` mode. */
async function openInSystemBrowser(url: string): Promise<void> {
  const opener = Deno.build.os === "darwin" ? "open" : "xdg-open";
  await new Deno.Command(opener, { args: [url], stdout: "null", stderr: "null" }).output();
}

/** Counts of what the provider saw, in words. */
function providerSummary(idp: TestIdp): string {
  const tokens = idp.requestsTo("/token").map((request) => request.grantType ?? "?");
  const logins = idp.countRequests({ path: "/auth" });
  if (idp.requests.length === 0) return "The identity provider saw no request at all.";
  return `The identity provider saw ${idp.requests.length} requests: ${logins} login ` +
    `page${logins === 1 ? "" : "s"}, token requests: ${tokens.join(", ") || "none"}.`;
}

/**
 * Runs the demo; everything it started is stopped when it returns or throws.
 *
 * @returns the temporary directory it used, removed by then
 */
async function demo(requestedMode: string): Promise<string> {
  console.log(bold("together-kubelogin demo"));
  console.log(
    "kubectl, this plugin, a local OpenID Connect provider and a local Kubernetes API server.",
  );

  const kubectl = await kubectlAvailability();
  if (!kubectl.ok) throw new Error(`${kubectl.reason}; the demo runs the real kubectl`);
  const chromium = await findChromium();
  const mode = loginModeFor(requestedMode, chromium);

  step("Start an identity provider and a Kubernetes API server on free loopback ports");
  await using idp = await startTestIdp({ idTokenTtlSec: TOKEN_TTL_SECONDS });
  await using apiserver = await startApiServer({
    issuerUrl: idp.issuer,
    clientId: PUBLIC_CLIENT_ID,
    groupsClaim: "groups",
    bindings: [{ group: "developers" }],
  });
  say(`Identity provider: ${idp.issuer} (test OpenID Provider, client "${PUBLIC_CLIENT_ID}")`);
  say(
    `  demo user "${ALICE.username}", password "${ALICE.password}", group "${ALICE.groups[0]}"`,
  );
  say(`API server:        ${apiserver.url} (HTTPS, with its own test CA)`);
  say(`  trusts ID tokens from ${idp.issuer}, as kube-apiserver's --oidc-* flags make it;`);
  say(`  lets the group "developers" read pods`);
  say(`kubectl:           ${kubectl.path} (${kubectl.version})`);
  say(describeMode(mode));

  await using browser = mode === "headed" || mode === "headless"
    ? await TestBrowser.launch(ARTIFACTS_DIR, {
      headless: mode === "headless",
      slowMo: mode === "headed" ? 300 : 0,
    })
    : undefined;
  let logins = 0;
  const person = async (url: string): Promise<void> => {
    logins++;
    say(`-> The plugin opened the browser on ${url}`);
    if (browser) {
      await browser.login(url, `demo-login-${logins}`, ALICE, LOGGED_IN);
      say(
        `-> Chromium logged in as ${ALICE.username}, consented, and was sent back to the ` +
          `plugin, which showed "You are logged in".`,
      );
    } else if (mode === "system") {
      await openInSystemBrowser(url);
      say(`-> Log in as ${ALICE.username} / ${ALICE.password} in your browser; the demo waits.`);
    } else {
      using agent = new UserAgent();
      const page = await agent.login(url, ALICE);
      if (!LOGGED_IN.test(page.body)) {
        throw new Error(`the scripted login ended at ${page.finalUrl}`);
      }
      say(
        `-> The scripted user agent logged in as ${ALICE.username}, consented, and was sent ` +
          `back to the plugin, which answered "You are logged in".`,
      );
    }
  };
  const timeoutMs = mode === "system" ? 180_000 : 60_000;

  step("Install the plugin and point a kubeconfig at the API server, in a temporary HOME");
  await using client = await KubectlClient.create({ issuerUrl: idp.issuer, apiServer: apiserver });
  say(`HOME=${client.sandbox.home}`);
  say(`PATH starts with ${client.binDir}:`);
  say("its kubectl-together_login runs this checkout's mod.ts with `deno run` and the");
  say("permissions of README.md's Install section:");
  say("the provider's host and loopback, the token cache and config directories, a few");
  say("environment variables, and the browser command.");
  say(`~/.kube/config has the cluster, its CA and a context; the user comes from setup, next.`);

  step("kubectl together-login setup: log in once, see the claims and the kubeconfig command");
  const setupArgs = [
    "together-login",
    "setup",
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    "--oidc-extra-scope=groups",
    // Free ports for the demo; a real setup keeps the defaults (8000, then 18000).
    "--listen-address=127.0.0.1:0",
    `--browser-command=${client.browserCommand}`,
  ];
  showCommand(["kubectl", ...setupArgs]);
  const setup = await client.kubectl(setupArgs, { browser: person, timeoutMs });
  assertKubectlSucceeded(setup, "setup");
  showOutput(setup);
  const setCredentials = setCredentialsCommand(setup.stdout);
  const issuedAt = idp.requestsTo("/token").at(-1)?.time ?? Date.now();
  say("setup cached the token it got. Now run the kubeconfig command it printed:");
  showCommand(setCredentials);
  const configured = await client.kubectl(setCredentials.slice(1));
  assertKubectlSucceeded(configured, "kubectl config");
  showOutput(configured);

  step("kubectl auth whoami: the first command through the plugin, with setup's token");
  idp.clearRequests();
  showCommand(["kubectl", "auth", "whoami"]);
  const whoami = await client.kubectl(["auth", "whoami"], { browser: person, timeoutMs });
  assertKubectlSucceeded(whoami, "kubectl auth whoami");
  showOutput(whoami);
  say("kubectl ran `kubectl together-login get-token …`. setup had stored its verified ID");
  say("token, encrypted, in the token cache ($KUBECACHEDIR/oidc-login, inside the temporary");
  say("directory) under the key these flags give, so the plugin handed it to kubectl without");
  say("a browser. The API server checked the token's signature against the provider's keys");
  say("and took the user name and groups from its claims.");
  say(providerSummary(idp));

  step("kubectl get pods: the cached token, no browser, no provider");
  idp.clearRequests();
  showCommand(["kubectl", "get", "pods"]);
  const pods = await client.kubectl(["get", "pods"], { browser: person, timeoutMs });
  assertKubectlSucceeded(pods, "kubectl get pods");
  showOutput(pods);
  say(
    pods.browserUrls.length === 0 && idp.requests.length === 0
      ? "Cache hit: the plugin answered from its cache. No browser opened, and the\n      " +
        "identity provider saw no request at all."
      : `Not a cache hit this time. ${providerSummary(idp)}`,
  );

  step("The ID token expires: the plugin refreshes it, still without a browser");
  const expiredAt = issuedAt + (TOKEN_TTL_SECONDS - EXPIRY_MARGIN_SECONDS) * 1000 + 1100;
  const waitMs = Math.max(0, expiredAt - Date.now());
  say(`ID tokens live ${TOKEN_TTL_SECONDS} s in this demo (typically an hour), and the plugin`);
  say(
    `renews them ${EXPIRY_MARGIN_SECONDS} s before they run out. Waiting ` +
      `${Math.ceil(waitMs / 1000)} s for that...`,
  );
  await sleep(waitMs);
  idp.clearRequests();
  showCommand(["kubectl", "get", "pods"]);
  const refreshed = await client.kubectl(["get", "pods"], { browser: person, timeoutMs });
  assertKubectlSucceeded(refreshed, "kubectl get pods");
  showOutput(refreshed);
  const refreshes = idp.requestsTo("/token", "refresh_token").length;
  say(
    refreshed.browserUrls.length === 0 && refreshes > 0
      ? `Refreshed: the plugin sent the refresh token to the provider's token endpoint\n      ` +
        `(${refreshes} refresh_token request${refreshes === 1 ? "" : "s"}) and got a new ID ` +
        "token. No browser opened."
      : `No refresh this time. ${providerSummary(idp)}`,
  );

  console.log(`\n${bold("Cleaning up")}: stopping the browser, the provider and the API server,`);
  console.log(`and removing ${client.sandbox.root}.`);
  // The `await using` declarations above release everything as this function returns.
  return client.sandbox.root;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { browser: { type: "string", default: "auto" } },
  });
  const started = Date.now();
  try {
    const root = await demo(values.browser);
    const removed = await Deno.stat(root).then(() => false, () => true);
    if (!removed) throw new Error(`${root} is still there`);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(bold(`Demo finished in ${seconds} s; nothing is left running.`));
    Deno.exit(0);
  } catch (error) {
    console.error(`\ndemo failed: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
