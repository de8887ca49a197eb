/**
 * The resource owner password credentials grant (RFC 6749 section 4.3): the username and password
 * go straight to the token endpoint.
 *
 * @module
 */

import { AuthenticationError, NotInteractiveError, OidcError } from "../errors.ts";
import type { Interaction } from "../interaction.ts";
import type { LoginOptions } from "../login_options.ts";
import type { TokenSet } from "../token_set.ts";
import { type ProviderSession, scopeParameter } from "./provider.ts";
import { GRANT_PASSWORD, requestToken } from "./token_endpoint.ts";
import { verifySessionResponse } from "./verify.ts";

/** The prompts, as kubelogin words them. */
export const USERNAME_PROMPT = "Username: ";
/** The password prompt; the prompter reads it without echo. */
export const PASSWORD_PROMPT = "Password: ";

/**
 * Logs in with a username and password. Whatever `--username` and `--password` leave out is asked
 * on the terminal, the password without echo; with no terminal the login fails at once rather
 * than read a password from a pipe.
 *
 * @throws {NotInteractiveError} when a value is missing and there is no prompter
 * @throws {AuthenticationError} when the provider rejects the credentials (`invalid_grant`)
 * @throws {OidcError} for other OAuth errors (`unsupported_grant_type`, `unauthorized_client`)
 */
export async function loginWithPassword(
  session: ProviderSession,
  options: LoginOptions,
  interaction: Interaction,
): Promise<TokenSet> {
  const username = options.username || await ask(interaction, "username", USERNAME_PROMPT, false);
  const password = options.password || await ask(interaction, "password", PASSWORD_PROMPT, true);
  interaction.logger.debug(`resource owner password credentials grant for ${username}`);
  let response;
  try {
    response = await requestToken(session.http, session.metadata, session.client, {
      grant_type: GRANT_PASSWORD,
      username,
      password,
      scope: scopeParameter(session.options.extraScopes),
    });
  } catch (error) {
    if (error instanceof OidcError && error.error === "invalid_grant") {
      const detail = error.errorDescription ? `: ${error.errorDescription}` : "";
      throw new AuthenticationError(
        `the provider rejected the username or password for ${username} (invalid_grant${detail})`,
        { cause: error, reason: "denied" },
      );
    }
    throw error;
  }
  return await verifySessionResponse(session, response);
}

async function ask(
  interaction: Interaction,
  what: "username" | "password",
  prompt: string,
  secret: boolean,
): Promise<string> {
  const { prompter } = interaction;
  if (!prompter) {
    const reason = interaction.notInteractiveReason ?? "there is no terminal to read from";
    throw new NotInteractiveError(
      `\`login.grantType: "password"\` needs a ${what}, but none was given and ${reason}; ` +
        `pass \`login.${what}\`, or run kubectl in a terminal and let the plugin ask`,
      { settings: [`login.${what}`] },
    );
  }
  const value = secret ? await prompter.readSecret(prompt) : await prompter.readLine(prompt);
  if (value === "") throw new AuthenticationError(`no ${what} was entered`, { reason: "input" });
  return value;
}
