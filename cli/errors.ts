/**
 * The one place where errors become words: a single line on stderr and an exit code.
 *
 * @module
 */

import { DiscoveryError, KubeloginError, UsageError } from "../lib/errors.ts";
import { toPermissionError } from "../lib/permissions.ts";
import { stripControlCharacters } from "../lib/text.ts";

/** What to check when discovery fails: the usual mistakes in an issuer URL. */
const ISSUER_HINT = "check --oidc-issuer-url: it must equal the provider's issuer exactly " +
  "(trailing slash, realm path such as /realms/NAME on Keycloak)";

/** The exit code of every failure, as kubelogin uses. */
export const EXIT_FAILURE = 1;

/** A flag error from the CLI library, with the command whose help to point at. */
export class CommandLineError extends UsageError {
  /** The command path for the usage hint, e.g. `get-token`. */
  readonly command: string;
  constructor(message: string, command: string) {
    super(message);
    this.command = command;
  }
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
    const reason = converted.message.replace(/^discovery failed: /, "");
    return `error: discovery (GET ${converted.url}) failed: ${oneLine(reason)}; ${ISSUER_HINT}`;
  }
  if (converted instanceof KubeloginError) return `error: ${oneLine(converted.message)}`;
  if (converted instanceof Error) {
    return `error: unexpected ${converted.name}: ${oneLine(converted.message)}`;
  }
  return `error: ${oneLine(String(converted))}`;
}

function oneLine(text: string): string {
  // Messages may quote the provider; no escape sequence of its reaches the terminal.
  return stripControlCharacters(text.replace(/\s*\n\s*/g, "; ")).trim();
}
