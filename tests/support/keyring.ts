/**
 * Keyring storage helpers shared by the keyring tests and the keyring benchmark: the permission
 * flags that let the plugin read over a private bus, and a cache entry whose data key is in the
 * keyring.
 *
 * @module
 */

import {
  BUS_ADDRESS_VARIABLE,
  busReadPermissionFlags,
  busSocketPath,
} from "../../lib/cache/secret_service_lookup.ts";
import { KEYRING_DATA_KEY_ACCOUNT, KEYRING_SERVICE } from "../../lib/cache/keyring.ts";
import type { TokenSet } from "../../lib/token_set.ts";
import type { PluginSandbox } from "./plugin.ts";
import type { SecretService } from "./secret_service.ts";

/** `secret-tool` attributes of the data key: keyring-rs stores the account as `username`. */
export const DATA_KEY_ATTRIBUTES: readonly string[] = [
  "service",
  KEYRING_SERVICE,
  "username",
  KEYRING_DATA_KEY_ACCOUNT,
];

/**
 * `base` (a plugin's permission flags) widened by what a keyring read over the bus of `env`
 * needs (`busReadPermissionFlags`): each value is joined to the matching `--allow-…=` flag, or
 * added as a flag of its own.
 */
export function withBusPermissions(
  base: readonly string[],
  env: Record<string, string>,
): string[] {
  const socket = busSocketPath(env[BUS_ADDRESS_VARIABLE] ?? "");
  if (!socket) throw new Error(`no bus socket path in ${JSON.stringify(env)}`);
  const flags = [...base];
  for (const extra of busReadPermissionFlags(socket)) {
    const [name, value] = extra.split(/=(.*)/s);
    const i = flags.findIndex((flag) => flag.startsWith(`${name}=`));
    if (i < 0) flags.push(extra);
    else flags[i] = `${flags[i]},${value}`;
  }
  return flags;
}

/**
 * Writes a cache entry for `get-token` flags whose data key is in the keyring: the entry is
 * sealed with a fresh disk data key, which then moves into the keyring (unless `keepKeyFile`).
 * Returns the entry's key ID.
 */
export async function seedKeyringEntry(
  sandbox: PluginSandbox,
  secrets: SecretService,
  getTokenArgs: readonly string[],
  tokenSet: TokenSet,
  options: { keepKeyFile?: boolean } = {},
): Promise<string> {
  const keyId = await sandbox.seedEntry(getTokenArgs, tokenSet);
  const key = (await Deno.readTextFile(sandbox.dataKeyFile)).trim();
  const stored = await secrets.secretTool(
    ["store", `--label=${KEYRING_SERVICE}`, ...DATA_KEY_ATTRIBUTES],
    key,
  );
  if (stored.code !== 0) throw new Error(`secret-tool store failed: ${stored.stderr}`);
  if (!options.keepKeyFile) await Deno.remove(sandbox.dataKeyFile);
  return keyId;
}
