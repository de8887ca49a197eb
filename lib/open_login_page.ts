/**
 * Opening the login page, and saying so when it cannot be: the chosen opener is started and its
 * failure reported at once (rather than a silent wait until the login times out), and on a
 * headless host the user is told how to reach the page from elsewhere.
 *
 * @module
 */

import { openBrowser } from "./browser.ts";
import type { Interaction } from "./interaction.ts";
import type { Logger } from "./log.ts";
import type { LoginOptions } from "./login_options.ts";
import { chooseOpener, currentOpenerEnvironment, type OpenerEnvironment } from "./opener.ts";

/**
 * An {@link Interaction.openLoginPage} that opens the page with {@link openLoginPage}, reporting
 * to `logger`: what the CLI puts in its interaction. Grants open no browser without one.
 *
 * @example
 * ```ts
 * import { loginPageOpener, silentLogger } from "@together/kubelogin";
 *
 * const interaction = { logger: silentLogger, openLoginPage: loginPageOpener(silentLogger) };
 * ```
 */
export function loginPageOpener(logger: Logger): NonNullable<Interaction["openLoginPage"]> {
  return (url: string, options: LoginOptions, forwardPort?: number): void =>
    openLoginPage(url, { ...options, forwardPort }, logger);
}

/** How {@link openLoginPage} opens the page. */
export interface OpenLoginPageOptions {
  /** `--skip-open-browser`: only the URL is shown (by the caller). */
  skipOpenBrowser: boolean;
  /** `--browser-command`. */
  browserCommand?: string;
  /** The loopback server's port, for the `ssh -L` hint (authcode); absent for device-code. */
  forwardPort?: number;
  /** The environment to decide by; this process's own when absent. */
  environment?: OpenerEnvironment;
}

/**
 * Opens `url` in a browser as the options and environment say, or explains why not.
 * Never throws: the URL has been shown, so the user can always open it by hand.
 */
export function openLoginPage(url: string, options: OpenLoginPageOptions, logger: Logger): void {
  if (options.skipOpenBrowser) return;
  const choice = chooseOpener(
    options.browserCommand,
    options.environment ?? currentOpenerEnvironment(),
  );
  if (choice.kind === "headless") {
    logger.info(`No browser opened: ${choice.reason}. ${elsewhereHint(options.forwardPort)}`);
    return;
  }
  const name = choice.program ?? "the platform opener";
  logger.debug(`opening the browser with ${choice.source}${choice.program ? ` (${name})` : ""}`);
  let exit: Promise<number>;
  try {
    exit = openBrowser(url, choice.program);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    logger.info(`could not open the browser (${reason}); open ${url} in your browser by hand`);
    return;
  }
  exit.then((code) => {
    if (code === 0) return;
    logger.info(
      `The browser command ${name} exited with status ${code}; open ${url} in your browser by ` +
        `hand. ${elsewhereHint(options.forwardPort)}`,
    );
  });
}

/** How to log in from another machine. */
function elsewhereHint(port: number | undefined): string {
  if (port === undefined) return "Open the URL on any device with a browser.";
  return "To log in from the browser of another machine, forward the port first " +
    `(ssh -L ${port}:localhost:${port} USER@THIS-HOST) and open the URL there, or use ` +
    '`login.grantType: "device-code"`.';
}
