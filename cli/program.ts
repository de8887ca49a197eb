/**
 * The full command line, on the CLI library (commander, chosen in docs/design.md): subcommands,
 * generated help, flag errors. The library is imported only here, and this module only when the
 * fast path of `main.ts` declines, so a cache hit never pays for it. Swapping the library means
 * rewriting this file alone: flags are declared in `flags.ts`.
 *
 * @module
 */

import { Command, CommanderError, Option } from "commander";
import { UsageError } from "../lib/errors.ts";
import { CommandLineError } from "./errors.ts";
import {
  accumulateFlag,
  CLEAN_FLAGS,
  DOCTOR_FLAGS,
  type FlagSpec,
  type FlagValue,
  GET_TOKEN_FLAGS,
  LOGOUT_FLAGS,
  missingRequiredFlag,
  type ParsedFlags,
  ROOT_FLAGS,
  SETUP_FLAGS,
  STATUS_FLAGS,
} from "./flags.ts";
import { writeStderrLine, writeStdout } from "./logger.ts";
import { formatHelpItem, terminalWidth } from "./help_layout.ts";
import { closestName } from "./suggest.ts";
import { VERSION } from "./version.ts";

/** A command, its flags and what runs it. */
export interface CommandSpec {
  name: string;
  summary: string;
  flags: readonly FlagSpec[];
  run(flags: ParsedFlags): Promise<void>;
}

const COMMANDS: readonly CommandSpec[] = [
  {
    name: "get-token",
    summary: "Run as a kubectl credential plugin: print an ExecCredential with a valid token",
    flags: GET_TOKEN_FLAGS,
    run: async (flags) => (await import("./get_token.ts")).runGetToken(flags),
  },
  {
    name: "setup",
    summary: "Log in once, show the ID token's claims and the kubeconfig to use",
    flags: SETUP_FLAGS,
    run: async (flags) => (await import("./setup.ts")).runSetup(flags),
  },
  {
    name: "clean",
    summary: "Delete the token cache (files and keyring)",
    flags: CLEAN_FLAGS,
    run: async (flags) => (await import("./clean.ts")).runClean(flags),
  },
  {
    name: "status",
    summary: "List the cached identities and when their tokens expire (never the tokens)",
    flags: STATUS_FLAGS,
    run: async (flags) => (await import("./status.ts")).runStatus(flags),
  },
  {
    name: "logout",
    summary: "Revoke the cached tokens at the provider and delete them (all, without flags)",
    flags: LOGOUT_FLAGS,
    run: async (flags) => (await import("./logout.ts")).runLogout(flags),
  },
  {
    name: "doctor",
    summary: "Check the provider, ports, cache, permissions and kubeconfig, one line each",
    flags: DOCTOR_FLAGS,
    run: async (flags) => (await import("./doctor.ts")).runDoctor(flags),
  },
];

const STANDALONE: CommandSpec = {
  name: "",
  summary: "Standalone mode: log in and write the token into the kubeconfig",
  flags: ROOT_FLAGS,
  run: async (flags) => (await import("./standalone.ts")).runStandalone(flags),
};

/** The first words the program takes: its commands and commander's `help`. */
const KNOWN_COMMANDS = new Set([
  ...COMMANDS.map((command) => command.name),
  "completion",
  "help",
  "version",
]);

/** Commander's codes for help and version output, which are not failures. */
const INFORMATIONAL_CODES = new Set([
  "commander.helpDisplayed",
  "commander.help",
  "commander.version",
]);

/**
 * Parses the arguments and runs the command they name.
 *
 * @returns the exit code
 * @throws {CommandLineError} for unknown flags, missing values, stray arguments
 */
export async function runProgram(args: readonly string[]): Promise<number> {
  // Without this, commander would hand a mistyped command to standalone mode, which reports the
  // command's flags as unknown options instead of the command itself.
  const first = args[0];
  // cobra's hidden command, which kubectl's plugin completion helper and the PowerShell script run.
  if (first === "__complete") {
    const { completeWords, formatCompletion } = await import("./complete.ts");
    writeStdout(formatCompletion(completeWords(args.slice(1), COMMANDS, STANDALONE.flags)));
    return 0;
  }
  if (first !== undefined && !first.startsWith("-") && !KNOWN_COMMANDS.has(first)) {
    throw unknownCommand(first);
  }
  // Commander answers `help nosuch` with the general help and success; a typo is a failure.
  const helpTopic = first === "help" ? args[1] : undefined;
  if (helpTopic !== undefined && !helpTopic.startsWith("-") && !KNOWN_COMMANDS.has(helpTopic)) {
    throw unknownCommand(helpTopic);
  }
  try {
    await parseCommandLine(args, (command, flags) => command.run(flags));
    return 0;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (INFORMATIONAL_CODES.has(error.code)) return 0;
    const spec = COMMANDS.find((spec) => spec.name === args[0]) ?? STANDALONE;
    const message = error.message.replace(/^error: /, "");
    const hint = error.code === "commander.unknownOption" ? flagSuggestion(message, spec) : "";
    throw new CommandLineError(`${message}${hint}`, spec.name, { cause: error });
  }
}

function unknownCommand(name: string): CommandLineError {
  const near = closestName(name, [...KNOWN_COMMANDS]);
  return new CommandLineError(
    `unknown command "${name}"${near ? `; did you mean ${near}?` : ""}`,
    "",
  );
}

/** "; did you mean --x?" for commander's "unknown option '--y=1'", or nothing. */
function flagSuggestion(message: string, command: CommandSpec): string {
  const typed = /'--([^'=]+)/.exec(message)?.[1];
  if (typed === undefined) return "";
  const names = command.flags.filter((spec) => !spec.hidden).map((spec) => spec.name);
  const near = closestName(typed, names);
  return near ? `; did you mean --${near}?` : "";
}

/** What `version` and `--version` print. */
function versionLine(): string {
  return `together-kubelogin version ${VERSION} ` +
    `(deno ${Deno.version.deno} ${Deno.build.os}_${Deno.build.arch})`;
}

/**
 * Parses the arguments and hands the command they name to the runner.
 *
 * @throws {CommanderError} for flag errors, help and version output
 */
export async function parseCommandLine(
  args: readonly string[],
  runner: CommandRunner,
): Promise<void> {
  await buildProgram(runner).parseAsync(args.flatMap(splitShortFlagValue), { from: "user" });
}

/** pflag reads `-v=2` as `-v 2`; commander would take `=2` as the value. */
function splitShortFlagValue(arg: string): string[] {
  const match = /^-([a-zA-Z])=(.*)$/.exec(arg);
  return match ? [`-${match[1]}`, match[2]] : [arg];
}

/** Receives the command the arguments name and its parsed flags. */
export type CommandRunner = (command: CommandSpec, flags: ParsedFlags) => Promise<void>;

/**
 * The commander program.
 *
 * @param runner what to do with the parsed command; tests record instead of running
 */
function buildProgram(runner: CommandRunner): Command {
  const program = configure(new Command("kubectl together-login"))
    .description(
      "Log in to an OpenID Connect provider and give kubectl an ID token (a client-go credential " +
        "plugin). kubectl runs `get-token`; run `setup` once to try a provider.\n\n" +
        "With no command, runs standalone mode: logs in for the kubeconfig user whose " +
        "auth-provider is oidc and writes the token into the kubeconfig " +
        "(see docs/standalone-mode.md).",
    )
    .version(versionLine(), "--version", "Print the version")
    .enablePositionalOptions()
    // Commander leaves `help <command>` out when the program has an action of its own (standalone
    // mode); cobra, and so kubelogin, has it.
    .helpCommand("help [command]", "Show help for a command");
  const readRoot = addFlags(program, STANDALONE.flags, "");
  program.action(() => runner(STANDALONE, readRoot(program)));
  for (const spec of COMMANDS) {
    const command = configure(program.command(spec.name)).description(spec.summary);
    const read = addFlags(command, spec.flags, spec.name);
    command.action(() => {
      const flags = read(command);
      const missing = missingRequiredFlag(spec.flags, flags);
      if (missing) throw new CommandLineError(`required flag --${missing} is not set`, spec.name);
      return runner(spec, flags);
    });
  }
  // kubelogin has a `version` command besides `--version`.
  configure(program.command("version"))
    .description("Print the version")
    .action(() => writeStdout(`${versionLine()}\n`));
  const completion = configure(program.command("completion"))
    .description("Print a shell completion script")
    .argument("<shell>", "bash, zsh, fish or powershell");
  completion.action(async (shell: string) => {
    const { completionScript } = await import("./completion.ts");
    writeStdout(completionScript(shell, COMMANDS));
  });
  return program;
}

function configure(command: Command): Command {
  return command
    .exitOverride()
    .configureOutput({
      writeOut: writeStdout,
      writeErr: (text) => writeStderrLine(text.trimEnd()),
      // Errors are reported once, as one line, by cli/errors.ts.
      outputError: () => {},
      // Help has no colours; asking would read NO_COLOR and friends, which the plugin's narrow
      // --allow-env does not grant.
      getOutHasColors: () => false,
      getErrHasColors: () => false,
      getOutHelpWidth: terminalWidth,
      getErrHelpWidth: terminalWidth,
    })
    .configureHelp({ formatItem: formatHelpItem })
    .showSuggestionAfterError(false)
    .helpOption("-h, --help", "Show help");
}

/**
 * Declares the flags on a command and returns a reader of what was given.
 *
 * @param name the command's name, for the usage hint of a bad flag value
 */
function addFlags(
  command: Command,
  specs: readonly FlagSpec[],
  name: string,
): (c: Command) => ParsedFlags {
  const byAttribute = new Map<string, FlagSpec>();
  for (const spec of specs) {
    const names = spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
    const value = spec.kind === "bool" ? " [bool]" : ` <${valueName(spec)}>`;
    const option = new Option(`${names}${value}`, helpText(spec))
      .argParser((raw: string, previous: FlagValue | undefined) => {
        try {
          return accumulateFlag(spec, previous, raw);
        } catch (error) {
          if (error instanceof UsageError) {
            throw new CommandLineError(error.message, name, { cause: error });
          }
          throw error;
        }
      });
    // Commander reads `--no-x` as the negation of `--x`; kubelogin's `--no-keyring` is a flag of
    // its own.
    option.negate = false;
    if (spec.hidden) option.hideHelp();
    command.addOption(option);
    byAttribute.set(option.attributeName(), spec);
  }
  return (parsedCommand) => {
    const parsed: ParsedFlags = new Map();
    for (const [attribute, value] of Object.entries(parsedCommand.opts())) {
      const spec = byAttribute.get(attribute);
      if (spec && value !== undefined) parsed.set(spec.name, value as FlagValue);
    }
    return parsed;
  };
}

function valueName(spec: FlagSpec): string {
  switch (spec.kind) {
    case "int":
      return "int";
    case "intSlice":
      return "ints";
    case "map":
      return "key=value";
    default:
      return spec.choices && spec.choices.length <= 3 ? spec.choices.join("|") : "string";
  }
}

function helpText(spec: FlagSpec): string {
  const notes = [
    spec.choices && spec.choices.length > 3 ? `one of: ${spec.choices.join(", ")}` : "",
    spec.defaultText === undefined ? "" : `default: ${spec.defaultText}`,
    spec.env === undefined ? "" : `env: ${spec.env}`,
  ].filter(Boolean);
  return notes.length === 0 ? spec.description : `${spec.description} (${notes.join("; ")})`;
}
