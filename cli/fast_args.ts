/**
 * A parser for the argument lists kubectl passes on every command, so that a cache hit never
 * loads the CLI library (measured in docs/design.md: it would double the start-up time). It
 * declines, returning `undefined`, on anything it does not fully understand (help, unknown flags,
 * positional arguments, bad values, a missing required flag); the CLI library then parses the same
 * arguments and reports errors the usual way. `tests/cli/flags_test.ts` checks that both parsers
 * agree.
 *
 * @module
 */

import { accumulateFlag, type FlagSpec, missingRequiredFlag, type ParsedFlags } from "./flags.ts";

/**
 * Parses `--name=value`, `--name value`, bare booleans and klog's `-v1`/`-v=1`/`-v 1`.
 *
 * @returns the given flags, or `undefined` when the CLI library must take over
 */
export function parseFlagsFast(
  args: readonly string[],
  specs: readonly FlagSpec[],
): ParsedFlags | undefined {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byName.set(`--${spec.name}`, spec);
    if (spec.short) byName.set(`-${spec.short}`, spec);
  }
  const parsed: ParsedFlags = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--" || !arg.startsWith("-")) return undefined;
    let name = arg;
    let value: string | undefined;
    const equals = arg.indexOf("=");
    if (equals > 0) {
      name = arg.slice(0, equals);
      value = arg.slice(equals + 1);
    } else if (/^-[a-zA-Z]\d+$/.test(arg)) {
      name = arg.slice(0, 2);
      value = arg.slice(2);
    }
    const spec = byName.get(name);
    // A single dash takes only the one-letter alias; `-oidc-issuer-url` is an error elsewhere.
    if (!spec || (!name.startsWith("--") && name.length !== 2)) return undefined;
    if (value === undefined && spec.kind !== "bool") {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("-")) return undefined;
      value = next;
      i++;
    }
    try {
      parsed.set(spec.name, accumulateFlag(spec, parsed.get(spec.name), value));
    } catch {
      return undefined;
    }
  }
  return missingRequiredFlag(specs, parsed) === undefined ? parsed : undefined;
}
