/**
 * `logout`: revokes the cached tokens at the provider when it offers revocation (RFC 7009), then
 * deletes the entries, and says what it did. With no provider flags it logs out of every cached
 * identity.
 *
 * @module
 */

import type { CacheEntry } from "../lib/cache/entries.ts";
import { decodeJwtClaims } from "../lib/jwt.ts";
import { logoutEntry, type LogoutResult, type RevocationOutcome } from "../lib/logout.ts";
import type { ProviderOptions } from "../lib/oidc/provider.ts";
import { selectCacheEntries } from "./cache_selection.ts";
import type { ParsedFlags } from "./flags.ts";
import { createStderrLogger, writeStderrLine } from "./logger.ts";
import { withFlagNames } from "./setting_flags.ts";
import { expandPath, FlagReader, providerOptions } from "./options.ts";
import { relativeText, utcText } from "./time_text.ts";

/** Runs `logout`. */
export async function runLogout(parsed: ParsedFlags): Promise<void> {
  const flags = new FlagReader(parsed);
  const logger = createStderrLogger(flags.int("v", 0));
  const selection = await selectCacheEntries(flags, logger);
  // The flags name one entry exactly, as they do for `get-token` (see cache_selection.ts).
  const exact = Boolean(flags.string("oidc-issuer-url") && flags.string("oidc-client-id"));
  if (selection.entries.length === 0) {
    writeStderrLine(`No cached token to log out of in ${selection.directory}`);
  }
  for (const entry of selection.entries) {
    const provider = providerFor(entry, flags, exact);
    // An ID token is always a JWT; a token that is not one is an opaque access token.
    const accessTokenHeld = exact
      ? flags.bool("oidc-use-access-token")
      : decodeJwtClaims(entry.tokenSet.token) === undefined;
    const result = await logoutEntry(entry, provider, accessTokenHeld);
    for (const line of report(entry, result, accessTokenHeld)) writeStderrLine(line);
  }
  for (const { path, reason } of selection.unreadable) {
    logger.info(`Left ${path}: no available key decrypts it (${withFlagNames(reason)})`);
  }
}

/**
 * How to reach the entry's provider. The flags describe it fully only when they selected exactly
 * this entry; otherwise the issuer and client come from the entry and only the trust settings from
 * the flags, and no client secret is sent (it may belong to another client).
 */
function providerFor(
  entry: CacheEntry,
  flags: FlagReader,
  exact: boolean,
): ProviderOptions | undefined {
  if (exact) return providerOptions(flags);
  if (!entry.owner) return undefined;
  return {
    issuerUrl: entry.owner.issuerUrl,
    clientId: entry.owner.clientId,
    extraScopes: [],
    pkceMethod: "auto",
    useAccessToken: false,
    requestHeaders: flags.map("oidc-request-header"),
    tls: {
      certificateAuthorities: flags.list("certificate-authority").map(expandPath),
      certificateAuthorityData: flags.list("certificate-authority-data"),
      insecureSkipTlsVerify: flags.bool("insecure-skip-tls-verify"),
    },
  };
}

function report(entry: CacheEntry, result: LogoutResult, accessTokenHeld: boolean): string[] {
  const claims = decodeJwtClaims(entry.tokenSet.token);
  const who = typeof claims?.sub === "string" ? claims.sub : "an unknown subject";
  const issuer = entry.owner?.issuerUrl ?? "an unknown issuer";
  const client = entry.owner ? ` (client ${entry.owner.clientId})` : "";
  const lines = [revocationLine(result.revocation, issuer)];
  lines.push(
    result.deleted
      ? `Deleted the cached token of ${who} at ${issuer}${client}: ${entry.path}`
      : `The cached token of ${who} at ${issuer}${client} was already deleted`,
  );
  if (!accessTokenHeld) {
    const expiry = entry.tokenSet.expiresAt;
    lines.push(
      `An ID token cannot be revoked: one already handed to kubectl is accepted until ` +
        `${utcText(expiry)} (${relativeText(expiry)})`,
    );
  }
  return lines;
}

function revocationLine(outcome: RevocationOutcome, issuer: string): string {
  const stayValid = "the tokens stay valid at the provider until they expire";
  switch (outcome.kind) {
    case "revoked":
      return outcome.tokens.length === 0
        ? `Nothing to revoke at ${issuer}: the entry holds no refresh token`
        : `Revoked the ${outcome.tokens.map(tokenName).join(" and the ")} at ${outcome.endpoint}`;
    case "unsupported":
      return `${issuer} advertises no revocation_endpoint: ${stayValid}`;
    case "unknown-provider":
      return `The entry does not name its provider, so nothing was revoked: ${stayValid}`;
    case "failed": {
      const done = outcome.tokens.length > 0
        ? ` (revoked the ${outcome.tokens.map(tokenName).join(" and the ")} before that)`
        : "";
      return `Could not revoke at ${issuer}: ${outcome.reason}${done}; ${stayValid}`;
    }
  }
}

function tokenName(type: string): string {
  return type === "refresh_token" ? "refresh token" : "access token";
}
