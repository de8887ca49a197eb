/**
 * Reads one secret from the freedesktop Secret Service (gnome-keyring, KeePassXC, KWallet's
 * bridge) over the session bus, in TypeScript: the keyring storage's cache-hit path on Linux.
 * Loading the Node binding costs about 34 ms and libsecret about 30 ms per process; the D-Bus
 * exchange itself (connect, `Hello`, `OpenSession`, `SearchItems`, `GetSecrets`) takes about one.
 *
 * It only reads, and never unlocks: a locked item is reported, not prompted for, so a cache hit
 * cannot open a dialog or wait on one. The secret travels in the `plain` session algorithm over
 * the user's own bus socket, as libsecret does when it has no encryption to offer.
 *
 * @module
 */

import { errorMessage } from "../errors.ts";
import { DbusConnection, DbusErrorReply, type DbusValue } from "./dbus.ts";

const SECRETS = "org.freedesktop.secrets";
const SECRETS_PATH = "/org/freedesktop/secrets";
const SERVICE_INTERFACE = "org.freedesktop.Secret.Service";

/** Why a lookup failed, for the caller's message. */
export type SecretServiceFailure =
  | "no-bus"
  | "no-service"
  | "locked"
  | "ambiguous"
  | "timeout"
  | "other";

/** What each failure means for the user, and the fix where there is one besides `disk`. */
const EXPLANATIONS: Record<SecretServiceFailure, [explanation?: string, fix?: string]> = {
  "no-bus": ["no D-Bus session bus is reachable"],
  "no-service": ["no Secret Service (such as gnome-keyring) runs on the session bus"],
  locked: [
    "the keyring is locked",
    "unlock it (log in to the desktop session, or open the keyring in seahorse)",
  ],
  ambiguous: ["more than one entry matches", "delete them with clean"],
  timeout: [],
  other: [],
};

/** A lookup that could not answer. */
export class SecretServiceLookupError extends Error {
  /** Which kind of failure. */
  readonly failure: SecretServiceFailure;
  /** What the failure means for the user, when the message alone does not say. */
  readonly explanation: string | undefined;
  /** What the user can do about it, besides choosing another storage. */
  readonly fix: string | undefined;
  constructor(failure: SecretServiceFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SecretServiceLookupError";
    this.failure = failure;
    [this.explanation, this.fix] = EXPLANATIONS[failure];
  }
}

/** The variable that holds the session bus address. */
export const BUS_ADDRESS_VARIABLE = "DBUS_SESSION_BUS_ADDRESS";

/**
 * How long a read may take. It never shows a prompt, so a healthy Secret Service answers in
 * milliseconds; this bounds a hung one.
 */
export const SECRET_SERVICE_READ_TIMEOUT_MS = 5_000;

/**
 * The flags that let this process read over the session bus whose socket is `socketPath`
 * (usually `/run/user/$UID/bus`).
 */
export function busReadPermissionFlags(socketPath: string): string[] {
  return [
    `--allow-env=${BUS_ADDRESS_VARIABLE}`,
    `--allow-read=${socketPath}`,
    `--allow-write=${socketPath}`,
    `--allow-net=unix:${socketPath}`,
  ];
}

/**
 * The session bus socket this process may read over, or why not (for a debug line): not Linux,
 * no address, an address it cannot open, or a permission not granted. Queries only, so Deno
 * never prompts.
 */
export function sessionBusRoute(): { socketPath: string } | { skip: string } {
  if (Deno.build.os !== "linux") return { skip: `no Secret Service on ${Deno.build.os}` };
  const env = { name: "env", variable: BUS_ADDRESS_VARIABLE } as const;
  if (Deno.permissions.querySync(env).state !== "granted") {
    return { skip: `no --allow-env=${BUS_ADDRESS_VARIABLE}` };
  }
  const address = Deno.env.get(BUS_ADDRESS_VARIABLE);
  if (!address) return { skip: `${BUS_ADDRESS_VARIABLE} is not set` };
  const socketPath = busSocketPath(address);
  if (!socketPath) return { skip: `the bus address is not a unix:path= socket (${address})` };
  const missing = busReadPermissionFlags(socketPath).slice(1).filter((flag) => {
    const [, name, value] = /^--allow-(\w+)=(.*)$/.exec(flag)!;
    const descriptor: Deno.PermissionDescriptor = name === "net"
      ? { name: "net", host: value }
      : { name: name as "read" | "write", path: value };
    return Deno.permissions.querySync(descriptor).state !== "granted";
  });
  if (missing.length > 0) return { skip: `reading over the bus needs ${missing.join(" ")}` };
  return { socketPath };
}

/**
 * The session bus's socket path from a D-Bus address (`unix:path=/run/user/1000/bus,guid=…`), or
 * `undefined` when the address names no Unix socket path this client can open (an abstract
 * socket, TCP, `autolaunch:`).
 */
export function busSocketPath(address: string): string | undefined {
  for (const candidate of address.split(";")) {
    const [transport, params = ""] = candidate.split(/:(.*)/s);
    if (transport !== "unix") continue;
    for (const param of params.split(",")) {
      const [key, value] = param.split(/=(.*)/s);
      if (key === "path" && value) return decodeURIComponent(value);
    }
  }
  return undefined;
}

/** Options of {@link lookupSecret}. */
export interface LookupOptions {
  /** The session bus socket, e.g. from {@link busSocketPath}. */
  socketPath: string;
  /** Gives up after this long, closing the connection. */
  timeoutMs: number;
}

/**
 * The secret of the one unlocked item with exactly these attributes, decoded as UTF-8, or
 * `undefined` when there is no such item.
 *
 * @throws {SecretServiceLookupError} when the bus or the Secret Service cannot answer, the item
 *   is locked, several items match, or the time runs out
 * @throws {Deno.errors.NotCapable} when Deno may not open the socket
 */
export async function lookupSecret(
  attributes: Record<string, string>,
  options: LookupOptions,
): Promise<string | undefined> {
  let connection: DbusConnection | undefined;
  // Not setTimeout: merely touching that global costs a cache hit 4 MiB of memory.
  const deadline = AbortSignal.timeout(options.timeoutMs);
  try {
    connection = await DbusConnection.open(options.socketPath, deadline);
    return await lookupOn(connection, attributes);
  } catch (error) {
    if (deadline.aborted) {
      throw new SecretServiceLookupError(
        "timeout",
        `the Secret Service did not answer within ${options.timeoutMs / 1000} s`,
        { cause: error },
      );
    }
    throw classify(error);
  } finally {
    connection?.close();
  }
}

async function lookupOn(
  connection: DbusConnection,
  attributes: Record<string, string>,
): Promise<string | undefined> {
  const service = { destination: SECRETS, path: SECRETS_PATH, interface: SERVICE_INTERFACE };
  // Sent back to back: the bus handles Hello first, and neither call needs the other's answer.
  const [, [, session], [unlocked, locked]] = await connection.call(
    {
      destination: "org.freedesktop.DBus",
      path: "/org/freedesktop/DBus",
      interface: "org.freedesktop.DBus",
      member: "Hello",
    },
    { ...service, member: "OpenSession", signature: "sv", body: ["plain", ["s", ""]] },
    {
      ...service,
      member: "SearchItems",
      signature: "a{ss}",
      body: [Object.entries(attributes)],
    },
  ) as [unknown, [unknown, string], [string[], string[]]];
  if (unlocked.length === 0) {
    if (locked.length > 0) {
      throw new SecretServiceLookupError("locked", "the item is in a locked keyring");
    }
    return undefined;
  }
  if (unlocked.length > 1) {
    throw new SecretServiceLookupError("ambiguous", `${unlocked.length} items match`);
  }
  const [[secrets]] = await connection.call({
    ...service,
    member: "GetSecrets",
    signature: "aoo",
    body: [unlocked, session],
  }) as [[[string, DbusValue[]][]]];
  const found = secrets.find(([path]) => path === unlocked[0]);
  if (!found) return undefined; // Deleted between the search and the read.
  return new TextDecoder().decode(found[1][2] as Uint8Array);
}

/** Sorts a failure into what the message should explain. */
function classify(error: unknown): unknown {
  if (error instanceof Deno.errors.NotCapable || error instanceof SecretServiceLookupError) {
    return error;
  }
  const message = errorMessage(error);
  if (
    error instanceof Deno.errors.NotFound || error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.PermissionDenied
  ) {
    return new SecretServiceLookupError("no-bus", message, { cause: error });
  }
  if (error instanceof DbusErrorReply) {
    const noService = error.errorName === "org.freedesktop.DBus.Error.ServiceUnknown" ||
      error.errorName === "org.freedesktop.DBus.Error.NameHasNoOwner";
    if (noService) return new SecretServiceLookupError("no-service", message, { cause: error });
    if (error.errorName === "org.freedesktop.Secret.Error.IsLocked") {
      return new SecretServiceLookupError("locked", message, { cause: error });
    }
  }
  return new SecretServiceLookupError("other", message, { cause: error });
}
