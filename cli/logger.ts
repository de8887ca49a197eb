/**
 * The CLI's {@link Logger}: every human message goes to stderr, because stdout carries only the
 * ExecCredential that kubectl parses.
 *
 * @module
 */

import type { Logger } from "../lib/log.ts";

const encoder = new TextEncoder();

/** Writes one line to stderr, synchronously so it is not lost when the process exits. */
export function writeStderrLine(line: string): void {
  writeAll(Deno.stderr, encoder.encode(`${line}\n`));
}

/** Writes text to stdout synchronously. */
export function writeStdout(text: string): void {
  writeAll(Deno.stdout, encoder.encode(text));
}

function writeAll(target: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += target.writeSync(bytes.subarray(offset));
}

/** The `-v` level of the last logger created: the command's, for the error report. */
let lastLevel = 0;

/** The `-v` level the command runs at (0 before its flags were read), for the error report. */
export function loggedLevel(): number {
  return lastLevel;
}

/**
 * A logger at a klog-style level: `info` always, `debug` from `-v1` up; the level itself for
 * the request trace (`-v2`) and response headers (`-v3`).
 *
 * @param level the `-v` level
 */
export function createStderrLogger(level: number): Logger {
  lastLevel = level;
  const status = Deno.stderr.isTerminal() ? new StatusLine() : undefined;
  return {
    level,
    info: (message) => {
      status?.clear();
      writeStderrLine(message);
    },
    status: status && ((line) => status.show(line)),
    debug: level >= 1
      ? (message) => {
        status?.clear();
        writeStderrLine(`debug: ${message}`);
      }
      : () => {},
  };
}

/** One line at the bottom of the terminal, redrawn in place until cleared. */
class StatusLine {
  #shown = false;

  show(line: string | undefined): void {
    if (line === undefined) return this.clear();
    writeAll(Deno.stderr, encoder.encode(`\r\x1b[2K${line}`));
    this.#shown = true;
  }

  clear(): void {
    if (!this.#shown) return;
    writeAll(Deno.stderr, encoder.encode("\r\x1b[2K"));
    this.#shown = false;
  }
}
