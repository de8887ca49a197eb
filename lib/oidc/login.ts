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
import { explainBusyListenAddresses } from "./busy_port.ts";
import { loginWithKeyboard } from "./authcode_keyboard.ts";
import { loginWithClientCredentials } from "./client_credentials.ts";
import { loginWithDeviceCode } from "./device_code.ts";
import { loginWithPassword } from "./password.ts";
import { loginWithTokenExchange } from "./token_exchange.ts";
import type { ProviderSession } from "./provider.ts";

/**
 * Logs in with the grant that `options.grantType` names.
 *
 * @example
 * ```ts
 * import { login } from "./login.ts";
 * import type { LoginOptions } from "../login_options.ts";
 * import type { ProviderOptions } from "./provider.ts";
 * import { openProviderSession } from "./provider.ts";
 *
 * declare const providerOptions: ProviderOptions; // as `get-token`'s flags give them
 * declare const loginOptions: LoginOptions;
 * const logger = { info: console.error, debug: () => {} };
 * using session = await openProviderSession(providerOptions);
 * const tokenSet = await login(session, { ...loginOptions, grantType: "device-code" }, { logger });
 * console.log(new Date(tokenSet.expiresAt));
 * ```
 */
export function login(
  session: ProviderSession,
  options: LoginOptions,
  interaction: Interaction,
): Promise<TokenSet> {
  switch (options.grantType) {
    case "authcode":
      return loginWithBrowser(session, options, interaction).catch(async (error) => {
        throw await explainBusyListenAddresses(error, options.listenAddresses);
      });
    case "authcode-keyboard":
      return loginWithKeyboard(session, options, interaction);
    case "device-code":
      return loginWithDeviceCode(session, options, interaction);
    case "password":
      return loginWithPassword(session, options, interaction);
    case "client-credentials":
      return loginWithClientCredentials(session, options, interaction);
    case "token-exchange":
      return loginWithTokenExchange(session, options, interaction);
    default:
      // Reached only when a caller casts an unchecked string to GrantType.
      return Promise.reject(
        new UsageError(`unknown \`login.grantType\` ${String(options.grantType)}`, {
          settings: ["login.grantType"],
        }),
      );
  }
}
