/**
 * What every part of the API server double answers in: a meta/v1 `Status` for errors
 * ({@link statusResponse}) and Kubernetes timestamps ({@link kubeTime}).
 *
 * @module
 */

/** A meta/v1 Status, the body of every API error. */
export function statusResponse(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): Response {
  return Response.json({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  }, { status: code });
}

/** Seconds-precision RFC 3339, the way Kubernetes writes timestamps. */
export function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}
