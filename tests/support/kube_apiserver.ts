/**
 * A Kubernetes API server double for tests and the demo: HTTPS on 127.0.0.1 (a test CA made at
 * start), bearer tokens checked the way kube-apiserver's OIDC authenticator checks them when set
 * up with the `--oidc-*` flags, a tiny RBAC stand-in ({@link KubeBinding}), and just enough of the
 * API for real `kubectl` 1.32 to run `auth whoami`, `get pods` and `cluster-info`.
 *
 * What it reproduces of kube-apiserver (staging/src/k8s.io/apiserver/plugin/pkg/authenticator/
 * token/oidc/oidc.go and coreos/go-oidc's verifier):
 * - discovery document and JWKS fetched from the issuer; keys fetched again once when a signature
 *   fails to verify (key rotation);
 * - tokens whose unverified `iss` is not the issuer are not ours: 401;
 * - the `alg` must be one of the configured signing algorithms (RS256 by default, asymmetric only);
 * - `iss` equals the issuer URL, `aud` contains the client ID, `exp` in the future (no leeway),
 *   `nbf` (if present) at most one minute ahead;
 * - username from `usernameClaim`; with `email`, an `email_verified` claim that is present must be
 *   `true` (an absent one is accepted, as kube does); prefix `issuerUrl#` by default unless the
 *   claim is `email`, `-` for none;
 * - groups from `groupsClaim` (a string or an array of strings), with `groupsPrefix`;
 * - every authenticated user gets the group `system:authenticated`;
 * - anonymous requests are refused (as with `--anonymous-auth=false`).
 *
 * Every decision is logged in {@link KubeApiServer.decisions}; tokens never are.
 *
 * Run as a program it prints `{"url": …, "caCertFile": …}` and serves until SIGINT or SIGTERM:
 *
 * ```sh
 * deno run -A tests/support/kube_apiserver.ts --issuer=http://127.0.0.1:PORT \
 *   --client-id=kubelogin-test --groups-claim=groups --bind-group=developers
 * ```
 *
 * @module
 */

import { compactVerify, createLocalJWKSet, errors as joseErrors, type JSONWebKeySet } from "jose";
import { createTestCertificates, type TestCertificates } from "./certs.ts";

/** A grant of the fake RBAC: read access to pods and services for a user or a group. */
export interface KubeBinding {
  /** The user name as authenticated (prefix included). */
  user?: string;
  /** The group name as authenticated (prefix included). */
  group?: string;
}

/** Options of {@link startKubeApiServer}, named after kube-apiserver's `--oidc-*` flags. */
export interface KubeApiServerOptions {
  /** `--oidc-issuer-url`: the `iss` tokens must carry; discovery is fetched from it. */
  issuerUrl: string;
  /** `--oidc-client-id`: a value `aud` must contain. */
  clientId: string;
  /** `--oidc-username-claim` (default `sub`). */
  usernameClaim?: string;
  /** `--oidc-username-prefix`: default `issuerUrl#` unless the claim is `email`; `-` for none. */
  usernamePrefix?: string;
  /** `--oidc-groups-claim`: no groups from the token when unset. */
  groupsClaim?: string;
  /** `--oidc-groups-prefix`. */
  groupsPrefix?: string;
  /** `--oidc-ca-file` contents: the CA to trust for an HTTPS issuer. */
  issuerCaPem?: string;
  /** `--oidc-signing-algs` (default `["RS256"]`); only RS*, ES* and PS* are accepted. */
  signingAlgs?: string[];
  /** Who may list pods and services. */
  bindings?: KubeBinding[];
}

/** What the server decided about one request. */
export type KubeOutcome = "allowed" | "unauthenticated" | "forbidden";

/** One logged decision. Never holds the token. */
export interface KubeDecision {
  method: string;
  /** The URL path, without the query. */
  path: string;
  /** The authenticated user name. */
  user?: string;
  /** The authenticated groups, `system:authenticated` included. */
  groups?: string[];
  outcome: KubeOutcome;
  /** Why the token was refused, or which rule allowed or refused the request. */
  reason?: string;
}

/** A running API server double. */
export interface KubeApiServer extends AsyncDisposable {
  /** `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The CA certificate that signed the server certificate (for `certificate-authority:`). */
  readonly caCertFile: string;
  /** The same CA certificate as PEM (for `certificate-authority-data:` or `caCerts`). */
  readonly caCertPem: string;
  /** Every decision, oldest first. */
  readonly decisions: readonly KubeDecision[];
  /** Forgets the decision log. */
  clearDecisions(): void;
  /** Replaces the bindings. */
  setBindings(bindings: KubeBinding[]): void;
  /** Stops serving and removes the certificate directory. */
  close(): Promise<void>;
}

/** The user an authenticator accepted. */
interface UserInfo {
  username: string;
  groups: string[];
}

const ALLOWED_SIGNING_ALGS = new Set([
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
const SYSTEM_AUTHENTICATED = "system:authenticated";
/** go-oidc's leeway for `nbf`; `exp` has none. */
const NOT_BEFORE_LEEWAY_MS = 60_000;
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
const AUTHENTICATION_GROUP = "authentication.k8s.io";
const AUTHENTICATION_GROUP_VERSION = `${AUTHENTICATION_GROUP}/v1`;
const decoder = new TextDecoder();

/** A token refusal: the reason goes to the log, the client only sees 401. */
class TokenRejected extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function base64UrlDecode(text: string): Uint8Array {
  const base64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** Decodes a compact JWS part as a JSON object, or throws {@link TokenRejected}. */
function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(base64UrlDecode(part)));
  } catch {
    throw new TokenRejected(`malformed token: ${what} is not base64url JSON`);
  }
  if (!isRecord(value)) throw new TokenRejected(`malformed token: ${what} is not an object`);
  return value;
}

/**
 * The issuer's signing keys, fetched on first use and again when a signature does not verify
 * (the way go-oidc's remote key set follows key rotation).
 */
class IssuerKeys {
  readonly #issuerUrl: string;
  readonly #client: Deno.HttpClient;
  #keys?: Promise<ReturnType<typeof createLocalJWKSet>>;

  constructor(issuerUrl: string, client: Deno.HttpClient) {
    this.#issuerUrl = issuerUrl;
    this.#client = client;
  }

  /** Verifies the signature and returns the payload bytes. */
  async verify(token: string, algorithms: string[]): Promise<Uint8Array> {
    try {
      return await this.#verifyWith(await this.#load(false), token, algorithms);
    } catch (error) {
      if (!isKeyMismatch(error)) throw error;
      return await this.#verifyWith(await this.#load(true), token, algorithms);
    }
  }

  async #verifyWith(
    keys: ReturnType<typeof createLocalJWKSet>,
    token: string,
    algorithms: string[],
  ): Promise<Uint8Array> {
    return (await compactVerify(token, keys, { algorithms })).payload;
  }

  #load(refresh: boolean): Promise<ReturnType<typeof createLocalJWKSet>> {
    if (!this.#keys || refresh) {
      const loading = this.#fetchKeys();
      // A failed fetch is retried on the next request rather than remembered.
      loading.catch(() => {
        if (this.#keys === loading) this.#keys = undefined;
      });
      this.#keys = loading;
    }
    return this.#keys;
  }

  async #fetchKeys(): Promise<ReturnType<typeof createLocalJWKSet>> {
    const discoveryUrl = `${this.#issuerUrl.replace(/\/$/, "")}/.well-known/openid-configuration`;
    const discovery = await this.#getJson(discoveryUrl);
    if (discovery.issuer !== this.#issuerUrl) {
      throw new TokenRejected(
        `authenticator not initialized: discovery issuer ${
          JSON.stringify(discovery.issuer)
        } is not ${JSON.stringify(this.#issuerUrl)}`,
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
    let response: Response;
    try {
      response = await fetch(url, {
        client: this.#client,
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new TokenRejected(`authenticator not initialized: GET ${url}: ${error}`);
    }
    const text = await response.text();
    if (!response.ok) {
      throw new TokenRejected(`authenticator not initialized: GET ${url}: ${response.status}`);
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

function isKeyMismatch(error: unknown): boolean {
  return error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys;
}

/** The OIDC token authenticator, configured like kube-apiserver's `--oidc-*` flags. */
class OidcAuthenticator {
  readonly #options: KubeApiServerOptions;
  readonly #keys: IssuerKeys;
  readonly #algorithms: string[];
  readonly #usernameClaim: string;
  readonly #usernamePrefix: string;

  constructor(options: KubeApiServerOptions, client: Deno.HttpClient) {
    this.#options = options;
    this.#keys = new IssuerKeys(options.issuerUrl, client);
    this.#algorithms = options.signingAlgs ?? ["RS256"];
    for (const alg of this.#algorithms) {
      if (!ALLOWED_SIGNING_ALGS.has(alg)) throw new Error(`unsupported signing alg: ${alg}`);
    }
    this.#usernameClaim = options.usernameClaim ?? "sub";
    this.#usernamePrefix = usernamePrefixOf(options, this.#usernameClaim);
  }

  /** Authenticates a bearer token, or throws {@link TokenRejected} with the reason. */
  async authenticate(token: string): Promise<UserInfo> {
    const parts = token.split(".");
    if (token.trimStart().startsWith("{") || parts.length !== 3) {
      throw new TokenRejected("malformed token: not a compact JWT");
    }
    const header = decodeJsonPart(parts[0], "header");
    const untrusted = decodeJsonPart(parts[1], "payload");
    if (untrusted.iss !== this.#options.issuerUrl) {
      throw new TokenRejected("token issuer does not match the issuer URL");
    }
    if (typeof header.alg !== "string" || !this.#algorithms.includes(header.alg)) {
      throw new TokenRejected(
        `token signed with unsupported algorithm ${JSON.stringify(header.alg)}, expected ${
          this.#algorithms.join(", ")
        }`,
      );
    }
    let payload: Uint8Array;
    try {
      payload = await this.#keys.verify(token, this.#algorithms);
    } catch (error) {
      if (error instanceof TokenRejected) throw error;
      const name = error instanceof Error ? error.constructor.name : "Error";
      throw new TokenRejected(`failed to verify signature: ${name}`);
    }
    // From here on only the verified payload counts.
    const claims: unknown = JSON.parse(decoder.decode(payload));
    if (!isRecord(claims)) throw new TokenRejected("malformed token: payload is not an object");
    this.#checkClaims(claims);
    return {
      username: this.#username(claims),
      groups: [...this.#groups(claims), SYSTEM_AUTHENTICATED],
    };
  }

  #checkClaims(claims: Record<string, unknown>): void {
    const audience = typeof claims.aud === "string" ? [claims.aud] : claims.aud;
    if (!isStringArray(audience) || !audience.includes(this.#options.clientId)) {
      throw new TokenRejected(`expected audience ${JSON.stringify(this.#options.clientId)}`);
    }
    const now = Date.now();
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
      throw new TokenRejected(`username claim ${JSON.stringify(claim)} is missing or not a string`);
    }
    if (claim === "email" && "email_verified" in claims) {
      if (typeof claims.email_verified !== "boolean") {
        throw new TokenRejected("cannot parse the email_verified claim");
      }
      if (!claims.email_verified) throw new TokenRejected("email not verified");
    }
    return this.#usernamePrefix + value;
  }

  #groups(claims: Record<string, unknown>): string[] {
    const claim = this.#options.groupsClaim;
    if (!claim || !(claim in claims)) return [];
    const value = claims[claim];
    const groups = typeof value === "string" ? [value] : value;
    if (!isStringArray(groups)) {
      throw new TokenRejected(`groups claim ${JSON.stringify(claim)} is not a string or a list`);
    }
    const prefix = this.#options.groupsPrefix ?? "";
    return groups.map((group) => prefix + group);
  }
}

/** kube-apiserver's defaulting of `--oidc-username-prefix`. */
function usernamePrefixOf(options: KubeApiServerOptions, usernameClaim: string): string {
  const prefix = options.usernamePrefix ?? "";
  if (prefix === "-") return "";
  if (prefix === "" && usernameClaim !== "email") return `${options.issuerUrl}#`;
  return prefix;
}

/** A meta/v1 Status, the body of every API error. */
function status(code: number, reason: string, message: string, details?: unknown): Response {
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
  const header = request.headers.get("authorization");
  const match = header?.match(/^bearer\s+(.*)$/i);
  const token = match?.[1].trim();
  return token ? token : undefined;
}

/** A resource request the fake RBAC decides on. */
interface ResourceRequest {
  verb: string;
  resource: "pods" | "services" | "namespaces";
  namespace?: string;
}

const RESOURCE_PATH = /^\/api\/v1\/(?:namespaces\/([a-z0-9-]+)\/(pods|services)|(namespaces))$/;

function resourceRequestOf(method: string, url: URL): ResourceRequest | undefined {
  const match = url.pathname.match(RESOURCE_PATH);
  if (!match || method !== "GET") return undefined;
  const verb = url.searchParams.get("watch") === "true" ? "watch" : "list";
  if (match[3]) return { verb, resource: "namespaces" };
  return { verb, resource: match[2] as "pods" | "services", namespace: match[1] };
}

function forbiddenMessage(user: UserInfo, request: ResourceRequest): string {
  const scope = request.namespace
    ? `in the namespace "${request.namespace}"`
    : "at the cluster scope";
  return `${request.resource} is forbidden: User "${user.username}" cannot ${request.verb} ` +
    `resource "${request.resource}" in API group "" ${scope}`;
}

function matchingBinding(bindings: KubeBinding[], user: UserInfo): KubeBinding | undefined {
  return bindings.find((binding) =>
    (binding.user === undefined || binding.user === user.username) &&
    (binding.group === undefined || user.groups.includes(binding.group)) &&
    (binding.user !== undefined || binding.group !== undefined)
  );
}

function wantsTable(request: Request): boolean {
  return /\bas=Table\b/.test(request.headers.get("accept") ?? "");
}

const STARTED = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");

function fakePods(namespace: string): Record<string, unknown>[] {
  if (namespace !== "default") return [];
  return ["web-7d4b9c8f6-abcde", "worker-5f6c7d8e9-fghij"].map((name, index) => ({
    kind: "Pod",
    apiVersion: "v1",
    metadata: {
      name,
      namespace,
      uid: `00000000-0000-4000-8000-00000000000${index + 1}`,
      resourceVersion: `${100 + index}`,
      creationTimestamp: STARTED,
      labels: { app: name.split("-")[0] },
    },
    spec: { containers: [{ name: "main", image: "registry.example/app:1.0" }] },
    status: {
      phase: "Running",
      containerStatuses: [{
        name: "main",
        ready: true,
        restartCount: 0,
        image: "registry.example/app:1.0",
        state: { running: { startedAt: STARTED } },
      }],
    },
  }));
}

function fakeNamespaces(): Record<string, unknown>[] {
  return ["default", "kube-system"].map((name) => ({
    kind: "Namespace",
    apiVersion: "v1",
    metadata: { name, creationTimestamp: STARTED },
    status: { phase: "Active" },
  }));
}

function age(timestamp: string): string {
  const minutes = Math.floor((Date.now() - Date.parse(timestamp)) / 60_000);
  return minutes < 120 ? `${minutes}m` : `${Math.floor(minutes / 60)}h`;
}

/** A meta.k8s.io/v1 Table, what `kubectl get` asks for by default. */
function table(
  columns: string[],
  items: Record<string, unknown>[],
  cells: (item: Record<string, unknown>) => unknown[],
): Record<string, unknown> {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion: "1" },
    columnDefinitions: columns.map((name, index) => ({
      name,
      type: "string",
      format: index === 0 ? "name" : "",
      description: name,
      priority: 0,
    })),
    rows: items.map((item) => ({
      cells: cells(item),
      object: {
        kind: "PartialObjectMetadata",
        apiVersion: "meta.k8s.io/v1",
        metadata: item.metadata,
      },
    })),
  };
}

function listResponse(request: Request, resource: ResourceRequest): Response {
  const metadataOf = (item: Record<string, unknown>) => item.metadata as Record<string, string>;
  if (resource.resource === "pods") {
    const pods = fakePods(resource.namespace ?? "");
    if (wantsTable(request)) {
      return Response.json(table(
        ["Name", "Ready", "Status", "Restarts", "Age"],
        pods,
        (
          pod,
        ) => [metadataOf(pod).name, "1/1", "Running", "0", age(metadataOf(pod).creationTimestamp)],
      ));
    }
    return Response.json({
      kind: "PodList",
      apiVersion: "v1",
      metadata: { resourceVersion: "1" },
      items: pods,
    });
  }
  if (resource.resource === "namespaces") {
    const namespaces = fakeNamespaces();
    if (wantsTable(request)) {
      return Response.json(table(
        ["Name", "Status", "Age"],
        namespaces,
        (ns) => [metadataOf(ns).name, "Active", age(metadataOf(ns).creationTimestamp)],
      ));
    }
    return Response.json({
      kind: "NamespaceList",
      apiVersion: "v1",
      metadata: { resourceVersion: "1" },
      items: namespaces,
    });
  }
  // No cluster services: `kubectl cluster-info` then prints only the control plane URL.
  if (wantsTable(request)) return Response.json(table(["Name", "Type", "Age"], [], () => []));
  return Response.json({
    kind: "ServiceList",
    apiVersion: "v1",
    metadata: { resourceVersion: "1" },
    items: [],
  });
}

const VERBS_READ_WRITE = ["create", "delete", "get", "list", "patch", "update", "watch"];

function discovery(path: string, url: string): Record<string, unknown> | undefined {
  const authenticationGroup = {
    name: AUTHENTICATION_GROUP,
    versions: [{ groupVersion: AUTHENTICATION_GROUP_VERSION, version: "v1" }],
    preferredVersion: { groupVersion: AUTHENTICATION_GROUP_VERSION, version: "v1" },
  };
  switch (path) {
    case "/version":
      return SERVER_VERSION;
    case "/api":
      return {
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: new URL(url).host }],
      };
    case "/apis":
      return { kind: "APIGroupList", apiVersion: "v1", groups: [authenticationGroup] };
    case `/apis/${AUTHENTICATION_GROUP}`:
      return { kind: "APIGroup", apiVersion: "v1", ...authenticationGroup };
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
            verbs: VERBS_READ_WRITE,
            shortNames: ["ns"],
          },
          {
            name: "pods",
            singularName: "pod",
            namespaced: true,
            kind: "Pod",
            verbs: [...VERBS_READ_WRITE, "deletecollection"],
            shortNames: ["po"],
            categories: ["all"],
          },
          {
            name: "services",
            singularName: "service",
            namespaced: true,
            kind: "Service",
            verbs: VERBS_READ_WRITE,
            shortNames: ["svc"],
            categories: ["all"],
          },
        ],
      };
    case `/apis/${AUTHENTICATION_GROUP_VERSION}`:
      return {
        kind: "APIResourceList",
        apiVersion: "v1",
        groupVersion: AUTHENTICATION_GROUP_VERSION,
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

function selfSubjectReview(user: UserInfo): Record<string, unknown> {
  return {
    kind: "SelfSubjectReview",
    apiVersion: AUTHENTICATION_GROUP_VERSION,
    metadata: { creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z") },
    status: { userInfo: { username: user.username, groups: user.groups } },
  };
}

/**
 * Starts the API server double on 127.0.0.1 with a free port.
 *
 * @example
 * ```ts
 * await using idp = await startTestIdp();
 * await using apiserver = await startKubeApiServer({
 *   issuerUrl: idp.issuer,
 *   clientId: PUBLIC_CLIENT_ID,
 *   groupsClaim: "groups",
 *   bindings: [{ group: "developers" }],
 * });
 * // kubeconfig: server: apiserver.url, certificate-authority: apiserver.caCertFile
 * ```
 */
export async function startKubeApiServer(options: KubeApiServerOptions): Promise<KubeApiServer> {
  const client = Deno.createHttpClient(
    options.issuerCaPem ? { caCerts: [options.issuerCaPem] } : {},
  );
  let authenticator: OidcAuthenticator;
  try {
    authenticator = new OidcAuthenticator(options, client);
  } catch (error) {
    client.close();
    throw error;
  }
  const dir = await Deno.makeTempDir({ prefix: "kube-apiserver-" });
  let certs: TestCertificates;
  try {
    certs = await createTestCertificates(dir);
  } catch (error) {
    client.close();
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  let bindings = [...(options.bindings ?? [])];
  const decisions: KubeDecision[] = [];
  let url = "";

  async function handle(request: Request): Promise<Response> {
    const requestUrl = new URL(request.url);
    const decision: KubeDecision = {
      method: request.method,
      path: requestUrl.pathname,
      outcome: "unauthenticated",
    };
    decisions.push(decision);
    const token = bearerToken(request);
    if (!token) {
      decision.reason = "no bearer token";
      return status(401, "Unauthorized", "Unauthorized");
    }
    let user: UserInfo;
    try {
      user = await authenticator.authenticate(token);
    } catch (error) {
      decision.reason = error instanceof TokenRejected ? error.message : `internal error: ${error}`;
      return status(401, "Unauthorized", "Unauthorized");
    }
    decision.user = user.username;
    decision.groups = user.groups;

    const discovered = request.method === "GET" ? discovery(requestUrl.pathname, url) : undefined;
    if (discovered) {
      decision.outcome = "allowed";
      decision.reason = "discovery is open to system:authenticated";
      return Response.json(discovered);
    }
    if (requestUrl.pathname === `/apis/${AUTHENTICATION_GROUP_VERSION}/selfsubjectreviews`) {
      if (request.method !== "POST") {
        decision.outcome = "allowed";
        decision.reason = "selfsubjectreviews only support create";
        return status(405, "MethodNotAllowed", `the server does not allow this method`);
      }
      await request.body?.cancel();
      decision.outcome = "allowed";
      decision.reason = "selfsubjectreviews are open to system:authenticated";
      return Response.json(selfSubjectReview(user), { status: 201 });
    }
    const resource = resourceRequestOf(request.method, requestUrl);
    if (!resource) {
      decision.outcome = "allowed";
      decision.reason = "no such path";
      return status(404, "NotFound", "the server could not find the requested resource", {});
    }
    const binding = matchingBinding(bindings, user);
    if (!binding) {
      decision.outcome = "forbidden";
      decision.reason =
        `no binding for the user or its groups to ${resource.verb} ${resource.resource}`;
      return status(403, "Forbidden", forbiddenMessage(user, resource), {
        kind: resource.resource,
      });
    }
    decision.outcome = "allowed";
    decision.reason = binding.user !== undefined
      ? `bound to user ${binding.user}`
      : `bound to group ${binding.group}`;
    if (resource.verb === "watch") {
      return status(405, "MethodNotAllowed", "watch is not supported by this test server");
    }
    return listResponse(request, resource);
  }

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      cert: certs.certPem,
      key: certs.keyPem,
      onListen: () => {},
    }, handle);
  } catch (error) {
    client.close();
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  const port = server.addr.port;
  url = `https://127.0.0.1:${port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await server.shutdown();
      client.close();
      await Deno.remove(dir, { recursive: true });
    })();
    return closing;
  };

  return {
    url,
    port,
    caCertFile: certs.caCertFile,
    caCertPem: certs.caCertPem,
    get decisions() {
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

/** Reads `--name=value` and `--name value` flags; repeatable ones collect every value. */
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

if (import.meta.main) {
  const flags = parseFlags(Deno.args);
  const one = (name: string): string | undefined => flags.get(name)?.at(-1);
  const issuerUrl = one("issuer");
  const clientId = one("client-id");
  if (!issuerUrl || !clientId) {
    console.error(
      "usage: kube_apiserver.ts --issuer=URL --client-id=ID [--username-claim=sub] " +
        "[--username-prefix=P] [--groups-claim=groups] [--groups-prefix=P] [--issuer-ca-file=F] " +
        "[--bind-group=G]... [--bind-user=U]...",
    );
    Deno.exit(2);
  }
  const caFile = one("issuer-ca-file");
  const apiserver = await startKubeApiServer({
    issuerUrl,
    clientId,
    usernameClaim: one("username-claim"),
    usernamePrefix: one("username-prefix"),
    groupsClaim: one("groups-claim"),
    groupsPrefix: one("groups-prefix"),
    issuerCaPem: caFile ? await Deno.readTextFile(caFile) : undefined,
    bindings: [
      ...(flags.get("bind-group") ?? []).map((group) => ({ group })),
      ...(flags.get("bind-user") ?? []).map((user) => ({ user })),
    ],
  });
  console.log(JSON.stringify({ url: apiserver.url, caCertFile: apiserver.caCertFile }));
  const stop = async () => {
    await apiserver.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
