/**
 * Runs the plugin under a permission set of deno.json (`deno run -P=<command>`) plus the per-user
 * grants docs/permissions.md adds on the command line, and leaves out one grant at a time.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { TestIdp } from "./idp.ts";
import type { PluginResult, PluginSandbox } from "./plugin.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const CONFIG = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));

/** The fixed part of a command's set: what deno.json holds for it. */
export interface PermissionSet {
  /** The environment variables it reads. */
  env: string[];
  /** `Deno.*` system information it asks for (`uid`). */
  sys?: string[];
}

/** deno.json's permission sets, by command. */
export const SETS: Record<string, PermissionSet> = CONFIG.permissions;

/** One grant: a kind and its scope. */
export interface Grant {
  /** The `--allow-…` kind. */
  kind: "env" | "sys" | "read" | "write" | "net";
  /** What it is scoped to. */
  values: string[];
}

/** The command's set from deno.json, one grant per entry, plus the user's grants. */
export function grantsFor(set: string, userGrants: Grant[]): Grant[] {
  return [
    ...SETS[set].env.map((name) => ({ kind: "env" as const, values: [name] })),
    ...(SETS[set].sys ?? []).map((kind) => ({ kind: "sys" as const, values: [kind] })),
    ...userGrants,
  ];
}

/**
 * `deno run` flags for the grants: the set's part through `-P=<set>` of a config holding exactly
 * those (deno.json itself when none is left out), the rest as flags.
 */
export async function permissionFlags(
  dir: string,
  set: string,
  grants: Grant[],
): Promise<string[]> {
  const of = (kind: Grant["kind"]) =>
    grants.filter((grant) => grant.kind === kind).flatMap((grant) => grant.values);
  const env = of("env");
  const sys = of("sys");
  let config = `${ROOT}deno.json`;
  if (env.length !== SETS[set].env.length || sys.length !== (SETS[set].sys ?? []).length) {
    config = `${dir}/deno.json`;
    const reduced: PermissionSet = sys.length > 0 ? { env, sys } : { env };
    const permissions = { ...SETS, [set]: reduced };
    await Deno.writeTextFile(config, JSON.stringify({ ...CONFIG, permissions }));
  }
  const flags = ["--no-prompt", "--quiet", "--config", config, `--permission-set=${set}`];
  for (const kind of ["read", "write", "net"] as const) {
    const values = of(kind);
    if (values.length > 0) flags.push(`--allow-${kind}=${values.join(",")}`);
  }
  return flags;
}

/** The flag a message must name for the grant: `--allow-env=NAME`, `--allow-read`, … */
export function flagOf(grant: Grant): string {
  return grant.kind === "env" || grant.kind === "sys"
    ? `--allow-${grant.kind}=${grant.values[0]}`
    : `--allow-${grant.kind}`;
}

/** Asserts a failed run said, in one line, which flag to add for the grant. */
export function assertNamesFlag(result: PluginResult, grant: Grant): void {
  assert.notEqual(result.code, 0, `ran without ${grant.kind} ${grant.values}`);
  // The error is one line, the last; only setup's "Authentication in progress..." may precede it.
  const lines = result.stderr.trim().split("\n");
  const errors = lines.filter((line) => line.startsWith("error"));
  assert.equal(errors.length, 1, `not one error line without ${grant.kind}:\n${result.stderr}`);
  assert.equal(lines.at(-1), errors[0]);
  assert.ok(lines.length === 1 || lines[0] === "Authentication in progress...", result.stderr);
  const flag = flagOf(grant);
  assert.match(errors[0], /^error: permission denied: .+; run with --allow-/);
  assert.ok(errors[0].includes(flag), `${errors[0]} does not name ${flag}`);
  // A grant to add is a directory, never one hashed cache entry.
  assert.doesNotMatch(errors[0], /[0-9a-f]{64}/);
  assert.equal(result.stdout, "");
}

/**
 * The environment of a run without the grant. `HOME` is read only for the default locations, so
 * its run has `KUBECACHEDIR` and `XDG_CONFIG_HOME` empty, as on a machine that does not set them.
 */
export function envWithout(grant: Grant): Record<string, string> {
  return grant.kind === "env" && grant.values[0] === "HOME"
    ? { KUBECACHEDIR: "", XDG_CONFIG_HOME: "" }
    : {};
}

/** Runs the command once per grant left out, checking the message each time. */
export async function eachWithoutOne(
  sandbox: PluginSandbox,
  set: string,
  grants: Grant[],
  run: (permissions: string[], env: Record<string, string>) => Promise<PluginResult>,
): Promise<void> {
  for (const grant of grants) {
    const rest = grants.filter((other) => other !== grant);
    assertNamesFlag(
      await run(await permissionFlags(sandbox.root, set, rest), envWithout(grant)),
      grant,
    );
  }
}

/** The cache and key directories README grants, made as a user's machine has their parents. */
export async function cacheGrants(sandbox: PluginSandbox, idp?: TestIdp): Promise<Grant[]> {
  const { kubeCache, keyDir } = await cacheDirectories(sandbox);
  const grants: Grant[] = [
    { kind: "read", values: [kubeCache, keyDir] },
    { kind: "write", values: [kubeCache, keyDir] },
  ];
  if (idp) grants.push({ kind: "net", values: [new URL(idp.issuer).hostname] });
  return grants;
}

/** `$KUBECACHEDIR` and the data key's directory of the sandbox, with their parents made. */
export async function cacheDirectories(
  sandbox: PluginSandbox,
): Promise<{ kubeCache: string; keyDir: string }> {
  const kubeCache = sandbox.env.KUBECACHEDIR;
  await Deno.mkdir(kubeCache, { recursive: true });
  await Deno.mkdir(sandbox.env.XDG_CONFIG_HOME, { recursive: true });
  return { kubeCache, keyDir: `${sandbox.env.XDG_CONFIG_HOME}/together-kubelogin` };
}
