/**
 * `status`: the cached identities, one block each (or JSON with `--output=json`). It decrypts the
 * cache and makes no request; no token, refresh token or key ever reaches its output.
 *
 * @module
 */

import type { CacheEntry } from "../lib/cache/entries.ts";
import { decodeJwtClaims } from "../lib/jwt.ts";
import { isExpired } from "../lib/token_set.ts";
import { selectCacheEntries } from "./cache_selection.ts";
import type { ParsedFlags } from "./flags.ts";
import { createStderrLogger, writeStdout } from "./logger.ts";
import { withFlagNames } from "./setting_flags.ts";
import { FlagReader } from "./options.ts";
import { relativeText, utcText } from "./time_text.ts";

/** What `status` says about one entry: everything but the secrets. */
export interface EntryStatus {
  issuer?: string;
  clientId?: string;
  subject?: string;
  email?: string;
  /** When the token given to kubectl expires, ISO 8601. */
  expiresAt: string;
  /** Whether `get-token` would refresh or log in instead of using it. */
  expired: boolean;
  /** Whether a refresh token is held. */
  refreshToken: boolean;
  storage: "disk" | "keyring";
  /** The entry's file. */
  path: string;
}

/** The public facts of an entry. */
function entryStatus(entry: CacheEntry, now: number = Date.now()): EntryStatus {
  const claims = decodeJwtClaims(entry.tokenSet.token);
  const text = (value: unknown) => typeof value === "string" && value !== "" ? value : undefined;
  return {
    issuer: entry.owner?.issuerUrl ?? text(claims?.iss),
    clientId: entry.owner?.clientId,
    subject: text(claims?.sub),
    email: text(claims?.email),
    expiresAt: new Date(entry.tokenSet.expiresAt).toISOString(),
    expired: isExpired(entry.tokenSet, now),
    refreshToken: entry.tokenSet.refreshToken !== undefined,
    storage: entry.storage,
    path: entry.path,
  };
}

/** Runs `status`. */
export async function runStatus(parsed: ParsedFlags): Promise<void> {
  const flags = new FlagReader(parsed);
  const selection = await selectCacheEntries(flags, createStderrLogger(flags.int("v", 0)));
  const now = Date.now();
  const statuses = selection.entries.map((entry) => entryStatus(entry, now));
  if (flags.string("output") === "json") {
    const unreadable = selection.unreadable.map(({ path, reason }) => ({
      path,
      reason: withFlagNames(reason),
    }));
    const document = { directory: selection.directory, entries: statuses, unreadable };
    writeStdout(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  const blocks = statuses.map((status) => statusBlock(status, now));
  for (const { path, reason } of selection.unreadable) {
    blocks.push(`${path}\n  cannot be read: ${withFlagNames(reason)}\n`);
  }
  if (blocks.length === 0) {
    const which = selection.narrowed ? "for these flags " : "";
    writeStdout(`No cached token ${which}in ${selection.directory}\n`);
    return;
  }
  writeStdout(blocks.join("\n"));
}

function statusBlock(status: EntryStatus, now: number): string {
  const expiresAt = Date.parse(status.expiresAt);
  const when = status.expired
    ? `expired${expiresAt <= now ? ` ${relativeText(expiresAt, now)}` : " (about to)"}`
    : relativeText(expiresAt, now);
  const who = status.subject
    ? `${status.subject}${status.email ? ` <${status.email}>` : ""}`
    : "unknown (the token is not a JWT)";
  return [
    `${status.issuer ?? "unknown issuer"} (client ${status.clientId ?? "unknown"})`,
    `  subject:       ${who}`,
    `  expires:       ${utcText(expiresAt)} (${when})`,
    `  refresh token: ${status.refreshToken ? "held" : "none"}`,
    `  storage:       ${status.storage}, ${status.path}`,
    "",
  ].join("\n");
}
