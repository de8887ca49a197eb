/**
 * The concurrent-refresh benchmark (filled in with the test identity provider).
 *
 * @module
 */

/** Prints the concurrent refresh figures. */
export function benchConcurrentRefresh(): Promise<void> {
  return Promise.resolve();
}
