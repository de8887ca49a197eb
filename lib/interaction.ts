/**
 * What a login may do with the person at the terminal: messages through the {@link Logger},
 * questions through a {@link Prompter} when one is available, and the login page opened in a
 * browser.
 *
 * @module
 */

import type { Logger } from "./log.ts";
import type { LoginOptions } from "./login_options.ts";

/** Asks the person at the terminal. Absent when stdin cannot be used. */
export interface Prompter {
  /** Reads one line (an authorization code). */
  readLine(prompt: string): Promise<string>;
  /** Reads one line without echo (a password). */
  readSecret(prompt: string): Promise<string>;
}

/** The channels a login uses to talk to the user. */
export interface Interaction {
  /** Where progress and the URL to open go (stderr in the CLI). */
  logger: Logger;
  /**
   * Present only when stdin may be used: kubectl did not say `interactive: false`. Reading a
   * secret needs a terminal as well; grants that need input fail at once without one, never block.
   */
  prompter?: Prompter;
  /**
   * Why there is no prompter, for the error message ("kubectl runs the plugin with
   * interactiveMode Never").
   */
  notInteractiveReason?: string;
  /**
   * Opens a login page whose URL has just been shown, as `options` say (`skipOpenBrowser`,
   * `browserCommand`), reporting through the logger when it cannot; `forwardPort` is the
   * loopback server's port (authorization code grant). Absent: no browser is opened, the shown
   * URL is all (as no prompter means no question); `loginPageOpener` in lib/open_login_page.ts
   * opens one as the CLI does. Never throws: the user can always open the URL by hand.
   */
  openLoginPage?(url: string, options: LoginOptions, forwardPort?: number): void;
}
