/**
 * Deno permission checks that never prompt. kubectl runs the plugin with the user's terminal on
 * stdin, where Deno would otherwise stop and ask; asking first with `querySync` turns a missing
 * permission into a {@link PermissionError} that names the exact `--allow-…` flag to add.
 *
 * @module
 */

import { PermissionError } from "./errors.ts";

/** The `--allow-…` flag that grants one permission descriptor. */
export function allowFlagFor(descriptor: Deno.PermissionDescriptor): string {
  switch (descriptor.name) {
    case "read":
    case "write":
    case "ffi":
      return descriptor.path === undefined
        ? `--allow-${descriptor.name}`
        : `--allow-${descriptor.name}=${descriptor.path}`;
    case "net":
      return descriptor.host === undefined ? "--allow-net" : `--allow-net=${descriptor.host}`;
    case "env":
      return descriptor.variable === undefined
        ? "--allow-env"
        : `--allow-env=${descriptor.variable}`;
    case "run":
      return descriptor.command === undefined ? "--allow-run" : `--allow-run=${descriptor.command}`;
    case "sys":
      return descriptor.kind === undefined ? "--allow-sys" : `--allow-sys=${descriptor.kind}`;
    default:
      return `--allow-${descriptor.name}`;
  }
}

/**
 * Throws a {@link PermissionError} unless the permission is already granted.
 *
 * @param what what the program was about to do, for the message ("read the token cache")
 */
export function requirePermission(descriptor: Deno.PermissionDescriptor, what: string): void {
  if (Deno.permissions.querySync(descriptor).state !== "granted") {
    throw new PermissionError(what, allowFlagFor(descriptor));
  }
}

const notCapablePattern = /Requires (\w+) access to "?([^",]*)"?/;

/**
 * Turns Deno's `NotCapable` error into a {@link PermissionError}; returns other errors unchanged.
 * Covers operations that were not checked ahead (a redirect to another host, a library reading a
 * variable).
 */
export function toPermissionError(error: unknown): unknown {
  if (!(error instanceof Deno.errors.NotCapable)) return error;
  const match = notCapablePattern.exec(error.message);
  if (!match) {
    return new PermissionError(error.message, "the missing --allow-… flag", { cause: error });
  }
  const [, kind, found] = match;
  // A token cache entry or its lock is one hashed file of a directory users grant as a whole.
  const target = found.replace(/[\\/][0-9a-f]{64}(\.lock)?$/, "");
  const flag = target ? `--allow-${kind}=${target}` : `--allow-${kind}`;
  return new PermissionError(`${kind} access to ${target || "(all)"}`, flag, { cause: error });
}

/**
 * Reads an environment variable, or `undefined` when it is unset.
 *
 * @throws {PermissionError} when reading it is not permitted: a variable the user set but the
 * program could not see would change behaviour silently.
 */
export function readEnv(name: string): string | undefined {
  requirePermission({ name: "env", variable: name }, `read the environment variable ${name}`);
  return Deno.env.get(name);
}
