/**
 * Standalone mode (`kubectl together-login` with no subcommand): logs in and writes the token
 * into the kubeconfig's `auth-provider: oidc` user. See docs/standalone-mode.md.
 *
 * @module
 */

import { parseExecInfo } from "../lib/kube/exec_credential.ts";
import { readEnv } from "../lib/permissions.ts";
import { runStandaloneLogin } from "../lib/standalone.ts";
import type { ParsedFlags } from "./flags.ts";
import { interactionFor } from "./interaction.ts";
import { createStderrLogger } from "./logger.ts";
import {
  connectionOptions,
  expandPath,
  FlagReader,
  homeDirectory,
  loginOptions,
  noteCompatibilityFlags,
} from "./options.ts";

/** The kubeconfig files kubectl would read: `--kubeconfig`, `$KUBECONFIG`, `~/.kube/config`. */
export function kubeconfigFiles(flags: FlagReader): string[] {
  const given = flags.string("kubeconfig");
  if (given) return [expandPath(given)];
  const separator = Deno.build.os === "windows" ? ";" : ":";
  const fromEnv = (readEnv("KUBECONFIG") ?? "").split(separator).filter(Boolean);
  if (fromEnv.length > 0) return fromEnv.map(expandPath);
  return [`${homeDirectory() ?? "~"}/.kube/config`];
}

/** Runs standalone mode. */
export async function runStandalone(parsed: ParsedFlags): Promise<void> {
  const flags = new FlagReader(parsed);
  const logger = createStderrLogger(flags.int("v", 0));
  noteCompatibilityFlags(flags, logger);
  const result = await runStandaloneLogin({
    kubeconfig: {
      files: kubeconfigFiles(flags),
      context: flags.string("context"),
      user: flags.string("user"),
    },
    login: loginOptions(flags),
    provider: connectionOptions(flags),
  }, interactionFor(parseExecInfo(readEnv("KUBERNETES_EXEC_INFO")), logger));
  const until = new Date(result.expiresAt).toISOString();
  if (result.outcome === "valid") {
    logger.info(`You already have a valid token until ${until}`);
  } else {
    logger.info(`You got a valid token until ${until}`);
    logger.debug(`wrote the ID token and refresh token to ${result.file}`);
  }
}
