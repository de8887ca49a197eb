/**
 * `deno task bundle`: writes `plugin_bundle.ts`, the installed entry point, as one JavaScript module of
 * everything `plugin.ts` runs for a cache hit. `deno run` reads, hashes and compiles each module
 * of an entry's static graph at start-up; one module instead of two dozen is about a fifth of a
 * cache hit's cost over an empty `deno run` (docs/performance.md). The full program stays
 * behind `plugin.ts`'s `import("./cli/main.ts")`, kept external so that it is still loaded from
 * source, and only when the cache cannot answer.
 *
 * `plugin_bundle.ts` is committed, so `deno install` of a checkout or of the JSR package needs no build
 * step; `tests/release/bundle_test.ts` fails when it no longer matches its sources.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url).pathname;

/**
 * The generated file's first lines: where it comes from, and `@ts-nocheck`. It is a TypeScript
 * file of plain JavaScript because JSR wants types for an entry point: as JavaScript it needs a
 * declaration file, whose graph check then reaches the whole CLI through the lazy import; as
 * TypeScript that exports nothing, it passes like `plugin.ts`.
 */
export const BUNDLE_BANNER: string =
  "// Generated from plugin.ts by `deno task bundle`: do not edit. See release/bundle.ts.\n" +
  "// @ts-nocheck\n";

/** The bundle of `plugin.ts` as `deno bundle` writes it, with {@link BUNDLE_BANNER} first. */
export async function bundlePlugin(): Promise<string> {
  const out = await Deno.makeTempFile({ prefix: "plugin-", suffix: ".js" });
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=deno",
        "--external=./cli/main.ts",
        `--output=${out}`,
        "plugin.ts",
      ],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
    return BUNDLE_BANNER + await Deno.readTextFile(out);
  } finally {
    await Deno.remove(out);
  }
}

if (import.meta.main) {
  await Deno.writeTextFile(`${ROOT}plugin_bundle.ts`, await bundlePlugin());
}
