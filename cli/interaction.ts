/**
 * The CLI's side of a login: messages to stderr with the library's settings shown as flags, the
 * login page opened in a browser, and questions on stdin when kubectl allows them. When kubectl
 * says `interactive: false` (`interactiveMode: Never`), it gives the plugin no stdin, so grants
 * that need input fail at once with the reason instead of waiting for an answer that never comes.
 *
 * @module
 */

import type { Interaction } from "../lib/interaction.ts";
import type { ExecInfo } from "../lib/kube/exec_credential.ts";
import type { Logger } from "../lib/log.ts";
import { loginPageOpener } from "../lib/open_login_page.ts";
import { stdinPrompter } from "./prompt.ts";
import { withFlagNamesLogger } from "./setting_flags.ts";

/** The interaction for a run, given what kubectl said. */
export function interactionFor(execInfo: ExecInfo, stderrLogger: Logger): Interaction {
  const logger = withFlagNamesLogger(stderrLogger);
  const openLoginPage = loginPageOpener(logger);
  if (execInfo.interactive === false) {
    return {
      logger,
      openLoginPage,
      notInteractiveReason:
        "kubectl runs the plugin without stdin (interactiveMode: Never in the kubeconfig; " +
        "set interactiveMode: IfAvailable in the user's exec section to let the plugin ask)",
    };
  }
  return { logger, openLoginPage, prompter: stdinPrompter };
}
