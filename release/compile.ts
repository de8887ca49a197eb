/**
 * `deno task compile`: builds `kubectl-together_login` for every platform (or those of
 * `--target`), packs each into an archive, and writes `SHA256SUMS` and the krew manifest
 * `plugins/together-login.yaml`, all under `dist/`. See docs/release.md.
 *
 * `deno compile` embeds the program in `denort`, Deno's runtime without its tools, which it
 * downloads once per version and target into `$DENO_DIR/dl/`; `DENORT_BIN` names a local one
 * instead. Deno uses `DENORT_BIN` for whatever target it is asked for, so it is passed on only
 * for the builder's own target.
 *
 * @module
 */

import { archiveBinary } from "./archive.ts";
import {
  binaryName,
  type BuildHost,
  compileCommand,
  type CompileOptions,
  type Os,
  parseCompileArgs,
} from "./compile_args.ts";
import {
  krewManifest,
  MANIFEST_PATH,
  manifestYaml,
  type ReleaseArchive,
  sha256Sums,
} from "./krew.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The home page the krew manifest names. */
const HOMEPAGE = "https://jsr.io/@together/kubelogin";

/** What a release build wrote. */
export interface ReleaseOutput {
  /** The binary of each target, by target triple. */
  binaries: Map<string, string>;
  /** The archives, in target order. */
  archives: ReleaseArchive[];
  /** The krew manifest's path. */
  manifest: string;
}

/** The release version: deno.json's `version`. */
export async function releaseVersion(): Promise<string> {
  return JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).version;
}

/** The builder's OS and home directory. */
export function buildHost(): BuildHost {
  const os: Os = Deno.build.os === "windows"
    ? "windows"
    : Deno.build.os === "darwin"
    ? "darwin"
    : "linux";
  return { os, home: Deno.env.get(os === "windows" ? "USERPROFILE" : "HOME") };
}

/**
 * Builds, archives and describes the release.
 *
 * @throws {Error} when `deno compile`, `tar` or `zip` fails
 */
export async function buildRelease(options: CompileOptions): Promise<ReleaseOutput> {
  const version = await releaseVersion();
  const outDir = options.outDir.startsWith("/") ? options.outDir : `${ROOT}${options.outDir}`;
  await Deno.mkdir(`${outDir}/plugins`, { recursive: true });
  const binaries = new Map<string, string>();
  const archives: ReleaseArchive[] = [];
  for (const target of options.targets) {
    const binary = `${outDir}/${target.triple}/${binaryName(target)}`;
    await Deno.mkdir(`${outDir}/${target.triple}`, { recursive: true });
    console.error(`Compiling ${binary}`);
    const env = Deno.env.toObject();
    if (target.triple !== Deno.build.target) delete env.DENORT_BIN;
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: compileCommand(options, target, binary),
      cwd: ROOT,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (code !== 0) throw new Error(`deno compile failed for ${target.triple} (exit code ${code})`);
    binaries.set(target.triple, binary);
    archives.push(await archiveBinary(binary, target, version, outDir));
  }
  await Deno.writeTextFile(`${outDir}/SHA256SUMS`, sha256Sums(archives));
  const manifest = `${outDir}/${MANIFEST_PATH}`;
  const baseUrl = options.baseUrl ?? new URL(`file://${outDir}`).href;
  await Deno.writeTextFile(
    manifest,
    manifestYaml(krewManifest(archives, { version, baseUrl, homepage: HOMEPAGE })),
  );
  return { binaries, archives, manifest };
}

/** Runs the compile task; returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  try {
    const options = parseCompileArgs(args, buildHost());
    const output = await buildRelease(options);
    for (const archive of output.archives) console.error(`Wrote ${archive.name}`);
    console.error(`Wrote SHA256SUMS and ${output.manifest}`);
    return 0;
  } catch (error) {
    // Bad arguments and failed builds alike are one line; anything else is a bug, with its stack.
    if (!(error instanceof Error)) throw error;
    console.error(`error: ${error.message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
