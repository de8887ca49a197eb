/**
 * Library messages name settings (`` `login.grantType` ``), never CLI flags; the CLI shows the
 * flag in their place from one table (`cli/setting_flags.ts`). Checked three ways: the source of
 * `lib/` names no flag of ours and no setting the table lacks, the table points at real flags,
 * and a real process still prints the flag.
 */

import assert from "node:assert/strict";
import { describeError, reportError } from "../../cli/errors.ts";
import {
  CLEAN_FLAGS,
  DOCTOR_FLAGS,
  GET_TOKEN_FLAGS,
  ROOT_FLAGS,
  SETUP_FLAGS,
  STATUS_FLAGS,
} from "../../cli/flags.ts";
import { SAME_VALUE_FLAGS, SETTING_FLAGS, withFlagNames } from "../../cli/setting_flags.ts";
import { AuthenticationError, ProviderError, UsageError } from "../../lib/errors.ts";
import { startTestIdp } from "../support/idp.ts";
import { getTokenArgs } from "../support/login.ts";
import { PluginSandbox } from "../support/plugin.ts";

const LIB = new URL("../../lib/", import.meta.url);

/** Every long flag any command takes. */
const FLAG_NAMES = new Set(
  [CLEAN_FLAGS, DOCTOR_FLAGS, GET_TOKEN_FLAGS, ROOT_FLAGS, SETUP_FLAGS, STATUS_FLAGS]
    .flat()
    .map((spec) => spec.name),
);

/** The code of each `lib/**.ts` file, comments removed (doc comments may explain flags). */
async function libCode(dir: URL = LIB): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) {
      for (const [path, code] of await libCode(url)) files.set(path, code);
    } else if (entry.name.endsWith(".ts")) {
      const text = await Deno.readTextFile(url);
      const code = text
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .split("\n")
        .filter((line) => !/^\s*\/\//.test(line))
        .join("\n");
      files.set(url.pathname.slice(LIB.pathname.length - 4), code);
    }
  }
  return files;
}

Deno.test("no lib/ message names a CLI flag, and each setting it names has a flag", async () => {
  const files = await libCode();
  assert.ok(files.size > 50, `read ${files.size} files of lib/`);
  const flags: string[] = [];
  const unknownSettings: string[] = [];
  let settingsNamed = 0;
  for (const [path, code] of files) {
    for (const [, name] of code.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)) {
      // `--allow-…` and Deno's other flags are the runtime's, which the user does pass.
      if (FLAG_NAMES.has(name)) {
        flags.push(`${path}: --${name}`);
      }
    }
    const named = [
      ...code.matchAll(/\\?`((?:provider|login|cache|kubeconfig)\.[\w.]+|forceRefresh)/g),
      ...[...code.matchAll(/settings: \[([^\]]*)\]/g)].flatMap((
        [, list],
      ) => [...list.matchAll(/"([^"]+)"/g)]),
    ].map((match) => match[1]);
    for (const setting of named) {
      settingsNamed++;
      // The password grant names `login.${what}`: the username or the password.
      const paths = setting === "login." ? ["login.username", "login.password"] : [setting];
      for (const one of paths) {
        if (!(one in SETTING_FLAGS)) unknownSettings.push(`${path}: ${one}`);
      }
    }
  }
  assert.deepEqual(flags, [], "library messages must name settings, not CLI flags");
  assert.deepEqual(unknownSettings, [], "settings the CLI cannot show as a flag");
  assert.ok(settingsNamed > 30, `found ${settingsNamed} settings named in lib/`);
});

Deno.test("each setting of the table is shown as a flag some command takes", () => {
  for (const [setting, flag] of Object.entries({ ...SETTING_FLAGS, ...SAME_VALUE_FLAGS })) {
    assert.ok(FLAG_NAMES.has(flag), `${setting} → --${flag}, which no command takes`);
  }
});

Deno.test("the CLI shows the flags in place of the settings an error names or lists", () => {
  assert.equal(
    withFlagNames('`login.grantType: "device-code"` or `provider.issuerUrl`, not `other.thing`'),
    "--grant-type=device-code or --oidc-issuer-url, not `other.thing`",
  );
  assert.equal(
    withFlagNames('drop `provider.pkceMethod: "S256"`'),
    "drop --oidc-pkce-method=S256 / --oidc-use-pkce",
  );
  const named = new UsageError("`login.listenAddresses` x is bad", {
    settings: ["login.listenAddresses"],
  });
  assert.equal(describeError(named), "error: --listen-address x is bad");
  const listed = new ProviderError("the provider is slow", {
    settings: ["login.authenticationTimeoutSec"],
  });
  assert.equal(
    describeError(listed),
    "error: the provider is slow (set --authentication-timeout-sec)",
  );
  const wrapped = new AuthenticationError("login failed", { cause: named, reason: "denied" });
  assert.match(reportError(wrapped, 1), /caused by: UsageError \[ERR_USAGE\]: --listen-address x/);
});

Deno.test("a real get-token still names the flag to change", async (t) => {
  await using idp = await startTestIdp({ deviceIntervalSec: 1 });
  await using sandbox = await PluginSandbox.create();
  await t.step("a device login that times out names --authentication-timeout-sec", async () => {
    const result = await sandbox.run(
      getTokenArgs(idp, "--grant-type=device-code", "--authentication-timeout-sec=1"),
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /^error: timed out after 1 s waiting for the device login to be approved \(see --authentication-timeout-sec\)$/m,
    );
  });
  await t.step("a bad listen address names --listen-address", async () => {
    const args = getTokenArgs(idp, "--authentication-timeout-sec=5")
      .filter((arg) => !arg.startsWith("--listen-address"))
      .concat("--listen-address=nowhere");
    const result = await sandbox.run(args);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^error: invalid --listen-address nowhere: expected HOST:PORT$/m);
  });
  await t.step("a reserved extra parameter names --oidc-auth-request-extra-params", async () => {
    const result = await sandbox.run(
      getTokenArgs(idp, "--oidc-auth-request-extra-params=state=mine"),
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^error: --oidc-auth-request-extra-params cannot set state: /m);
  });
});
