/**
 * The command-line entry. `get-token` with ordinary flags (what kubectl runs on every command)
 * is parsed here without the CLI library; everything else, help and errors included, goes
 * through `program.ts`, loaded on demand.
 *
 * @module
 */

import { EXIT_FAILURE, reportError } from "./errors.ts";
import { parseFlagsFast } from "./fast_args.ts";
import { GET_TOKEN_FLAGS } from "./flags.ts";
import { runGetToken } from "./get_token.ts";
import { loggedLevel, writeStderrLine } from "./logger.ts";

/**
 * Runs the CLI and returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 *
 * Deno.exit(await main(Deno.args));
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  try {
    if (args[0] === "get-token") {
      const flags = parseFlagsFast(args.slice(1), GET_TOKEN_FLAGS);
      if (flags) {
        await runGetToken(flags);
        return 0;
      }
    }
    const { runProgram } = await import("./program.ts");
    return await runProgram(args);
  } catch (error) {
    writeStderrLine(reportError(error, loggedLevel()));
    return EXIT_FAILURE;
  }
}
