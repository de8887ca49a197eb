/**
 * {@link KubectlClient}: the real kubectl in a private HOME with this checkout's plugin on PATH
 * and a kubeconfig written as the setup guide says (see tests/support/cluster.ts).
 *
 * @module
 */

import { MOD_TS, PLUGIN_ENV_VARIABLES, PluginSandbox } from "../plugin.ts";
import { raceTimeout, shellQuote, stopTree, writeScript } from "./processes.ts";
import { findKubectl } from "./tools.ts";

/** This checkout's deno.json, which the shim names as `deno install --config` would. */
const DENO_JSON: string = new URL("../../../deno.json", import.meta.url).pathname;

/** The kubeconfig names of the cluster and context the fixture writes. */
export const KUBECONFIG_CLUSTER = "test-cluster";
/** The kubeconfig user {@link KubectlClient} points its context at. */
export const KUBECONFIG_USER = "oidc";

/** How long one kubectl command may take by default, logins included. */
const DEFAULT_TIMEOUT_MS = 60_000;

/** How a kubectl command ended, and the URLs the plugin opened the browser on meanwhile. */
export interface KubectlResult {
  code: number;
  stdout: string;
  /** kubectl's stderr, the plugin's (which kubectl passes through) included. */
  stderr: string;
  browserUrls: string[];
}

/** Does the person's part at a URL the plugin opened; kubectl waits meanwhile. */
export type BrowserHandler = (url: string) => Promise<unknown>;

/** Options of {@link KubectlClient.kubectl}. */
export interface KubectlRunOptions {
  /**
   * Called for each URL the plugin opens. Without it, a browser opening is a failure: kubectl is
   * stopped and the call throws.
   */
  browser?: BrowserHandler;
  /** Environment variables for kubectl, which it passes on to the plugin. */
  env?: Record<string, string>;
  /** Stop kubectl and throw after this long (default 60 s). */
  timeoutMs?: number;
}

/** Options of {@link KubectlClient.create}. */
export interface KubectlClientOptions {
  /** The provider; its host goes into the plugin's `--allow-net`. */
  issuerUrl: string;
  /** The cluster: `server` and `certificate-authority` of the kubeconfig. */
  apiServer: { url: string; caFile: string };
  /** The kubectl binary (default: {@link findKubectl}). */
  kubectl?: string;
  /** More hosts for the plugin's `--allow-net`, for a provider whose endpoints live elsewhere. */
  extraNetHosts?: readonly string[];
}

/** A private HOME with kubectl, the plugin on PATH and a kubeconfig; removed on dispose. */
export class KubectlClient implements AsyncDisposable {
  /** The private HOME, cache and config directories. */
  readonly sandbox: PluginSandbox;
  /** The kubectl binary run. */
  readonly kubectlPath: string;
  /** The directory put first on PATH, holding `kubectl-together_login`. */
  readonly binDir: string;
  /** The plugin's `--browser-command`: records the URL for {@link KubectlClient.kubectl}. */
  readonly browserCommand: string;
  readonly #browserLog: string;
  readonly #credentials = new Map<string, string[]>();
  #browserUrlsSeen = 0;

  private constructor(sandbox: PluginSandbox, kubectlPath: string) {
    this.sandbox = sandbox;
    this.kubectlPath = kubectlPath;
    this.binDir = `${sandbox.root}/bin`;
    this.browserCommand = `${sandbox.root}/open-browser`;
    this.#browserLog = `${sandbox.root}/browser-urls.log`;
  }

  /** Installs the plugin in a new private HOME and writes the kubeconfig's cluster and context. */
  static async create(options: KubectlClientOptions): Promise<KubectlClient> {
    const kubectlPath = options.kubectl ?? await findKubectl();
    if (!kubectlPath) throw new Error("kubectl is not on PATH");
    const sandbox = await PluginSandbox.create();
    const client = new KubectlClient(sandbox, kubectlPath);
    try {
      await client.#install(options.issuerUrl, options.extraNetHosts ?? []);
      await client.config([
        "set-cluster",
        KUBECONFIG_CLUSTER,
        `--server=${options.apiServer.url}`,
        `--certificate-authority=${options.apiServer.caFile}`,
      ]);
      await client.config([
        "set-context",
        KUBECONFIG_CLUSTER,
        `--cluster=${KUBECONFIG_CLUSTER}`,
        `--user=${KUBECONFIG_USER}`,
        "--namespace=default",
      ]);
      await client.config(["use-context", KUBECONFIG_CLUSTER]);
      return client;
    } catch (error) {
      await sandbox[Symbol.asyncDispose]();
      throw error;
    }
  }

  /** The kubeconfig kubectl reads: the default one of the private HOME. */
  get kubeconfig(): string {
    return `${this.sandbox.home}/.kube/config`;
  }

  /** The environment kubectl runs in, and so the plugin: the sandbox's, with the shim on PATH. */
  get env(): Record<string, string> {
    const env = this.sandbox.env;
    return { ...env, PATH: `${this.binDir}:${env.PATH}` };
  }

  /** The plugin's permissions: README.md's Install section, for this HOME and browser command. */
  pluginPermissions(issuerUrl: string, extraNetHosts: readonly string[] = []): string[] {
    const hosts = [
      ...new Set([new URL(issuerUrl).hostname, ...extraNetHosts, "127.0.0.1", "localhost"]),
    ];
    const kubeCache = this.env.KUBECACHEDIR;
    const config = `${this.env.XDG_CONFIG_HOME}/together-kubelogin`;
    return [
      `--allow-net=${hosts.join(",")}`,
      `--allow-read=${kubeCache},${config}`,
      `--allow-write=${kubeCache},${config}`,
      `--allow-env=${PLUGIN_ENV_VARIABLES.join(",")}`,
      `--allow-run=${this.browserCommand}`,
      "--no-prompt",
    ];
  }

  async #install(issuerUrl: string, extraNetHosts: readonly string[]): Promise<void> {
    await Deno.mkdir(this.binDir, { recursive: true });
    await Deno.mkdir(`${this.sandbox.home}/.kube`, { recursive: true });
    const words = [
      Deno.execPath(),
      "run",
      ...this.pluginPermissions(issuerUrl, extraNetHosts),
      "--config",
      DENO_JSON,
      `file://${MOD_TS}`,
    ];
    await writeScript(
      `${this.binDir}/kubectl-together_login`,
      "# What `deno install --global --name kubectl-together_login` writes, for this checkout.\n" +
        `exec ${words.map(shellQuote).join(" ")} "$@"\n`,
    );
    await writeScript(
      this.browserCommand,
      "# The plugin's --browser-command: hands the URL to the test, which opens it.\n" +
        `printf '%s\\n' "$1" >> ${shellQuote(this.#browserLog)}\n`,
    );
  }

  /** Runs `kubectl config …`; throws with kubectl's message when it fails. */
  async config(args: readonly string[]): Promise<void> {
    const result = await this.kubectl(["config", ...args]);
    if (result.code !== 0) {
      throw new Error(`kubectl config ${args[0]} failed: ${result.stderr}`);
    }
  }

  /**
   * Adds a kubeconfig user running the plugin, as the setup guide's step 5 does:
   * `kubectl config set-credentials USER --exec-interactive-mode=Never
   * --exec-api-version=client.authentication.k8s.io/v1 --exec-command=kubectl
   * --exec-arg=together-login --exec-arg=get-token --exec-arg=FLAG…`.
   *
   * @param flags the `get-token` flags, `--oidc-issuer-url` and `--oidc-client-id` first
   */
  async setCredentials(user: string, flags: readonly string[]): Promise<void> {
    await this.config([
      "set-credentials",
      user,
      "--exec-interactive-mode=Never",
      "--exec-api-version=client.authentication.k8s.io/v1",
      "--exec-command=kubectl",
      "--exec-arg=together-login",
      "--exec-arg=get-token",
      ...flags.map((flag) => `--exec-arg=${flag}`),
    ]);
    this.#credentials.set(user, [...flags]);
  }

  /** The `get-token` flags of a user written by {@link KubectlClient.setCredentials}. */
  getTokenFlags(user: string = KUBECONFIG_USER): string[] {
    const args = this.#credentials.get(user);
    if (!args) throw new Error(`no kubeconfig user ${user} was written`);
    return [...args];
  }

  /**
   * Runs kubectl in the private HOME and waits for it. Each URL the plugin opens meanwhile goes
   * to `options.browser`; an unexpected one, a failing handler or the timeout stops kubectl and
   * the plugin, and throws.
   */
  async kubectl(args: readonly string[], options: KubectlRunOptions = {}): Promise<KubectlResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const child = new Deno.Command(this.kubectlPath, {
      args: [...args],
      env: { ...this.env, ...options.env },
      clearEnv: true,
      cwd: this.sandbox.root,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = new Response(child.stdout).text();
    const stderr = new Response(child.stderr).text();
    let exited = false;
    const status = child.status.finally(() => {
      exited = true;
    });
    const browserUrls: string[] = [];
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const done = exited;
        for (const url of await this.#newBrowserUrls()) {
          browserUrls.push(url);
          if (!options.browser) {
            throw new Error(`the plugin opened the browser on ${url}, which was not expected`);
          }
          await options.browser(url);
        }
        if (done) break;
        if (Date.now() > deadline) throw new Error(`no exit after ${timeoutMs} ms`);
        await raceTimeout(status, 50);
      }
    } catch (error) {
      await stopTree(child);
      await status;
      await stdout;
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`kubectl ${args.join(" ")}: ${message}\nstderr:\n${await stderr}`, {
        cause: error,
      });
    }
    return { code: (await status).code, stdout: await stdout, stderr: await stderr, browserUrls };
  }

  async #newBrowserUrls(): Promise<string[]> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.#browserLog);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    // Only whole lines: the opener may be halfway through writing one.
    const lines = text.slice(0, text.lastIndexOf("\n") + 1).split("\n").filter(Boolean);
    const fresh = lines.slice(this.#browserUrlsSeen);
    this.#browserUrlsSeen = lines.length;
    return fresh;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.sandbox[Symbol.asyncDispose]();
  }
}
