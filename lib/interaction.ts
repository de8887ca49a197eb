/**
 * What a login may do with the person at the terminal: messages through the {@link Logger}, and
 * questions through a {@link Prompter} when one is available.
 *
 * @module
 */

import type { Logger } from "./log.ts";

/** Asks the person at the terminal. Absent when stdin cannot be used. */
export interface Prompter {
  /** Reads one line (an authorization code). */
  readLine(prompt: string): Promise<string>;
  /** Reads one line without echo (a password). */
  readSecret(prompt: string): Promise<string>;
}

/** The channels a login uses to talk to the user. */
export interface Interaction {
  logger: Logger;
  /**
   * Present only when stdin is usable: kubectl did not say `interactive: false` and stdin is a
   * terminal. Grants that need input fail at once without it, never block.
   */
  prompter?: Prompter;
  /**
   * Why there is no prompter, for the error message ("kubectl runs the plugin with
   * interactiveMode Never").
   */
  notInteractiveReason?: string;
}
