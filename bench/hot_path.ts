/**
 * The hot path's module graph: what `deno run` loads at start-up for an entry point. With
 * `--unstable-lazy-dynamic-imports` (README's install line) that is the static imports only;
 * without it, every analysable `import()` target is read too.
 *
 * @module
 */

/** Module counts of an entry point. */
export interface ModuleCount {
  /** Modules reached by static imports (type-only imports excluded). */
  static: number;
  /** Modules reached when analysable `import()` targets are followed too (npm packages as one). */
  withDynamic: number;
}

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** Counts the modules of `entry` from `deno info --json`. */
export async function countModules(entry: string): Promise<ModuleCount> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno info ${entry}: ${new TextDecoder().decode(stderr)}`);
  const info: { roots: string[]; modules: InfoModule[] } = JSON.parse(
    new TextDecoder().decode(stdout),
  );
  const bySpecifier = new Map(info.modules.map((module) => [module.specifier, module]));
  const reach = (followDynamic: boolean): number => {
    const seen = new Set<string>();
    const pending = [...info.roots];
    for (let specifier = pending.pop(); specifier; specifier = pending.pop()) {
      if (seen.has(specifier)) continue;
      seen.add(specifier);
      for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
        if (dependency.code && (followDynamic || !dependency.isDynamic)) {
          pending.push(dependency.code.specifier);
        }
      }
    }
    return seen.size;
  };
  return { static: reach(false), withDynamic: reach(true) };
}
