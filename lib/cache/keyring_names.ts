/**
 * Where the data key is stored in the OS keyring: shared by the keyring store
 * (`keyring.ts`) and the bus-only read of a cache hit (`bus_data_key.ts`), which must not load
 * the store.
 *
 * @module
 */

/** The keyring service name every together-kubelogin entry is stored under. */
export const KEYRING_SERVICE = "together-kubelogin";

/**
 * The keyring account of the data key. The keyring is already per OS user and the data key file
 * of the `disk` storage is one per user as well, so one key serves every cluster and cache
 * directory; a per-cluster key would bring back one keyring entry per login.
 */
export const KEYRING_DATA_KEY_ACCOUNT = "token-cache-data-key";
