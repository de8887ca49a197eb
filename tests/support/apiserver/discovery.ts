/**
 * The API server double's discovery documents and `/version`, in the legacy (non-aggregated) form:
 * just enough for kubectl 1.32 to find pods, services, namespaces and `selfsubjectreviews`.
 *
 * @module
 */

/** The API group of `SelfSubjectReview`. */
export const AUTHN_GROUP = "authentication.k8s.io";
/** The group version `SelfSubjectReview` is served in. */
export const AUTHN_GROUP_VERSION = `${AUTHN_GROUP}/v1`;
/** Where `kubectl auth whoami` posts its `SelfSubjectReview`. */
export const SELF_SUBJECT_REVIEWS_PATH = `/apis/${AUTHN_GROUP_VERSION}/selfsubjectreviews`;
const SERVER_VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2025-01-01T00:00:00Z",
  goVersion: "go1.23.0",
  compiler: "gc",
  platform: "linux/amd64",
};

/** Discovery documents and `/version`, in the legacy (non-aggregated) form. */
export function discoveryDocument(path: string, host: string): Record<string, unknown> | undefined {
  const authnVersion = { groupVersion: AUTHN_GROUP_VERSION, version: "v1" };
  const authnGroup = {
    name: AUTHN_GROUP,
    versions: [authnVersion],
    preferredVersion: authnVersion,
  };
  const readVerbs = ["get", "list", "watch"];
  switch (path) {
    case "/version":
      return SERVER_VERSION;
    case "/api":
      return {
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: host }],
      };
    case "/apis":
      return { kind: "APIGroupList", apiVersion: "v1", groups: [authnGroup] };
    case `/apis/${AUTHN_GROUP}`:
      return { kind: "APIGroup", apiVersion: "v1", ...authnGroup };
    case "/api/v1":
      return {
        kind: "APIResourceList",
        groupVersion: "v1",
        resources: [
          {
            name: "namespaces",
            singularName: "namespace",
            namespaced: false,
            kind: "Namespace",
            verbs: readVerbs,
            shortNames: ["ns"],
          },
          {
            name: "pods",
            singularName: "pod",
            namespaced: true,
            kind: "Pod",
            verbs: readVerbs,
            shortNames: ["po"],
            categories: ["all"],
          },
          {
            name: "services",
            singularName: "service",
            namespaced: true,
            kind: "Service",
            verbs: readVerbs,
            shortNames: ["svc"],
            categories: ["all"],
          },
        ],
      };
    case `/apis/${AUTHN_GROUP_VERSION}`:
      return {
        kind: "APIResourceList",
        apiVersion: "v1",
        groupVersion: AUTHN_GROUP_VERSION,
        resources: [{
          name: "selfsubjectreviews",
          singularName: "selfsubjectreview",
          namespaced: false,
          kind: "SelfSubjectReview",
          verbs: ["create"],
        }],
      };
    default:
      return undefined;
  }
}
