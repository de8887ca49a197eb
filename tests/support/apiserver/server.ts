/**
 * The API server double's HTTPS server on 127.0.0.1 ({@link startApiServer}): it authenticates
 * every request (`authenticator.ts`), serves discovery and `selfsubjectreviews` to any
 * authenticated user (`discovery.ts`), asks the allow list about resources (`authorizer.ts`) and
 * answers reads (`resources.ts`). Every decision is logged in {@link ApiServer.decisions}; tokens
 * never are.
 *
 * @module
 */

import { createTestCa, issueServerCert, LOOPBACK_NAMES, type TestCa } from "../tls.ts";
import {
  bearerToken,
  OidcAuthenticator,
  type OidcAuthenticatorOptions,
  TokenRejected,
  type UserInfo,
} from "./authenticator.ts";
import { type ApiServerBinding, authorize } from "./authorizer.ts";
import { AUTHN_GROUP_VERSION, discoveryDocument, SELF_SUBJECT_REVIEWS_PATH } from "./discovery.ts";
import { kubeTime, statusResponse } from "./meta.ts";
import { readResponse, resourceRequestOf } from "./resources.ts";

/** Options of {@link startApiServer}, named after kube-apiserver's `--oidc-*` flags. */
export interface ApiServerOptions extends OidcAuthenticatorOptions {
  /** `--oidc-ca-file` contents: the CA to trust when the issuer is HTTPS. */
  issuerCaPem?: string;
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
    const authorization = authorize(bindings, user, resource);
    if (!authorization.allowed) {
      decide(decision, "forbidden", authorization.reason);
      return statusResponse(403, "Forbidden", authorization.message, {
        ...(resource.name ? { name: resource.name } : {}),
        kind: resource.resource,
      });
    }
    decide(decision, "allowed", authorization.reason);
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
