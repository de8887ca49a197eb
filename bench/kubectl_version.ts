/**
 * The plugin's share of a whole kubectl command: `kubectl get --raw /version` against the API
 * server double, with the plugin answering from its cache, against the same command with the same
 * token read from a file (no plugin at all). The two run in pairs (A B A B …) so that machine
 * noise hits both alike; the share is the median over pairs of (A − B) / A.
 *
 * @module
 */

import { startApiServer } from "../tests/support/apiserver.ts";
import { kubectlAvailability, KubectlClient } from "../tests/support/cluster.ts";
import { ALICE, PUBLIC_CLIENT_ID, startTestIdp } from "../tests/support/idp.ts";
import { UserAgent } from "../tests/support/user_agent.ts";
import { median, type Subject, timeOnce } from "./measure.ts";

const COMMAND = ["get", "--raw", "/version"];
/** The kubeconfig user holding the same token in a file, for the baseline. */
const STATIC_USER = "static-token";

/** Prints the kubectl figures, or why they were skipped. */
export async function benchKubectlVersion(runs: number): Promise<void> {
  const kubectl = await kubectlAvailability();
  if (!kubectl.ok) {
    console.log(`kubectl benchmark skipped: ${kubectl.reason}`);
    return;
  }
  await using idp = await startTestIdp();
  await using apiServer = await startApiServer({
    issuerUrl: idp.issuer,
    clientId: PUBLIC_CLIENT_ID,
  });
  await using client = await KubectlClient.create({ issuerUrl: idp.issuer, apiServer });
  const flags = [
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    "--listen-address=127.0.0.1:0",
    `--browser-command=${client.browserCommand}`,
  ];
  await client.setCredentials("oidc", flags);
  using agent = new UserAgent();
  const login = await client.kubectl(COMMAND, { browser: (url) => agent.login(url, ALICE) });
  if (login.code !== 0) throw new Error(`kubectl failed:\n${login.stderr}`);

  // The baseline reads the cached token from a file: kubectl's own `tokenFile`, no token in argv.
  const read = await client.sandbox.diskCache().read(await client.sandbox.keyIdFor(flags));
  if (!read.hit) throw new Error(`no cached token after the login (${read.reason})`);
  const tokenFile = `${client.sandbox.root}/token`;
  await Deno.writeTextFile(tokenFile, read.tokenSet.token, { mode: 0o600 });
  await client.config([`set-credentials`, STATIC_USER]);
  await client.config(["set", `users.${STATIC_USER}.tokenFile`, tokenFile]);

  const subject = (name: string, user: string): Subject => ({
    name,
    command: kubectl.path,
    args: [...COMMAND, `--user=${user}`],
    env: client.env,
  });
  const calls = await pluginRunsPerCommand(client, subject("count", "oidc"));
  const withPlugin = subject("kubectl get --raw /version, plugin cache hit", "oidc");
  const withoutPlugin = subject("kubectl get --raw /version, token file", STATIC_USER);
  idp.clearRequests();
  await timeOnce(withPlugin);
  await timeOnce(withoutPlugin);
  const pairs: { a: number; b: number }[] = [];
  for (let i = 0; i < runs; i++) {
    pairs.push({ a: await timeOnce(withPlugin), b: await timeOnce(withoutPlugin) });
  }
  if (idp.requests.length !== 0) throw new Error("a cache hit talked to the provider");

  const a = median(pairs.map((pair) => pair.a));
  const b = median(pairs.map((pair) => pair.b));
  const share = median(pairs.map((pair) => (pair.a - pair.b) / pair.a));
  console.log("| subject | wall time (median) | ratio |");
  console.log("|---|---|---|");
  console.log(`| ${withoutPlugin.name} | ${b.toFixed(1)} ms | 1.00× |`);
  console.log(`| ${withPlugin.name} | ${a.toFixed(1)} ms | ${(a / b).toFixed(2)}× |`);
  console.log(
    `\nThe plugin's share of the whole command (median over ${runs} pairs of (A − B) / A): ` +
      `${(share * 100).toFixed(0)}%; kubectl ran the plugin ${calls} times for the command`,
  );
}

/**
 * How many times kubectl runs the plugin for one command, counted in one run through a shim that
 * notes each start (then put back, so the timed runs use the installed shim as it is).
 */
async function pluginRunsPerCommand(client: KubectlClient, command: Subject): Promise<number> {
  const shim = `${client.binDir}/kubectl-together_login`;
  const log = `${client.sandbox.root}/plugin-runs.log`;
  const original = await Deno.readTextFile(shim);
  await Deno.writeTextFile(shim, original.replace(/^exec /m, `echo run >> '${log}'\nexec `));
  try {
    await timeOnce(command);
  } finally {
    await Deno.writeTextFile(shim, original);
  }
  return (await Deno.readTextFile(log)).trim().split("\n").length;
}

if (import.meta.main) {
  await benchKubectlVersion(Number(Deno.env.get("BENCH_RUNS") ?? "20"));
}
