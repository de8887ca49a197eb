/**
 * The keyring store's debug lines reach `-v1` in the commands that build the store themselves
 * (`clean`, and `status`/`logout` through the cache selection), as they do in `get-token`: against
 * a real gnome-keyring on a private D-Bus session bus.
 */

import assert from "node:assert/strict";
import { KEYRING_DATA_KEY_ACCOUNT, KEYRING_SERVICE } from "../../lib/cache/keyring.ts";
import { PluginSandbox } from "../support/plugin.ts";
import { secretServiceAvailability, startSecretService } from "../support/secret_service.ts";
import { startTestIdp, TEST_USERS } from "../support/idp.ts";
import { getTokenArgs } from "../support/login.ts";
import { UserAgent } from "../support/user_agent.ts";

const availability = await secretServiceAvailability();
/** Skipped where the daemons are not installed, except in CI, where that is a failure. */
const skip = !availability.ok && Deno.env.get("CI") !== "true";
const suffix = skip ? ` (skipped: ${availability.reason})` : "";

Deno.test({
  name: `clean -v1 logs the keyring store's deletion${suffix}`,
  ignore: skip,
  fn: async () => {
    await using secrets = await startSecretService();
    await using sandbox = await PluginSandbox.create();
    const stored = await secrets.secretTool(
      ["store", `--label=${KEYRING_SERVICE}`, "service", KEYRING_SERVICE, "username"].concat(
        KEYRING_DATA_KEY_ACCOUNT,
      ),
      "A".repeat(43),
    );
    assert.equal(stored.code, 0, stored.stderr);
    const result = await sandbox.run(["clean", "--token-cache-storage=keyring", "-v1"], {
      permissions: [...sandbox.permissions, "--allow-ffi"],
      env: secrets.env,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^debug: deleted the cache data key from the OS keyring\b/m);
  },
});

Deno.test({
  name: `status -v1 logs the keyring store's read${suffix}`,
  ignore: skip,
  fn: async () => {
    await using idp = await startTestIdp();
    await using secrets = await startSecretService();
    await using sandbox = await PluginSandbox.create();
    const permissions = [...sandbox.permissions, "--allow-ffi"];
    const plugin = sandbox.start(getTokenArgs(idp, "--token-cache-storage=keyring"), {
      permissions,
      env: secrets.env,
    });
    await new UserAgent().login(await plugin.loginUrl(), TEST_USERS[0]);
    const login = await plugin.result();
    assert.equal(login.code, 0, login.stderr);
    const status = await sandbox.run(["status", "-v1"], { permissions, env: secrets.env });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stderr, /^debug: read the cache data key from the OS keyring\b/m);
  },
});
