/**
 * The device authorization grant (RFC 8628): the provider hands out a user code, the person
 * approves it in any browser, and this program polls the token endpoint until they have.
 *
 * ```
 * POST /device/auth  client_id=…&scope=openid
 * 200 {"device_code":"…","user_code":"WDJB-MJHT","verification_uri":"…","expires_in":600}
 * POST /token  grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=…
 * 400 {"error":"authorization_pending"}   … until approved, then 200 with the tokens
 * ```
 *
 * @module
 */

import { AuthenticationError, OidcError, UsageError } from "../errors.ts";
import type { Interaction } from "../interaction.ts";
import type { LoginOptions } from "../login_options.ts";
import type { TokenSet } from "../token_set.ts";
import { optionalNumber, optionalString, readJsonObject, requiredString } from "./json.ts";
import { showDeviceCodeDetails } from "./device_code_display.ts";
import { addDevicePkce } from "./device_pkce.ts";
import { type ProviderSession, scopeParameter } from "./provider.ts";
import {
  authenticateClient,
  GRANT_DEVICE_CODE,
  requestToken,
  type TokenResponse,
} from "./token_endpoint.ts";
import { verifySessionResponse } from "./verify.ts";
import { AUTHORIZATION_REQUEST_PARAMS, refuseReservedParams } from "./extra_params.ts";
import { stripControlCharacters } from "../text.ts";

/** Polling interval when the provider names none (RFC 8628 section 3.2). */
export const DEFAULT_POLL_INTERVAL_SEC = 5;

/** Added to the interval on each `slow_down` answer (RFC 8628 section 3.5). */
export const SLOW_DOWN_STEP_SEC = 5;

/** The provider's answer to the device authorization request (RFC 8628 section 3.2). */
export interface DeviceAuthorization {
  /** Secret: never logged. */
  deviceCode: string;
  /** Shown to the person, who types it at {@link verificationUri}. */
  userCode: string;
  verificationUri: string;
  /** The verification URI with the user code in it, when the provider offers one. */
  verificationUriComplete?: string;
  /** Lifetime of the device code in seconds, when given. */
  expiresIn?: number;
  /** Seconds to wait between polls. */
  interval: number;
  /** The PKCE verifier sent with each poll, when PKCE is in use. Secret: never logged. */
  codeVerifier?: string;
}

/**
 * Logs in with the device authorization grant: requests a user code, shows it with the
 * verification URL (and opens the browser there), polls until the login is approved, and
 * verifies the ID token.
 *
 * @example
 * ```ts
 * import { loginWithDeviceCode } from "./device_code.ts";
 * import type { LoginOptions } from "../login_options.ts";
 * import type { ProviderOptions } from "./provider.ts";
 * import { openProviderSession } from "./provider.ts";
 *
 * declare const providerOptions: ProviderOptions; // as `get-token`'s flags give them
 * declare const loginOptions: LoginOptions;
 * // The verification URL and user code go to the logger.
 * const logger = { info: console.error, debug: () => {} };
 * using session = await openProviderSession(providerOptions);
 * const tokenSet = await loginWithDeviceCode(session, loginOptions, { logger });
 * console.log(new Date(tokenSet.expiresAt));
 * ```
 * @throws {UsageError} when the provider has no device authorization endpoint
 * @throws {AuthenticationError} when the login is denied, the code expires, or the time runs out
 */
export async function loginWithDeviceCode(
  session: ProviderSession,
  options: LoginOptions,
  interaction: Interaction,
): Promise<TokenSet> {
  const authorization = await requestDeviceAuthorization(session, options.authRequestExtraParams);
  showVerificationUri(authorization, options, interaction);
  using details = await showDeviceCodeDetails(authorization, options, interaction);
  let response: TokenResponse;
  try {
    response = await pollDeviceToken(session, authorization, options, interaction);
  } catch (error) {
    // The provider counts whole seconds, so it may call the code expired just before our clock.
    if (error instanceof AuthenticationError && error.reason === "expired") details.expired();
    throw error;
  }
  return await verifySessionResponse(session, response);
}

/**
 * POSTs the device authorization request, authenticating the client as at the token endpoint.
 *
 * @param extraParams `--oidc-auth-request-extra-params`, added to the request
 */
export async function requestDeviceAuthorization(
  session: ProviderSession,
  extraParams: Readonly<Record<string, string>>,
): Promise<DeviceAuthorization> {
  const endpoint = session.metadata.deviceAuthorizationEndpoint;
  if (!endpoint) {
    throw new UsageError(
      `the provider ${session.metadata.issuer} advertises no device_authorization_endpoint, ` +
        'so `login.grantType: "device-code"` cannot be used with it',
      { settings: ["login.grantType"] },
    );
  }
  refuseReservedParams(extraParams, AUTHORIZATION_REQUEST_PARAMS);
  const form = new URLSearchParams(extraParams);
  form.set("scope", scopeParameter(session.options.extraScopes));
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  });
  const codeVerifier = await addDevicePkce(session, form);
  authenticateClient(session.client, session.metadata, headers, form);
  const response = await session.http.fetch(new URL(endpoint), {
    method: "POST",
    headers,
    body: form,
  });
  const body = await readJsonObject(response, "device authorization request");
  const what = "device authorization response";
  const interval = optionalNumber(body, "interval");
  return {
    deviceCode: requiredString(body, "device_code", what),
    // Shown on the terminal: the provider's control characters must not reach it.
    userCode: stripControlCharacters(requiredString(body, "user_code", what)),
    // Google's endpoint spells it verification_url, after an early draft of the RFC.
    verificationUri: stripControlCharacters(
      optionalString(body, "verification_uri") || requiredString(body, "verification_url", what),
    ),
    verificationUriComplete:
      stripControlCharacters(optionalString(body, "verification_uri_complete") ?? "") || undefined,
    expiresIn: optionalNumber(body, "expires_in"),
    interval: interval !== undefined && interval > 0 ? interval : DEFAULT_POLL_INTERVAL_SEC,
    codeVerifier,
  };
}

function showVerificationUri(
  authorization: DeviceAuthorization,
  options: LoginOptions,
  interaction: Interaction,
): void {
  const { logger } = interaction;
  const { verificationUri, verificationUriComplete, userCode } = authorization;
  if (verificationUriComplete) {
    logger.info(
      `To log in, open ${verificationUriComplete} in a browser ` +
        `(or open ${verificationUri} and enter the code ${userCode})`,
    );
  } else {
    logger.info(`To log in, open ${verificationUri} in a browser and enter the code ${userCode}`);
  }
  interaction.openLoginPage?.(verificationUriComplete ?? verificationUri, options);
}

/**
 * Polls the token endpoint until the login is approved, denied or expired, or until
 * `--authentication-timeout-sec` runs out. The first poll comes one interval after the code was
 * issued: nobody approves a login faster than that.
 *
 * @throws {AuthenticationError} on `access_denied`, `expired_token`, the code's lifetime passing,
 *   or the timeout; the provider's error code stays in the message and in `cause`
 * @throws {OidcError} for any other OAuth error from the token endpoint
 */
export async function pollDeviceToken(
  session: ProviderSession,
  authorization: DeviceAuthorization,
  options: LoginOptions,
  interaction: Interaction,
): Promise<TokenResponse> {
  const { logger } = interaction;
  const timeoutSec = options.authenticationTimeoutSec;
  const expiresAt = authorization.expiresIn === undefined
    ? Infinity
    : Date.now() + authorization.expiresIn * 1000;
  let interval = authorization.interval;
  logger.debug(`waiting for the login to be approved; polling every ${interval} s`);
  using deadline = startDeadline(Math.min(timeoutSec * 1000, MAX_TIMER_MS));
  for (;;) {
    try {
      await sleep(pollDelayMs(interval, expiresAt), deadline.signal);
    } catch (error) {
      throw new AuthenticationError(
        `timed out after ${timeoutSec} s waiting for the device login to be approved ` +
          "(see `login.authenticationTimeoutSec`)",
        { cause: error, reason: "timeout", settings: ["login.authenticationTimeoutSec"] },
      );
    }
    if (Date.now() >= expiresAt) throw expiredError();
    try {
      return await requestToken(session.http, session.metadata, session.client, {
        grant_type: GRANT_DEVICE_CODE,
        device_code: authorization.deviceCode,
        ...(authorization.codeVerifier ? { code_verifier: authorization.codeVerifier } : {}),
      });
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      switch (error.error) {
        case "authorization_pending":
          continue;
        case "slow_down":
          interval += SLOW_DOWN_STEP_SEC;
          logger.debug(`the provider asks to poll less often; now every ${interval} s`);
          continue;
        case "access_denied":
          throw new AuthenticationError(
            "the device login was denied at the provider (access_denied)",
            { cause: error, reason: "denied" },
          );
        case "expired_token":
          throw expiredError(error);
        default:
          throw error;
      }
    }
  }
}

/** The longest delay `setTimeout` honours; a longer one fires at once (every 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The wait before the next poll: the interval, but at least 1 s whatever the provider says (an
 * interval of 0.001 would flood it) and never past the device code's lifetime, when known.
 */
export function pollDelayMs(
  intervalSec: number,
  expiresAt: number,
  now: number = Date.now(),
): number {
  const wanted = Number.isFinite(intervalSec) ? Math.max(intervalSec, 1) * 1000 : MAX_TIMER_MS;
  return Math.min(wanted, Math.max(expiresAt - now, 0), MAX_TIMER_MS);
}

function expiredError(cause?: OidcError): AuthenticationError {
  return new AuthenticationError(
    "the device code expired before the login was approved (expired_token); run the command again",
    { cause, reason: "expired" },
  );
}

/** An abort signal that fires after `ms`, with a timer released on dispose. */
function startDeadline(ms: number): Disposable & { signal: AbortSignal } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  return { signal: controller.signal, [Symbol.dispose]: () => clearTimeout(timer) };
}

/** Waits `ms`, or rejects as soon as `signal` aborts, leaving no timer behind either way. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
