/**
 * Making text from the identity provider safe to print. An `error_description`, a
 * `verification_uri` or a `user_code` is the provider's to choose; printed raw, an ESC or OSC
 * sequence in it could clear the screen, fake a prompt or set the terminal title.
 *
 * @module
 */

/** C0 controls, DEL, and C1 controls (U+0080–U+009F, the 8-bit forms of ESC sequences). */
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Removes C0 and C1 control characters (ESC, CSI, OSC, BEL, CR, LF, TAB included), so provider
 * text prints as plain text on one line.
 *
 * @example
 * ```ts
 * stripControlCharacters("bad\u001b]0;pwned\u0007 request"); // "bad]0;pwned request"
 * ```
 */
export function stripControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, "");
}
