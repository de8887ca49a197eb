/**
 * The installed plugin's program, `kubectl together-login …`: the source that `deno task bundle`
 * turns into `plugin_bundle.js`, which the installed entry point `plugin.ts` runs. It runs when
 * loaded: it is a program, never imported as a library.
 *
 * kubectl runs `get-token` before every command, so this module's static imports are only the
 * cache-hit path (`cache_hit.ts`); everything else is behind one `import()`, which stays
 * analysable for `deno compile` and JSR. Installed with `--unstable-lazy-dynamic-imports`, Deno
 * loads that import's modules (and the npm packages behind them) only when it runs, instead of
 * reading the whole program at start-up: docs/performance.md has the figures.
 *
 * @module
 */

import { answerFromCache } from "./cache_hit.ts";

let answered = false;
try {
  answered = await answerFromCache(Deno.args);
} catch {
  // The full program meets the same error and reports it in its one-line form.
}
if (!answered) {
  const { main } = await import("./main.ts");
  Deno.exit(await main(Deno.args));
}
