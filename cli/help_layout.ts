/**
 * The layout of generated help: as wide as the terminal, and with each description under its
 * flag when the terminal is too narrow for the two columns side by side (commander would then
 * print long unwrapped lines).
 *
 * @module
 */

import { Help } from "commander";

/** The width used when stdout is not a terminal (a pipe, a file). */
const DEFAULT_WIDTH = 80;
/** The narrowest description column worth keeping beside its flag. */
const MIN_DESCRIPTION_WIDTH = 40;
const INDENT = "      ";

/** The terminal's width in columns, or 80 when stdout is not a terminal. */
export function terminalWidth(): number {
  try {
    return Deno.stdout.isTerminal() ? Deno.consoleSize().columns : DEFAULT_WIDTH;
  } catch {
    return DEFAULT_WIDTH;
  }
}

/** Commander's `formatItem`, stacking flag and description when the columns would not fit. */
export function formatHelpItem(
  term: string,
  termWidth: number,
  description: string,
  helper: Help,
): string {
  const width = helper.helpWidth ?? DEFAULT_WIDTH;
  if (!description || width - termWidth - 4 >= MIN_DESCRIPTION_WIDTH) {
    return Help.prototype.formatItem.call(helper, term, termWidth, description, helper);
  }
  const wrapped = helper.boxWrap(description, width - INDENT.length);
  return `  ${term}\n${wrapped.split("\n").map((line) => INDENT + line).join("\n")}`;
}
