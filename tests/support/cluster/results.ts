/**
 * Reading kubectl's results: success, the user `auth whoami` reports, the pods listed, the
 * API server's refusal.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { KubectlResult } from "./client.ts";

/** Asserts that kubectl (or the command `what` names) exited with 0, showing its stderr otherwise. */
export function assertKubectlSucceeded(result: KubectlResult, what = "kubectl"): void {
  assert.equal(result.code, 0, `${what} failed:\n${result.stderr}`);
}

/** The user of `kubectl auth whoami -o json`, as the API server authenticated it. */
export function whoamiUser(result: KubectlResult): { username: string; groups: string[] } {
  assertKubectlSucceeded(result);
  const review = JSON.parse(result.stdout);
  assert.equal(review.kind, "SelfSubjectReview");
  return review.status.userInfo;
}

/** The names `kubectl get pods` listed, after checking its header. */
export function podNames(result: KubectlResult): string[] {
  assertKubectlSucceeded(result);
  const [header, ...rows] = result.stdout.trim().split("\n");
  assert.match(header, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
  return rows.map((row) => row.split(/\s+/)[0]);
}

/** The pattern of kubectl's refusal for a user without a binding, as the API server words it. */
export function forbiddenPodsPattern(username: string): RegExp {
  return new RegExp(
    String.raw`^Error from server \(Forbidden\): pods is forbidden: User "${
      escapeRegExp(username)
    }" cannot list resource "pods" in API group "" in the namespace "default"$`,
    "m",
  );
}

/** Escapes text for use inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
