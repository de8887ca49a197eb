/**
 * Removing a file or directory that may already be gone: another process, or an earlier run,
 * may have removed it first, which is no failure.
 *
 * @module
 */

/**
 * Removes the path; `true` when it existed, `false` when it was already gone.
 *
 * @param options `recursive` for a directory with content
 * @throws any other failure (permission, a non-empty directory without `recursive`)
 */
export async function removeIfPresent(
  path: string,
  options?: Deno.RemoveOptions,
): Promise<boolean> {
  try {
    await Deno.remove(path, options);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
