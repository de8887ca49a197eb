/** How long the provider's metadata may be reused, from its caching headers (RFC 9111). */

import assert from "node:assert/strict";
import {
  DEFAULT_FRESHNESS_MS,
  freshness,
  MAX_FRESHNESS_MS,
} from "../../lib/oidc/http_freshness.ts";

function of(headers: Record<string, string>) {
  return freshness(new Headers(headers));
}

Deno.test("freshness: max-age, less Age, capped at 24 h", () => {
  assert.deepEqual(of({ "cache-control": "public, max-age=600" }), {
    store: true,
    lifetimeMs: 600_000,
  });
  assert.equal(of({ "cache-control": "max-age=600", age: "100" }).lifetimeMs, 500_000);
  assert.equal(of({ "cache-control": "max-age=60", age: "100" }).lifetimeMs, 0);
  assert.equal(of({ "Cache-Control": 'Private, Max-Age="120"' }).lifetimeMs, 120_000);
  assert.equal(of({ "cache-control": "max-age=31536000" }).lifetimeMs, MAX_FRESHNESS_MS);
  assert.equal(of({ "cache-control": "max-age=soon" }).lifetimeMs, 0);
});

Deno.test("freshness: no-store is not stored, no-cache is stored for revalidation only", () => {
  assert.equal(of({ "cache-control": "no-store, max-age=600" }).store, false);
  assert.deepEqual(of({ "cache-control": "no-cache, max-age=600" }), {
    store: true,
    lifetimeMs: 0,
  });
});

Deno.test("freshness: Expires against Date; an invalid Expires is already stale", () => {
  const date = "Sun, 29 Nov 2026 12:00:00 GMT";
  assert.equal(of({ date, expires: "Sun, 29 Nov 2026 12:10:00 GMT" }).lifetimeMs, 600_000);
  assert.equal(of({ date, expires: "0" }).lifetimeMs, 0);
  assert.equal(of({ date, expires: "Sun, 29 Nov 2026 11:00:00 GMT" }).lifetimeMs, 0);
  // max-age wins over Expires (RFC 9111 section 5.3).
  const both = { date, expires: "Sun, 29 Nov 2026 12:10:00 GMT", "cache-control": "max-age=5" };
  assert.equal(of(both).lifetimeMs, 5_000);
});

Deno.test("freshness: no caching header gets the default", () => {
  assert.deepEqual(of({}), { store: true, lifetimeMs: DEFAULT_FRESHNESS_MS });
  assert.equal(of({ "cache-control": "public" }).lifetimeMs, DEFAULT_FRESHNESS_MS);
});
