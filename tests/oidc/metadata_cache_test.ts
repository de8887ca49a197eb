/**
 * The provider's metadata through the sealed on-disk cache: the real test provider over HTTP,
 * real encrypted files, a clock the test moves.
 */

import assert from "node:assert/strict";
import { FileDataKeyStore } from "../../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../../lib/cache/encrypted_file.ts";
import { metadataDocumentStore, type MetadataScope } from "../../lib/cache/token_store.ts";
import { ProviderError } from "../../lib/errors.ts";
import { ProviderHttp } from "../../lib/oidc/http.ts";
import {
  DEFAULT_FRESHNESS_MS,
  freshness,
  MAX_FRESHNESS_MS,
  ProviderDocuments,
} from "../../lib/oidc/metadata_cache.ts";
import { openProviderSession } from "../../lib/oidc/provider.ts";
import { startTestIdp, type TestIdp } from "../support/idp.ts";
import { NO_TLS, providerOptions } from "../support/provider_options.ts";

/** A sealed store in a temp directory, scoped to the provider, and a clock to move. */
async function fixture(idp: TestIdp) {
  const dir = await Deno.makeTempDir({ prefix: "metadata-cache-test-" });
  const cache = new EncryptedFileCache(`${dir}/cache`, new FileDataKeyStore(`${dir}/key`));
  const store = metadataDocumentStore(cache, {
    issuerUrl: idp.issuer,
    requestHeaders: {},
    ...NO_TLS,
  });
  const http = await ProviderHttp.create({ tls: NO_TLS, requestHeaders: {} });
  const clock = { now: Date.now() };
  return {
    dir,
    store,
    http,
    clock,
    documents: () => new ProviderDocuments(http, store, () => clock.now),
    [Symbol.asyncDispose]: async () => {
      http[Symbol.dispose]();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function discoveryUrl(idp: TestIdp): URL {
  return new URL(`${idp.issuer}/.well-known/openid-configuration`);
}

/** Fetches and commits, as the session does once the document is validated. */
async function fetchCommitted(documents: ProviderDocuments, url: URL) {
  const fetched = await documents.fetch(url, "discovery");
  await documents.commit();
  return fetched;
}

Deno.test("metadata cache: fresh for max-age, then revalidated with If-None-Match", async () => {
  await using idp = await startTestIdp();
  await using f = await fixture(idp);
  idp.setMetadataCaching({ cacheControl: "max-age=60", etag: true });
  const url = discoveryUrl(idp);

  const first = await fetchCommitted(f.documents(), url);
  assert.equal(first.fromCache, false);
  assert.equal(first.body.issuer, idp.issuer);

  idp.clearRequests();
  f.clock.now += 59_000;
  const cached = await fetchCommitted(f.documents(), url);
  assert.deepEqual(cached, { body: first.body, fromCache: true });
  assert.equal(idp.requests.length, 0);

  f.clock.now += 2_000;
  const revalidated = await fetchCommitted(f.documents(), url);
  assert.deepEqual(revalidated, { body: first.body, fromCache: false });
  const [request] = idp.requests;
  assert.equal(request.status, 304);
  assert.match(request.headers["if-none-match"], /^"[0-9a-f]+"$/);

  // The 304 renewed the lifetime.
  idp.clearRequests();
  f.clock.now += 59_000;
  assert.equal((await fetchCommitted(f.documents(), url)).fromCache, true);
  assert.equal(idp.requests.length, 0);
});

Deno.test("metadata cache: no-cache revalidates every time, no-store keeps nothing", async () => {
  await using idp = await startTestIdp();
  await using f = await fixture(idp);
  const url = discoveryUrl(idp);
  idp.setMetadataCaching({ cacheControl: "no-cache", etag: true });
  await fetchCommitted(f.documents(), url);
  idp.clearRequests();
  assert.equal((await fetchCommitted(f.documents(), url)).fromCache, false);
  assert.deepEqual(idp.requests.map((r) => r.status), [304]);

  idp.setMetadataCaching({ cacheControl: "no-store" });
  await fetchCommitted(f.documents(), url);
  assert.equal(await f.store.read(url.href), undefined, "a no-store answer removes the copy");
  idp.clearRequests();
  await fetchCommitted(f.documents(), url);
  assert.equal(idp.requests[0].headers["if-none-match"], undefined);
  assert.equal(idp.requests[0].status, 200);
});

Deno.test("metadata cache: revalidate asks even when fresh", async () => {
  await using idp = await startTestIdp();
  await using f = await fixture(idp);
  const url = discoveryUrl(idp);
  await fetchCommitted(f.documents(), url);
  idp.clearRequests();
  const documents = f.documents();
  assert.equal((await documents.fetch(url, "discovery", { revalidate: true })).fromCache, false);
  assert.equal(idp.requests.length, 1);
});

Deno.test("metadata cache: nothing is stored until committed", async () => {
  await using idp = await startTestIdp();
  await using f = await fixture(idp);
  const url = discoveryUrl(idp);
  await f.documents().fetch(url, "discovery");
  assert.equal(await f.store.read(url.href), undefined);
});

Deno.test("metadata cache: a copy from the future (clock set back) is not trusted", async () => {
  await using idp = await startTestIdp();
  await using f = await fixture(idp);
  const url = discoveryUrl(idp);
  await fetchCommitted(f.documents(), url);
  f.clock.now -= MAX_FRESHNESS_MS + 60_000;
  idp.clearRequests();
  assert.equal((await fetchCommitted(f.documents(), url)).fromCache, false);
  assert.equal(idp.requests.length, 1);
});

Deno.test("metadata cache: a stored copy that is not a document is a miss", async () => {
  await using idp = await startTestIdp();
  await using f = await fixture(idp);
  const url = discoveryUrl(idp);
  // Sealed with the right key and name, but not what the cache writes.
  for (const text of ["not json", "[]", JSON.stringify({ url: url.href, body: {} })]) {
    await f.store.write(url.href, text);
    idp.clearRequests();
    assert.equal((await fetchCommitted(f.documents(), url)).fromCache, false);
    assert.equal(idp.requests.length, 1);
  }
  // A copy stored under another URL's name is refused by its URL field too.
  const other = new URL(`${idp.issuer}/jwks`);
  await f.store.write(other.href, (await f.store.read(url.href))!);
  idp.clearRequests();
  assert.ok(Array.isArray((await f.documents().fetch(other, "JWKS request")).body.keys));
  assert.equal(idp.requests.length, 1);
});

Deno.test("metadata cache: a discovery document that fails validation is not cached", async () => {
  await using idp = await startTestIdp({ advertisedIssuer: "https://elsewhere.example" });
  await using f = await fixture(idp);
  const options = providerOptions(idp);
  await assert.rejects(openProviderSession(options, f.store), ProviderError);
  assert.equal(await f.store.read(discoveryUrl(idp).href), undefined);
  idp.clearRequests();
  await assert.rejects(openProviderSession(options, f.store), ProviderError);
  assert.equal(idp.requests.length, 1, "asked the provider again");
});

Deno.test("metadata cache: documents are keyed by issuer, request headers and trust roots", async () => {
  const dir = await Deno.makeTempDir({ prefix: "metadata-cache-test-" });
  try {
    const cache = new EncryptedFileCache(dir, new FileDataKeyStore(`${dir}/key`));
    const scope: MetadataScope = {
      issuerUrl: "https://issuer.example",
      requestHeaders: { "X-Tenant": "blue" },
      ...NO_TLS,
    };
    const url = "https://issuer.example/jwks";
    await metadataDocumentStore(cache, scope).write(url, "blue's keys");
    const read = (overrides: Partial<MetadataScope>) =>
      metadataDocumentStore(cache, { ...scope, ...overrides }).read(url);
    assert.equal(await read({ requestHeaders: { "x-tenant": "blue" } }), "blue's keys");
    assert.equal(await read({ requestHeaders: { "X-Tenant": "red" } }), undefined);
    assert.equal(await read({ requestHeaders: {} }), undefined);
    assert.equal(await read({ issuerUrl: "https://other.example" }), undefined);
    assert.equal(await read({ certificateAuthorityData: ["Q0E="] }), undefined);
    assert.deepEqual(await cache.keyIds(), [], "never taken for token entries");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** How long a document may be reused, from its caching headers (RFC 9111). */
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
