/**
 * The logging seam between the library and the CLI. Library code reports through a {@link Logger}
 * it is given and never prints; the CLI decides where the words go (stderr) and at which level.
 *
 * @module
 */

/** Receives the library's messages. Messages never contain tokens or secrets. */
export interface Logger {
  /** A message the user must see (where to log in, a warning). */
  info(message: string): void;
  /** Detail shown only at `-v1` and above. */
  debug(message: string): void;
  /**
   * The `-v` level, for detail beyond `debug`: `2` traces each request to the provider, `3` its
   * response headers too. Absent means `0`.
   */
  readonly level?: number;
  /**
   * A transient status line (a countdown), redrawn in place on a terminal. Absent where it
   * cannot be redrawn (stderr is a file or pipe); `undefined` clears it.
   */
  status?(line: string | undefined): void;
}

/** A logger that drops everything, for library callers that want silence. */
export const silentLogger: Logger = { info() {}, debug() {} };
