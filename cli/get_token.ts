/**
 * `get-token`: the credential plugin. Prints one ExecCredential on stdout and nothing else.
 *
 * @module
 */

import { getToken } from "../lib/get_token.ts";
import { buildExecCredential, parseExecInfo } from "../lib/kube/exec_credential.ts";
import { readEnv } from "../lib/permissions.ts";
import type { ParsedFlags } from "./flags.ts";
import { interactionFor } from "./interaction.ts";
import { createStderrLogger, writeStdout } from "./logger.ts";
import { FlagReader, getTokenOptions, noteCompatibilityFlags } from "./options.ts";

export { getTokenOptions } from "./options.ts";

/** Runs `get-token` with parsed flags. */
export async function runGetToken(parsed: ParsedFlags): Promise<void> {
  const flags = new FlagReader(parsed);
  const logger = createStderrLogger(flags.int("v", 0));
  const execInfo = parseExecInfo(readEnv("KUBERNETES_EXEC_INFO"));
  noteCompatibilityFlags(flags, logger);
  const options = getTokenOptions(flags);
  const { tokenSet, source } = await getToken(options, interactionFor(execInfo, logger));
  logger.debug(`answering kubectl with a token from the ${source}`);
  const credential = buildExecCredential(execInfo, tokenSet.token, tokenSet.expiresAt);
  writeStdout(`${JSON.stringify(credential)}\n`);
}
