/**
 * The result of one `doctor` check: one line for the user, and a fix when it failed.
 *
 * @module
 */

/**
 * `pass` and `fail` are verdicts; `info` is a fact that needs no action (no kubeconfig calls the
 * plugin); `skip` is a check that could not run, with the reason.
 */
export type CheckStatus = "pass" | "fail" | "info" | "skip";

/** One check's outcome. */
export interface CheckResult {
  /** Short name of what was checked: `discovery`, `clock`, `port 127.0.0.1:8000`. */
  name: string;
  status: CheckStatus;
  /**
   * What was tried and found, naming the URL, port or file; free of secrets. Settings are named
   * as in error messages (`` `provider.issuerUrl` ``; see `KubeloginError.settings`).
   */
  detail: string;
  /** What to do about a failure; settings named as in {@link CheckResult.detail}. */
  fix?: string;
}

/** A failing check. */
export function fail(name: string, detail: string, fix: string): CheckResult {
  return { name, status: "fail", detail, fix };
}

/** A passing check. */
export function pass(name: string, detail: string): CheckResult {
  return { name, status: "pass", detail };
}
