/**
 * Runs this checkout's plugin as kubectl would: a separate `deno run` process with narrowly scoped
 * permissions, a private home directory (so the cache and data key are the test's own), the
 * ExecCredential read from stdout and the human messages from stderr.
 *
 * @module
 */

/** The plugin's entry point in this checkout. */
export const MOD_TS: string = new URL("../../mod.ts", import.meta.url).pathname;

/** The environment variables the plugin may read (`--allow-env`). */
export const PLUGIN_ENV_VARIABLES: readonly string[] = [
  "HOME",
  "KUBECACHEDIR",
  "XDG_CONFIG_HOME",
  "KUBERNETES_EXEC_INFO",
  "OIDC_CLIENT_SECRET",
];

import { FileDataKeyStore } from "../../lib/cache/data_key.ts";
import { EncryptedFileCache } from "../../lib/cache/encrypted_file.ts";
import { cacheKeyId } from "../../lib/cache/key.ts";
import { cacheKeyInputOf } from "../../lib/get_token.ts";
import type { TokenSet } from "../../lib/token_set.ts";
import { parseFlagsFast } from "../../cli/fast_args.ts";
import { GET_TOKEN_FLAGS } from "../../cli/flags.ts";
import { FlagReader, loginOptions, providerOptions } from "../../cli/options.ts";

/** The module cache of the Deno running the tests. */
const DENO_DIR: string = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;

/** How one plugin run ended. */
export interface PluginResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of one run. */
export interface RunOptions {
  /** Extra environment variables (e.g. `KUBERNETES_EXEC_INFO`). */
  env?: Record<string, string>;
  /** Replaces the default permission flags. */
  permissions?: string[];
  /** Text written to stdin, which is then closed; stdin is `null` otherwise. */
  stdin?: string;
  /** Keep stdin open for {@link RunningPlugin.writeStdin}. */
  stdinStream?: boolean;
}

/**
 * How long a test waits for a plugin's line or exit before it kills the plugin and fails: far
 * beyond any wait a test means (its longest is a 30 s timeout), so only a hang reaches it.
 */
const HANG_LIMIT_MS = 120_000;

/** A plugin process that is running. */
export class RunningPlugin {
  readonly #process: Deno.ChildProcess;
  readonly #stderrLines: string[] = [];
  readonly #waiters: { pattern: RegExp; resolve: (match: RegExpMatchArray) => void }[] = [];
  readonly #stderrDone: Promise<void>;
  readonly #stdout: Promise<string>;
  #result?: Promise<PluginResult>;

  constructor(process: Deno.ChildProcess) {
    this.#process = process;
    this.#stdout = new Response(process.stdout).text();
    this.#stderrDone = this.#readStderr(process.stderr);
  }

  async #readStderr(stream: ReadableStream<Uint8Array>): Promise<void> {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        this.#line(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    }
    if (pending) this.#line(pending);
    for (const waiter of this.#waiters.splice(0)) {
      waiter.resolve(Object.assign([""], { index: -1, input: "" }) as RegExpMatchArray);
    }
  }

  #line(line: string): void {
    this.#stderrLines.push(line);
    for (const waiter of [...this.#waiters]) {
      const match = waiter.pattern.exec(line);
      if (match) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  }

  /**
   * Waits for a stderr line matching the pattern.
   *
   * @throws when the process closes stderr first
   */
  async waitForLine(pattern: RegExp): Promise<RegExpMatchArray> {
    const seen = this.#stderrLines.map((line) => pattern.exec(line)).find(Boolean);
    if (seen) return seen;
    const match = await this.#unlessHung(
      new Promise<RegExpMatchArray>((resolve) => this.#waiters.push({ pattern, resolve })),
      `printing ${pattern}`,
    );
    if (match.index === -1) {
      throw new Error(`the plugin exited before printing ${pattern}:\n${this.stderr}`);
    }
    return match;
  }

  /** The URL of "Open http://localhost:PORT for authentication". */
  async loginUrl(): Promise<string> {
    return (await this.waitForLine(/^Open (\S+) for authentication$/))[1];
  }

  /** Everything written to stderr so far. */
  get stderr(): string {
    return this.#stderrLines.join("\n");
  }

  /** Writes a line to stdin (started with `stdinStream`) and closes it. */
  async writeStdin(text: string): Promise<void> {
    const writer = this.#process.stdin.getWriter();
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
  }

  /** The process ID, for signals. */
  get pid(): number {
    return this.#process.pid;
  }

  /** Sends a signal. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.#process.kill(signal);
    } catch {
      // Already exited.
    }
  }

  /** Waits for the exit. */
  result(): Promise<PluginResult> {
    this.#result ??= this.#unlessHung(
      (async () => {
        const [status, stdout] = await Promise.all([this.#process.status, this.#stdout]);
        await this.#stderrDone;
        return { code: status.code, stdout, stderr: this.stderr };
      })(),
      "exiting",
    );
    return this.#result;
  }

  /** `promise`, unless the plugin hangs: then it is killed and this rejects, saying so. */
  async #unlessHung<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill("SIGKILL");
        reject(
          new Error(`the plugin hung: not ${what} after ${HANG_LIMIT_MS} ms:\n${this.stderr}`),
        );
      }, HANG_LIMIT_MS);
    });
    try {
      return await Promise.race([promise, hung]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A private home for the plugin: `HOME`, `XDG_CONFIG_HOME` and `KUBECACHEDIR` inside one temp
 * directory, removed on dispose.
 */
export class PluginSandbox implements AsyncDisposable {
  /** The temp directory holding everything. */
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  /** Creates the sandbox directory. */
  static async create(): Promise<PluginSandbox> {
    return new PluginSandbox(await Deno.makeTempDir({ prefix: "kubelogin-test-" }));
  }

  /** The home directory. */
  get home(): string {
    return `${this.root}/home`;
  }

  /** The default token cache directory (`$KUBECACHEDIR/oidc-login`). */
  get cacheDir(): string {
    return `${this.root}/kube-cache/oidc-login`;
  }

  /** The data key file of the disk cache. */
  get dataKeyFile(): string {
    return `${this.root}/config/together-kubelogin/token-cache.key`;
  }

  /** The environment the plugin sees. */
  get env(): Record<string, string> {
    return {
      HOME: this.home,
      XDG_CONFIG_HOME: `${this.root}/config`,
      KUBECACHEDIR: `${this.root}/kube-cache`,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      // Deno keeps its module cache under $HOME unless told; the private HOME must not make every
      // run download and compile the dependencies anew.
      DENO_DIR: DENO_DIR,
    };
  }

  /** The narrow permissions the README recommends, scoped to this sandbox. */
  get permissions(): string[] {
    return [
      "--no-prompt",
      "--allow-net=127.0.0.1,localhost,[::1]",
      `--allow-read=${this.root}`,
      `--allow-write=${this.root}`,
      `--allow-env=${PLUGIN_ENV_VARIABLES.join(",")}`,
    ];
  }

  /** The cache entry files (lock files excluded). */
  async cacheEntries(): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.cacheDir)) {
        if (entry.isFile && /^[0-9a-f]{64}$/.test(entry.name)) names.push(entry.name);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return names.sort();
  }

  /** The disk cache as the plugin sees it in this sandbox. */
  diskCache(): EncryptedFileCache {
    return new EncryptedFileCache(this.cacheDir, new FileDataKeyStore(this.dataKeyFile));
  }

  /** The cache key id the plugin uses for `get-token` flags. */
  async keyIdFor(getTokenArgs: readonly string[]): Promise<string> {
    const flags = new FlagReader(parseFlagsFast(getTokenArgs, GET_TOKEN_FLAGS)!);
    const options = {
      provider: providerOptions(flags),
      login: loginOptions(flags),
      cache: { storage: "disk" as const, directory: this.cacheDir, dataKeyFile: this.dataKeyFile },
      forceRefresh: false,
    };
    return await cacheKeyId(cacheKeyInputOf(options));
  }

  /** Writes a cache entry for `get-token` flags, as the plugin would have. */
  async seedEntry(getTokenArgs: readonly string[], tokenSet: TokenSet): Promise<string> {
    const flags = new FlagReader(parseFlagsFast(getTokenArgs, GET_TOKEN_FLAGS)!);
    const keyId = await this.keyIdFor(getTokenArgs);
    await this.diskCache().write(keyId, tokenSet, {
      issuerUrl: flags.requiredString("oidc-issuer-url"),
      clientId: flags.requiredString("oidc-client-id"),
    });
    return keyId;
  }

  /** Starts `deno run mod.ts <args>`. */
  start(args: readonly string[], options: RunOptions = {}): RunningPlugin {
    const command = new Deno.Command(Deno.execPath(), {
      args: ["run", ...(options.permissions ?? this.permissions), MOD_TS, ...args],
      env: { ...this.env, ...options.env },
      clearEnv: true,
      stdin: options.stdin === undefined && !options.stdinStream ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    });
    const process = command.spawn();
    if (options.stdin !== undefined) {
      const writer = process.stdin.getWriter();
      writer.write(new TextEncoder().encode(options.stdin)).then(() => writer.close()).catch(
        () => {},
      );
    }
    return new RunningPlugin(process);
  }

  /** Runs to the end. */
  run(args: readonly string[], options: RunOptions = {}): Promise<PluginResult> {
    return this.start(args, options).result();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.root, { recursive: true }).catch(() => {});
  }
}

/** The ExecCredential in a run's stdout; asserts there is exactly one JSON document. */
export function parseExecCredential(stdout: string): {
  apiVersion: string;
  kind: string;
  status: { token: string; expirationTimestamp: string };
} {
  const lines = stdout.split("\n").filter((line) => line.trim() !== "");
  if (lines.length !== 1) throw new Error(`expected one line of JSON on stdout, got:\n${stdout}`);
  return JSON.parse(lines[0]);
}
