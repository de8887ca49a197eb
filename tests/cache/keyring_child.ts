/**
 * A child process for keyring tests: the native binding must not load into the test process
 * (whose environment points at no private bus, and whose sanitizers would see its threads).
 *
 * Usage: `deno run --allow-ffi keyring_child.ts <step>...`, each step one of `load`,
 * `loadOrCreate`, `remove`, `removeAll`. Prints one JSON line: `{ results, debug }` where each
 * result is a key fingerprint (`null` for no key), what `remove`/`removeAll` returned, or
 * `{ name, error }` for a failure; `debug` holds the store's debug lines.
 */

import { KEYRING_SERVICE, KeyringDataKeyStore } from "../../lib/cache/keyring.ts";
import { loadBinding } from "../../lib/cache/keyring_binding.ts";

/** One line of the child's output. */
export interface ChildReport {
  results: (string | boolean | number | null | { error: string; name: string })[];
  debug: string[];
}

/**
 * Identifies a non-extractable key without revealing it: AES-GCM under a fixed IV of a fixed
 * text is the same bytes for the same key, in any process.
 */
async function fingerprint(key: CryptoKey): Promise<string> {
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: new Uint8Array(12) },
    key,
    new TextEncoder().encode("fingerprint"),
  );
  return Array.from(new Uint8Array(sealed).subarray(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * Deletes the store's key and every other account under the service (keys of other versions or
 * tests); how many entries were deleted. The pinned entry goes first: it fails loudly where no
 * Secret Service answers, whereas the search would quietly look in the kernel keyring instead.
 */
async function removeAll(store: KeyringDataKeyStore): Promise<number> {
  let deleted = await store.remove() ? 1 : 0;
  const { AsyncEntry, findCredentialsAsync } = await loadBinding();
  for (const { account } of await findCredentialsAsync(KEYRING_SERVICE)) {
    const entry = new AsyncEntry(KEYRING_SERVICE, account, { linux: { store: "secret-service" } });
    if (await entry.deleteCredential()) deleted++;
  }
  return deleted;
}

if (import.meta.main) {
  const debug: string[] = [];
  const store = new KeyringDataKeyStore({
    logger: { info: () => {}, debug: (message) => debug.push(message) },
  });
  const results: ChildReport["results"] = [];
  for (const step of Deno.args) {
    try {
      if (step === "remove") {
        results.push(await store.remove());
      } else if (step === "removeAll") {
        results.push(await removeAll(store));
      } else {
        const key = step === "load" ? await store.load() : await store.loadOrCreate();
        results.push(key ? await fingerprint(key) : null);
      }
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      results.push({ name, error: message });
    }
  }
  console.log(JSON.stringify({ results, debug } satisfies ChildReport));
}
