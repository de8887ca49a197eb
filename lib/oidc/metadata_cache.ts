/**
 * The provider's metadata documents (discovery, JWKS) fetched through an on-disk cache that
 * follows their HTTP lifetimes and revalidates with `If-None-Match`, so that a refresh makes one
 * request (the token request) and a login no more than the grant needs.
 *
 * A document's lifetime comes from its HTTP caching headers (RFC 9111 section 4.2), read as a
 * private cache does: `no-store` forbids keeping it, `no-cache` keeps it for revalidation only,
 * `max-age` (less `Age`) or `Expires` (against `Date`) give the lifetime, and a response without
 * any of them gets {@link DEFAULT_FRESHNESS_MS}. Every lifetime is capped at
 * {@link MAX_FRESHNESS_MS}, so a provider's mistake (a year-long `max-age`) cannot pin old keys or
 * endpoints for long; a key rotation is picked up at once anyway, through the unknown `kid`.
 *
 * Nothing is stored until the caller has validated what it got ({@link ProviderDocuments.commit}),
 * so a document the program rejected is not served again from the cache. A stored document that
 * cannot be read back, decrypted or parsed is a miss: it is fetched again, never trusted.
 *
 * @module
 */

import type { ProviderHttp } from "./http.ts";
import { type JsonObject, readJsonObject } from "./json.ts";

/**
 * Where documents are kept between runs, by URL, already scoped to one provider configuration
 * (issuer, request headers, trust roots); see `metadataDocumentStore` in `lib/cache/token_store.ts`.
 */
export interface MetadataStore {
  /** The stored text; `undefined` when absent, damaged or tampered with. */
  read(url: string): Promise<string | undefined>;
  /** Stores the text. */
  write(url: string, text: string): Promise<void>;
  /** Forgets the document. */
  delete(url: string): Promise<void>;
}

/** A document and where it came from. */
export interface FetchedDocument {
  body: JsonObject;
  /** `true` when it was answered from the cache without any request. */
  fromCache: boolean;
}

/** Options of {@link ProviderDocuments.fetch}. */
export interface FetchDocumentOptions {
  /**
   * Ask the provider even when the cached copy is fresh (with `If-None-Match` when it has an
   * ETag): the cached keys did not verify a token, so the provider may have rotated them.
   */
  revalidate?: boolean;
}

/** A stored document with what is needed to judge and revalidate it. */
interface StoredDocument {
  url: string;
  body: JsonObject;
  /** When the document stops being fresh (ms since the epoch). */
  expiresAt: number;
  etag?: string;
  /** The caching headers it came with, merged with those of later 304 answers. */
  headers: Record<string, string>;
}

/** Headers kept with a document: what {@link freshness} reads, and the validator. */
const KEPT_HEADERS = ["cache-control", "expires", "date", "etag"];

/** Fetches the provider's metadata documents, from the cache when it may. */
export class ProviderDocuments {
  readonly #http: ProviderHttp;
  readonly #store?: MetadataStore;
  readonly #now: () => number;
  /** Documents fetched and not yet committed; `undefined` marks one to forget (`no-store`). */
  readonly #pending = new Map<string, StoredDocument | undefined>();
  /** URLs answered from the cache without a request in this session. */
  readonly #servedFromCache = new Set<string>();

  /**
   * @param store where documents are kept; without one, every fetch asks the provider
   * @param now the clock, for tests
   */
  constructor(http: ProviderHttp, store?: MetadataStore, now: () => number = Date.now) {
    this.#http = http;
    this.#store = store;
    this.#now = now;
  }

  /**
   * A JSON document: the cached copy while it is fresh, else the provider's answer (a `304` to
   * `If-None-Match` renews the cached copy).
   *
   * @param what the exchange, for messages ("discovery", "JWKS request")
   * @throws {ProviderError} when the provider cannot be reached or answers no JSON object
   */
  async fetch(
    url: URL,
    what: string,
    options: FetchDocumentOptions = {},
  ): Promise<FetchedDocument> {
    const stored = await this.#read(url.href);
    if (stored && !options.revalidate && isFresh(stored.expiresAt - this.#now())) {
      this.#servedFromCache.add(url.href);
      return { body: stored.body, fromCache: true };
    }
    const headers = new Headers({ accept: "application/json" });
    if (stored?.etag) headers.set("if-none-match", stored.etag);
    const response = await this.#http.fetch(url, { headers });
    if (response.status === 304 && stored) {
      await response.body?.cancel();
      this.#remember({ ...stored, headers: { ...stored.headers, ...keptHeaders(response) } });
      return { body: stored.body, fromCache: false };
    }
    const body = await readJsonObject(response, what);
    this.#remember({ url: url.href, body, expiresAt: 0, headers: keptHeaders(response) });
    return { body, fromCache: false };
  }

  /**
   * Stores the documents fetched since the last commit; call it once they have been validated.
   * A failure to store is ignored: the cache only saves requests, and the token entry's write
   * reports a cache directory that cannot be written.
   */
  async commit(): Promise<void> {
    const pending = [...this.#pending];
    this.#pending.clear();
    if (!this.#store) return;
    for (const [url, document] of pending) {
      try {
        if (document) await this.#store.write(url, JSON.stringify(document));
        else await this.#store.delete(url);
      } catch {
        // Best effort, see above.
      }
    }
  }

  /**
   * Deletes the documents this session took from the cache without asking: an exchange that
   * relied on them failed, and they may be what is out of date (a moved token endpoint), so the
   * next run asks the provider. Failures to delete are ignored, as in {@link commit}.
   */
  async forgetServedFromCache(): Promise<void> {
    const urls = [...this.#servedFromCache];
    this.#servedFromCache.clear();
    for (const url of urls) await this.#store?.delete(url).catch(() => {});
  }

  /** Queues a fetched document for {@link commit}, with its lifetime from its headers. */
  #remember(document: StoredDocument): void {
    const allowed = freshness(new Headers(document.headers));
    this.#pending.set(
      document.url,
      allowed.store
        ? {
          ...document,
          etag: document.headers.etag,
          expiresAt: this.#now() + allowed.lifetimeMs,
        }
        : undefined,
    );
  }

  async #read(url: string): Promise<StoredDocument | undefined> {
    if (!this.#store) return undefined;
    try {
      const text = await this.#store.read(url);
      return text === undefined ? undefined : parseStored(text, url);
    } catch {
      // An unreadable cache costs a request, never the refresh.
      return undefined;
    }
  }
}

/** Fresh, and not beyond the cap (a clock set back since it was stored). */
function isFresh(remainingMs: number): boolean {
  return remainingMs > 0 && remainingMs <= MAX_FRESHNESS_MS;
}

function keptHeaders(response: Response): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

/** A stored document, checked field by field; `undefined` when anything is off. */
function parseStored(text: string, url: string): StoredDocument | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(doc) || doc.url !== url || !isObject(doc.body)) return undefined;
  if (typeof doc.expiresAt !== "number" || !isObject(doc.headers)) return undefined;
  if (doc.etag !== undefined && typeof doc.etag !== "string") return undefined;
  const headers = doc.headers;
  if (!Object.values(headers).every((value) => typeof value === "string")) return undefined;
  return {
    url,
    body: doc.body,
    expiresAt: doc.expiresAt,
    etag: doc.etag,
    headers: headers as Record<string, string>,
  };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The lifetime of a response that says nothing about caching. */
export const DEFAULT_FRESHNESS_MS = 60 * 60 * 1000;

/** The longest a response is reused without asking the provider, whatever it says. */
export const MAX_FRESHNESS_MS = 24 * 60 * 60 * 1000;

/** What a response's headers allow. */
export interface Freshness {
  /** Whether the response may be stored at all (`no-store` says no). */
  store: boolean;
  /** How long it may be reused without a request, in milliseconds; 0 means revalidate first. */
  lifetimeMs: number;
}

/**
 * The freshness of a response, from its `Cache-Control`, `Expires`, `Date` and `Age` headers.
 *
 * @example
 * ```ts
 * freshness(new Headers({ "cache-control": "public, max-age=600" })); // { store: true, lifetimeMs: 600000 }
 * ```
 */
export function freshness(headers: Headers): Freshness {
  const directives = parseCacheControl(headers.get("cache-control") ?? "");
  if (directives.has("no-store")) return { store: false, lifetimeMs: 0 };
  return {
    store: true,
    lifetimeMs: Math.min(Math.max(lifetime(headers, directives), 0), MAX_FRESHNESS_MS),
  };
}

function lifetime(headers: Headers, directives: Map<string, string>): number {
  if (directives.has("no-cache")) return 0;
  const age = seconds(headers.get("age") ?? "") ?? 0;
  const maxAge = directives.get("max-age");
  if (maxAge !== undefined) return ((seconds(maxAge) ?? 0) - age) * 1000;
  const expires = headers.get("expires");
  if (expires !== null) {
    // An invalid Expires (often "0" or "-1") means already expired (RFC 9111 section 5.3).
    const expiresAt = Date.parse(expires);
    const date = Date.parse(headers.get("date") ?? "");
    if (Number.isNaN(expiresAt)) return 0;
    return expiresAt - (Number.isNaN(date) ? Date.now() : date) - age * 1000;
  }
  return DEFAULT_FRESHNESS_MS;
}

/** Directive names in lower case, each with its value (quotes removed) or `""`. */
function parseCacheControl(value: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of value.split(",")) {
    const [name, ...rest] = part.split("=");
    const key = name.trim().toLowerCase();
    if (key !== "" && !directives.has(key)) {
      directives.set(key, rest.join("=").trim().replace(/^"(.*)"$/, "$1"));
    }
  }
  return directives;
}

/** A delta-seconds value (RFC 9111 section 1.2.2); `undefined` when it is not one. */
function seconds(value: string): number | undefined {
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
}
