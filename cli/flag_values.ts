/**
 * Reading flag values as pflag does in kubelogin: booleans, integers, comma-separated lists with
 * CSV quoting, and `key=value` maps. Shared by both parsers, and on the hot path like `flags.ts`.
 *
 * @module
 */

import { UsageError } from "../lib/errors.ts";
import type { FlagSpec, FlagValue, ParsedFlags } from "./flags.ts";
import { checkProviderUrl } from "./url_check.ts";

const TRUE_WORDS = new Set(["true", "1", "t", "TRUE", "True", "T"]);
const FALSE_WORDS = new Set(["false", "0", "f", "FALSE", "False", "F"]);

/**
 * Folds one raw value into what the flag already holds, per its kind.
 *
 * @param raw the value text; `undefined` for a bare boolean flag
 * @throws {UsageError} for a value the flag cannot take
 */
export function accumulateFlag(
  spec: FlagSpec,
  previous: FlagValue | undefined,
  raw: string | undefined,
): FlagValue {
  if (spec.kind === "bool") {
    if (raw === undefined || TRUE_WORDS.has(raw)) return true;
    if (FALSE_WORDS.has(raw)) return false;
    throw new UsageError(`invalid value "${raw}" for --${spec.name}: expected true or false`);
  }
  if (raw === undefined) throw new UsageError(`flag needs an argument: --${spec.name}`);
  switch (spec.kind) {
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UsageError(
          `invalid value "${raw}" for --${spec.name}: must be one of ${spec.choices.join("|")}`,
        );
      }
      if (spec.url) checkProviderUrl(spec.name, raw);
      return raw;
    case "int":
      return parseInteger(spec, raw);
    case "intSlice":
      return [
        ...(previous as number[] | undefined ?? []),
        ...splitCsv(spec, raw).map((item) => parseInteger(spec, item)),
      ];
    case "stringSlice":
      return [...(previous as string[] | undefined ?? []), ...splitList(spec, raw)];
    case "stringArray":
      return [...(previous as string[] | undefined ?? []), raw];
    case "map": {
      const map = { ...(previous as Record<string, string> | undefined) };
      for (const pair of mapPairs(spec, raw)) {
        const equals = pair.indexOf("=");
        if (equals <= 0) {
          throw new UsageError(`invalid value for --${spec.name}: expected key=value`);
        }
        map[pair.slice(0, equals)] = pair.slice(equals + 1);
      }
      return map;
    }
  }
}

/**
 * The name of the first required flag that is absent or empty, if any.
 *
 * @example
 * ```ts
 * import { GET_TOKEN_FLAGS, missingRequiredFlag } from "./flags.ts";
 *
 * missingRequiredFlag(GET_TOKEN_FLAGS, new Map()); // "oidc-issuer-url"
 * ```
 */
export function missingRequiredFlag(
  specs: readonly FlagSpec[],
  parsed: ParsedFlags,
): string | undefined {
  return specs.find((spec) => spec.required && (parsed.get(spec.name) ?? "") === "")?.name;
}

function parseInteger(spec: FlagSpec, raw: string): number {
  if (!/^-?\d+$/.test(raw)) {
    throw new UsageError(`invalid value "${raw}" for --${spec.name}: expected an integer`);
  }
  return Number.parseInt(raw, 10);
}

/** A list value: comma-separated, double quotes protecting commas, blanks dropped. */
function splitList(spec: FlagSpec, raw: string): string[] {
  return splitCsv(spec, raw).map((part) => part.trim()).filter((part) => part !== "");
}

/**
 * pflag's reading of a `key=value` flag: with a single `=` the whole text is one pair (so
 * `--oidc-auth-request-extra-params=acr_values=a,b` keeps its comma), surrounding quotes dropped;
 * with more, comma-separated pairs.
 */
function mapPairs(spec: FlagSpec, raw: string): string[] {
  const equalsSigns = raw.split("=").length - 1;
  if (equalsSigns === 0) {
    throw new UsageError(`invalid value for --${spec.name}: expected key=value`);
  }
  if (equalsSigns === 1) return [raw.replace(/^"+|"+$/g, "")];
  return splitCsv(spec, raw);
}

/**
 * Splits one line of comma-separated values as Go's `encoding/csv` does for pflag: a field may be
 * quoted to hold commas, `""` inside quotes is one quote, and a stray quote is an error.
 */
function splitCsv(spec: FlagSpec, raw: string): string[] {
  if (raw === "") return [];
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (raw[i] === '"') {
      i++;
      for (;;) {
        if (i >= raw.length) throw badQuote(spec);
        if (raw[i] === '"') {
          if (raw[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += raw[i++];
      }
      if (i < raw.length && raw[i] !== ",") throw badQuote(spec);
    } else {
      const end = raw.indexOf(",", i);
      field = raw.slice(i, end < 0 ? raw.length : end);
      if (field.includes('"')) throw badQuote(spec);
      i = end < 0 ? raw.length : end;
    }
    fields.push(field);
    if (i >= raw.length) return fields;
    i++; // the comma
  }
}

function badQuote(spec: FlagSpec): UsageError {
  return new UsageError(`invalid value for --${spec.name}: misplaced double quote`);
}
