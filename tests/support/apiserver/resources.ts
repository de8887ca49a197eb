/**
 * The API server double's resources: which resource a request names ({@link resourceRequestOf}),
 * the cluster's fixed contents (two pods in `default`, the DNS service in `kube-system`, two
 * namespaces) and the answer to an allowed read ({@link readResponse}), as a list, one object or
 * the `Table` that `kubectl get` prints.
 *
 * @module
 */

import { kubeTime, statusResponse } from "./meta.ts";

/** The resources the double serves. */
export type ResourceName = "pods" | "services" | "namespaces";

/** A request on a resource, the thing the allow list decides on. */
export interface ResourceRequest {
  /** kube's verb: `get`, `list`, `watch`, `create`, `delete`, … */
  verb: string;
  /** Which resource. */
  resource: ResourceName;
  /** The namespace, for a namespaced request. */
  namespace?: string;
  /** The object's name, for a request on one object. */
  name?: string;
}

const RESOURCE_PATH =
  /^\/api\/v1\/(?:namespaces\/([a-z0-9-]+)\/(pods|services)(?:\/([a-z0-9.-]+))?|(pods|services|namespaces)(?:\/([a-z0-9.-]+))?)$/;

const WRITE_VERBS: Readonly<Record<string, string>> = {
  POST: "create",
  PUT: "update",
  PATCH: "patch",
};

/** The resource a request names and the verb it asks for, or `undefined` for other paths. */
export function resourceRequestOf(method: string, url: URL): ResourceRequest | undefined {
  const match = url.pathname.match(RESOURCE_PATH);
  if (!match) return undefined;
  const namespace = match[1];
  const resource = (match[2] ?? match[4]) as ResourceName;
  // `namespaces/NAME` names a namespace, not a namespaced list.
  const name = match[3] ?? match[5];
  let verb: string;
  if (method === "GET" || method === "HEAD") {
    verb = url.searchParams.get("watch") === "true" ? "watch" : name ? "get" : "list";
  } else if (method === "DELETE") {
    verb = name ? "delete" : "deletecollection";
  } else {
    verb = WRITE_VERBS[method] ?? method.toLowerCase();
  }
  return { verb, resource, namespace, name };
}

const STARTED = kubeTime(new Date(Date.now() - 3 * 3_600_000));

type KubeObject = {
  metadata: { name: string; namespace?: string; creationTimestamp: string; [key: string]: unknown };
  [key: string]: unknown;
};

function pod(name: string, namespace: string, index: number): KubeObject {
  return {
    kind: "Pod",
    apiVersion: "v1",
    metadata: {
      name,
      namespace,
      uid: `00000000-0000-4000-8000-0000000000${10 + index}`,
      resourceVersion: `${100 + index}`,
      creationTimestamp: STARTED,
      labels: { app: name.split("-")[0] },
    },
    spec: { containers: [{ name: "main", image: "registry.example/app:1.0" }] },
    status: {
      phase: "Running",
      podIP: `10.0.0.${10 + index}`,
      containerStatuses: [{
        name: "main",
        ready: true,
        restartCount: 0,
        image: "registry.example/app:1.0",
        state: { running: { startedAt: STARTED } },
      }],
    },
  };
}

/** The cluster's contents: two pods in `default`, the DNS service in `kube-system`. */
const OBJECTS: Readonly<Record<ResourceName, readonly KubeObject[]>> = {
  pods: [pod("web-7d4b9c8f6-x2k9q", "default", 1), pod("worker-5f6c7d8e9-p4m7n", "default", 2)],
  services: [{
    kind: "Service",
    apiVersion: "v1",
    metadata: {
      name: "kube-dns",
      namespace: "kube-system",
      uid: "00000000-0000-4000-8000-000000000020",
      resourceVersion: "20",
      creationTimestamp: STARTED,
      labels: {
        "k8s-app": "kube-dns",
        "kubernetes.io/cluster-service": "true",
        "kubernetes.io/name": "CoreDNS",
      },
    },
    spec: {
      type: "ClusterIP",
      clusterIP: "10.96.0.10",
      ports: [{ name: "dns", port: 53, protocol: "UDP", targetPort: 53 }],
    },
    status: { loadBalancer: {} },
  }],
  namespaces: ["default", "kube-system"].map((name, index) => ({
    kind: "Namespace",
    apiVersion: "v1",
    metadata: {
      name,
      uid: `00000000-0000-4000-8000-00000000003${index}`,
      creationTimestamp: STARTED,
    },
    status: { phase: "Active" },
  })),
};

const KINDS: Readonly<Record<ResourceName, string>> = {
  pods: "Pod",
  services: "Service",
  namespaces: "Namespace",
};

/** Equality-based label selectors (`a=b,c==d,e!=f`), all kubectl sends for cluster-info. */
function matchesSelector(object: KubeObject, selector: string | null): boolean {
  if (!selector) return true;
  const labels = (object.metadata.labels ?? {}) as Record<string, string>;
  return selector.split(",").every((term) => {
    const match = term.trim().match(/^([^!=]+?)\s*(==|=|!=)\s*(.*)$/);
    if (!match) return labels[term.trim()] !== undefined;
    const [, key, op, value] = match;
    return op === "!=" ? labels[key] !== value : labels[key] === value;
  });
}

function age(timestamp: string): string {
  const minutes = Math.floor((Date.now() - Date.parse(timestamp)) / 60_000);
  if (minutes < 120) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h`;
}

/** Each resource's `kubectl get` columns, as the real server-side printers name them. */
const COLUMNS: Readonly<Record<ResourceName, [string, (object: KubeObject) => unknown][]>> = {
  pods: [
    ["Name", (object) => object.metadata.name],
    ["Ready", () => "1/1"],
    ["Status", () => "Running"],
    ["Restarts", () => "0"],
    ["Age", (object) => age(object.metadata.creationTimestamp)],
  ],
  services: [
    ["Name", (object) => object.metadata.name],
    ["Type", () => "ClusterIP"],
    ["Cluster-IP", () => "10.96.0.10"],
    ["External-IP", () => "<none>"],
    ["Port(s)", () => "53/UDP"],
    ["Age", (object) => age(object.metadata.creationTimestamp)],
  ],
  namespaces: [
    ["Name", (object) => object.metadata.name],
    ["Status", () => "Active"],
    ["Age", (object) => age(object.metadata.creationTimestamp)],
  ],
};

/** A meta.k8s.io/v1 Table, what `kubectl get` asks for to print its default columns. */
function table(resource: ResourceName, objects: readonly KubeObject[]): Record<string, unknown> {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion: "1" },
    columnDefinitions: COLUMNS[resource].map(([name], index) => ({
      name,
      type: "string",
      format: index === 0 ? "name" : "",
      description: name,
      priority: 0,
    })),
    rows: objects.map((object) => ({
      cells: COLUMNS[resource].map(([, cell]) => cell(object)),
      object: {
        kind: "PartialObjectMetadata",
        apiVersion: "meta.k8s.io/v1",
        metadata: object.metadata,
      },
    })),
  };
}

function wantsTable(request: Request): boolean {
  return /;\s*as=Table\b/.test(request.headers.get("accept") ?? "");
}

/** Answers an allowed read of pods, services or namespaces. */
export function readResponse(request: Request, url: URL, resource: ResourceRequest): Response {
  if (resource.verb === "watch") {
    return statusResponse(405, "MethodNotAllowed", "watch is not supported by this API server");
  }
  const objects = OBJECTS[resource.resource].filter((object) =>
    (resource.namespace === undefined || object.metadata.namespace === resource.namespace) &&
    (resource.name === undefined || object.metadata.name === resource.name) &&
    matchesSelector(object, url.searchParams.get("labelSelector"))
  );
  if (resource.name !== undefined) {
    if (objects.length === 0) {
      return statusResponse(
        404,
        "NotFound",
        `${resource.resource} "${resource.name}" not found`,
        { name: resource.name, kind: resource.resource },
      );
    }
    return Response.json(wantsTable(request) ? table(resource.resource, objects) : objects[0]);
  }
  if (wantsTable(request)) return Response.json(table(resource.resource, objects));
  return Response.json({
    kind: `${KINDS[resource.resource]}List`,
    apiVersion: "v1",
    metadata: { resourceVersion: "1" },
    items: objects,
  });
}
