/**
 * `deno task compile`'s narrow binary, built for this machine with the test provider as the
 * issuer, on kubectl's PATH: a login through kubectl, a cache hit, and a refusal to reach any
 * other host. `deno compile` needs `denort` (Deno's runtime without its tools), which it
 * downloads from dl.deno.land unless `DENORT_BIN` names one or `$DENO_DIR/dl/` holds it. Where
 * neither is there this test is skipped with that reason; under `CI=true` it also prints a
 * warning, so the log says plainly that the binary was not tested.
 */

import assert from "node:assert/strict";
import { buildRelease } from "../release/compile.ts";
import { compileCommand, parseCompileArgs, permissionFlags } from "../release/compile_args.ts";
import { MANIFEST_PATH } from "../release/krew.ts";
import { startDevelopersApiServer } from "./support/developers_cluster.ts";
import {
  assertKubectlSucceeded,
  kubectlAvailability,
  KubectlClient,
  podNames,
  shellQuote,
  toolGate,
  whoamiUser,
} from "./support/cluster.ts";
import { ALICE, PUBLIC_CLIENT_ID, startTestIdp } from "./support/idp.ts";
import { MOD_TS } from "./support/plugin.ts";
import { UserAgent } from "./support/user_agent.ts";

const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

const DENO_DIR: string = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;

/** Whether `deno compile` can get `denort` for this machine without the network. */
async function denortAvailability(): Promise<string | undefined> {
  const fromEnv = Deno.env.get("DENORT_BIN");
  const cached = `${DENO_DIR}/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;
  for (const path of fromEnv ? [fromEnv] : [cached]) {
    try {
      if ((await Deno.stat(path)).isFile) return undefined;
    } catch {
      // Not there.
    }
  }
  return fromEnv
    ? `DENORT_BIN=${fromEnv} does not exist`
    : `denort is not available: DENORT_BIN is unset and ${cached} is absent ` +
      "(deno compile would download it from dl.deno.land)";
}

const denortMissing = await denortAvailability();
const kubectl = await kubectlAvailability();
const kubectlGate = toolGate([kubectl.ok ? undefined : kubectl.reason]);
const skipReason = denortMissing ?? (kubectlGate.ignore ? kubectlGate.nameSuffix : undefined);
if (denortMissing && Deno.env.get("CI") === "true") {
  console.warn(
    `WARNING: CI=true, but the compiled binary is NOT tested on this machine: ${denortMissing}. ` +
      "Set DENORT_BIN to a denort of Deno " + Deno.version.deno + " to test it.",
  );
}

/** Puts the narrow program at `path`, built with `args` of the compile task. */
type Installer = (args: string[], home: string, path: string) => Promise<void>;

/**
 * The narrow program on kubectl's PATH, built for the test provider: `--version`, a login through
 * kubectl, a cache hit, and refusals to reach another host or write another directory.
 */
async function narrowScenario(t: Deno.TestContext, install: Installer): Promise<void> {
  kubectlGate.assertPresent();
  await using idp = await startTestIdp();
  await using apiserver = await startDevelopersApiServer(idp.issuer);
  await using client = await KubectlClient.create({ issuerUrl: idp.issuer, apiServer: apiserver });
  const home = client.sandbox.home;
  const program = `${client.binDir}/kubectl-together_login`;
  await install(
    [
      `--issuer=${idp.issuer}`,
      `--home=${home}`,
      `--browser=${client.browserCommand}`,
      `--target=${Deno.build.target}`,
      `--out=${client.sandbox.root}/dist`,
    ],
    home,
    program,
  );
  // The grants are the default directories under HOME.
  const env = { KUBECACHEDIR: `${home}/.kube/cache`, XDG_CONFIG_HOME: `${home}/.config` };
  await client.setCredentials("oidc", [
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    "--oidc-extra-scope=groups",
    "--listen-address=127.0.0.1:0",
    `--browser-command=${client.browserCommand}`,
  ]);
  /** Runs the program itself, not through kubectl. */
  const run = async (...args: string[]) => {
    const output = await new Deno.Command(program, {
      args,
      env: { ...client.env, ...env },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
  };

  await t.step("kubectl together-login --version", async () => {
    const result = await client.kubectl(["together-login", "--version"], { env });
    assertKubectlSucceeded(result);
    const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
    assert.match(
      result.stdout.trim(),
      new RegExp(`^together-kubelogin version ${config.version} `),
    );
  });

  await t.step("a login through kubectl, then a cache hit", async () => {
    using agent = new UserAgent();
    const login = await client.kubectl(["auth", "whoami", "-o", "json"], {
      env,
      browser: (url) => agent.login(url, ALICE),
    });
    assert.equal(whoamiUser(login).username, `${idp.issuer}#${ALICE.username}`);
    assert.equal(login.browserUrls.length, 1);
    const entries = [];
    for await (const entry of Deno.readDir(`${home}/.kube/cache/oidc-login`)) {
      if (/^[0-9a-f]{64}$/.test(entry.name)) entries.push(entry.name);
    }
    assert.equal(entries.length, 1, "the token is cached under the granted directory");
    idp.clearRequests();
    const hit = await client.kubectl(["get", "pods"], { env });
    assertKubectlSucceeded(hit);
    assert.ok(podNames(hit).length > 0);
    assert.deepEqual(hit.browserUrls, []);
    assert.deepEqual(idp.requests, []);
  });

  await t.step("no other host, no other directory", async () => {
    const elsewhere = await run(
      "get-token",
      "--oidc-issuer-url=https://elsewhere.invalid",
      `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    );
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.stderr, /--allow-net=elsewhere\.invalid/);
    const otherCache = await run("clean", `--token-cache-dir=${client.sandbox.root}/other`);
    assert.equal(otherCache.code, 1);
    assert.match(otherCache.stderr, /--allow-(read|write)=/);
  });
}

Deno.test({
  name: `deno task compile --issuer: the narrow binary logs in through kubectl${
    denortMissing ? ` (skipped: ${denortMissing})` : kubectlGate.nameSuffix
  }`,
  ignore: skipReason !== undefined,
  fn: (t) =>
    narrowScenario(t, async (args, home, path) => {
      const options = parseCompileArgs(args, { os: "linux", home });
      const { binaries, archives, manifest } = await buildRelease(options);
      assert.equal(manifest, `${options.outDir}/${MANIFEST_PATH}`);
      assert.deepEqual(archives.map((archive) => archive.target.triple), [Deno.build.target]);
      // The binary replaces the `deno run` shim on kubectl's PATH.
      await Deno.copyFile(binaries.get(Deno.build.target)!, path);
    }),
});

Deno.test({
  name:
    `deno task compile --issuer: its grants suffice for a login (deno run under exactly them)${kubectlGate.nameSuffix}`,
  ignore: kubectlGate.ignore,
  fn: (t) =>
    narrowScenario(t, async (args, home, path) => {
      const options = parseCompileArgs(args, { os: "linux", home });
      const target = options.targets[0];
      const command = compileCommand(options, target, "unused");
      // What `deno compile` would bake in: every flag between `compile` and `--exclude-unused-npm`.
      const grants = command.slice(1, command.indexOf("--exclude-unused-npm"));
      assert.deepEqual(grants, ["--no-prompt", ...permissionFlags(options, target)]);
      const words = [Deno.execPath(), "run", ...grants, "--config", DENO_JSON, MOD_TS];
      await Deno.writeTextFile(path, `#!/bin/sh\nexec ${words.map(shellQuote).join(" ")} "$@"\n`);
    }),
});
