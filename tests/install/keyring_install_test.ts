/**
 * `--token-cache-storage=keyring` through README's install line plus `--allow-ffi`: the keyring
 * binding is loaded lazily there (`--unstable-lazy-dynamic-imports`), possibly before npm
 * resolution has seen the package, as in a JSR install, which has no import map.
 */

import assert from "node:assert/strict";
import { InstalledPlugin } from "../support/install.ts";
import { PUBLIC_CLIENT_ID, startTestIdp, TEST_USERS } from "../support/idp.ts";
import { parseExecCredential, RunningPlugin } from "../support/plugin.ts";
import { secretServiceAvailability, startSecretService } from "../support/secret_service.ts";
import { UserAgent } from "../support/user_agent.ts";

const CHILD = new URL("../cache/keyring_child.ts", import.meta.url).pathname;

const availability = await secretServiceAvailability();
/** Skipped where the daemons are not installed, except in CI, where that is a failure. */
const skip = !availability.ok && Deno.env.get("CI") !== "true";

Deno.test({
  name: `install: keyring storage works as installed${
    skip ? ` (skipped: ${availability.reason})` : ""
  }`,
  ignore: skip,
  async fn() {
    await using secrets = await startSecretService();
    await using idp = await startTestIdp();
    await using plugin = await InstalledPlugin.install({ extraFlags: ["--allow-ffi"] });
    const args = [
      "get-token",
      `--oidc-issuer-url=${idp.issuer}`,
      `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
      "--token-cache-storage=keyring",
      "--skip-open-browser",
      "--listen-address=127.0.0.1:0",
    ];
    const start = () =>
      new RunningPlugin(
        new Deno.Command(plugin.shim, {
          args,
          env: { ...plugin.env, ...secrets.env },
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn(),
      );
    const login = start();
    using agent = new UserAgent();
    await agent.login(await login.loginUrl(), TEST_USERS[0]);
    const first = await login.result();
    assert.equal(first.code, 0, first.stderr);
    idp.clearRequests();
    const hit = await start().result();
    assert.equal(hit.code, 0, hit.stderr);
    const token = (result: { stdout: string }) => parseExecCredential(result.stdout).status.token;
    assert.equal(token(hit), token(first));
    assert.deepEqual(idp.requests, []);
  },
});

Deno.test({
  name: `install: the keyring binding loads under lazy dynamic imports before any npm package${
    skip ? ` (skipped: ${availability.reason})` : ""
  }`,
  ignore: skip,
  async fn() {
    await using secrets = await startSecretService();
    // The store's child script alone, and no lockfile (a JSR install has none of ours): no npm
    // package has been resolved when the binding is needed, so `import.meta.resolve` sees the
    // package only if the store brings it in first.
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        "--unstable-lazy-dynamic-imports",
        "--no-lock",
        "--allow-ffi",
        CHILD,
        "loadOrCreate",
        "load",
      ],
      env: { PATH: Deno.env.get("PATH") ?? "", ...secrets.env },
      clearEnv: true,
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const { results } = JSON.parse(new TextDecoder().decode(output.stdout));
    assert.equal(typeof results[0], "string", JSON.stringify(results));
    assert.equal(results[1], results[0]);
  },
});
