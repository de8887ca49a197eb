/**
 * `doctor`'s kubeconfig checks: every user whose `exec` entry runs this plugin, with its
 * `apiVersion`, `interactiveMode`, the programs kubectl will look for on `PATH`, and arguments
 * that parse. No kubeconfig, or none that calls the plugin, is information, not a failure.
 *
 * @module
 */

import { EXEC_API_V1, EXEC_API_V1BETA1 } from "../kube/exec_credential.ts";
import { isMap, parseYaml, readIfPresent, type YamlMap } from "../kube/kubeconfig.ts";
import { joinPath } from "../path.ts";
import { errorMessage } from "../errors.ts";
import { type CheckResult, fail, pass } from "./check.ts";

/** The plugin's name as a kubectl plugin (`kubectl together-login`). */
export const PLUGIN_WORD = "together-login";
/** The executable kubectl runs for `kubectl together-login`. */
export const PLUGIN_BINARY = "kubectl-together_login";

/** What the plugin's arguments mean, from the CLI's own parser. */
export interface ParsedPluginArgs {
  /** Why they do not parse, as the plugin would say it. */
  error?: string;
  /** Whether the login they configure reads stdin (password or keyboard code). */
  needsInput?: boolean;
}

/** What the kubeconfig checks need from the caller. */
export interface KubeconfigCheckInput {
  /** The files kubectl reads, in order. */
  files: readonly string[];
  /** Parses the plugin's arguments (the command name first, e.g. `get-token`). */
  parseArgs(args: readonly string[]): Promise<ParsedPluginArgs>;
  /** `PATH`, or `undefined` when it may not be read. */
  path?: string;
}

/** Runs the checks, one line per plugin user (and one per unreadable file). */
export async function checkKubeconfig(input: KubeconfigCheckInput): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let anyFile = false;
  let anyUser = false;
  let unread = false;
  for (const file of input.files) {
    let document: YamlMap;
    try {
      const text = await readIfPresent(file);
      if (text === undefined) continue;
      anyFile = true;
      document = parseYaml(file, text);
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        unread = true;
        results.push({
          name: "kubeconfig",
          status: "skip",
          detail: `cannot read ${file}: run doctor with --allow-read=${file}`,
        });
      } else {
        results.push(
          fail(
            "kubeconfig",
            `${file}: ${errorMessage(error)}`,
            `repair ${file} (kubectl cannot read it either)`,
          ),
        );
      }
      continue;
    }
    const users = Array.isArray(document.users) ? document.users : [];
    for (const entry of users) {
      if (!isMap(entry) || !isMap(entry.user) || !isMap(entry.user.exec)) continue;
      const pluginArgs = pluginArgsOf(entry.user.exec);
      if (!pluginArgs) continue;
      anyUser = true;
      results.push(await checkUser(input, file, String(entry.name), entry.user.exec, pluginArgs));
    }
  }
  // A file that could not be read may hold a kubeconfig and plugin users: say nothing of either.
  if (unread) return results;
  if (!anyFile) {
    results.push({
      name: "kubeconfig",
      status: "info",
      detail: `no kubeconfig at ${input.files.join(", ")}`,
    });
  } else if (!anyUser) {
    results.push({
      name: "kubeconfig",
      status: "info",
      detail: `no user in ${input.files.join(", ")} runs ${PLUGIN_BINARY}`,
    });
  }
  return results;
}

/** The plugin's own arguments when the exec entry runs this plugin. */
function pluginArgsOf(exec: YamlMap): string[] | undefined {
  const command = typeof exec.command === "string" ? exec.command : "";
  const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
  const base = command.split(/[\\/]/).at(-1)?.replace(/\.exe$/, "") ?? "";
  if (base === "kubectl" && args[0] === PLUGIN_WORD) return args.slice(1);
  if (base === PLUGIN_BINARY || base === "kubectl-together-login") return args;
  return undefined;
}

async function checkUser(
  input: KubeconfigCheckInput,
  file: string,
  userName: string,
  exec: YamlMap,
  args: string[],
): Promise<CheckResult> {
  const name = `kubeconfig user ${userName}`;
  const problems: [string, string][] = [];
  const apiVersion = exec.apiVersion;
  if (apiVersion !== EXEC_API_V1 && apiVersion !== EXEC_API_V1BETA1) {
    problems.push([
      `apiVersion ${String(apiVersion ?? "(none)")} is not one this plugin answers`,
      `set apiVersion: ${EXEC_API_V1}`,
    ]);
  }
  const mode = exec.interactiveMode;
  if (apiVersion === EXEC_API_V1 && mode === undefined) {
    problems.push([
      "interactiveMode is missing, which kubectl refuses for v1",
      "set interactiveMode: IfAvailable or Never",
    ]);
  } else if (mode !== undefined && !["Never", "IfAvailable", "Always"].includes(String(mode))) {
    problems.push([
      `interactiveMode ${String(mode)} is not Never, IfAvailable or Always`,
      "set interactiveMode: IfAvailable",
    ]);
  }
  const parsed = await input.parseArgs(args);
  if (parsed.error) {
    problems.push([
      `its args do not parse: ${parsed.error}`,
      `fix the args of ${userName} in ${file}`,
    ]);
  } else if (parsed.needsInput && mode === "Never") {
    problems.push([
      "its login asks for input but interactiveMode is Never",
      "set interactiveMode: IfAvailable",
    ]);
  }
  const command = String(exec.command);
  const programs = command.split(/[\\/]/).at(-1) === "kubectl"
    ? [command, PLUGIN_BINARY]
    : [command];
  const found: string[] = [];
  const unsearched: string[] = [];
  for (const program of programs) {
    const location = await findExecutable(program, input.path);
    if (location === undefined) unsearched.push(program);
    if (location === null) {
      problems.push([
        `${program} is not on PATH`,
        `install ${program} or put its directory on PATH`,
      ]);
    } else if (location !== undefined) found.push(location);
  }
  const where = `in ${file}`;
  if (problems.length > 0) {
    return fail(
      name,
      `${where}: ${problems.map(([problem]) => problem).join("; ")}`,
      problems.map(([, fix]) => fix).join("; "),
    );
  }
  const onPath = input.path === undefined
    ? "PATH not searched (run doctor with --allow-env=PATH and --allow-read)"
    : [
      ...found,
      ...unsearched.map((program) =>
        `${program} not looked for (run doctor with --allow-read=${
          /[\\/]/.test(program) ? program : unreadableDirectories(input.path!)
        })`
      ),
    ].join(" and ");
  return pass(
    name,
    `${where}: ${String(apiVersion)}, interactiveMode ${
      String(mode ?? "(default)")
    }, args parse, ${onPath}`,
  );
}

/** The `PATH` directories this process may not read, as one `--allow-read` value. */
function unreadableDirectories(path: string): string {
  const separator = Deno.build.os === "windows" ? ";" : ":";
  return path.split(separator).filter(Boolean).filter((directory) =>
    Deno.permissions.querySync({ name: "read", path: directory }).state !== "granted"
  ).join(",");
}

/**
 * Where `PATH` has the program: its path; `null` when it is not there; `undefined` when the search
 * could not be made (no `PATH`, or directories this process may not read).
 */
async function findExecutable(
  program: string,
  path: string | undefined,
): Promise<string | null | undefined> {
  if (program.includes("/") || program.includes("\\")) {
    return await isExecutable(program);
  }
  if (path === undefined) return undefined;
  let unknown = false;
  const separator = Deno.build.os === "windows" ? ";" : ":";
  for (const directory of path.split(separator).filter(Boolean)) {
    const result = await isExecutable(joinPath(directory, program));
    if (typeof result === "string") return result;
    if (result === undefined) unknown = true;
  }
  return unknown ? undefined : null;
}

async function isExecutable(file: string): Promise<string | null | undefined> {
  try {
    const info = await Deno.stat(file);
    return info.isFile && (info.mode === null || (info.mode & 0o111) !== 0) ? file : null;
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) return undefined;
    return null;
  }
}
