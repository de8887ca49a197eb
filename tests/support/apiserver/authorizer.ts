/**
 * The API server double's authorizer: a ClusterRoleBinding-like allow list
 * ({@link ApiServerBinding}) to a read-only role over pods, services and namespaces, refusing with
 * kube's RBAC message ({@link authorize}). Nothing can be written.
 *
 * @module
 */

import type { UserInfo } from "./authenticator.ts";
import type { ResourceRequest } from "./resources.ts";

/**
 * One entry of the allow list, like a subject of a ClusterRoleBinding to a read-only role over
 * pods, services and namespaces. A binding with both fields grants to the user and to the group.
 */
export interface ApiServerBinding {
  /** The user name as authenticated, prefix included (e.g. `http://127.0.0.1:8080#alice`). */
  user?: string;
  /** The group name as authenticated, prefix included. */
  group?: string;
}

/** What {@link authorize} decided: the reason goes to the decision log, the message to the client. */
export type Authorization =
  | { allowed: true; reason: string }
  | { allowed: false; reason: string; message: string };

/** The verbs a binding grants: the read-only part of kube's `view` role. */
const READ_VERBS: ReadonlySet<string> = new Set(["get", "list", "watch"]);

/** kube's RBAC refusal message, e.g. `pods is forbidden: User "x" cannot list resource ...`. */
function forbiddenMessage(user: UserInfo, request: ResourceRequest): string {
  const what = request.name ? `${request.resource} "${request.name}"` : request.resource;
  const scope = request.namespace
    ? `in the namespace "${request.namespace}"`
    : "at the cluster scope";
  return `${what} is forbidden: User "${user.username}" cannot ${request.verb} resource ` +
    `"${request.resource}" in API group "" ${scope}`;
}

function grantingBinding(
  bindings: readonly ApiServerBinding[],
  user: UserInfo,
): ApiServerBinding | undefined {
  return bindings.find((binding) =>
    (binding.user !== undefined && binding.user === user.username) ||
    (binding.group !== undefined && user.groups.includes(binding.group))
  );
}

/** Decides whether `user` may make the resource request under `bindings`. */
export function authorize(
  bindings: readonly ApiServerBinding[],
  user: UserInfo,
  request: ResourceRequest,
): Authorization {
  const binding = READ_VERBS.has(request.verb) ? grantingBinding(bindings, user) : undefined;
  if (!binding) {
    return {
      allowed: false,
      reason: `no binding lets the user or its groups ${request.verb} ${request.resource}`,
      message: forbiddenMessage(user, request),
    };
  }
  return {
    allowed: true,
    reason: binding.user === user.username
      ? `bound to user ${binding.user}`
      : `bound to group ${binding.group}`,
  };
}
