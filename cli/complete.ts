/**
 * Completion candidates for the words typed so far, computed from the command table and the flag
 * specs of `flags.ts`, so commands and flags added there are completed without a change here.
 * This is what the hidden `__complete` command prints, in cobra's format: one candidate a line
 * (`word<TAB>description`), then a `:<directive>` line. kubectl ≥ 1.26 runs the
 * `kubectl_complete-together_login` helper for `kubectl together-login <TAB>`, which calls it;
 * the PowerShell script of `completion.ts` does too.
 *
 * @module
 */

import type { CompletableCommand } from "./completion.ts";
import type { FlagSpec } from "./flags.ts";

/** Shells `completion` writes a script for. */
export const COMPLETION_SHELLS: readonly string[] = ["bash", "zsh", "fish", "powershell"];

/** Cobra's shell completion directives (a bit set), as kubectl reads them from a plugin. */
export const DIRECTIVE = {
  /** Let the shell complete file names when there is no candidate. */
  default: 0,
  /** No file names: the candidates are all there is. */
  noFileComp: 4,
} as const;

/** What `__complete` answers. */
export interface Completion {
  /** Candidates, each `word` or `word\tdescription`. */
  candidates: string[];
  /** The cobra directive printed last, as `:<n>`. */
  directive: number;
}

/** Commands besides the table's, each with what its positional arguments complete to. */
interface ExtraCommand {
  name: string;
  summary: string;
  positional(commands: readonly CompletableCommand[]): string[];
}

const EXTRA_COMMANDS: readonly ExtraCommand[] = [
  {
    name: "completion",
    summary: "Print a shell completion script",
    positional: () => [...COMPLETION_SHELLS],
  },
  {
    name: "help",
    summary: "Help about a command",
    positional: (commands) => commands.map((command) => command.name),
  },
  { name: "version", summary: "Print the version", positional: () => [] },
];

const HELP_FLAG: FlagSpec = { name: "help", short: "h", kind: "bool", description: "Show help" };
const VERSION_FLAG: FlagSpec = { name: "version", kind: "bool", description: "Print the version" };

/**
 * The candidates for the last word of `words`, the words after the program name (the last one is
 * the word being completed, `""` right after a space).
 *
 * @param commands the subcommands and their flags
 * @param rootFlags the flags of the program without a subcommand (standalone mode)
 */
export function completeWords(
  words: readonly string[],
  commands: readonly CompletableCommand[],
  rootFlags: readonly FlagSpec[],
): Completion {
  const typed = words.slice(0, -1);
  const current = words.at(-1) ?? "";
  const commandName = typed.find((word) => !word.startsWith("-"));
  const command = commands.find((spec) => spec.name === commandName);
  const extra = EXTRA_COMMANDS.find((spec) => spec.name === commandName);
  const flags = command
    ? [...command.flags, HELP_FLAG]
    : extra
    ? [HELP_FLAG]
    : [...rootFlags, HELP_FLAG, VERSION_FLAG];

  const previous = typed.at(-1);
  const pending = previous === undefined ? undefined : flagTakingValue(previous, flags);
  if (pending) return valuesOf(pending, current, "");
  if (current.startsWith("--") && current.includes("=")) {
    const name = current.slice(2, current.indexOf("="));
    const spec = flags.find((flag) => flag.name === name);
    if (spec && spec.kind !== "bool") {
      return valuesOf(spec, current.slice(name.length + 3), `--${name}=`);
    }
  }
  if (current.startsWith("-")) {
    return {
      candidates: flags
        .filter((flag) => !flag.hidden && `--${flag.name}`.startsWith(current))
        .map((flag) => `--${flag.name}\t${firstSentence(flag.description)}`),
      directive: DIRECTIVE.noFileComp,
    };
  }
  const positionals = typed.filter((word, i) =>
    !word.startsWith("-") && !isFlagValue(typed, i, flags)
  );
  let names: string[];
  if (positionals.length === 0) {
    names = [
      ...commands.map((spec) => `${spec.name}\t${spec.summary}`),
      ...EXTRA_COMMANDS.map((spec) => `${spec.name}\t${spec.summary}`),
    ];
  } else if (extra && positionals.length === 1) {
    names = extra.positional(commands);
  } else {
    names = [];
  }
  return {
    candidates: names.filter((name) => name.startsWith(current)),
    directive: DIRECTIVE.noFileComp,
  };
}

/** The text `__complete` prints. */
export function formatCompletion(completion: Completion): string {
  return [...completion.candidates, `:${completion.directive}`].join("\n") + "\n";
}

/** The flag `word` names when it still waits for its value in the next word (`--grant-type`). */
function flagTakingValue(word: string, flags: readonly FlagSpec[]): FlagSpec | undefined {
  if (word.includes("=")) return undefined;
  const spec = word.startsWith("--")
    ? flags.find((flag) => flag.name === word.slice(2))
    : /^-[a-zA-Z]$/.test(word)
    ? flags.find((flag) => flag.short === word.slice(1))
    : undefined;
  return spec && spec.kind !== "bool" ? spec : undefined;
}

function isFlagValue(typed: readonly string[], i: number, flags: readonly FlagSpec[]): boolean {
  return i > 0 && flagTakingValue(typed[i - 1], flags) !== undefined;
}

/** A flag's choices for `typed`; without choices, the shell may offer file names. */
function valuesOf(spec: FlagSpec, typed: string, prefix: string): Completion {
  if (!spec.choices) return { candidates: [], directive: DIRECTIVE.default };
  return {
    candidates: spec.choices.filter((choice) => choice.startsWith(typed)).map((choice) =>
      `${prefix}${choice}`
    ),
    directive: DIRECTIVE.noFileComp,
  };
}

/** The description up to its first `;` or `(`, so a candidate's note stays one short phrase. */
function firstSentence(description: string): string {
  return description.split(/[;(]/)[0].trim();
}
