/**
 * `checkProviderUrl` skips `new URL` for issuer URLs of the usual shape (its first use costs the
 * cache hit about a millisecond); the shortcut must never accept what the full check refuses.
 */

import assert from "node:assert/strict";
import { checkProviderUrl } from "../../cli/url_check.ts";
import { UsageError } from "../../lib/errors.ts";

/** Whether the full check (`new URL`, https or loopback http) accepts `raw`. */
function fullCheckAccepts(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === "https:" ||
    (url.protocol === "http:" && ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname));
}

function accepted(raw: string): boolean {
  try {
    checkProviderUrl("oidc-issuer-url", raw);
    return true;
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return false;
  }
}

Deno.test("checkProviderUrl accepts exactly what new URL does, shortcut or not", () => {
  const hosts = [
    "issuer.example.com",
    "a",
    "x-y.z",
    "999.1.1.1",
    "1.2.3.4",
    "xn--nxasmq6b.com",
    "xn--.com",
    "a.XN--zz",
    "a..b",
    ".a",
    "-",
    "a_b.com",
    "ex.com.",
    "[::1]",
    "localhost",
    "127.0.0.1",
    "EXAMPLE.COM",
    "ex ample.com",
    "ex%41.com",
    "0x7f.1",
  ];
  const ports = ["", ":0", ":443", ":8443", ":65535", ":65536", ":99999", ":x"];
  const paths = ["", "/", "/realms/x/", "/a b", "/%zz", "/?q=1", "/#f", "/~user/.well-known"];
  const schemes = ["https://", "http://", "HTTPS://", "ftp://", "https:/", ""];
  let checked = 0;
  for (const scheme of schemes) {
    for (const host of hosts) {
      for (const port of ports) {
        for (const path of paths) {
          const raw = `${scheme}${host}${port}${path}`;
          assert.equal(accepted(raw), fullCheckAccepts(raw), raw);
          checked++;
        }
      }
    }
  }
  assert.equal(checked, schemes.length * hosts.length * ports.length * paths.length);
});

Deno.test("checkProviderUrl names the flag and the fix", () => {
  assert.throws(
    () => checkProviderUrl("oidc-issuer-url", "issuer.example.com"),
    /--oidc-issuer-url issuer\.example\.com is not an absolute URL; give it with https:\/\/, e\.g\. https:\/\/issuer\.example\.com/,
  );
  assert.throws(
    () => checkProviderUrl("oidc-issuer-url", "http://issuer.example.com"),
    /is not an https URL/,
  );
});
