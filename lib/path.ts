/**
 * The two path operations the program needs, on plain strings. `node:path` would do, but importing
 * it adds about 5 ms to every kubectl command (measured in docs/performance.md), and the cache-hit
 * path must stay on Web and Deno APIs.
 *
 * @module
 */

const separator = Deno.build.os === "windows" ? "\\" : "/";

/** Joins path segments with the platform separator, without doubling separators. */
export function joinPath(...segments: string[]): string {
  return segments
    .filter((segment) => segment !== "")
    .map((
      segment,
      i,
    ) => (i === 0 ? segment.replace(/[\\/]+$/, "") : segment.replace(/^[\\/]+|[\\/]+$/g, "")))
    .join(separator) || separator;
}

/** The directory part of a path (`/a/b/c` → `/a/b`). */
export function dirnameOf(path: string): string {
  const index = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (index < 0) return ".";
  if (index === 0) return path[0];
  return path.slice(0, index);
}

/**
 * Expands a leading `~` to the home directory, as kubelogin does for its path flags.
 *
 * @param home the home directory
 */
export function expandHome(path: string, home: string | undefined): string {
  if (path !== "~" && !path.startsWith("~/") && !path.startsWith("~\\")) return path;
  if (!home) return path;
  return joinPath(home, path.slice(1));
}
