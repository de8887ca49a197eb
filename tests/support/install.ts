/**
 * Installs the plugin exactly as README.md says, so that the tests and the benchmark measure the
 * program users get: README's checkout line runs unchanged under `sh`, in this checkout, with a
 * private `HOME`, `DENO_DIR` and `DENO_INSTALL_ROOT`.
 *
 * @module
 */

/** This checkout's directory, without the trailing slash (README's `$PWD`). */
export const CHECKOUT: string = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** The file name kubectl looks for on PATH. */
export const PLUGIN_NAME = "kubectl-together_login";

/** README's two install commands, each as one shell line (continuations joined). */
export interface ReadmeInstallLines {
  /** From JSR. */
  jsr: string;
  /** From a checkout, run in the checkout's directory. */
  checkout: string;
}

/** Reads the `deno install` blocks of README.md's Install section. */
export async function readmeInstallLines(): Promise<ReadmeInstallLines> {
  const readme = await Deno.readTextFile(`${CHECKOUT}/README.md`);
  const blocks = [...readme.matchAll(/```sh\n(deno install [\s\S]*?)```/g)]
    .map((match) => match[1].replace(/\\\n\s*/g, "").trim());
  const jsr = blocks.find((line) => line.endsWith(" jsr:@together/kubelogin/plugin"));
  const checkout = blocks.find((line) => line.endsWith(" ./plugin.ts"));
  if (!jsr || !checkout) throw new Error("README.md lost its JSR or checkout install line");
  return { jsr, checkout };
}

/** Options of {@link InstalledPlugin.install}. */
export interface InstallOptions {
  /** Deno's module cache; a fresh one inside the install's directory by default. */
  denoDir?: string;
  /** Installs this checkout file (e.g. an empty script) instead of `./plugin.ts`. */
  entry?: string;
  /** The command name (default {@link PLUGIN_NAME}). */
  name?: string;
  /** Grants README tells users to add (`--allow-run=xdg-open`, `--allow-ffi`). */
  extraFlags?: readonly string[];
}

/** A `deno install` of README's checkout line into a temporary root; removed on dispose. */
export class InstalledPlugin implements AsyncDisposable {
  /** The temporary directory holding the home, the install root and the module cache. */
  readonly dir: string;
  /** The private home directory. */
  readonly home: string;
  /** Deno's module cache used by the install and every run. */
  readonly denoDir: string;
  /** The directory holding the shim. */
  readonly binDir: string;
  /** The shim's path. */
  readonly shim: string;

  private constructor(dir: string, denoDir: string, name: string) {
    this.dir = dir;
    this.home = `${dir}/home`;
    this.denoDir = denoDir;
    this.binDir = `${dir}/root/bin`;
    this.shim = `${this.binDir}/${name}`;
  }

  /** Runs README's checkout line, with `./plugin.ts` replaced by `options.entry` if given. */
  static async install(options: InstallOptions = {}): Promise<InstalledPlugin> {
    const dir = await Deno.makeTempDir({ prefix: "kubelogin-install-" });
    const name = options.name ?? PLUGIN_NAME;
    const plugin = new InstalledPlugin(dir, options.denoDir ?? `${dir}/deno`, name);
    try {
      await Deno.mkdir(plugin.home);
      let line = (await readmeInstallLines()).checkout;
      if (options.entry) line = line.replace(/ \.\/plugin\.ts$/, ` ./${options.entry}`);
      if (name !== PLUGIN_NAME) line = line.replace(`--name ${PLUGIN_NAME}`, `--name ${name}`);
      if (options.extraFlags) {
        line = line.replace(" --no-prompt ", ` --no-prompt ${options.extraFlags.join(" ")} `);
      }
      const { code, stderr } = await new Deno.Command("sh", {
        args: ["-c", line],
        cwd: CHECKOUT,
        env: { ...plugin.env, DENO_INSTALL_ROOT: `${dir}/root` },
        clearEnv: true,
        stdout: "null",
        stderr: "piped",
      }).output();
      if (code !== 0) throw new Error(`${line}\nfailed: ${new TextDecoder().decode(stderr)}`);
      return plugin;
    } catch (error) {
      await plugin[Symbol.asyncDispose]();
      throw error;
    }
  }

  /**
   * The environment of a user who installed it: the private HOME and module cache, and a PATH
   * with the shim first and `deno` (which the shim runs) after it.
   */
  get env(): Record<string, string> {
    const denoBin = Deno.execPath().replace(/\/[^/]+$/, "");
    return {
      ...networkEnv(),
      HOME: this.home,
      DENO_DIR: this.denoDir,
      PATH: `${this.binDir}:${denoBin}:/usr/local/bin:/usr/bin:/bin`,
    };
  }

  /** The token cache directory README's permissions cover (`~/.kube/cache/oidc-login`). */
  get cacheDir(): string {
    return `${this.home}/.kube/cache/oidc-login`;
  }

  /** The disk cache's data key file (`~/.config/together-kubelogin/token-cache.key`). */
  get dataKeyFile(): string {
    return `${this.home}/.config/together-kubelogin/token-cache.key`;
  }

  /** The npm package names in the module cache, scopes included (`@napi-rs/keyring`). */
  async npmPackages(): Promise<string[]> {
    const registry = `${this.denoDir}/npm/registry.npmjs.org`;
    const names: string[] = [];
    for await (const entry of readDirOrEmpty(registry)) {
      if (!entry.name.startsWith("@")) {
        names.push(entry.name);
        continue;
      }
      for await (const scoped of readDirOrEmpty(`${registry}/${entry.name}`)) {
        names.push(`${entry.name}/${scoped.name}`);
      }
    }
    return names.sort();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

async function* readDirOrEmpty(path: string): AsyncIterable<Deno.DirEntry> {
  try {
    yield* Deno.readDir(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * The variables that let Deno reach the npm registry from this machine (proxies, extra CA
 * certificates): a user's shell has them too.
 */
function networkEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) =>
      /proxy|cert|ca_bundle|tls_ca|^npm_config_registry$/i.test(name)
    ),
  );
}
