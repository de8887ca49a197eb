/**
 * Shared parts of the API server double's own tests: a minimal OIDC issuer that signs test tokens
 * ({@link startIssuer}), calls to the double ({@link call}, {@link whoami}) and the real kubectl
 * pointed at it with a static bearer token ({@link kubectl}).
 *
 * @module
 */

import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import type { ApiServer, ApiServerOptions } from "./server.ts";

/** The client ID the test tokens are issued to. */
export const CLIENT_ID = "kubelogin-test";
const KEY_ID = "key-1";
/** Where `kubectl auth whoami` posts. */
export const SELF_SUBJECT_REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
/** The pods of the `default` namespace. */
export const PODS = "/api/v1/namespaces/default/pods";

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

/** A minimal OIDC issuer: discovery and a JWKS, plus a signer for test tokens. */
export interface TestIssuer extends AsyncDisposable {
  url: string;
  /** How many times the JWKS was fetched. */
  jwksRequests(): number;
  /** Signs claims (defaults: iss, aud, sub alice, groups, 5 minute lifetime) with the issuer key. */
  sign(
    claims?: JWTPayload,
    options?: { key?: PrivateKey | Uint8Array; alg?: string },
  ): Promise<string>;
  /** Makes the issuer answer 503 to everything, or serve again. */
  setDown(down: boolean): void;
}

/** Starts a {@link TestIssuer} on 127.0.0.1, over HTTPS when given a certificate. */
export async function startIssuer(tls?: { cert: string; key: string }): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: KEY_ID, alg: "RS256", use: "sig" };
  let jwksCount = 0;
  let down = false;
  let url = "";
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {}, ...tls },
    (request) => {
      if (down) return new Response("down", { status: 503 });
      const path = new URL(request.url).pathname;
      if (path === "/.well-known/openid-configuration") {
        return Response.json({ issuer: url, jwks_uri: `${url}/jwks` });
      }
      if (path === "/jwks") {
        jwksCount++;
        return Response.json({ keys: [jwk] });
      }
      return new Response("not found", { status: 404 });
    },
  );
  url = `${tls ? "https" : "http"}://127.0.0.1:${server.addr.port}`;
  return {
    url,
    jwksRequests: () => jwksCount,
    sign: (claims = {}, options = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: url,
        aud: CLIENT_ID,
        sub: "alice",
        email: "alice@example.com",
        email_verified: true,
        groups: ["developers"],
        iat: now,
        exp: now + 300,
        ...claims,
      }).setProtectedHeader({ alg: options.alg ?? "RS256", kid: KEY_ID })
        .sign(options.key ?? privateKey);
    },
    setDown: (value) => {
      down = value;
    },
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** An unsigned (`alg: none`) JWT, which no verifier may accept. */
export function unsecuredToken(claims: JWTPayload): string {
  const part = (value: unknown) =>
    btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
  return `${part({ alg: "none", kid: KEY_ID })}.${part(claims)}.`;
}

/** Sends one request to the double, trusting its CA, and reads the JSON answer. */
export async function call(
  apiserver: ApiServer,
  path: string,
  token?: string,
  init: { method?: string; accept?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const client = Deno.createHttpClient({ caCerts: [apiserver.caPem] });
  try {
    const headers: Record<string, string> = { accept: init.accept ?? "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${apiserver.url}${path}`, {
      method: init.method ?? "GET",
      headers,
      client,
      body: init.method === "POST" ? "{}" : undefined,
    });
    return { status: response.status, body: await response.json() };
  } finally {
    client.close();
  }
}

/** POSTs a SelfSubjectReview, as `kubectl auth whoami` does. */
export function whoami(
  apiserver: ApiServer,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return call(apiserver, SELF_SUBJECT_REVIEWS, token, { method: "POST" });
}

/** The double's options for `issuer`, with the groups claim set, plus `more`. */
export function options(
  issuer: TestIssuer,
  more: Partial<ApiServerOptions> = {},
): ApiServerOptions {
  return { issuerUrl: issuer.url, clientId: CLIENT_ID, groupsClaim: "groups", ...more };
}

/** Runs the real kubectl with a private HOME and a kubeconfig holding a static bearer token. */
export async function kubectl(
  apiserver: ApiServer,
  token: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = await Deno.makeTempDir({ prefix: "kubectl-home-" });
  try {
    const kubeconfig = `${home}/config`;
    await Deno.writeTextFile(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: test",
        "  cluster:",
        `    server: ${apiserver.url}`,
        `    certificate-authority: ${apiserver.caFile}`,
        "users:",
        "- name: test",
        "  user:",
        `    token: ${token}`,
        "contexts:",
        "- name: test",
        "  context: {cluster: test, user: test, namespace: default}",
        "current-context: test",
        "",
      ].join("\n"),
    );
    const output = await new Deno.Command("kubectl", {
      args: [`--kubeconfig=${kubeconfig}`, `--cache-dir=${home}/cache`, ...args],
      env: { HOME: home, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      clearEnv: true,
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}
