/**
 * The one place where errors become words: a single line on stderr and an exit code.
 *
 * @module
 */

import { DiscoveryError, KubeloginError, UsageError } from "../lib/errors.ts";
import { toPermissionError } from "../lib/permissions.ts";
import { stripControlCharacters } from "../lib/text.ts";
import { unnamedSettingsHint, withFlagNames } from "./setting_flags.ts";

/** What to check when discovery fails: the usual mistakes in an issuer URL. */
const ISSUER_HINT = "check --oidc-issuer-url: it must equal the provider's issuer exactly " +
  "(trailing slash, realm path such as /realms/NAME on Keycloak)";

/** The exit code of every failure, as kubelogin uses. */
export const EXIT_FAILURE = 1;

/** A flag error from the CLI library, with the command whose help to point at. */
export class CommandLineError extends UsageError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_COMMAND_LINE";
  /** The command path for the usage hint, e.g. `get-token`. */
  readonly command: string;
  constructor(message: string, command: string, options?: ErrorOptions) {
    super(message, options);
    this.command = command;
  }
}

/** How many causes `-v1` prints at most; a longer chain is cut (and a cycle cannot loop). */
const MAX_CAUSES = 8;

/**
 * The error report: the one-line message and, from `-v1` up, one line per cause ("caused by:
 * ProviderError [ERR_PROVIDER]: …"). Causes are reported by name, code and message only (no
 * stack, no other field), with anything shaped like a JWT masked, so no token reaches stderr.
 *
 * @param verbosity the `-v` level the command ran at
 */
export function reportError(error: unknown, verbosity: number): string {
  const lines = [describeError(error)];
  if (verbosity < 1) return lines.join("\n");
  const seen = new Set<unknown>([error]);
  let cause = error instanceof Error ? error.cause : undefined;
  while (cause !== undefined && !seen.has(cause) && lines.length <= MAX_CAUSES) {
    seen.add(cause);
    lines.push(`  caused by: ${causeLine(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines.join("\n");
}

function causeLine(cause: unknown): string {
  if (!(cause instanceof Error)) return maskTokens(oneLine(String(cause)));
  const code = (cause as { code?: unknown }).code;
  const label = typeof code === "string" ? `${cause.name} [${code}]` : cause.name;
  return `${label}: ${maskTokens(oneLine(withFlagNames(cause.message)))}`;
}

/** A compact JWS (three base64url parts, the first a JSON header) anywhere in the text. */
const JWT_PATTERN = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

function maskTokens(text: string): string {
  return text.replace(JWT_PATTERN, "[token]");
}

/**
 * The one-line message for an error. Library errors carry messages written for users and free of
 * secrets; anything else is reported by its message alone (no stack) so nothing unexpected leaks.
 */
export function describeError(error: unknown): string {
  const converted = toPermissionError(error);
  if (converted instanceof CommandLineError) {
    const help = ["kubectl together-login", converted.command, "--help"].filter(Boolean).join(" ");
    return `error: ${converted.message} (see '${help}')`;
  }
  if (converted instanceof DiscoveryError) {
    const reason = withFlagNames(converted.message).replace(/^discovery failed: /, "");
    return `error: discovery (GET ${converted.url}) failed: ${oneLine(reason)}; ${ISSUER_HINT}`;
  }
  if (converted instanceof KubeloginError) {
    return `error: ${oneLine(withFlagNames(converted.message))}${flagHint(converted)}`;
  }
  if (converted instanceof Error) {
    return `error: unexpected ${converted.name}: ${oneLine(converted.message)}`;
  }
  return `error: ${oneLine(String(converted))}`;
}

/**
 * The flags that help with a library error, which names none itself: a sentence for some codes,
 * else the flags of the settings it lists but does not name.
 */
function flagHint(error: KubeloginError): string {
  if (error.code === "ERR_CACHE_DIRECTORY") {
    return "; choose another with --token-cache-dir, or cache nothing with " +
      "--token-cache-storage=none";
  }
  return unnamedSettingsHint(error);
}

function oneLine(text: string): string {
  // Messages may quote the provider; no escape sequence of its reaches the terminal.
  return stripControlCharacters(text.replace(/\s*\n\s*/g, "; ")).trim();
}
