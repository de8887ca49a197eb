/**
 * The test provider's request log: each request as the front saw it, secrets redacted.
 *
 * @module
 */

import type { IdpRequest, RequestFilter } from "./types.ts";

/** What a redacted value reads in the request log. */
export const REDACTED = "[redacted]";

// Parameters whose values must never reach the log.
const SECRET_PARAMS = new Set([
  "access_token",
  "assertion",
  "client_assertion",
  "client_secret",
  "code",
  "code_verifier",
  "device_code",
  "id_token",
  "id_token_hint",
  "password",
  "refresh_token",
  "subject_token",
  "token",
  "xsrf",
]);
const SECRET_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

/** Query and form parameters, secret values redacted. */
export function redactParams(params: URLSearchParams): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [key, value] of params) redacted[key] = SECRET_PARAMS.has(key) ? REDACTED : value;
  return redacted;
}

/** Request headers, secret values redacted. */
export function redactHeaders(headers: Headers): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [key, value] of headers) redacted[key] = SECRET_HEADERS.has(key) ? REDACTED : value;
  return redacted;
}

/** Whether `request` has every field `filter` gives. */
export function matches(request: IdpRequest, filter: RequestFilter): boolean {
  return (filter.method === undefined || request.method === filter.method) &&
    (filter.path === undefined || request.path === filter.path) &&
    (filter.pathSuffix === undefined || request.path.endsWith(filter.pathSuffix)) &&
    (filter.grantType === undefined || request.grantType === filter.grantType);
}
