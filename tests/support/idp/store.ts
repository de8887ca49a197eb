/**
 * The test provider's storage: one in-memory map for every model oidc-provider keeps.
 *
 * @module
 */

// @deno-types="npm:@types/oidc-provider@9.12.1"
import type { Adapter, AdapterPayload } from "oidc-provider";

/** An in-memory store shared by all models, so tests can revoke refresh tokens wholesale. */
export class MemoryAdapter implements Adapter {
  readonly #model: string;
  readonly #store: Map<string, AdapterPayload>;

  constructor(model: string, store: Map<string, AdapterPayload>) {
    this.#model = model;
    this.#store = store;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  #values(): AdapterPayload[] {
    const prefix = `${this.#model}:`;
    return [...this.#store].filter(([key]) => key.startsWith(prefix)).map(([, value]) => value);
  }

  upsert(id: string, payload: AdapterPayload): Promise<void> {
    this.#store.set(this.#key(id), payload);
    return Promise.resolve();
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#store.get(this.#key(id)));
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#values().find((value) => value.userCode === userCode));
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#values().find((value) => value.uid === uid));
  }

  consume(id: string): Promise<void> {
    const value = this.#store.get(this.#key(id));
    if (value) value.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }

  destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
    return Promise.resolve();
  }

  revokeByGrantId(grantId: string): Promise<void> {
    const prefix = `${this.#model}:`;
    for (const [key, value] of this.#store) {
      if (key.startsWith(prefix) && value.grantId === grantId) this.#store.delete(key);
    }
    return Promise.resolve();
  }
}
