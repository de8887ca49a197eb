/**
 * Opens a URL in the user's browser: the platform's opener, or `--browser-command`. The URL is
 * always a localhost or provider page address, never a secret, so it may travel in argv.
 *
 * @module
 */

import { KubeloginError } from "./errors.ts";
import { requirePermission, toPermissionError } from "./permissions.ts";
import { parseSecureUrl } from "./secure_url.ts";
import { stripControlCharacters } from "./text.ts";

/** The opener command and leading arguments for this platform. */
export function platformOpener(): [string, ...string[]] {
  switch (Deno.build.os) {
    case "darwin":
      return ["open"];
    case "windows":
      return ["rundll32", "url.dll,FileProtocolHandler"];
    default:
      return ["xdg-open"];
  }
}

/**
 * Starts the browser on `url` without waiting for it to exit.
 *
 * @returns the opener's exit code once it exits (a failing opener is reported by the caller)
 * @param command `--browser-command`, run as `command URL`; the platform opener when absent
 * @throws {PermissionError} when `--allow-run` does not cover the command
 * @throws {KubeloginError} when the URL is not one to open, or the command cannot be started
 */
export function openBrowser(url: string, command?: string): Promise<number> {
  const target = openableUrl(url);
  const [program, ...args] = command ? [command] : platformOpener();
  requirePermission({ name: "run", command: program }, `start the browser with ${program}`);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args: [...args, target],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (error) {
    const permission = toPermissionError(error);
    if (permission !== error) throw permission;
    throw new KubeloginError(`could not start ${program}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // The browser may outlive this process; do not keep the event loop alive for it.
  child.unref();
  return child.status.then((status) => status.code, () => -1);
}

/**
 * The URL as handed to the opener: absolute `https:` (`http:` only on loopback hosts), never
 * something an opener would read as an option. URLs come from the provider
 * (`verification_uri_complete`), so `-…` or `file:` must not reach `xdg-open`.
 *
 * @throws {KubeloginError} when the URL is not one to open
 */
function openableUrl(url: string): string {
  const parsed = url.startsWith("-") ? undefined : parseSecureUrl(url);
  if (!parsed) {
    throw new KubeloginError(
      `refusing to open ${stripControlCharacters(url)} in the browser: only https URLs ` +
        "(http on loopback hosts) are opened",
    );
  }
  return parsed.href;
}
