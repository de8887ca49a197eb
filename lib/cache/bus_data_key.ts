/**
 * The keyring's data key as a cache hit reads it: over the session bus only, so a hit loads neither
 * the keyring store (`keyring.ts`: the binding's loader, its error wording, the write paths) nor the
 * binding. Whatever this cannot answer, the full program answers through the store.
 *
 * @module
 */

import { type DataKeyStore, decodeDataKey } from "./data_key.ts";
import { KEYRING_DATA_KEY_ACCOUNT, KEYRING_SERVICE } from "./keyring_names.ts";
import {
  lookupSecret,
  SECRET_SERVICE_READ_TIMEOUT_MS,
  sessionBusRoute,
} from "./secret_service_lookup.ts";

/**
 * A read-only store of the data key read over the session bus, or `undefined` when this process
 * cannot read that way (no bus, not Linux, the bus permissions not granted) or the keyring holds
 * no key.
 *
 * @throws {SecretServiceLookupError} when the bus or the Secret Service cannot answer
 */
export async function busDataKeyStore(): Promise<DataKeyStore | undefined> {
  const route = sessionBusRoute();
  if (!("socketPath" in route)) return undefined;
  const text = await lookupDataKeyText(route.socketPath);
  if (text === undefined) return undefined;
  const key = await decodeDataKey(text);
  const readOnly = (): never => {
    throw new Error("the bus read of a cache hit does not write to the keyring");
  };
  return {
    location: "the OS keyring",
    load: () => Promise.resolve(key),
    loadOrCreate: readOnly,
    remove: readOnly,
  };
}

/**
 * The data key's text as the binding stored it (attributes `service` and `username`), read over
 * the bus at `socketPath` within {@link SECRET_SERVICE_READ_TIMEOUT_MS}; `undefined` when absent.
 *
 * @throws {SecretServiceLookupError} when the bus or the Secret Service cannot answer
 */
export function lookupDataKeyText(
  socketPath: string,
  service: string = KEYRING_SERVICE,
  account: string = KEYRING_DATA_KEY_ACCOUNT,
): Promise<string | undefined> {
  return lookupSecret(
    { service, username: account },
    { socketPath, timeoutMs: SECRET_SERVICE_READ_TIMEOUT_MS },
  );
}
