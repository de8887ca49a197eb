/**
 * `deno task bundle`: writes `plugin_bundle.js`, the program of `cli/entry.ts` with everything a
 * cache hit from disk runs in one module, and `plugin_bundle_keyring.js`, the keyring's bus read in
 * one module that the first imports only for keyring storage. The installed entry point,
 * `plugin.ts`, imports the first. `deno run` reads, hashes and compiles each module of an entry's
 * static graph at start-up, and transpiles TypeScript (adding a source map); two modules of plain
 * JavaScript instead of two dozen TypeScript ones are a large part of a cache hit's cost over an
 * empty `deno run` (docs/performance.md). The full program stays behind `import("./main.ts")`,
 * kept external so that it still loads from its sources, and only when the cache cannot answer.
 *
 * The bundles are committed, so `deno install` of a checkout or of the JSR package needs no build
 * step; `tests/release/bundle_test.ts` fails when they no longer match their sources.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url).pathname;

/** The program, bundled: what `plugin.ts` runs. */
export const PLUGIN_BUNDLE = "plugin_bundle.js";

/** The keyring's bus read (`lib/cache/bus_data_key.ts`), bundled; imported by {@link PLUGIN_BUNDLE}. */
export const KEYRING_BUNDLE = "plugin_bundle_keyring.js";

/**
 * The lazy imports of the bundled sources, as written (external paths are kept as written), and
 * what they become in {@link PLUGIN_BUNDLE}, which sits in the checkout's root.
 */
const LAZY_IMPORTS: readonly (readonly [string, string])[] = [
  ['"./main.ts"', '"./cli/main.ts"'],
  ['"../lib/cache/bus_data_key.ts"', `"./${KEYRING_BUNDLE}"`],
];

/** A generated file's first line: where it comes from. */
export function bundleBanner(source: string): string {
  return `// Generated from ${source} by \`deno task bundle\`: do not edit. See release/bundle.ts.\n`;
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
  let program = await bundle("cli/entry.ts", ["*/main.ts", "*/bus_data_key.ts"]);
  for (const [written, bundled] of LAZY_IMPORTS) {
    if (!program.includes(`import(${written})`)) {
      throw new Error(`the bundle of cli/entry.ts no longer imports ${written}`);
    }
    program = program.replace(`import(${written})`, `import(${bundled})`);
  }
  return new Map([
    [PLUGIN_BUNDLE, program],
    [KEYRING_BUNDLE, await bundle("lib/cache/bus_data_key.ts", [])],
  ]);
}

if (import.meta.main) {
  for (const [name, text] of await bundlePlugin()) await Deno.writeTextFile(`${ROOT}${name}`, text);
}
