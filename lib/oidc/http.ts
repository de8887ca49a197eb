/**
 * The HTTP client every request to the identity provider goes through: it adds the user's
 * `--oidc-request-header`s, trusts the extra CA certificates, checks the network permission
 * before asking (so Deno never prompts), and turns transport failures into typed errors.
 *
 * @module
 */

import { ProviderError, UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { requirePermission, toPermissionError } from "../permissions.ts";
import { traceFailure, traceResponse } from "./http_trace.ts";

/** TLS settings for connections to the provider. */
export interface TlsOptions {
  /** Paths of PEM files with extra CA certificates (`--certificate-authority`). */
  certificateAuthorities: readonly string[];
  /** Base64-encoded PEM CA certificates (`--certificate-authority-data`). */
  certificateAuthorityData: readonly string[];
  /**
   * `--insecure-skip-tls-verify`. Deno's fetch has no per-client switch for this, so it is
   * refused with a message naming Deno's own `--unsafely-ignore-certificate-errors` flag.
   */
  insecureSkipTlsVerify: boolean;
}

/** Options of {@link ProviderHttp}. */
export interface ProviderHttpOptions {
  tls: TlsOptions;
  /** Headers added to every request (`--oidc-request-header`). */
  requestHeaders: Readonly<Record<string, string>>;
  /** Receives the request trace at `-v2` and above. */
  logger?: Logger;
}

/** The default HTTP timeout for one request to the provider. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** An HTTP client for the provider's endpoints. Close it to release the TLS client. */
export class ProviderHttp implements Disposable {
  readonly #headers: Readonly<Record<string, string>>;
  readonly #client?: Deno.HttpClient;
  readonly #logger?: Logger;

  private constructor(
    headers: Readonly<Record<string, string>>,
    client?: Deno.HttpClient,
    logger?: Logger,
  ) {
    this.#headers = headers;
    this.#client = client;
    this.#logger = logger;
  }

  /**
   * Creates the client, reading the CA files.
   *
   * @throws {UsageError} for `--insecure-skip-tls-verify` or an unreadable CA input
   */
  static async create(options: ProviderHttpOptions): Promise<ProviderHttp> {
    if (options.tls.insecureSkipTlsVerify) {
      throw new UsageError(
        "--insecure-skip-tls-verify cannot be honoured by Deno's fetch; remove it and run deno with " +
          "--unsafely-ignore-certificate-errors=<issuer host>, or pass the provider's CA with " +
          "--certificate-authority",
      );
    }
    const caCerts = [
      ...(await Promise.all(options.tls.certificateAuthorities.map(readCaFile))),
      ...options.tls.certificateAuthorityData.map(decodeCaData),
    ];
    const client = caCerts.length > 0 ? Deno.createHttpClient({ caCerts }) : undefined;
    return new ProviderHttp(options.requestHeaders, client, options.logger);
  }

  /**
   * Sends a request; resolves with any HTTP answer, rejects only when none arrived.
   *
   * @throws {PermissionError} when `--allow-net` does not cover the host
   * @throws {ProviderError} when the provider cannot be reached or does not answer in time
   */
  async fetch(url: URL, init: RequestInit = {}): Promise<Response> {
    requirePermission(
      { name: "net", host: `${url.hostname}:${url.port || defaultPort(url)}` },
      `connect to ${url.host}`,
    );
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(this.#headers)) headers.set(name, value);
    const method = init.method ?? "GET";
    const started = performance.now();
    try {
      const response = await fetch(url, {
        ...init,
        headers,
        client: this.#client,
        redirect: "manual",
        signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      traceResponse(this.#logger, method, url, response, started);
      return response;
    } catch (error) {
      traceFailure(this.#logger, method, url, started);
      const permission = toPermissionError(error);
      if (permission !== error) throw permission;
      const detail = describeFetchError(error);
      // rustls names the problem (UnknownIssuer, NotValidForName, Expired); say what fixes it.
      const hint = /certificate/i.test(detail)
        ? "; if the provider's certificate comes from a private CA, pass the CA with " +
          "--certificate-authority or --certificate-authority-data"
        : "";
      throw new ProviderError(`could not reach ${url.origin}: ${detail}${hint}`, { cause: error });
    }
  }

  [Symbol.dispose](): void {
    this.#client?.close();
  }
}

function defaultPort(url: URL): string {
  return url.protocol === "https:" ? "443" : "80";
}

async function readCaFile(path: string): Promise<string> {
  requirePermission({ name: "read", path }, `read the CA file ${path}`);
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new UsageError(`could not read --certificate-authority ${path}: ${describe(error)}`);
  }
}

function decodeCaData(data: string): string {
  try {
    const pem = atob(data.trim());
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate");
    return pem;
  } catch {
    throw new UsageError("--certificate-authority-data is not base64 of a PEM certificate");
  }
}

/** Deno wraps the interesting part (the TLS or DNS failure) in the error's cause. */
function describeFetchError(error: unknown): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 4; e = e.cause) {
    parts.push(e.message);
  }
  return parts.join(": ") || String(error);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
