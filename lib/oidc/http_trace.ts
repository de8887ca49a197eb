/**
 * The `-v2` and `-v3` trace of requests to the provider: method, URL, status and time, then the
 * response headers. Secrets never appear: query parameters that can carry one are masked, and
 * headers that carry credentials or cookies are left out.
 *
 * @module
 */

import type { Logger } from "../log.ts";

/** The level from which each request is traced. */
export const TRACE_REQUESTS_LEVEL = 2;
/** The level from which response headers are traced too. */
export const TRACE_HEADERS_LEVEL = 3;

/** Query parameters whose values are secrets or one-time credentials. */
const SECRET_PARAMETERS = new Set([
  "code",
  "state",
  "nonce",
  "code_verifier",
  "client_secret",
  "password",
  "access_token",
  "id_token",
  "refresh_token",
  "device_code",
  "user_code",
  "token",
  "subject_token",
  "actor_token",
  "assertion",
  "client_assertion",
]);

/** Response headers never traced. */
const HIDDEN_HEADERS = new Set([
  "set-cookie",
  "set-cookie2",
  "authorization",
  "proxy-authorization",
  "cookie",
]);

/** The URL as traced: secret query values replaced by `***`. */
function redactUrl(url: URL): string {
  const shown = new URL(url);
  shown.username = "";
  shown.password = "";
  for (const name of [...shown.searchParams.keys()]) {
    if (SECRET_PARAMETERS.has(name.toLowerCase())) shown.searchParams.set(name, "***");
  }
  return shown.href;
}

/**
 * Traces one finished request at the logger's level.
 *
 * @param started `performance.now()` when the request was sent
 */
export function traceResponse(
  logger: Logger | undefined,
  method: string,
  url: URL,
  response: Response,
  started: number,
): void {
  const level = logger?.level ?? 0;
  if (!logger || level < TRACE_REQUESTS_LEVEL) return;
  const ms = Math.round(performance.now() - started);
  logger.debug(`${method} ${redactUrl(url)} -> ${response.status} (${ms} ms)`);
  if (level < TRACE_HEADERS_LEVEL) return;
  for (const [name, value] of response.headers) {
    if (!HIDDEN_HEADERS.has(name)) logger.debug(`  ${name}: ${value}`);
  }
}

/** Traces a request that got no answer. */
export function traceFailure(
  logger: Logger | undefined,
  method: string,
  url: URL,
  started: number,
): void {
  if (!logger || (logger.level ?? 0) < TRACE_REQUESTS_LEVEL) return;
  const ms = Math.round(performance.now() - started);
  logger.debug(`${method} ${redactUrl(url)} -> no answer (${ms} ms)`);
}
