/**
 * A private Secret Service for keyring tests: a D-Bus session bus of its own and a
 * gnome-keyring-daemon on it, both with their home in a temp directory, so tests never touch the
 * user's keyring and run in parallel without sharing one. Child processes reach it through
 * {@link SecretService.env}; nothing is set in the test process's own environment.
 *
 * Needs `dbus-daemon`, `dbus-send`, `gnome-keyring-daemon` and `secret-tool`
 * (`apt-get install dbus gnome-keyring libsecret-tools`); see {@link secretServiceAvailability}.
 *
 * @module
 */

/** The commands a private Secret Service needs, and the Debian package of each. */
const REQUIRED_COMMANDS: readonly [command: string, aptPackage: string][] = [
  ["dbus-daemon", "dbus"],
  ["dbus-send", "dbus"],
  ["gnome-keyring-daemon", "gnome-keyring"],
  ["secret-tool", "libsecret-tools"],
];

/** The password of the test keyring. */
const KEYRING_PASSWORD = "pw";

const SECRET_SERVICE_NAME = "org.freedesktop.secrets";

/** What the private Secret Service offers; see {@link StartSecretServiceOptions.keyring}. */
export type KeyringState = "unlocked" | "locked" | "none";

/** Options of {@link startSecretService}. */
export interface StartSecretServiceOptions {
  /**
   * `unlocked` (default): gnome-keyring with an unlocked login keyring. `locked`: gnome-keyring
   * without a keyring it may write to (writes fail with "no result found"). `none`: the bus
   * alone, with no Secret Service on it.
   */
  keyring?: KeyringState;
}

/** The outcome of a command run against the private bus. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running private Secret Service. */
export interface SecretService extends AsyncDisposable {
  /** Variables that point a child process at the private bus (`DBUS_SESSION_BUS_ADDRESS`). */
  readonly env: Record<string, string>;
  /** Where gnome-keyring keeps its keyring files; a write to the keyring changes a file here. */
  readonly keyringDir: string;
  /** Runs `secret-tool` on the private bus, e.g. `["lookup", "service", "x", "username", "y"]`. */
  secretTool(args: readonly string[], stdin?: string): Promise<CommandResult>;
  /** Locks the login keyring, as a screen lock or a timeout would; no prompt is involved. */
  lock(): Promise<void>;
  /** Stops both daemons and removes the temp directory. */
  close(): Promise<void>;
}

/**
 * Whether a private Secret Service can be started here: the needed commands are on `PATH`.
 *
 * @returns `ok`, or a `reason` naming what to install
 */
export async function secretServiceAvailability(): Promise<{ ok: boolean; reason?: string }> {
  const missing: string[] = [];
  for (const [command, aptPackage] of REQUIRED_COMMANDS) {
    if (!(await onPath(command))) missing.push(`${command} (apt-get install ${aptPackage})`);
  }
  if (missing.length === 0) return { ok: true };
  return { ok: false, reason: `not installed: ${missing.join(", ")}` };
}

/**
 * Starts a D-Bus session bus and, unless `keyring: "none"`, a gnome-keyring-daemon owning the
 * Secret Service on it. Both run as this process's children (not daemonized), so closing reaps
 * them.
 *
 * @example
 * ```ts
 * await using secrets = await startSecretService();
 * const lookup = await secrets.secretTool(["lookup", "service", "s", "username", "u"]);
 * ```
 */
export async function startSecretService(
  options: StartSecretServiceOptions = {},
): Promise<SecretService> {
  const keyring = options.keyring ?? "unlocked";
  const root = await Deno.makeTempDir({ prefix: "kubelogin-secrets-" });
  const service = new PrivateSecretService(root);
  try {
    const home = `${root}/home`;
    const runtime = `${root}/run`;
    await Deno.mkdir(home, { mode: 0o700 });
    await Deno.mkdir(runtime, { mode: 0o700 });
    // The daemons, and anything the bus would activate, live in the temp directory only.
    const daemonEnv: Record<string, string> = {
      HOME: home,
      XDG_RUNTIME_DIR: runtime,
      XDG_DATA_HOME: `${home}/.local/share`,
      XDG_CONFIG_HOME: `${home}/.config`,
      XDG_CACHE_HOME: `${home}/.cache`,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    };
    const config = `${root}/bus.conf`;
    await Deno.writeTextFile(config, busConfig(`${runtime}/bus`));
    const bus = service.spawn("dbus-daemon", [
      `--config-file=${config}`,
      "--nofork",
      "--print-address=1",
    ], daemonEnv);
    const address = await firstLine(bus.child.stdout);
    if (!address.startsWith("unix:")) {
      throw new Error(`dbus-daemon did not start: ${await bus.stop()}`);
    }
    service.env = { DBUS_SESSION_BUS_ADDRESS: address };
    if (keyring !== "none") {
      // Unlocking with a password creates the login keyring; without it there is no keyring the
      // daemon may write to, as on a machine whose keyring was never unlocked.
      const args = ["--foreground", "--replace", "--components=secrets"];
      const env = { ...daemonEnv, DBUS_SESSION_BUS_ADDRESS: address };
      const daemon = keyring === "unlocked"
        ? service.spawn("gnome-keyring-daemon", ["--unlock", ...args], env, KEYRING_PASSWORD)
        : service.spawn("gnome-keyring-daemon", args, env);
      await daemon.child.stdout.cancel();
      await waitForOwner(address, SECRET_SERVICE_NAME, daemon);
    }
    return service;
  } catch (error) {
    await service.close();
    throw error;
  }
}

/** A daemon started as a child process. */
interface Daemon {
  readonly child: Deno.ChildProcess;
  readonly exited: Promise<Deno.CommandStatus>;
  /** Stops it (if still running) and returns what it wrote to stderr. */
  stop(): Promise<string>;
}

class PrivateSecretService implements SecretService {
  env: Record<string, string> = {};
  readonly keyringDir: string;
  readonly #root: string;
  readonly #daemons: Daemon[] = [];
  #closed = false;

  constructor(root: string) {
    this.#root = root;
    this.keyringDir = `${root}/home/.local/share/keyrings`;
  }

  spawn(command: string, args: string[], env: Record<string, string>, stdin?: string): Daemon {
    const child = spawnWithInput(command, args, env, stdin);
    const stderr = new Response(child.stderr).text();
    const exited = child.status;
    const daemon: Daemon = {
      child,
      exited,
      stop: async () => {
        try {
          child.kill("SIGTERM");
        } catch {
          // Already exited.
        }
        await exited;
        return await stderr;
      },
    };
    this.#daemons.push(daemon);
    return daemon;
  }

  secretTool(args: readonly string[], stdin?: string): Promise<CommandResult> {
    return run("secret-tool", args, { ...this.env, PATH: Deno.env.get("PATH") ?? "" }, stdin);
  }

  async lock(): Promise<void> {
    const locked = await run("dbus-send", [
      `--bus=${this.env.DBUS_SESSION_BUS_ADDRESS}`,
      "--print-reply",
      `--dest=${SECRET_SERVICE_NAME}`,
      "/org/freedesktop/secrets",
      "org.freedesktop.Secret.Service.Lock",
      "array:objpath:/org/freedesktop/secrets/collection/login",
    ], { PATH: Deno.env.get("PATH") ?? "" });
    if (!/collection\/login/.test(locked.stdout)) {
      throw new Error(`the login keyring did not lock: ${locked.stdout}${locked.stderr}`);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // The keyring daemon first, then the bus it is connected to.
    for (const daemon of this.#daemons.splice(0).reverse()) await daemon.stop();
    await Deno.remove(this.#root, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A session bus that listens on one socket and activates nothing. */
function busConfig(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

/** Reads the first line of a stream, then stops reading it. */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    await reader.cancel();
  }
  return text.split("\n")[0].trim();
}

/** Waits (up to 5 s) until a bus name has an owner, failing early if the daemon exits. */
async function waitForOwner(address: string, name: string, daemon: Daemon): Promise<void> {
  let exited = false;
  daemon.exited.then(() => exited = true);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const reply = await run("dbus-send", [
      `--bus=${address}`,
      "--print-reply=literal",
      "--dest=org.freedesktop.DBus",
      "/org/freedesktop/DBus",
      "org.freedesktop.DBus.NameHasOwner",
      `string:${name}`,
    ], { PATH: Deno.env.get("PATH") ?? "" });
    if (/boolean true/.test(reply.stdout)) return;
    if (exited) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${name} did not appear on the private bus: ${await daemon.stop()}`);
}

/** Starts a command in exactly `env`, with `stdin` (if any) written and closed in the background. */
function spawnWithInput(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  stdin?: string,
): Deno.ChildProcess {
  const child = new Deno.Command(command, {
    args: [...args],
    env,
    clearEnv: true,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    writer.write(new TextEncoder().encode(stdin)).then(() => writer.close()).catch(() => {});
  }
  return child;
}

async function run(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<CommandResult> {
  const output = await spawnWithInput(command, args, env, stdin).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

async function onPath(command: string): Promise<boolean> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").filter(Boolean)) {
    try {
      if ((await Deno.stat(`${dir}/${command}`)).isFile) return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}
