/**
 * The authorization code grant with PKCE (RFC 6749 section 4.1, RFC 7636), through the browser
 * and a loopback redirect server.
 *
 * @module
 */

import { AuthenticationError, UsageError } from "../errors.ts";
import type { Interaction } from "../interaction.ts";
import type { LoginOptions } from "../login_options.ts";
import type { TokenSet } from "../token_set.ts";
import { AUTHORIZATION_REQUEST_PARAMS, refuseReservedParams } from "./extra_params.ts";
import {
  type AuthorizationResponse,
  type LoopbackServer,
  startLoopbackServer,
} from "./loopback_server.ts";
import type { ProviderMetadata } from "./discovery.ts";
import { type ProviderSession, scopeParameter } from "./provider.ts";
import { createPkcePair, type PkcePair, randomToken, shouldUsePkce } from "./pkce.ts";
import { GRANT_AUTHORIZATION_CODE, requestToken } from "./token_endpoint.ts";
import { verifySessionResponse } from "./verify.ts";
import { stripControlCharacters } from "../text.ts";

/** The secrets of one authorization request, kept until the code comes back. */
export interface AuthorizationRequest {
  url: string;
  state: string;
  nonce: string;
  redirectUri: string;
  pkce?: PkcePair;
}

/** Builds the authorization request URL with fresh state, nonce and (when in use) PKCE. */
export async function createAuthorizationRequest(
  session: ProviderSession,
  redirectUri: string,
  extraParams: Readonly<Record<string, string>>,
): Promise<AuthorizationRequest> {
  const state = randomToken();
  const nonce = randomToken();
  const pkce = shouldUsePkce(
      session.options.pkceMethod,
      session.metadata.codeChallengeMethodsSupported,
    )
    ? await createPkcePair()
    : undefined;
  const url = new URL(session.metadata.authorizationEndpoint);
  const params = url.searchParams;
  params.set("response_type", "code");
  params.set("client_id", session.options.clientId);
  params.set("redirect_uri", redirectUri);
  params.set("scope", scopeParameter(session.options.extraScopes));
  params.set("state", state);
  params.set("nonce", nonce);
  // Google and a few others issue a refresh token only when asked this way; others ignore it.
  params.set("access_type", "offline");
  if (pkce) {
    params.set("code_challenge", pkce.challenge);
    params.set("code_challenge_method", pkce.method);
  }
  refuseReservedParams(extraParams, AUTHORIZATION_REQUEST_PARAMS);
  for (const [key, value] of Object.entries(extraParams)) params.set(key, value);
  return { url: url.toString(), state, nonce, redirectUri, pkce };
}

/** Exchanges an authorization code and verifies the tokens (nonce included). */
export async function exchangeAuthorizationCode(
  session: ProviderSession,
  request: AuthorizationRequest,
  code: string,
): Promise<TokenSet> {
  const params: Record<string, string> = {
    grant_type: GRANT_AUTHORIZATION_CODE,
    code,
    redirect_uri: request.redirectUri,
  };
  if (request.pkce) params.code_verifier = request.pkce.verifier;
  const response = await requestToken(session.http, session.metadata, session.client, params);
  return await verifySessionResponse(session, response, { nonce: request.nonce });
}

/**
 * Logs in through the browser: starts the loopback server, shows (and opens) its URL, waits for
 * the provider's redirect, exchanges the code.
 */
export async function loginWithBrowser(
  session: ProviderSession,
  options: LoginOptions,
  interaction: Interaction,
): Promise<TokenSet> {
  const { logger } = interaction;
  await using server = startLoopbackServer({
    listenAddresses: options.listenAddresses,
    tls: await readLocalServerTls(options),
    openUrlAfterAuthentication: options.openUrlAfterAuthentication,
    dualStack: redirectsToLocalhost(session.options.redirectUrl, options.redirectUrlHostname),
  });
  const redirectUri = session.options.redirectUrl ??
    defaultRedirectUri(server, options.redirectUrlHostname);
  const request = await createAuthorizationRequest(
    session,
    redirectUri,
    options.authRequestExtraParams,
  );
  logger.debug(`local server listens on port ${server.port}; redirect URI ${redirectUri}`);
  showLoginUrl(server, options, interaction);
  const response = await server.waitForCode(
    request.url,
    callbackPath(redirectUri),
    request.state,
    AbortSignal.timeout(options.authenticationTimeoutSec * 1000),
    redirectUri,
  );
  const code = checkResponseIssuer(response, session.metadata);
  logger.debug("got an authorization code; exchanging it for tokens");
  return await exchangeAuthorizationCode(session, request, code);
}

function showLoginUrl(server: LoopbackServer, options: LoginOptions, interaction: Interaction) {
  const { logger } = interaction;
  logger.info(`Open ${server.loginUrl} for authentication`);
  interaction.openLoginPage?.(server.loginUrl, options, server.port);
}

/**
 * The mix-up defence of RFC 9207: the `iss` of the authorization response must name the issuer
 * whose token endpoint is about to receive the code and PKCE verifier. A provider that promises
 * `iss` must send it. Returns the code.
 *
 * @throws {AuthenticationError} when `iss` names another issuer or is missing though promised
 */
export function checkResponseIssuer(
  response: AuthorizationResponse,
  metadata: ProviderMetadata,
): string {
  if (response.iss === undefined) {
    if (metadata.authorizationResponseIssParameterSupported) {
      throw new AuthenticationError(
        "the authorization response has no iss parameter, though the provider's discovery " +
          "document promises one (RFC 9207); the response may come from another provider",
        { reason: "state" },
      );
    }
    return response.code;
  }
  if (response.iss !== metadata.issuer) {
    throw new AuthenticationError(
      `the authorization response comes from the issuer ${stripControlCharacters(response.iss)}, ` +
        `not ${metadata.issuer} (RFC 9207 mix-up defence); the code was not used`,
      { reason: "state" },
    );
  }
  return response.code;
}

/** Whether the redirect URI in use names `localhost`, which browsers may resolve to either family. */
function redirectsToLocalhost(
  redirectUrl: string | undefined,
  hostname: string | undefined,
): boolean {
  if (redirectUrl !== undefined) return URL.parse(redirectUrl)?.hostname === "localhost";
  return (hostname ?? "localhost") === "localhost";
}

/** The loopback server's URL, with another host name when one is configured. */
function defaultRedirectUri(server: LoopbackServer, hostname: string | undefined): string {
  if (!hostname) return server.localUrl;
  const url = new URL(server.localUrl);
  url.hostname = hostname;
  // No trailing slash, as kubelogin sends it and providers compare redirect URIs as strings.
  return url.href.replace(/\/$/, "");
}

/** The path the provider redirects to: the redirect URI's path (`/` by default). */
function callbackPath(redirectUri: string): string {
  try {
    return new URL(redirectUri).pathname || "/";
  } catch (error) {
    throw new UsageError(`invalid \`provider.redirectUrl\` ${redirectUri}`, {
      cause: error,
      settings: ["provider.redirectUrl"],
    });
  }
}

async function readLocalServerTls(
  options: LoginOptions,
): Promise<{ cert: string; key: string } | undefined> {
  const { localServerCertFile: certFile, localServerKeyFile: keyFile } = options;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) {
    throw new UsageError(
      "`login.localServerCertFile` and `login.localServerKeyFile` must be given together",
      { settings: ["login.localServerCertFile", "login.localServerKeyFile"] },
    );
  }
  try {
    return { cert: await Deno.readTextFile(certFile), key: await Deno.readTextFile(keyFile) };
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new UsageError(
      `could not read the local server certificate or key: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
