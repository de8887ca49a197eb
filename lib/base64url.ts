/**
 * base64url without padding (RFC 4648 section 5), as JWTs, PKCE and the cache's data key use it.
 * It is on the cache-hit path, so it uses `Uint8Array.fromBase64`/`toBase64`: the first `atob`
 * call of a Deno process costs about 5 ms, the first `fromBase64` well under one
 * (docs/performance.md).
 *
 * @module
 */

/**
 * Decodes one base64url segment (padding optional) into bytes.
 *
 * @throws {SyntaxError} on characters outside the base64url alphabet
 */
export function decodeBase64Url(segment: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.fromBase64(segment, { alphabet: "base64url" });
}

/** Encodes bytes as base64url without padding. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}
