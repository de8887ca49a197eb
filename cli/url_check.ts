/**
 * The check every provider URL flag gets when it is parsed, so that `--oidc-issuer-url=example.com`
 * is reported as a flag error rather than failing later inside `fetch`.
 *
 * @module
 */

import { UsageError } from "../lib/errors.ts";

/**
 * The usual shape of an issuer URL: `https://`, a host name whose last label starts with a letter
 * (never read as an IPv4 address) and no `xn--` label (whose punycode `new URL` checks), a port up
 * to four digits, a plain path. `new URL` accepts
 * every such text, so these skip it: its first use in a process costs about a millisecond of the
 * cache hit (docs/performance.md). Anything else takes the full check.
 */
const PLAIN_HTTPS_URL =
  /^https:\/\/(?:(?!xn--)[A-Za-z0-9-]+\.)*(?!xn--)[A-Za-z][A-Za-z0-9-]*(?::\d{1,4})?(?:\/[\w.~\-/]*)?$/i;

/** Host names that never leave the machine, where plain `http://` is acceptable. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * Checks that a flag value is an absolute `https://` URL, or `http://` on a loopback host.
 *
 * @param flag the flag's long name, for the message
 * @throws {UsageError} naming the flag and what it needs
 */
export function checkProviderUrl(flag: string, raw: string): void {
  if (PLAIN_HTTPS_URL.test(raw)) return;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  const loopback = url !== undefined && LOOPBACK_HOSTS.has(url.hostname);
  if (url?.protocol === "https:" || (url?.protocol === "http:" && loopback)) return;
  if (url === undefined) {
    const example = /^[\w.-]+(:\d+)?(\/|$)/.test(raw) ? `, e.g. https://${raw}` : "";
    throw new UsageError(
      `--${flag} ${raw} is not an absolute URL; give it with https://${example}`,
    );
  }
  throw new UsageError(
    `--${flag} ${raw} is not an https URL; only loopback hosts (127.0.0.1, [::1], localhost) ` +
      "may use http",
  );
}
