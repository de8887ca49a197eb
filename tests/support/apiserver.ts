/**
 * A Kubernetes API server double for tests and the demo: HTTPS on 127.0.0.1 with a test CA
 * ({@link startApiServer}), bearer tokens checked the way kube-apiserver's OIDC authenticator checks
 * them when set up with the `--oidc-*` flags, a ClusterRoleBinding-like allow list
 * ({@link ApiServerBinding}), and just enough of the API for the real `kubectl` 1.32 to run
 * `auth whoami`, `get pods` and `cluster-info`.
 *
 * Authentication follows kube-apiserver (staging/src/k8s.io/apiserver/plugin/pkg/authenticator/
 * token/oidc/oidc.go, kube-apiserver's flag defaulting, and coreos/go-oidc's verifier):
 * - the issuer's discovery document is fetched (its `issuer` must equal the issuer URL) and then
 *   its `jwks_uri`; keys are fetched again once when no cached key verifies (key rotation);
 * - a token whose unverified `iss` is not the issuer URL is not for this authenticator: 401;
 * - the `alg` must be one of the signing algorithms (default `RS256`; RS*, ES*, PS* only);
 * - verified claims: `iss` equals the issuer URL, `aud` contains the client ID, `exp` not passed
 *   (go-oidc allows no leeway), `nbf` at most a minute ahead (go-oidc's leeway);
 * - the username comes from `usernameClaim`; for `email`, an `email_verified` claim that is present
 *   must be `true` while an absent one is accepted; the prefix defaults to `issuerUrl#` unless the
 *   claim is `email`, and `-` means none;
 * - groups come from `groupsClaim` (a string or a list of strings) with `groupsPrefix`, and every
 *   authenticated user is in `system:authenticated`;
 * - no anonymous access (as with `--anonymous-auth=false`): 401 with a `Status` body.
 *
 * Authorization: `/version`, discovery and `selfsubjectreviews` are open to every authenticated
 * user (as kube's default `system:discovery` and `system:basic-user` roles make them); reading pods,
 * services and namespaces needs a binding for the user or one of its groups, otherwise 403 with
 * kube's message. Nothing can be written.
 *
 * Every decision is logged in {@link ApiServer.decisions}; tokens never are.
 *
 * Run as a program it prints `{"url": …, "caFile": …}` on stdout, each decision as a JSON line on
 * stderr, and serves until SIGINT or SIGTERM:
 *
 * ```sh
 * deno run -A tests/support/apiserver.ts --issuer=http://127.0.0.1:PORT \
 *   --client-id=kubelogin-test --groups-claim=groups --bind-group=developers
 * ```
 *
 * @module
 */

import {
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  type JSONWebKeySet,
} from "jose";
import { createTestCa, issueServerCert, LOOPBACK_NAMES, type TestCa } from "./tls.ts";

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

/** Options of {@link startApiServer}, named after kube-apiserver's `--oidc-*` flags. */
export interface ApiServerOptions {
  /** `--oidc-issuer-url`: the `iss` tokens must carry; discovery is fetched from it. */
  issuerUrl: string;
  /** `--oidc-client-id`: a value the `aud` claim must contain. */
  clientId: string;
  /** `--oidc-username-claim` (default `sub`). */
  usernameClaim?: string;
  /** `--oidc-username-prefix`: unset means `issuerUrl#` unless the claim is `email`; `-` is none. */
  usernamePrefix?: string;
  /** `--oidc-groups-claim`: without it the token gives no groups. */
  groupsClaim?: string;
  /** `--oidc-groups-prefix`. */
  groupsPrefix?: string;
  /** `--oidc-ca-file` contents: the CA to trust when the issuer is HTTPS. */
  issuerCaPem?: string;
  /** `--oidc-signing-algs` (default `["RS256"]`); only RS*, ES* and PS* are allowed. */
  signingAlgs?: string[];
  /** Who may read pods, services and namespaces (default: nobody). */
  bindings?: ApiServerBinding[];
  /** A CA to sign the serving certificate with; by default a new one in a temporary directory. */
  ca?: TestCa;
  /** The port to listen on (default 0: any free port). */
  port?: number;
  /** Called with each decision as it is made (the demo prints them). */
  onDecision?: (decision: ApiServerDecision) => void;
}

/**
 * What the server decided about one request: `authenticated` when any authenticated user may do
 * it (version, discovery, selfsubjectreviews, unknown paths), `allowed` when a binding granted it.
 */
export type ApiServerOutcome = "authenticated" | "unauthenticated" | "forbidden" | "allowed";

/** One logged decision. Never holds the token. */
export interface ApiServerDecision {
  /** When the request arrived, ISO 8601. */
  time: string;
  method: string;
  /** The URL path, without the query. */
  path: string;
  /** The authenticated user name. */
  user?: string;
  /** The authenticated groups, `system:authenticated` included. */
  groups?: string[];
  outcome: ApiServerOutcome;
  /** Why the token was refused, or which rule allowed or refused the request. */
  reason?: string;
}

/** A running API server double. */
export interface ApiServer extends AsyncDisposable {
  /** `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The CA certificate file that signed the serving certificate (`certificate-authority:`). */
  readonly caFile: string;
  /** The same CA certificate as PEM (`certificate-authority-data:` after base64, or `caCerts`). */
  readonly caPem: string;
  /** Every decision, oldest first. */
  readonly decisions: readonly ApiServerDecision[];
  /** Forgets the decisions logged so far. */
  clearDecisions(): void;
  /** Replaces the allow list. */
  setBindings(bindings: ApiServerBinding[]): void;
  /** Stops serving, closes the issuer client and removes the certificates it made. */
  close(): Promise<void>;
}

/** The user a token authenticated as. */
interface UserInfo {
  username: string;
  groups: string[];
}

const ALLOWED_SIGNING_ALGS: ReadonlySet<string> = new Set([
  "RS256",
  "RS384",
  "RS512",
  "ES256",
  "ES384",
  "ES512",
  "PS256",
  "PS384",
  "PS512",
]);
const DEFAULT_SIGNING_ALGS = ["RS256"];
const SYSTEM_AUTHENTICATED = "system:authenticated";
const NOT_BEFORE_LEEWAY_MS = 60_000;
const ISSUER_TIMEOUT_MS = 10_000;
const WELL_KNOWN_PATH = "/.well-known/openid-configuration";
const AUTHN_GROUP = "authentication.k8s.io";
const AUTHN_GROUP_VERSION = `${AUTHN_GROUP}/v1`;
const SELF_SUBJECT_REVIEWS_PATH = `/apis/${AUTHN_GROUP_VERSION}/selfsubjectreviews`;
/** The verbs a binding grants: the read-only part of kube's `view` role. */
const READ_VERBS: ReadonlySet<string> = new Set(["get", "list", "watch"]);
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
const decoder = new TextDecoder();

/** A refused token: the reason goes to the decision log, the client only sees 401. */
class TokenRejected extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** Seconds-precision RFC 3339, the way Kubernetes writes timestamps. */
function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

/** The issuer's keys, loaded on first use and again when none of them verifies a signature. */
class IssuerKeys {
  readonly #issuerUrl: string;
  readonly #client?: Deno.HttpClient;
  #keys?: Promise<KeySet>;

  constructor(issuerUrl: string, client?: Deno.HttpClient) {
    this.#issuerUrl = issuerUrl;
    this.#client = client;
  }

  /** Verifies the signature of a compact JWS and returns its payload. */
  async verify(token: string, algorithms: string[]): Promise<Uint8Array> {
    try {
      return (await compactVerify(token, await this.#load(false), { algorithms })).payload;
    } catch (error) {
      if (!isKeyMiss(error)) throw error;
      return (await compactVerify(token, await this.#load(true), { algorithms })).payload;
    }
  }

  #load(refresh: boolean): Promise<KeySet> {
    if (!this.#keys || refresh) {
      const loading = this.#fetchKeys();
      // Like kube's authenticator, an issuer that is down is tried again on the next token.
      loading.catch(() => {
        if (this.#keys === loading) this.#keys = undefined;
      });
      this.#keys = loading;
    }
    return this.#keys;
  }

  async #fetchKeys(): Promise<KeySet> {
    const discovery = await this.#getJson(this.#issuerUrl.replace(/\/$/, "") + WELL_KNOWN_PATH);
    if (discovery.issuer !== this.#issuerUrl) {
      throw new TokenRejected(
        `authenticator not initialized: discovery says issuer ${
          JSON.stringify(discovery.issuer)
        }, expected ${JSON.stringify(this.#issuerUrl)}`,
      );
    }
    if (typeof discovery.jwks_uri !== "string") {
      throw new TokenRejected("authenticator not initialized: discovery has no jwks_uri");
    }
    const jwks = await this.#getJson(discovery.jwks_uri);
    if (!Array.isArray(jwks.keys) || !jwks.keys.every(isRecord)) {
      throw new TokenRejected("authenticator not initialized: the JWKS has no keys array");
    }
    return createLocalJWKSet(jwks as unknown as JSONWebKeySet);
  }

  async #getJson(url: string): Promise<Record<string, unknown>> {
    let text: string;
    try {
      const response = await fetch(url, {
        client: this.#client,
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(ISSUER_TIMEOUT_MS),
      });
      text = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new TokenRejected(`authenticator not initialized: GET ${url}: ${detail}`);
    }
    try {
      const value: unknown = JSON.parse(text);
      if (isRecord(value)) return value;
    } catch {
      // Reported below.
    }
    throw new TokenRejected(`authenticator not initialized: GET ${url}: not a JSON object`);
  }
}

/** Errors after which fresh keys might verify the token. */
function isKeyMiss(error: unknown): boolean {
  return error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys;
}

/** kube-apiserver's defaulting of `--oidc-username-prefix`. */
function usernamePrefixOf(issuerUrl: string, claim: string, prefix: string | undefined): string {
  if (prefix === "-") return "";
  if (!prefix && claim !== "email") return `${issuerUrl}#`;
  return prefix ?? "";
}

/** The OIDC token authenticator, configured as kube-apiserver's `--oidc-*` flags configure it. */
class OidcAuthenticator {
  readonly #issuerUrl: string;
  readonly #clientId: string;
  readonly #keys: IssuerKeys;
  readonly #algorithms: string[];
  readonly #usernameClaim: string;
  readonly #usernamePrefix: string;
  readonly #groupsClaim?: string;
  readonly #groupsPrefix: string;

  constructor(options: ApiServerOptions, client?: Deno.HttpClient) {
    this.#issuerUrl = options.issuerUrl;
    this.#clientId = options.clientId;
    this.#keys = new IssuerKeys(options.issuerUrl, client);
    this.#algorithms = options.signingAlgs?.length ? options.signingAlgs : DEFAULT_SIGNING_ALGS;
    for (const alg of this.#algorithms) {
      if (!ALLOWED_SIGNING_ALGS.has(alg)) throw new Error(`oidc: unsupported signing alg: ${alg}`);
    }
    this.#usernameClaim = options.usernameClaim || "sub";
    this.#usernamePrefix = usernamePrefixOf(
      options.issuerUrl,
      this.#usernameClaim,
      options.usernamePrefix,
    );
    this.#groupsClaim = options.groupsClaim || undefined;
    this.#groupsPrefix = options.groupsPrefix ?? "";
  }

  /** Authenticates a bearer token, or throws {@link TokenRejected} saying why not. */
  async authenticate(token: string): Promise<UserInfo> {
    let untrustedIssuer: unknown;
    let alg: unknown;
    try {
      if (token.trimStart().startsWith("{")) throw new Error("not compact");
      untrustedIssuer = decodeJwt(token).iss;
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new TokenRejected("malformed token: not a compact JWT");
    }
    if (untrustedIssuer !== this.#issuerUrl) {
      throw new TokenRejected(`token issuer ${JSON.stringify(untrustedIssuer)} is not ours`);
    }
    if (typeof alg !== "string" || !this.#algorithms.includes(alg)) {
      throw new TokenRejected(
        `token signed with unsupported algorithm ${JSON.stringify(alg)}, expected ${
          this.#algorithms.join(", ")
        }`,
      );
    }
    let payload: Uint8Array;
    try {
      payload = await this.#keys.verify(token, this.#algorithms);
    } catch (error) {
      if (error instanceof TokenRejected) throw error;
      const name = error instanceof Error ? error.name : "Error";
      throw new TokenRejected(`failed to verify signature: ${name}`);
    }
    // Only the verified payload counts from here on.
    let claims: unknown;
    try {
      claims = JSON.parse(decoder.decode(payload));
    } catch {
      claims = undefined;
    }
    if (!isRecord(claims)) throw new TokenRejected("malformed token: payload is not an object");
    this.#checkClaims(claims);
    return {
      username: this.#username(claims),
      groups: [...this.#groups(claims), SYSTEM_AUTHENTICATED],
    };
  }

  #checkClaims(claims: Record<string, unknown>): void {
    if (claims.iss !== this.#issuerUrl) {
      throw new TokenRejected(`id token issued by a different provider: ${claims.iss}`);
    }
    const audience = typeof claims.aud === "string" ? [claims.aud] : claims.aud;
    if (!isStringArray(audience) || !audience.includes(this.#clientId)) {
      throw new TokenRejected(
        `expected audience ${JSON.stringify(this.#clientId)} got ${JSON.stringify(claims.aud)}`,
      );
    }
    const now = Date.now();
    // A missing exp is the zero time to go-oidc, hence expired.
    if (typeof claims.exp !== "number" || claims.exp * 1000 < now) {
      throw new TokenRejected("token is expired");
    }
    if (claims.nbf !== undefined) {
      if (typeof claims.nbf !== "number") throw new TokenRejected("malformed nbf claim");
      if (now + NOT_BEFORE_LEEWAY_MS < claims.nbf * 1000) {
        throw new TokenRejected("current time is before the nbf (not before) time");
      }
    }
  }

  #username(claims: Record<string, unknown>): string {
    const claim = this.#usernameClaim;
    const value = claims[claim];
    if (typeof value !== "string") {
      throw new TokenRejected(`parse username claim ${JSON.stringify(claim)}: missing or not text`);
    }
    if (claim === "email" && "email_verified" in claims) {
      if (typeof claims.email_verified !== "boolean") {
        throw new TokenRejected("parse 'email_verified' claim: not a boolean");
      }
      if (!claims.email_verified) throw new TokenRejected("email not verified");
    }
    return this.#usernamePrefix + value;
  }

  #groups(claims: Record<string, unknown>): string[] {
    const claim = this.#groupsClaim;
    if (!claim || !(claim in claims)) return [];
    const value = claims[claim];
    const groups = typeof value === "string" ? [value] : value;
    if (!isStringArray(groups)) {
      throw new TokenRejected(`parse groups claim ${JSON.stringify(claim)}: not text or a list`);
    }
    return groups.map((group) => this.#groupsPrefix + group);
  }
}

/** A meta/v1 Status, the body of every API error. */
function statusResponse(
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

function bearerToken(request: Request): string | undefined {
  const match = request.headers.get("authorization")?.match(/^bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

type ResourceName = "pods" | "services" | "namespaces";

/** A request on a resource, the thing the allow list decides on. */
interface ResourceRequest {
  verb: string;
  resource: ResourceName;
  namespace?: string;
  name?: string;
}

const RESOURCE_PATH =
  /^\/api\/v1\/(?:namespaces\/([a-z0-9-]+)\/(pods|services)(?:\/([a-z0-9.-]+))?|(pods|services|namespaces)(?:\/([a-z0-9.-]+))?)$/;

const WRITE_VERBS: Readonly<Record<string, string>> = {
  POST: "create",
  PUT: "update",
  PATCH: "patch",
};

function resourceRequestOf(method: string, url: URL): ResourceRequest | undefined {
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
function readResponse(request: Request, url: URL, resource: ResourceRequest): Response {
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

/** Discovery documents and `/version`, in the legacy (non-aggregated) form. */
function discoveryDocument(path: string, host: string): Record<string, unknown> | undefined {
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

/**
 * Starts the API server double on 127.0.0.1.
 *
 * @example
 * ```ts
 * await using apiserver = await startApiServer({
 *   issuerUrl: idp.issuer,
 *   clientId: "kubelogin-test",
 *   groupsClaim: "groups",
 *   bindings: [{ group: "developers" }],
 * });
 * // kubeconfig: server: apiserver.url, certificate-authority: apiserver.caFile
 * ```
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  // Fails before anything needs cleaning up when the options are wrong.
  const client = options.issuerCaPem
    ? Deno.createHttpClient({ caCerts: [options.issuerCaPem] })
    : undefined;
  const cleanups: (() => Promise<void> | void)[] = [() => client?.close()];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const authenticator = new OidcAuthenticator(options, client);
    let ca = options.ca;
    if (!ca) {
      const dir = await Deno.makeTempDir({ prefix: "apiserver-" });
      cleanups.push(() => Deno.remove(dir, { recursive: true }));
      ca = await createTestCa(dir);
    }
    const serving = await issueServerCert(ca, LOOPBACK_NAMES);
    if (options.ca) {
      cleanups.push(async () => {
        await Deno.remove(serving.certFile).catch(() => {});
        await Deno.remove(serving.keyFile).catch(() => {});
      });
    }
    return serve(options, authenticator, ca, serving, cleanUp);
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

function serve(
  options: ApiServerOptions,
  authenticator: OidcAuthenticator,
  ca: TestCa,
  serving: { certPem: string; keyPem: string },
  cleanUp: () => Promise<void>,
): ApiServer {
  let bindings = [...(options.bindings ?? [])];
  const decisions: ApiServerDecision[] = [];

  const decide = (
    decision: ApiServerDecision,
    outcome: ApiServerOutcome,
    reason: string,
  ): void => {
    decision.outcome = outcome;
    decision.reason = reason;
    decisions.push(decision);
    options.onDecision?.(decision);
  };

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const decision: ApiServerDecision = {
      time: new Date().toISOString(),
      method: request.method,
      path: url.pathname,
      outcome: "unauthenticated",
    };
    const token = bearerToken(request);
    if (!token) {
      decide(decision, "unauthenticated", "no bearer token");
      return statusResponse(401, "Unauthorized", "Unauthorized");
    }
    let user: UserInfo;
    try {
      user = await authenticator.authenticate(token);
    } catch (error) {
      const reason = error instanceof TokenRejected ? error.message : `internal error: ${error}`;
      decide(decision, "unauthenticated", reason);
      return statusResponse(401, "Unauthorized", "Unauthorized");
    }
    decision.user = user.username;
    decision.groups = user.groups;

    const document = request.method === "GET"
      ? discoveryDocument(url.pathname, url.host)
      : undefined;
    if (document) {
      // Plain application/json even to an aggregated-discovery Accept: kubectl then falls back.
      decide(decision, "authenticated", "discovery is open to system:authenticated");
      return Response.json(document);
    }
    if (url.pathname === SELF_SUBJECT_REVIEWS_PATH && request.method === "POST") {
      await request.body?.cancel();
      decide(decision, "authenticated", "selfsubjectreviews are open to system:authenticated");
      return Response.json({
        kind: "SelfSubjectReview",
        apiVersion: AUTHN_GROUP_VERSION,
        metadata: { creationTimestamp: kubeTime(new Date()) },
        status: { userInfo: { username: user.username, groups: user.groups } },
      }, { status: 201 });
    }
    const resource = resourceRequestOf(request.method, url);
    if (!resource) {
      await request.body?.cancel();
      decide(decision, "authenticated", "no such path");
      return statusResponse(
        404,
        "NotFound",
        "the server could not find the requested resource",
        {},
      );
    }
    await request.body?.cancel();
    const binding = READ_VERBS.has(resource.verb) ? grantingBinding(bindings, user) : undefined;
    if (!binding) {
      decide(
        decision,
        "forbidden",
        `no binding lets the user or its groups ${resource.verb} ${resource.resource}`,
      );
      return statusResponse(403, "Forbidden", forbiddenMessage(user, resource), {
        ...(resource.name ? { name: resource.name } : {}),
        kind: resource.resource,
      });
    }
    decide(
      decision,
      "allowed",
      binding.user === user.username
        ? `bound to user ${binding.user}`
        : `bound to group ${binding.group}`,
    );
    return readResponse(request, url, resource);
  }

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    cert: serving.certPem,
    key: serving.keyPem,
    onListen: () => {},
    onError: (error) => statusResponse(500, "InternalError", `internal error: ${error}`),
  }, handle);
  const port = server.addr.port;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      try {
        await server.shutdown();
      } finally {
        await cleanUp();
      }
    })();
    return closing;
  };

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caFile: ca.certFile,
    caPem: ca.certPem,
    get decisions(): readonly ApiServerDecision[] {
      return decisions;
    },
    clearDecisions: () => {
      decisions.length = 0;
    },
    setBindings: (next) => {
      bindings = [...next];
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Reads `--name=value` and `--name value`; repeated flags keep every value. */
function parseFlags(args: string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument: ${arg}`);
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Error(`--${name} needs a value`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return flags;
}

const USAGE = "usage: apiserver.ts --issuer=URL --client-id=ID [--username-claim=sub] " +
  "[--username-prefix=P] [--groups-claim=C] [--groups-prefix=P] [--issuer-ca-file=F] " +
  "[--signing-algs=RS256,ES256] [--port=N] [--bind-group=G]... [--bind-user=U]...";

if (import.meta.main) {
  let flags: Map<string, string[]>;
  try {
    flags = parseFlags(Deno.args);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
    Deno.exit(2);
  }
  const one = (name: string): string | undefined => flags.get(name)?.at(-1);
  const issuerUrl = one("issuer");
  const clientId = one("client-id");
  if (!issuerUrl || !clientId) {
    console.error(USAGE);
    Deno.exit(2);
  }
  const caFile = one("issuer-ca-file");
  const apiserver = await startApiServer({
    issuerUrl,
    clientId,
    usernameClaim: one("username-claim"),
    usernamePrefix: one("username-prefix"),
    groupsClaim: one("groups-claim"),
    groupsPrefix: one("groups-prefix"),
    issuerCaPem: caFile ? await Deno.readTextFile(caFile) : undefined,
    signingAlgs: one("signing-algs")?.split(",").filter(Boolean),
    port: one("port") ? Number(one("port")) : undefined,
    bindings: [
      ...(flags.get("bind-group") ?? []).map((group) => ({ group })),
      ...(flags.get("bind-user") ?? []).map((user) => ({ user })),
    ],
    onDecision: (decision) => console.error(JSON.stringify(decision)),
  });
  console.log(JSON.stringify({ url: apiserver.url, caFile: apiserver.caFile }));
  const stop = async () => {
    await apiserver.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
