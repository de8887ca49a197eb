/**
 * Release archives: the binary with README, LICENSE and the kubectl completion helper, as
 * `tar.gz` (`zip` for Windows, which krew also unpacks), and each archive's SHA-256. The archives
 * are made with the system's `tar` and `zip`: Deno has no archive writer of its own, and the
 * standard library's is on JSR, which is out of reach here.
 *
 * @module
 */

import { BINARY_NAME, binaryName, type Target } from "./compile_args.ts";
import type { ReleaseArchive } from "./krew.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Files shipped beside the binary, when present, by target OS family. */
const EXTRA_FILES: Record<"unix" | "windows", readonly string[]> = {
  unix: ["README.md", "LICENSE", "release/kubectl_complete-together_login"],
  windows: ["README.md", "LICENSE", "release/kubectl_complete-together_login.cmd"],
};

/** The archive's file name for a release. */
export function archiveName(version: string, target: Target): string {
  const extension = target.os === "windows" ? "zip" : "tar.gz";
  return `${BINARY_NAME}_v${version.replace(/^v/, "")}_${target.os}_${target.arch}.${extension}`;
}

/**
 * Packs the binary at `binary` for `target` into an archive in `outDir`.
 *
 * @returns the archive, with its SHA-256
 * @throws {Error} when `tar` or `zip` fails
 */
export async function archiveBinary(
  binary: string,
  target: Target,
  version: string,
  outDir: string,
): Promise<ReleaseArchive> {
  const name = archiveName(version, target);
  const staging = await Deno.makeTempDir({ prefix: "together-login-archive-" });
  try {
    const bin = binaryName(target);
    await Deno.copyFile(binary, `${staging}/${bin}`);
    await Deno.chmod(`${staging}/${bin}`, 0o755);
    const files = [bin];
    for (const file of EXTRA_FILES[target.os === "windows" ? "windows" : "unix"]) {
      const base = file.slice(file.lastIndexOf("/") + 1);
      try {
        await Deno.copyFile(`${ROOT}${file}`, `${staging}/${base}`);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw error;
      }
      files.push(base);
    }
    const archive = `${outDir}/${name}`;
    await Deno.remove(archive).catch(() => {});
    const [program, ...args] = target.os === "windows"
      ? ["zip", "-q", "-X", archive, ...files]
      : ["tar", "-czf", archive, ...files];
    const { code, stderr } = await new Deno.Command(program, {
      args,
      cwd: staging,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(`${program} failed for ${name}: ${new TextDecoder().decode(stderr).trim()}`);
    }
    return { target, name, sha256: await sha256File(archive), bin };
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}

/** The SHA-256 of a file, lower-case hex. */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
