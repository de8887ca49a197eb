/**
 * Loading the `@napi-rs/keyring` binding, a native addon, through Node's `require`: the permission
 * check before it, and the words for its failures. The keyring module loads it on first use, and
 * on Linux only to write or delete the data key.
 *
 * @module
 */

import { errorMessage, KeyringError, PermissionError } from "../errors.ts";
import { dirnameOf } from "../path.ts";

/** The Deno flags that let the keyring binding load, to add to the plugin's own. */
export const KEYRING_PERMISSION_FLAGS: readonly string[] = ["--allow-ffi"];

/**
 * What the package's own loader needs besides `--allow-ffi`: it reads `NAPI_RS_*` variables (to
 * choose between native and WASI builds) and `/usr/bin/ldd` (to tell glibc from musl, else
 * `process.report`, which needs `--allow-sys`). It is only the fallback on platforms that
 * {@link nativePackages} does not know, and these flags are named when it is refused.
 */
const PACKAGE_LOADER_FLAGS: readonly string[] = [
  "--allow-ffi",
  "--allow-env=NAPI_RS_NATIVE_LIBRARY_PATH,NAPI_RS_WASI_FLAVOR,NAPI_RS_FORCE_WASI",
  ...(Deno.build.os === "linux" ? ["--allow-read=/usr/bin/ldd"] : []),
];

/** What the PermissionError and KeyringError messages say the binding is for. */
const LOAD_WHAT = 'load the OS keyring binding for `cache.storage: "keyring"`';

/** Appended to every keyring failure: the disk storage needs no keyring at all. */
export const DISK_HINT = 'use `cache.storage: "disk"` where no keyring is available';

/** The `settings` of every keyring failure: the storage choice that avoids the keyring. */
export const KEYRING_SETTINGS: readonly string[] = ["cache.storage"];

/** Deno's wording for a refused permission, also when the binding loader re-wraps it. */
const NOT_CAPABLE_PATTERN = /Requires (\w+) access/;

/** The binding's module. */
export type KeyringBinding = typeof import("@napi-rs/keyring");

let binding: Promise<KeyringBinding> | undefined;

/**
 * Throws unless Deno grants what the keyring binding needs to load: without this check the load
 * would fail with Deno's own words, or make Deno prompt where `--no-prompt` is missing.
 *
 * @throws {PermissionError} naming `--allow-ffi`, scoped to the binding's directory when known
 */
export async function requireKeyringPermissions(): Promise<void> {
  if (Deno.permissions.querySync({ name: "ffi" }).state === "granted") return;
  const files = (await nativeBindings()).map(({ file }) => file);
  const granted = (path: string) => Deno.permissions.querySync({ name: "ffi", path }).state;
  if (files.some((file) => granted(file) === "granted")) return;
  // The narrowest grant that works: the binding package's own directory, where it is known.
  const flag = files[0] ? `--allow-ffi=${dirnameOf(files[0])}` : KEYRING_PERMISSION_FLAGS.join(" ");
  throw new PermissionError(LOAD_WHAT, flag, { settings: KEYRING_SETTINGS });
}

/**
 * Whether Deno lets the binding load: `--allow-ffi`, or `--allow-ffi=` scoped to the binding's
 * file or a directory above it (such as `$DENO_DIR/npm/registry.npmjs.org/@napi-rs`).
 */
export async function keyringBindingPermitted(): Promise<boolean> {
  try {
    await requireKeyringPermissions();
    return true;
  } catch (error) {
    if (error instanceof PermissionError) return false;
    throw error;
  }
}

/** Loads the binding once per process, after the permission check. */
export function loadBinding(): Promise<KeyringBinding> {
  binding ??= requireKeyringPermissions().then(importBinding).catch((error: unknown) => {
    binding = undefined;
    if (error instanceof PermissionError) throw error;
    throw permissionErrorIn(error) ??
      new KeyringError(`could not ${LOAD_WHAT}: ${describe(error)}; ${DISK_HINT}`, {
        cause: error,
        settings: KEYRING_SETTINGS,
      });
  });
  return binding;
}

/**
 * This platform's binding packages that are installed, best first, resolved from the main
 * package's location so that npm resolution finds them, with the path of each native file.
 */
async function nativeBindings(): Promise<{ load: () => KeyringBinding; file: string }[]> {
  const { createRequire } = await import("node:module");
  // Under `--unstable-lazy-dynamic-imports` (README's install line) npm resolution has not seen the
  // package yet, and `import.meta.resolve` would return its bare `npm:` specifier. Its package.json
  // brings it in without running the package's loader.
  await import("@napi-rs/keyring/package.json", { with: { type: "json" } });
  // Not named `require`: JSR's publish check reads `require(name)` as an import it cannot analyse.
  // `import.meta.resolve` of the bare name is rewritten to the npm: specifier on publish.
  const requireNative = createRequire(import.meta.resolve("@napi-rs/keyring"));
  const found = [];
  for (const name of nativePackages(Deno.build.os, Deno.build.arch)) {
    try {
      found.push({
        load: () => requireNative(name) as KeyringBinding,
        file: requireNative.resolve(name),
      });
    } catch {
      // Not installed for this platform.
    }
  }
  return found;
}

/**
 * Requires this platform's binding package directly. That needs `--allow-ffi` alone, unlike the
 * package's loader (see {@link PACKAGE_LOADER_FLAGS}), which stays as the fallback for other
 * platforms.
 */
async function importBinding(): Promise<KeyringBinding> {
  for (const native of await nativeBindings()) {
    try {
      return native.load();
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable || permissionErrorIn(error)) throw error;
      // A build that does not run here (a musl build on glibc, say); try the next.
    }
  }
  return await import("@napi-rs/keyring");
}

/** The binding packages to try, best first, for a Deno build target. */
function nativePackages(os: typeof Deno.build.os, arch: typeof Deno.build.arch): string[] {
  const cpu = arch === "x86_64" ? "x64" : "arm64";
  switch (os) {
    case "linux":
      return [`@napi-rs/keyring-linux-${cpu}-gnu`, `@napi-rs/keyring-linux-${cpu}-musl`];
    case "darwin":
      return [`@napi-rs/keyring-darwin-${cpu}`];
    case "windows":
      return [`@napi-rs/keyring-win32-${cpu}-msvc`];
    case "freebsd":
      return arch === "x86_64" ? ["@napi-rs/keyring-freebsd-x64"] : [];
    default:
      return [];
  }
}

/**
 * A {@link PermissionError} when Deno refused something along the error's cause chain: the
 * binding loader wraps each failed attempt in a plain `Error` that keeps only Deno's message.
 */
export function permissionErrorIn(error: unknown): PermissionError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 16; depth++) {
    const match = NOT_CAPABLE_PATTERN.exec(e.message);
    if (match) {
      const flag = match[1] === "ffi" ? "--allow-ffi" : PACKAGE_LOADER_FLAGS.join(" ");
      return new PermissionError(LOAD_WHAT, flag, { cause: error, settings: KEYRING_SETTINGS });
    }
    e = e.cause;
  }
  return undefined;
}

/** The first line of an error's message, which is all a one-line CLI message has room for. */
export function describe(error: unknown): string {
  return errorMessage(error).split("\n", 1)[0].trim();
}
