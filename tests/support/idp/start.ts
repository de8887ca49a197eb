/**
 * Starting the test provider: the front on its public port, oidc-provider on a private one, and
 * the handle a test holds (the request log and the controls).
 *
 * @module
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
// @deno-types="npm:@types/oidc-provider@9.12.1"
import type { AdapterPayload } from "oidc-provider";
import { createProvider, providerConfiguration, signingKeyPair } from "./configuration.ts";
import { frontHandler, type FrontState } from "./front.ts";
import { MetadataControl } from "./metadata.ts";
import { matches } from "./request_log.ts";
import type { IdpRequest, TestIdp, TestIdpOptions } from "./types.ts";

/**
 * Starts the provider on 127.0.0.1.
 *
 * @example
 * ```ts
 * await using idp = await startTestIdp({ rotateRefreshTokens: true });
 * const discovery = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
 * ```
 */
export async function startTestIdp(options: TestIdpOptions = {}): Promise<TestIdp> {
  let idTokenTtl = options.idTokenTtlSec ?? 3600;
  const state: FrontState = { slowDown: false, foreignJwks: false };
  const requests: IdpRequest[] = [];
  const store = new Map<string, AdapterPayload>();
  const signing = await signingKeyPair();
  const foreign = await signingKeyPair();
  const metadataControl = new MetadataControl(signing.publicJwk);
  const tls = options.tls
    ? {
      cert: await readPem(options.tls.cert, options.tls.certFile),
      key: await readPem(options.tls.key, options.tls.keyFile),
    }
    : undefined;
  const scheme = tls ? "https" : "http";

  // The front listens first: the issuer needs its port.
  const handlerRef: { current?: (request: Request) => Promise<Response> } = {};
  const front = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen: () => {},
    ...(tls ?? {}),
  }, (request) =>
    handlerRef.current?.(request) ??
      Promise.resolve(new Response("the test IdP is starting", { status: 503 })));
  const port = front.addr.port;
  const issuer = `${scheme}://127.0.0.1:${port}`;

  const configuration = providerConfiguration(
    options,
    store,
    signing.privateJwk,
    () => idTokenTtl,
  );
  const provider = createProvider(issuer, configuration, options);
  const inner = createServer(provider.callback());
  const innerPort = await listenInner(inner).catch(async (error) => {
    await front.shutdown();
    throw error;
  });
  const innerClient = Deno.createHttpClient({});

  handlerRef.current = frontHandler({
    options,
    state,
    requests,
    scheme,
    innerPort,
    innerClient,
    foreignPublicJwk: foreign.publicJwk,
    metadataControl,
  });

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await front.shutdown();
      innerClient.close();
      await closeInner(inner);
    })();
    return closed;
  };

  return {
    issuer,
    aliasIssuer: `${scheme}://localhost:${port}`,
    port,
    get requests(): readonly IdpRequest[] {
      return requests;
    },
    clearRequests: () => {
      requests.length = 0;
    },
    countRequests: (filter = {}) =>
      requests.filter((request) =>
        typeof filter === "function" ? filter(request) : matches(request, filter)
      ).length,
    requestsTo: (pathSuffix, grantType) =>
      requests.filter((request) => matches(request, { pathSuffix, grantType })),
    setIdTokenTtl: (seconds) => {
      idTokenTtl = seconds;
    },
    revokeRefreshTokens: () => {
      for (const key of [...store.keys()]) {
        if (key.startsWith("RefreshToken:")) store.delete(key);
      }
    },
    ageDeviceCodes: (seconds) => {
      for (const [key, code] of store) {
        if (!key.startsWith("DeviceCode:")) continue;
        for (const field of ["iat", "exp"] as const) {
          if (typeof code[field] === "number") code[field] -= seconds;
        }
      }
    },
    failNextRefresh: (status = 503, oauthError) => {
      [state.failRefresh, state.failRefreshError] = [status, oauthError];
    },
    failNextTokenRequest: (status = 503) => {
      state.failToken = status;
    },
    slowDownNext: () => {
      state.slowDown = true;
    },
    slowDownNextPoll: () => {
      state.slowDown = true;
    },
    useForeignSigningKey: (on) => {
      state.foreignJwks = on;
    },
    ...metadataControl.controls(),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function readPem(value: string | undefined, file: string | undefined): Promise<string> {
  if (value !== undefined) return value;
  if (file !== undefined) return await Deno.readTextFile(file);
  throw new TypeError("tls needs cert and key (PEM text or files)");
}

function listenInner(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function closeInner(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
