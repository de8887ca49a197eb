/**
 * `deno task bundle`: writes the installed entry point, `plugin_bundle.ts`, as one module of
 * everything `plugin.ts` runs for a cache hit from disk, and `plugin_bundle_keyring.ts`, the
 * keyring's bus read, as one module that the first imports only for keyring storage. `deno run`
 * reads, hashes and compiles each module of an entry's static graph at start-up; one small module
 * instead of two dozen is a large part of a cache hit's cost over an empty `deno run`
 * (docs/performance.md). The full program stays behind `plugin.ts`'s `import("./cli/main.ts")`,
 * kept external so that it is still loaded from source, and only when the cache cannot answer.
 *
 * Both files are committed, so `deno install` of a checkout or of the JSR package needs no build
 * step; `tests/release/bundle_test.ts` fails when they no longer match their sources.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url).pathname;

/** The installed entry point: `plugin.ts` bundled. */
export const PLUGIN_BUNDLE = "plugin_bundle.ts";

/** The keyring's bus read (`lib/cache/bus_data_key.ts`) bundled, imported by the entry point. */
export const KEYRING_BUNDLE = "plugin_bundle_keyring.ts";

/** How `cli/cache_hit.ts` imports the bus read, which the entry bundle imports as {@link KEYRING_BUNDLE}. */
const BUS_READ_IMPORT = '"../lib/cache/bus_data_key.ts"';

/**
 * A generated file's first lines: where it comes from, and `@ts-nocheck`. The bundles are
 * TypeScript files of plain JavaScript because JSR wants types for an entry point: as JavaScript
 * it needs a declaration file, whose graph check then reaches the whole CLI through the lazy
 * import; as TypeScript that exports nothing, it passes like `plugin.ts`.
 */
export function bundleBanner(source: string): string {
  return `// Generated from ${source} by \`deno task bundle\`: do not edit. See release/bundle.ts.\n` +
    "// @ts-nocheck\n";
}

/** Runs `deno bundle` (minified: less source to read and compile on every run) on `entry`. */
async function bundle(entry: string, externals: readonly string[]): Promise<string> {
  const out = await Deno.makeTempFile({ prefix: "bundle-", suffix: ".js" });
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=deno",
        "--minify",
        ...externals.map((external) => `--external=${external}`),
        `--output=${out}`,
        entry,
      ],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
    return bundleBanner(entry) + await Deno.readTextFile(out);
  } finally {
    await Deno.remove(out);
  }
}

/** The generated files' contents by name, as `deno task bundle` writes them. */
export async function bundlePlugin(): Promise<Map<string, string>> {
  // A path marked external is kept as written, so the bus read's import, written relative to
  // cli/, is pointed at its bundle beside the entry point.
  const entry = await bundle("plugin.ts", ["./cli/main.ts", "*/bus_data_key.ts"]);
  if (!entry.includes(`import(${BUS_READ_IMPORT})`)) {
    throw new Error(`the bundle of plugin.ts no longer imports ${BUS_READ_IMPORT}`);
  }
  return new Map([
    [PLUGIN_BUNDLE, entry.replace(`import(${BUS_READ_IMPORT})`, `import("./${KEYRING_BUNDLE}")`)],
    [KEYRING_BUNDLE, await bundle("lib/cache/bus_data_key.ts", [])],
  ]);
}

if (import.meta.main) {
  for (const [name, text] of await bundlePlugin()) await Deno.writeTextFile(`${ROOT}${name}`, text);
}
