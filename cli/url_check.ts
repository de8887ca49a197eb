/**
 * The check every provider URL flag gets when it is parsed, so that `--oidc-issuer-url=example.com`
 * is reported as a flag error rather than failing later inside `fetch`.
 *
 * @module
 */

import { UsageError } from "../lib/errors.ts";

/** Host names that never leave the machine, where plain `http://` is acceptable. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * Checks that a flag value is an absolute `https://` URL, or `http://` on a loopback host.
 *
 * @param flag the flag's long name, for the message
 * @throws {UsageError} naming the flag and what it needs
 */
export function checkProviderUrl(flag: string, raw: string): void {
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
