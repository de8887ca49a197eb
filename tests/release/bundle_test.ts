import assert from "node:assert/strict";
import { BUNDLE_BANNER, bundlePlugin } from "../../release/bundle.ts";
import { countModules } from "../../bench/hot_path.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("plugin_bundle.ts is the bundle of the current sources (run `deno task bundle` if not)", async () => {
  const committed = await Deno.readTextFile(`${ROOT}plugin_bundle.ts`);
  assert.ok(committed.startsWith(BUNDLE_BANNER), "plugin_bundle.ts lost its banner");
  // Compared whole, so any change on the cache-hit path that was not bundled again fails here.
  assert.ok(
    committed === await bundlePlugin(),
    "plugin_bundle.ts is stale: run `deno task bundle` and commit plugin_bundle.ts",
  );
});

Deno.test("plugin_bundle.ts is one module; the full program stays a lazy import of the sources", async () => {
  const bundled = await countModules(`${ROOT}plugin_bundle.ts`);
  assert.equal(bundled.static, 1);
  const source = await countModules(`${ROOT}plugin.ts`);
  // Following the lazy import reaches the whole program, from the same source files.
  assert.ok(bundled.withDynamic >= source.withDynamic - 1, `${bundled.withDynamic}`);
  const text = await Deno.readTextFile(`${ROOT}plugin_bundle.ts`);
  assert.deepEqual([...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]), [
    "./cli/main.ts",
  ]);
  assert.doesNotMatch(text, /^import\s/m, "plugin_bundle.ts has a static import");
});
