/**
 * `doctor`: checks, one line each, what a login with these `get-token` flags depends on: the
 * provider, this machine's clock and ports, the token cache, the keyring, the Deno permissions,
 * and the kubeconfig users that run this plugin. Exits non-zero when any check fails.
 *
 * @module
 */

import { CommanderError } from "commander";
import type { CheckResult } from "../lib/doctor/check.ts";
import { checkKubeconfig, type ParsedPluginArgs } from "../lib/doctor/kubeconfig_checks.ts";
import {
  checkCacheDirectory,
  checkKeyring,
  checkListenAddresses,
  checkPermissions,
} from "../lib/doctor/local_checks.ts";
import { checkProvider } from "../lib/doctor/provider_checks.ts";
import { CheckFailedError, PermissionError } from "../lib/errors.ts";
import { platformOpener } from "../lib/browser.ts";
import { resolveGrantType } from "../lib/login_options.ts";
import { dirnameOf } from "../lib/path.ts";
import { readEnv } from "../lib/permissions.ts";
import type { ParsedFlags } from "./flags.ts";
import { getTokenOptions } from "./get_token.ts";
import { writeStdout } from "./logger.ts";
import { withFlagNames } from "./setting_flags.ts";
import { FlagReader, homeDirectory, tokenCacheOptions } from "./options.ts";
import { kubeconfigFiles } from "./standalone.ts";

const MARKS = { pass: "PASS", fail: "FAIL", info: "INFO", skip: "SKIP" } as const;

/** Runs `doctor`. */
export async function runDoctor(parsed: ParsedFlags): Promise<void> {
  const flags = new FlagReader(parsed);
  let failed = 0;
  let total = 0;
  const report = (results: readonly CheckResult[]) => {
    for (const result of results) {
      total++;
      if (result.status === "fail") failed++;
      const fix = result.fix ? ` -> fix: ${result.fix}` : "";
      const line = withFlagNames(`${result.name}: ${result.detail}${fix}`);
      writeStdout(`${MARKS[result.status]}  ${line}\n`);
    }
  };
  const provided = Boolean(flags.string("oidc-issuer-url") && flags.string("oidc-client-id"));
  const options = provided ? getTokenOptions(flags) : undefined;
  if (options) {
    report(await checkProvider(options.provider, options.login.grantType));
    if (options.login.grantType === "authcode") {
      report(checkListenAddresses(options.login.listenAddresses));
    }
  } else {
    report([{
      name: "provider",
      status: "skip",
      detail:
        "pass the get-token flags (--oidc-issuer-url, --oidc-client-id, …) to check a provider",
    }]);
  }
  // The cache does not depend on the provider: checked with or without its flags.
  const cache = options?.cache ?? tokenCacheOptions(flags);
  if (cache.storage !== "none") report([await checkCacheDirectory(cache.directory)]);
  if (cache.storage === "keyring") report([await checkKeyring()]);
  if (options) report([checkPermissions(neededPermissions(flags, options))]);
  report(await kubeconfigChecks(flags));
  if (failed > 0) throw new CheckFailedError(`${failed} of ${total} checks failed`);
}

async function kubeconfigChecks(flags: FlagReader): Promise<CheckResult[]> {
  const notes: CheckResult[] = [];
  let files: string[];
  try {
    files = kubeconfigFiles(flags);
  } catch (error) {
    if (!(error instanceof PermissionError)) throw error;
    files = [`${homeDirectory() ?? "~"}/.kube/config`];
    notes.push({
      name: "kubeconfig",
      status: "skip",
      detail: `KUBECONFIG not read (${error.flag} grants it); checked ${files[0]}`,
    });
  }
  let path: string | undefined;
  try {
    path = readEnv("PATH");
  } catch (error) {
    if (!(error instanceof PermissionError)) throw error;
  }
  return [...notes, ...await checkKubeconfig({ files, path, parseArgs: parsePluginArgs })];
}

/** Parses a kubeconfig's plugin arguments with the program's own parser. */
async function parsePluginArgs(args: readonly string[]): Promise<ParsedPluginArgs> {
  const { parseCommandLine } = await import("./program.ts");
  const { describeError } = await import("./errors.ts");
  let result: ParsedPluginArgs = {};
  try {
    await parseCommandLine(args, (command, parsed) => {
      const reader = new FlagReader(parsed);
      const grant = resolveGrantType(
        reader.string("grant-type") ?? "auto",
        reader.string("username"),
      );
      result = {
        needsInput: grant === "authcode-keyboard" ||
          (grant === "password" && !reader.has("password")),
        ...(command.name === "get-token"
          ? {}
          : { error: `${command.name || "standalone mode"} is not get-token` }),
      };
      return Promise.resolve();
    });
  } catch (error) {
    // Commander's own errors read "error: …", as runProgram words them.
    if (error instanceof CommanderError) return { error: error.message.replace(/^error: /, "") };
    return { error: describeError(error).replace(/^error: /, "") };
  }
  return result;
}

/** The permissions `get-token` needs with these flags. */
function neededPermissions(
  flags: FlagReader,
  options: ReturnType<typeof getTokenOptions>,
): Deno.PermissionDescriptor[] {
  const needed: Deno.PermissionDescriptor[] = [];
  const issuer = URL.parse(options.provider.issuerUrl);
  if (issuer) {
    const port = issuer.port || (issuer.protocol === "https:" ? "443" : "80");
    needed.push({ name: "net", host: `${issuer.hostname}:${port}` });
  }
  const env = ["KUBERNETES_EXEC_INFO", Deno.build.os === "windows" ? "USERPROFILE" : "HOME"];
  if (!flags.has("oidc-client-secret")) env.push("OIDC_CLIENT_SECRET");
  if (!flags.has("token-cache-dir")) env.push("KUBECACHEDIR");
  if (options.cache.storage === "disk") {
    env.push(Deno.build.os === "windows" ? "APPDATA" : "XDG_CONFIG_HOME");
  }
  needed.push(...env.map((variable): Deno.PermissionDescriptor => ({ name: "env", variable })));
  const paths = options.cache.storage === "none" ? [] : [options.cache.directory];
  if (options.cache.storage === "disk") paths.push(dirnameOf(options.cache.dataKeyFile));
  for (const path of paths) needed.push({ name: "read", path }, { name: "write", path });
  for (const path of options.provider.tls.certificateAuthorities) {
    needed.push({ name: "read", path });
  }
  if (options.cache.storage === "keyring") needed.push({ name: "ffi" });
  const { grantType, listenAddresses, skipOpenBrowser, browserCommand } = options.login;
  if (grantType === "authcode") {
    for (const address of listenAddresses) {
      const port = address.slice(address.lastIndexOf(":") + 1);
      if (port !== "0") needed.push({ name: "net", host: address.replace(/^\[|\](?=:)/g, "") });
    }
  }
  if ((grantType === "authcode" || grantType === "device-code") && !skipOpenBrowser) {
    needed.push({ name: "run", command: browserCommand ?? platformOpener()[0] });
  }
  return needed;
}
