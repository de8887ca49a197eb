/**
 * The test provider's HTML: sign-in, consent and out-of-band code pages, plain forms a fetch-based
 * user agent can fill in.
 *
 * @module
 */

/** `text` safe inside HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** A whole HTML page titled `title`. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<title>${escapeHtml(title)}</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/** The sign-in form of interaction `uid`, with an error `message` if given. */
export function loginPage(uid: string, message?: string): string {
  return page(
    "Sign in",
    (message ? `<p role="alert">${escapeHtml(message)}</p>` : "") +
      `<form id="login" method="post" action="/interaction/${escapeHtml(uid)}/login">` +
      '<label>Username <input name="login" autocomplete="username" autofocus></label>' +
      '<label>Password <input name="password" type="password" autocomplete="current-password">' +
      '</label><button type="submit">Sign in</button></form>',
  );
}

/** The consent form of interaction `uid`. */
export function consentPage(uid: string, clientId: string, scope: string): string {
  return page(
    "Authorize",
    `<p>${escapeHtml(clientId)} asks for: ${escapeHtml(scope)}.</p>` +
      `<form id="consent" method="post" action="/interaction/${escapeHtml(uid)}/consent">` +
      '<button type="submit" name="decision" value="authorize">Authorize</button>' +
      '<button type="submit" name="decision" value="deny">Deny</button></form>',
  );
}

/** The out-of-band page showing the code (or the error) of `callback`. */
export function oobPage(callback: URL): string {
  const code = callback.searchParams.get("code");
  if (code === null) {
    const error = callback.searchParams.get("error") ?? "unknown error";
    return page("Sign-in failed", `<p id="oob-error">${escapeHtml(error)}</p>`);
  }
  return page(
    "Sign-in code",
    "<p>Copy this code into your terminal:</p>" +
      `<p><code id="oob-code">${escapeHtml(code)}</code></p>`,
  );
}
