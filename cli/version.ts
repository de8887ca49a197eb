/**
 * The program's version, kept equal to `deno.json`'s by `tests/cli/flags_test.ts`.
 *
 * @module
 */

/** The released version of together-kubelogin. */
export const VERSION = "0.1.0";
