/**
 * How long a response of the provider may be reused without asking again, from its HTTP caching
 * headers (RFC 9111 section 4.2), as a private cache: `no-store` forbids keeping it, `no-cache`
 * keeps it for revalidation only, `max-age` (less `Age`) or `Expires` (against `Date`) give the
 * lifetime, and a response without any of them gets {@link DEFAULT_FRESHNESS_MS}. Every lifetime
 * is capped at {@link MAX_FRESHNESS_MS}, so a provider's mistake (a year-long `max-age`) cannot
 * pin old keys or endpoints for long; a key rotation is picked up at once anyway, through the
 * unknown `kid`.
 *
 * @module
 */

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
