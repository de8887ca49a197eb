import assert from "node:assert/strict";
import { bundlePlugin, KEYRING_BUNDLE, PLUGIN_BUNDLE } from "../../release/bundle.ts";
import { countModules } from "../../bench/hot_path.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("the committed bundles are those of the current sources (else run `deno task bundle`)", async () => {
  for (const [name, text] of await bundlePlugin()) {
    // Compared whole, so a change on the cache-hit path that was not bundled again fails here.
    assert.ok(
      await Deno.readTextFile(`${ROOT}${name}`) === text,
      `${name} is stale: run \`deno task bundle\` and commit it`,
    );
  }
});

/** The specifiers of a module's dynamic imports. */
async function dynamicImports(name: string): Promise<string[]> {
  const text = await Deno.readTextFile(`${ROOT}${name}`);
  return [...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1]);
}

Deno.test("the entry bundle is one module; the keyring read and the full program stay lazy", async () => {
  assert.equal((await countModules(`${ROOT}${PLUGIN_BUNDLE}`)).static, 1);
  assert.equal((await countModules(`${ROOT}${KEYRING_BUNDLE}`)).static, 1);
  assert.deepEqual((await dynamicImports(PLUGIN_BUNDLE)).sort(), [
    "./cli/main.ts",
    `./${KEYRING_BUNDLE}`,
  ]);
  assert.deepEqual(await dynamicImports(KEYRING_BUNDLE), []);
  // Following the lazy import reaches the whole program from the same sources as plugin.ts does.
  const bundled = await countModules(`${ROOT}${PLUGIN_BUNDLE}`);
  const source = await countModules(`${ROOT}plugin.ts`);
  assert.ok(bundled.withDynamic >= source.withDynamic - 5, `${bundled.withDynamic}`);
});
