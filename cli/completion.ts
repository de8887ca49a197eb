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

/** The completion script for a shell: `bash`, `zsh`, `fish` or `powershell`. */
export function completionScript(shell: string, commands: readonly CompletableCommand[]): string {
  switch (shell) {
    case "bash":
      return bashScript(commands);
    case "zsh":
      return `autoload -U +X bashcompinit && bashcompinit\n${bashScript(commands)}`;
    case "fish":
      return fishScript(commands);
    case "powershell":
      return POWERSHELL_SCRIPT;
    default:
      throw new UsageError(`unsupported shell "${shell}": expected bash, zsh, fish or powershell`);
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

/**
 * PowerShell asks the program itself (`__complete`, see `complete.ts`) for each completion, as
 * kubectl does for plugins, so the candidates are the same in both. PowerShell before 7.3 drops
 * an empty argument on its way to a native command, hence `'""'` for the word being started.
 */
const POWERSHELL_SCRIPT = `# PowerShell completion for kubectl-together_login
Register-ArgumentCompleter -Native -CommandName 'kubectl-together_login', 'kubectl-together_login.exe' -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $words = @($commandAst.CommandElements | Select-Object -Skip 1 |
    Where-Object { $_.Extent.EndOffset -le $cursorPosition } | ForEach-Object { $_.Extent.Text })
  if ($wordToComplete -eq '') {
    $words += if ($PSVersionTable.PSVersion -lt [version]'7.3') { '""' } else { '' }
  }
  $lines = @(& kubectl-together_login __complete @words 2>$null)
  foreach ($line in $lines) {
    if ($line -match '^:[0-9]+$' -or $line -eq '') { continue }
    $word, $description = $line -split "\\t", 2
    if (-not $description) { $description = $word }
    [System.Management.Automation.CompletionResult]::new($word, $word, 'ParameterValue', $description)
  }
}
`;
