/**
 * Decides whether a login may ask questions on stdin. When kubectl says `interactive: false`
 * (`interactiveMode: Never`), it gives the plugin no stdin, so grants that need input fail at
 * once with the reason instead of waiting for an answer that never comes.
 *
 * @module
 */

import type { Interaction } from "../lib/interaction.ts";
import type { ExecInfo } from "../lib/kube/exec_credential.ts";
import type { Logger } from "../lib/log.ts";
import { stdinPrompter } from "./prompt.ts";

/** The interaction for a run, given what kubectl said. */
export function interactionFor(execInfo: ExecInfo, logger: Logger): Interaction {
  if (execInfo.interactive === false) {
    return {
      logger,
      notInteractiveReason:
        "kubectl runs the plugin without stdin (interactiveMode: Never in the kubeconfig; " +
        "set interactiveMode: IfAvailable in the user's exec section to let the plugin ask)",
    };
  }
  return { logger, prompter: stdinPrompter };
}
