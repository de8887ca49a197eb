/**
 * The client-go exec credential protocol: what kubectl tells the plugin in `KUBERNETES_EXEC_INFO`
 * and the `ExecCredential` document the plugin answers on stdout.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
 * @module
 */

import { UsageError } from "../errors.ts";

/** `client.authentication.k8s.io/v1`, used when kubectl does not say. */
export const EXEC_API_V1 = "client.authentication.k8s.io/v1";
/** `client.authentication.k8s.io/v1beta1`. */
export const EXEC_API_V1BETA1 = "client.authentication.k8s.io/v1beta1";

/** The API versions this plugin can answer. */
export type ExecApiVersion = typeof EXEC_API_V1 | typeof EXEC_API_V1BETA1;

/** What kubectl passed in `KUBERNETES_EXEC_INFO`. */
export interface ExecInfo {
  /** The API version to answer with. */
  apiVersion: ExecApiVersion;
  /**
   * Whether kubectl lets the plugin use stdin; `undefined` when kubectl did not say (the variable is
   * absent, as when a person runs the plugin by hand).
   */
  interactive?: boolean;
}

/** The answer written to stdout. */
export interface ExecCredential {
  /** Always `ExecCredential`. */
  kind: "ExecCredential";
  /** The API version kubectl asked for in `KUBERNETES_EXEC_INFO`. */
  apiVersion: ExecApiVersion;
  /** What kubectl said about the run, echoed back. */
  spec: { interactive?: boolean };
  /** The token and its expiry (RFC 3339), after which kubectl runs the plugin again. */
  status: { token: string; expirationTimestamp: string };
}

/**
 * Parses the value of `KUBERNETES_EXEC_INFO`.
 *
 * @param raw the variable's value, or `undefined` when it is not set
 * @throws {UsageError} when the value is not JSON or names an API version this plugin cannot answer
 */
export function parseExecInfo(raw: string | undefined): ExecInfo {
  if (raw === undefined || raw === "") return { apiVersion: EXEC_API_V1 };
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (error) {
    throw new UsageError("invalid KUBERNETES_EXEC_INFO: not JSON", { cause: error });
  }
  if (typeof doc !== "object" || doc === null) {
    throw new UsageError("invalid KUBERNETES_EXEC_INFO: not a JSON object");
  }
  const { apiVersion, spec } = doc as { apiVersion?: unknown; spec?: { interactive?: unknown } };
  if (apiVersion !== undefined && apiVersion !== EXEC_API_V1 && apiVersion !== EXEC_API_V1BETA1) {
    throw new UsageError(
      `unsupported ExecCredential apiVersion in KUBERNETES_EXEC_INFO: ${apiVersion}`,
    );
  }
  const interactive = typeof spec?.interactive === "boolean" ? spec.interactive : undefined;
  return { apiVersion: apiVersion ?? EXEC_API_V1, interactive };
}

/**
 * Builds the ExecCredential for a token.
 *
 * @param expiresAt the token's expiry, milliseconds since the epoch
 */
export function buildExecCredential(
  info: ExecInfo,
  token: string,
  expiresAt: number,
): ExecCredential {
  return {
    kind: "ExecCredential",
    apiVersion: info.apiVersion,
    spec: info.interactive === undefined ? {} : { interactive: info.interactive },
    status: {
      token,
      // RFC 3339 with whole seconds, as client-go's metav1.Time marshals it.
      expirationTimestamp: new Date(Math.floor(expiresAt / 1000) * 1000).toISOString().replace(
        ".000Z",
        "Z",
      ),
    },
  };
}
