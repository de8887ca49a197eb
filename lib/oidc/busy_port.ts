/**
 * When no listen address of the authcode grant could be bound: which process holds each port
 * (where the OS tells, through Linux's /proc) and the flag that avoids the clash.
 *
 * @module
 */

import { AuthenticationError, ListenAddressBusyError } from "../errors.ts";

/**
 * Adds the holders and the `--listen-address=127.0.0.1:0` hint to a bind failure; any other
 * error is returned unchanged.
 *
 * @param addresses the `--listen-address` values that were tried
 */
export async function explainBusyListenAddresses(
  error: unknown,
  addresses: readonly string[],
): Promise<unknown> {
  if (!(error instanceof AuthenticationError) || error.reason !== "bind") return error;
  const holders: string[] = [];
  for (const address of addresses) {
    const port = Number(/:(\d+)$/.exec(address)?.[1]);
    const holder = Number.isInteger(port) && port > 0 ? await portHolder(port) : undefined;
    if (holder) holders.push(`port ${port} is held by ${holder}`);
  }
  return new ListenAddressBusyError(
    `${error.message}${holders.length > 0 ? ` (${holders.join("; ")})` : ""}; stop that ` +
      'process, or pass `login.listenAddresses: "127.0.0.1:0"` to take any free port (the ' +
      "provider must then accept any loopback port in the redirect URI)",
    { cause: error, settings: ["login.listenAddresses"] },
  );
}

/**
 * "process 1234 (python3)" listening on the TCP port, when the OS tells: through `ss` where
 * `--allow-run` grants it, else through /proc, which Deno opens only under `--allow-all`.
 */
async function portHolder(port: number): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  return await holderFromSs(port) ?? await holderFromProc(port);
}

async function holderFromSs(port: number): Promise<string | undefined> {
  if (Deno.permissions.querySync({ name: "run", command: "ss" }).state !== "granted") {
    return undefined;
  }
  try {
    const { stdout } = await new Deno.Command("ss", {
      args: ["-Hltnp", `sport = :${port}`],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(new TextDecoder().decode(stdout));
    return match ? `process ${match[2]} (${match[1]})` : undefined;
  } catch {
    return undefined;
  }
}

async function holderFromProc(port: number): Promise<string | undefined> {
  if (Deno.permissions.querySync({ name: "read", path: "/proc" }).state !== "granted") {
    return undefined;
  }
  try {
    const inodes = new Set<string>();
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      const text = await Deno.readTextFile(table).catch(() => "");
      for (const line of text.split("\n").slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is HEXIP:HEXPORT, state 0A is LISTEN, the inode is the 10th field.
        const localPort = Number.parseInt(fields[1]?.split(":")[1] ?? "", 16);
        if (localPort === port && fields[3] === "0A") inodes.add(fields[9]);
      }
    }
    if (inodes.size === 0) return undefined;
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      if (await holdsSocket(entry.name, inodes)) {
        const name = (await Deno.readTextFile(`/proc/${entry.name}/comm`).catch(() => "")).trim();
        return `process ${entry.name}${name ? ` (${name})` : ""}`;
      }
    }
  } catch {
    // /proc is a best effort: the message stands without the holder.
  }
  return undefined;
}

async function holdsSocket(pid: string, inodes: ReadonlySet<string>): Promise<boolean> {
  try {
    for await (const fd of Deno.readDir(`/proc/${pid}/fd`)) {
      const target = await Deno.readLink(`/proc/${pid}/fd/${fd.name}`).catch(() => "");
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return true;
    }
  } catch {
    // Another user's process: its descriptors are not ours to read.
  }
  return false;
}
