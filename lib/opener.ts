/**
 * Which program opens the login page, and whether to try one at all: `--browser-command` first,
 * then `$BROWSER` (as xdg-open and git honour it), then the platform opener, which is skipped on a
 * headless host (no `DISPLAY`/`WAYLAND_DISPLAY` on Linux, or an SSH session), where it could only
 * fail or open a browser on the wrong screen.
 *
 * @module
 */

/** The environment variables that decide the opener. */
export interface OpenerEnvironment {
  os: typeof Deno.build.os;
  /** `$BROWSER`: a program name, or several separated by `:` (the first is used). */
  browser?: string;
  display?: string;
  waylandDisplay?: string;
  sshConnection?: string;
  /** `DISPLAY` and `WAYLAND_DISPLAY` could not be read (not granted): the screen is unknown. */
  displayUnknown?: boolean;
}

/** What to do with the login URL. */
export type OpenerChoice =
  | {
    kind: "command";
    /** The program to run with the URL; `undefined` means the platform opener. */
    program?: string;
    /** Where the choice came from, for messages. */
    source: "`login.browserCommand`" | "$BROWSER" | "the platform opener";
  }
  | {
    kind: "headless";
    /** Why no browser is tried, e.g. "no DISPLAY or WAYLAND_DISPLAY". */
    reason: string;
  };

/** The variables read, each only when `--allow-env` grants it (an older narrow grant still works). */
const VARIABLES = ["BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION"] as const;

/** Reads the opener environment of this process; variables not granted count as absent. */
export function currentOpenerEnvironment(): OpenerEnvironment {
  const granted = (variable: (typeof VARIABLES)[number]) =>
    Deno.permissions.querySync({ name: "env", variable }).state === "granted";
  const read = (variable: (typeof VARIABLES)[number]) =>
    granted(variable) ? Deno.env.get(variable) || undefined : undefined;
  return {
    displayUnknown: !granted("DISPLAY") || !granted("WAYLAND_DISPLAY"),
    os: Deno.build.os,
    browser: read("BROWSER"),
    display: read("DISPLAY"),
    waylandDisplay: read("WAYLAND_DISPLAY"),
    sshConnection: read("SSH_CONNECTION"),
  };
}

/**
 * Chooses how to open the login page.
 *
 * @param browserCommand `--browser-command`, when given
 * @example
 * ```ts
 * chooseOpener(undefined, { os: "linux", sshConnection: "10.0.0.2 5000 10.0.0.1 22" });
 * // { kind: "headless", reason: "an SSH session (SSH_CONNECTION is set)" }
 * ```
 */
export function chooseOpener(
  browserCommand: string | undefined,
  environment: OpenerEnvironment,
): OpenerChoice {
  if (browserCommand) {
    return { kind: "command", program: browserCommand, source: "`login.browserCommand`" };
  }
  const browser = environment.browser?.split(":").find((entry) => entry.trim() !== "")?.trim();
  if (browser) return { kind: "command", program: browser, source: "$BROWSER" };
  const reason = headlessReason(environment);
  if (reason) return { kind: "headless", reason };
  return { kind: "command", source: "the platform opener" };
}

/** Why this host has no screen for a browser, or `undefined` when it may have one. */
function headlessReason(environment: OpenerEnvironment): string | undefined {
  if (environment.sshConnection) return "an SSH session (SSH_CONNECTION is set)";
  if (environment.displayUnknown || environment.os !== "linux") return undefined;
  if (!environment.display && !environment.waylandDisplay) {
    return "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)";
  }
  return undefined;
}
