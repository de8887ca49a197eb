/**
 * Which URLs may carry secrets or be opened: `https:` everywhere, `http:` only on this machine
 * (tests and local identity providers), where nothing crosses a network.
 *
 * @module
 */

/** Whether a URL host name (as `URL.hostname` gives it) is this machine's loopback. */
function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Parses `text` and returns it when it is an absolute `https:` URL, or `http:` on a loopback
 * host; `undefined` otherwise.
 */
export function parseSecureUrl(text: string): URL | undefined {
  const url = URL.parse(text);
  if (!url) return undefined;
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && isLoopbackHostname(url.hostname)) return url;
  return undefined;
}
