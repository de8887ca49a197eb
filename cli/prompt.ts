/**
 * Questions on stdin: an authorization code (echoed; a pipe works too) and a password (only from
 * a terminal, without echo). Prompts go to stderr, since stdout belongs to kubectl.
 *
 * @module
 */

import type { Prompter } from "../lib/interaction.ts";
import { NotInteractiveError } from "../lib/errors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const ENTER = new Set([0x0a, 0x0d]);
const BACKSPACE = new Set([0x08, 0x7f]);
const CTRL_C = 0x03;
const CTRL_D = 0x04;

/** A {@link Prompter} on this process's stdin, prompts on stderr. */
export const stdinPrompter: Prompter = {
  readLine: (prompt) => readLine(prompt, true),
  readSecret: (prompt) => {
    if (!Deno.stdin.isTerminal()) {
      // A password from a pipe would come from a file or another program: refuse rather than
      // accept it silently; --password says so explicitly.
      return Promise.reject(
        new NotInteractiveError(
          "a password is read only from a terminal and stdin is not one; pass --password",
        ),
      );
    }
    return readLine(prompt, false);
  },
};

async function readLine(prompt: string, echo: boolean): Promise<string> {
  const terminal = Deno.stdin.isTerminal();
  // Raw mode turns the terminal's echo off; the line is assembled here byte by byte. It goes on
  // before the prompt shows, or a password typed (or pasted) at once would be echoed.
  if (terminal) Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buffer = new Uint8Array(64);
  try {
    Deno.stderr.writeSync(encoder.encode(prompt));
    for (;;) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) {
        if (bytes.length > 0 && !terminal) return decoder.decode(new Uint8Array(bytes)).trim();
        throw new NotInteractiveError("stdin closed before a line was entered");
      }
      for (const byte of buffer.subarray(0, n)) {
        if (ENTER.has(byte)) return decoder.decode(new Uint8Array(bytes)).trim();
        if (terminal && (byte === CTRL_C || byte === CTRL_D)) {
          throw new NotInteractiveError("input cancelled");
        }
        if (terminal && BACKSPACE.has(byte)) {
          if (bytes.length > 0) {
            bytes.pop();
            if (echo) Deno.stderr.writeSync(encoder.encode("\b \b"));
          }
          continue;
        }
        bytes.push(byte);
        if (terminal && echo) Deno.stderr.writeSync(new Uint8Array([byte]));
      }
    }
  } finally {
    if (terminal) {
      Deno.stdin.setRaw(false);
      Deno.stderr.writeSync(encoder.encode("\n"));
    }
  }
}
