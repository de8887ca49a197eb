/**
 * Questions on the terminal: an authorization code (echoed) and a password (not echoed). Used only
 * when stdin is a terminal and kubectl allows interaction; see `interaction.ts`.
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
export const terminalPrompter: Prompter = {
  readLine: (prompt) => readFromTerminal(prompt, true),
  readSecret: (prompt) => readFromTerminal(prompt, false),
};

async function readFromTerminal(prompt: string, echo: boolean): Promise<string> {
  Deno.stderr.writeSync(encoder.encode(prompt));
  // Raw mode turns echo off; the line is assembled here byte by byte.
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buffer = new Uint8Array(64);
  try {
    for (;;) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) throw new NotInteractiveError("stdin closed before a line was entered");
      for (const byte of buffer.subarray(0, n)) {
        if (ENTER.has(byte)) return decoder.decode(new Uint8Array(bytes)).trim();
        if (byte === CTRL_C || byte === CTRL_D) throw new NotInteractiveError("input cancelled");
        if (BACKSPACE.has(byte)) {
          if (bytes.length > 0) {
            bytes.pop();
            if (echo) Deno.stderr.writeSync(encoder.encode("\b \b"));
          }
          continue;
        }
        bytes.push(byte);
        if (echo) Deno.stderr.writeSync(new Uint8Array([byte]));
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    Deno.stderr.writeSync(encoder.encode("\n"));
  }
}
