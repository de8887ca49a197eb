/**
 * Shell completion scripts, generated from the flag table so they never drift from the parser.
 *
 * @module
 */

import { UsageError } from "../lib/errors.ts";
import type { FlagSpec } from "./flags.ts";

/** A command as completion sees it. */
export interface CompletableCommand {
  name: string;
  summary: string;
  flags: readonly FlagSpec[];
}

/** The completion script for a shell: `bash`, `zsh` or `fish`. */
export function completionScript(shell: string, commands: readonly CompletableCommand[]): string {
  switch (shell) {
    case "bash":
      return bashScript(commands);
    case "zsh":
      return `autoload -U +X bashcompinit && bashcompinit\n${bashScript(commands)}`;
    case "fish":
      return fishScript(commands);
    default:
      throw new UsageError(`unsupported shell "${shell}": expected bash, zsh or fish`);
  }
}

function flagWords(flags: readonly FlagSpec[]): string {
  return flags.filter((flag) => !flag.hidden).map((flag) => `--${flag.name}`).join(" ");
}

function bashScript(commands: readonly CompletableCommand[]): string {
  const cases = commands
    .map((command) => `    ${command.name}) words="${flagWords(command.flags)}" ;;`)
    .join("\n");
  const names = commands.map((command) => command.name).join(" ");
  return `# bash completion for kubectl-together_login
_kubectl_together_login() {
  local current="\${COMP_WORDS[COMP_CWORD]}" words
  case "\${COMP_WORDS[1]}" in
${cases}
    *) words="${names} completion help version --help --version" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$current"))
}
complete -F _kubectl_together_login kubectl-together_login
`;
}

function fishScript(commands: readonly CompletableCommand[]): string {
  const lines = ["# fish completion for kubectl-together_login"];
  const program = "kubectl-together_login";
  for (const command of commands) {
    lines.push(
      `complete -c ${program} -n __fish_use_subcommand -a ${command.name} -d '${
        command.summary.replaceAll("'", "\\'")
      }'`,
    );
    for (const flag of command.flags.filter((flag) => !flag.hidden)) {
      const takesValue = flag.kind === "bool" ? "" : " -r";
      lines.push(
        `complete -c ${program} -n '__fish_seen_subcommand_from ${command.name}' -l ${flag.name}${takesValue} -d '${
          flag.description.replaceAll("'", "\\'")
        }'`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
