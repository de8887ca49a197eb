/**
 * Runs the configured grant to log in from scratch.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { Interaction } from "../interaction.ts";
import type { LoginOptions } from "../login_options.ts";
import type { TokenSet } from "../token_set.ts";
import { loginWithBrowser } from "./authcode.ts";
import type { ProviderSession } from "./provider.ts";

/** Logs in with the grant that `options.grantType` names. */
export function login(
  session: ProviderSession,
  options: LoginOptions,
  interaction: Interaction,
): Promise<TokenSet> {
  switch (options.grantType) {
    case "authcode":
      return loginWithBrowser(session, options, interaction);
    default:
      throw new UsageError(`--grant-type=${options.grantType} is not available yet`);
  }
}
