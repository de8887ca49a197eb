/**
 * Decides whether a login may ask questions on stdin: only when kubectl did not say
 * `interactive: false` and stdin is a terminal. Otherwise grants that need input fail at once
 * with the reason, instead of blocking a kubectl that will never answer.
 *
 * @module
 */

import type { Interaction } from "../lib/interaction.ts";
import type { ExecInfo } from "../lib/kube/exec_credential.ts";
import type { Logger } from "../lib/log.ts";
import { terminalPrompter } from "./prompt.ts";

/** The interaction for a run, given what kubectl said. */
export function interactionFor(execInfo: ExecInfo, logger: Logger): Interaction {
  if (execInfo.interactive === false) {
    return {
      logger,
      notInteractiveReason:
        "kubectl runs the plugin without stdin (interactiveMode Never in the kubeconfig)",
    };
  }
  if (!Deno.stdin.isTerminal()) {
    return { logger, notInteractiveReason: "stdin is not a terminal" };
  }
  return { logger, prompter: terminalPrompter };
}
