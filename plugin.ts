/**
 * The installed plugin, `kubectl together-login …` (README.md's install line, the JSR `./plugin`
 * export, `deno task compile`). It runs `plugin_bundle.js`: the program of `cli/entry.ts` with its
 * cache-hit path in one generated module, so that a cache hit, which kubectl asks for before every
 * command, loads two small modules instead of two dozen (`deno task bundle`, docs/design.md).
 *
 * @module
 */

import "./plugin_bundle.js";
