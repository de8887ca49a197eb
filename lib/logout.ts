/**
 * The `logout` use case for one cached entry: revoke its tokens at the provider (RFC 7009) when
 * the provider offers revocation, then delete the entry whatever the provider said, so a logout
 * never leaves a usable token on this machine. A missing Deno grant stops it before either step.
 *
 * @module
 */

import type { CacheEntry } from "./cache/entries.ts";
import { lockFilePath } from "./cache/lock.ts";
import { dirnameOf } from "./path.ts";
import { removeIfPresent } from "./remove_file.ts";
import { openProviderSession, type ProviderOptions } from "./oidc/provider.ts";
import { errorMessage, PermissionError } from "./errors.ts";
import { requirePermission } from "./permissions.ts";
import { type RevocableTokenType, revokeToken } from "./oidc/revoke.ts";

/** What happened at the provider. */
export type RevocationOutcome =
  /** Every token held was revoked (possibly none: an entry without a refresh token). */
  | { kind: "revoked"; tokens: RevocableTokenType[]; endpoint: string }
  /** Discovery advertises no `revocation_endpoint`. */
  | { kind: "unsupported" }
  /** Discovery or a revocation request failed; `reason` is free of secrets. */
  | { kind: "failed"; reason: string; tokens: RevocableTokenType[] }
  /** The entry does not say whose token it is, so there is no provider to ask. */
  | { kind: "unknown-provider" };

/** What {@link logoutEntry} did. */
export interface LogoutResult {
  revocation: RevocationOutcome;
  /** `false` when the entry was already gone. */
  deleted: boolean;
}

/**
 * Revokes and deletes one entry.
 *
 * @param provider how to reach the entry's provider; `undefined` when it is not known
 * @param accessTokenHeld whether the entry's token is an access token
 *   (`--oidc-use-access-token`), which is revocable; an ID token is not
 */
export async function logoutEntry(
  entry: CacheEntry,
  provider: ProviderOptions | undefined,
  accessTokenHeld: boolean,
): Promise<LogoutResult> {
  // Checked before revoking: a logout that revoked but could not delete would leave a dead entry.
  const directory = dirnameOf(entry.path);
  requirePermission(
    { name: "write", path: directory },
    `delete the token cache entry in ${directory}`,
  );
  const revocation = provider
    ? await revokeEntry(entry, provider, accessTokenHeld)
    : { kind: "unknown-provider" as const };
  const deleted = await removeIfPresent(entry.path);
  await Deno.remove(lockFilePath(dirnameOf(entry.path), entry.keyId)).catch(() => {});
  return { revocation, deleted };
}

async function revokeEntry(
  entry: CacheEntry,
  provider: ProviderOptions,
  accessTokenHeld: boolean,
): Promise<RevocationOutcome> {
  const tokens: [string, RevocableTokenType][] = [];
  if (entry.tokenSet.refreshToken) tokens.push([entry.tokenSet.refreshToken, "refresh_token"]);
  if (accessTokenHeld) tokens.push([entry.tokenSet.token, "access_token"]);
  const revoked: RevocableTokenType[] = [];
  try {
    using session = await openProviderSession(provider);
    const endpoint = session.metadata.revocationEndpoint;
    if (!endpoint) return { kind: "unsupported" };
    for (const [token, type] of tokens) {
      await revokeToken(
        session.http,
        { ...session.metadata, revocationEndpoint: endpoint },
        session.client,
        token,
        type,
      );
      revoked.push(type);
    }
    return { kind: "revoked", tokens: revoked, endpoint };
  } catch (error) {
    // A missing grant is the user's to fix, not the provider's failure: stop before deleting, so
    // the refresh token can still be revoked once the grant is added.
    if (error instanceof PermissionError || error instanceof Deno.errors.NotCapable) throw error;
    const reason = errorMessage(error);
    return { kind: "failed", reason, tokens: revoked };
  }
}
