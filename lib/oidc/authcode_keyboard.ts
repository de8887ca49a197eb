/**
 * The authorization code grant with a keyboard: the authorization URL is shown, the person opens
 * it in any browser (another machine will do) and types the code the provider shows back in.
 *
 * @module
 */

import { AuthenticationError, NotInteractiveError, OidcError } from "../errors.ts";
import type { Interaction, Prompter } from "../interaction.ts";
import type { LoginOptions } from "../login_options.ts";
import type { TokenSet } from "../token_set.ts";
import {
  type AuthorizationRequest,
  createAuthorizationRequest,
  exchangeAuthorizationCode,
} from "./authcode.ts";
import type { ProviderSession } from "./provider.ts";

/** The out-of-band redirect URI: the provider shows the code on a page instead of redirecting. */
export const OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob";

/** The prompt for the code, as kubelogin words it. */
export const CODE_PROMPT = "Enter code: ";

/**
 * Logs in by showing the authorization URL and reading the code from the terminal.
 *
 * The redirect URI is `urn:ietf:wg:oauth:2.0:oob` unless `--oidc-redirect-url` says otherwise.
 * A bare code is accepted as kubelogin does, without a state check (there is no state to compare
 * it with). When the person pastes the whole redirect URL or its query instead, its `state` must
 * match this login and an `error` in it is reported as the provider's error.
 *
 * @throws {NotInteractiveError} at once, before any request, when there is no prompter
 * @throws {AuthenticationError} when no code is entered or the pasted response is not this login's
 * @throws {OidcError} when the pasted response or the token endpoint carries an OAuth error
 */
export async function loginWithKeyboard(
  session: ProviderSession,
  options: LoginOptions,
  interaction: Interaction,
): Promise<TokenSet> {
  const prompter = requirePrompter(interaction);
  const redirectUri = session.options.redirectUrl ?? OOB_REDIRECT_URI;
  const request = await createAuthorizationRequest(
    session,
    redirectUri,
    options.authRequestExtraParams,
  );
  const { logger } = interaction;
  logger.debug(`authorization code flow with a keyboard; redirect URI ${redirectUri}`);
  logger.info(`Open this URL in a browser, log in, and enter the code you get:\n${request.url}`);
  const code = parseEnteredCode(await prompter.readLine(CODE_PROMPT), request);
  logger.debug("got an authorization code; exchanging it for tokens");
  return await exchangeAuthorizationCode(session, request, code);
}

function requirePrompter(interaction: Interaction): Prompter {
  if (interaction.prompter) return interaction.prompter;
  const reason = interaction.notInteractiveReason ?? "there is no terminal to read from";
  throw new NotInteractiveError(
    `\`login.grantType: "authcode-keyboard"\` needs the authorization code typed in, but ${reason}; ` +
      'use `login.grantType: "device-code"` or `login.grantType: "authcode"` instead, which need ' +
      "only a browser",
    { settings: ["login.grantType"] },
  );
}

/**
 * The code out of what was typed: the code itself, a redirect URL, or its query string.
 *
 * @throws {AuthenticationError} for empty input, a foreign state, or a response without a code
 * @throws {OidcError} for a pasted error response
 */
export function parseEnteredCode(input: string, request: AuthorizationRequest): string {
  const text = input.trim();
  if (text === "") {
    throw new AuthenticationError("no authorization code was entered", { reason: "input" });
  }
  const params = responseParams(text);
  if (!params) return text;
  const state = params.get("state");
  if (state !== null && state !== request.state) {
    throw new AuthenticationError(
      "the pasted authorization response has a wrong state: it does not belong to this login",
      { reason: "state" },
    );
  }
  const error = params.get("error");
  if (error) {
    throw new OidcError("authorization", error, params.get("error_description") ?? undefined);
  }
  const code = params.get("code");
  if (!code) {
    throw new AuthenticationError("the pasted authorization response has no code", {
      reason: "response",
    });
  }
  return code;
}

/** The parameters of a pasted redirect URL or query string; undefined for a bare code. */
function responseParams(text: string): URLSearchParams | undefined {
  if (!/(^|[?&])(code|error)=/.test(text)) return undefined;
  const query = text.includes("?") ? text.slice(text.indexOf("?") + 1) : text;
  return new URLSearchParams(query.split("#")[0]);
}
