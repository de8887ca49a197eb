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

Deno.test("plugin.ts loads two modules; the keyring read and the full program stay lazy", async () => {
  const installed = await countModules(`${ROOT}plugin.ts`);
  assert.equal(installed.static, 2);
  assert.equal((await countModules(`${ROOT}${KEYRING_BUNDLE}`)).static, 1);
  assert.deepEqual((await dynamicImports(PLUGIN_BUNDLE)).sort(), [
    "./cli/main.ts",
    `./${KEYRING_BUNDLE}`,
  ]);
  assert.deepEqual(await dynamicImports(KEYRING_BUNDLE), []);
  // Following the lazy imports reaches the whole program, from the sources cli/entry.ts reaches.
  const source = await countModules(`${ROOT}cli/entry.ts`);
  assert.ok(installed.withDynamic >= source.withDynamic - 5, `${installed.withDynamic}`);
});
