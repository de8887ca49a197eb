/**
 * The HTTP client every request to the identity provider goes through: it adds the user's
 * `--oidc-request-header`s, trusts the extra CA certificates, checks the network permission
 * before asking (so Deno never prompts), and turns transport failures into typed errors. It talks
 * only `https:` (`http:` only to loopback hosts) and reads at most {@link MAX_BODY_BYTES} of any
 * answer, within the request's time limit.
 *
 * @module
 */

import { errorMessage, ProviderError, UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { requirePermission, toPermissionError } from "../permissions.ts";
import { parseSecureUrl } from "../secure_url.ts";
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

/** The default HTTP timeout for one request to the provider, answer body included. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The largest answer body read from the provider. Discovery documents, JWKS and token responses
 * are a few KiB; a hostile provider must not be able to fill memory.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

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
        "`provider.tls.insecureSkipTlsVerify` cannot be honoured by Deno's fetch; remove it and " +
          "run deno with --unsafely-ignore-certificate-errors=<issuer host>, or pass the " +
          "provider's CA with `provider.tls.certificateAuthorities`",
        {
          settings: ["provider.tls.insecureSkipTlsVerify", "provider.tls.certificateAuthorities"],
        },
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
    if (!parseSecureUrl(url.href)) {
      throw new ProviderError(
        `refusing to send a request to ${url.origin}: only https is allowed, and http only for ` +
          "loopback hosts",
      );
    }
    requirePermission(
      { name: "net", host: `${url.hostname}:${url.port || defaultPort(url)}` },
      `connect to ${url.host}`,
    );
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(this.#headers)) headers.set(name, value);
    const signal = init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const method = init.method ?? "GET";
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers,
        client: this.#client,
        redirect: "manual",
        signal,
      });
      traceResponse(this.#logger, method, url, response, started);
    } catch (error) {
      traceFailure(this.#logger, method, url, started);
      const permission = toPermissionError(error);
      if (permission !== error) throw permission;
      const detail = describeFetchError(error);
      // rustls names the problem (UnknownIssuer, NotValidForName, Expired); say what fixes it.
      const hint = /certificate/i.test(detail)
        ? "; if the provider's certificate comes from a private CA, pass the CA with " +
          "`provider.tls.certificateAuthorities` or `provider.tls.certificateAuthorityData`"
        : "";
      throw new ProviderError(`could not reach ${url.origin}: ${detail}${hint}`, {
        cause: error,
        settings: hint ? [...CA_SETTINGS] : [],
      });
    }
    return await bufferBody(response, url);
  }

  [Symbol.dispose](): void {
    this.#client?.close();
  }
}

/**
 * Reads the whole body, up to {@link MAX_BODY_BYTES}, within the request's time limit, and
 * returns an equivalent response holding it.
 *
 * @throws {ProviderError} naming the endpoint when the body is too large or does not arrive
 */
async function bufferBody(response: Response, url: URL): Promise<Response> {
  const endpoint = `${url.origin}${url.pathname}`;
  const declared = Number(response.headers.get("content-length") ?? "0");
  const tooLarge = () =>
    new ProviderError(
      `the answer of ${endpoint} is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB; refused`,
      { status: response.status },
    );
  if (declared > MAX_BODY_BYTES) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    await response.body?.cancel().catch(() => {});
    if (error instanceof ProviderError) throw error;
    throw new ProviderError(
      `could not read the answer of ${endpoint}: ${describeFetchError(error)}`,
      { cause: error, status: response.status },
    );
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  const noBody = response.status === 204 || response.status === 304;
  const buffered = new Response(noBody ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  Object.defineProperty(buffered, "url", { value: response.url });
  return buffered;
}

/** The settings that trust a private CA. */
const CA_SETTINGS = [
  "provider.tls.certificateAuthorities",
  "provider.tls.certificateAuthorityData",
] as const;

function defaultPort(url: URL): string {
  return url.protocol === "https:" ? "443" : "80";
}

async function readCaFile(path: string): Promise<string> {
  requirePermission({ name: "read", path }, `read the CA file ${path}`);
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new UsageError(
      `could not read \`provider.tls.certificateAuthorities\` ${path}: ${errorMessage(error)}`,
      { cause: error, settings: ["provider.tls.certificateAuthorities"] },
    );
  }
}

function decodeCaData(data: string): string {
  try {
    const pem = atob(data.trim());
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate");
    return pem;
  } catch (error) {
    throw new UsageError(
      "`provider.tls.certificateAuthorityData` is not base64 of a PEM certificate",
      {
        cause: error,
        settings: ["provider.tls.certificateAuthorityData"],
      },
    );
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
