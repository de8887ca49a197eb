/**
 * Standalone mode (`kubectl together-login` with no subcommand): kubelogin's older way of working,
 * which logs in and writes the token into the kubeconfig's `auth-provider: oidc` user.
 *
 * @module
 */

import { UsageError } from "../lib/errors.ts";
import type { ParsedFlags } from "./flags.ts";

/** Runs standalone mode. */
export function runStandalone(_flags: ParsedFlags): Promise<void> {
  return Promise.reject(
    new UsageError(
      "standalone mode is not available yet; use the credential plugin: kubectl together-login get-token (see 'kubectl together-login --help')",
    ),
  );
}
