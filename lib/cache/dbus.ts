/**
 * Just enough of a D-Bus client to call methods on the session bus: EXTERNAL authentication,
 * `Hello`, and method calls whose replies are matched by serial. It exists so that reading the
 * keyring's data key needs no native library: loading libsecret (or the Node binding) costs more
 * than the whole D-Bus exchange does.
 *
 * @module
 */

import {
  type DbusCall,
  DbusErrorReply,
  type DbusMessage,
  type DbusValue,
  decodeMessage,
  encodeCall,
  ERROR,
  METHOD_RETURN,
} from "./dbus_wire.ts";

export { type DbusCall, DbusErrorReply, type DbusValue };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A connection to a bus over a Unix socket, authenticated with EXTERNAL (the kernel tells the
 * bus who we are, so no user id is read or sent). The first call on it must be the bus's `Hello`.
 */
export class DbusConnection {
  readonly #conn: Deno.UnixConn;
  readonly #pending = new Map<number, (message: DbusMessage) => void>();
  #buffer = new Uint8Array(0);
  #serial = 0;
  #failure?: Error;
  #failed: (error: Error) => void = () => {};
  #unlisten: () => void = () => {};
  /** The last write, so that writes go out in order. */
  #sending: Promise<void> = Promise.resolve();
  readonly #closed: Promise<never>;

  private constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    this.#closed = new Promise((_, reject) => this.#failed = reject);
    this.#closed.catch(() => {});
  }

  /**
   * Connects and starts authenticating. The handshake is not awaited: calls made at once are
   * sent right behind it (the bus reads them after `BEGIN`), which saves two round trips; a
   * refused handshake fails them. When `signal` aborts, the socket closes and whatever is
   * pending fails.
   */
  static async open(socketPath: string, signal: AbortSignal): Promise<DbusConnection> {
    signal.throwIfAborted();
    const conn = await Deno.connect({ transport: "unix", path: socketPath });
    const connection = new DbusConnection(conn);
    const abort = () => connection.close();
    signal.addEventListener("abort", abort, { once: true });
    // A listener on a timeout signal keeps the process alive until it fires; closing removes it.
    connection.#unlisten = () => signal.removeEventListener("abort", abort);
    if (signal.aborted) abort();
    // EXTERNAL with no identity: the bus takes ours from the socket, after a DATA exchange.
    connection.#send(encoder.encode("\0AUTH EXTERNAL\r\nDATA\r\nBEGIN\r\n"));
    connection.#readLoop();
    return connection;
  }

  async #authenticated(): Promise<void> {
    let line = await this.#readLine();
    if (line.startsWith("DATA")) line = await this.#readLine();
    if (!line.startsWith("OK ")) throw new Error(`the bus refused authentication: ${line}`);
    // A bus that accepted without asking for DATA answers the DATA we sent with an ERROR line.
    while (decoder.decode(this.#buffer.subarray(0, 5)) === "ERROR") await this.#readLine();
  }

  async #readLine(): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf(0x0a);
      if (end >= 0) {
        const line = decoder.decode(this.#buffer.subarray(0, end)).trim();
        this.#buffer = this.#buffer.slice(end + 1);
        return line;
      }
      if (!(await this.#fill())) throw new Error("the bus closed the connection");
    }
  }

  /** Reads more bytes into the buffer; `false` at end of stream. */
  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(16384);
    const count = await this.#conn.read(chunk);
    if (count === null) return false;
    const joined = new Uint8Array(this.#buffer.length + count);
    joined.set(this.#buffer);
    joined.set(chunk.subarray(0, count), this.#buffer.length);
    this.#buffer = joined;
    return true;
  }

  async #write(bytes: Uint8Array): Promise<void> {
    for (let written = 0; written < bytes.length;) {
      written += await this.#conn.write(bytes.subarray(written));
    }
  }

  async #readLoop(): Promise<void> {
    try {
      await this.#authenticated();
      for (;;) {
        let decoded;
        while ((decoded = decodeMessage(this.#buffer))) {
          this.#buffer = this.#buffer.slice(decoded.length);
          const { message } = decoded;
          if (message.type !== METHOD_RETURN && message.type !== ERROR) continue;
          this.#pending.get(message.replySerial ?? -1)?.(message);
        }
        if (!(await this.#fill())) throw new Error("the bus closed the connection");
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Fails every pending and later call with the first error. */
  #fail(error: unknown): void {
    this.#failure ??= error instanceof Error ? error : new Error(String(error));
    this.#failed(this.#failure);
  }

  /** Writes after the writes before it; a failed write fails the connection. */
  #send(bytes: Uint8Array): Promise<void> {
    this.#sending = this.#sending.then(() => this.#write(bytes)).catch((error) =>
      this.#fail(error)
    );
    return this.#sending;
  }

  /**
   * Sends calls back to back, then waits for each reply; resolves with each reply's body.
   *
   * @throws {DbusErrorReply} when the bus or the callee answers with an error
   */
  async call(...calls: DbusCall[]): Promise<DbusValue[][]> {
    if (this.#failure) throw this.#failure;
    const replies = calls.map(() => {
      const serial = ++this.#serial;
      const reply = new Promise<DbusMessage>((resolve) => this.#pending.set(serial, resolve));
      const raced = Promise.race([reply, this.#closed]);
      // Replies after an error reply are never awaited; their failure must not go unhandled.
      raced.catch(() => {});
      return { serial, reply: raced };
    });
    const parts = calls.map((call, i) => encodeCall(call, replies[i].serial));
    const all = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    parts.reduce((at, part) => (all.set(part, at), at + part.length), 0);
    await this.#send(all);
    const bodies: DbusValue[][] = [];
    for (const { serial, reply } of replies) {
      const message = await reply;
      this.#pending.delete(serial);
      if (message.type === ERROR) {
        throw new DbusErrorReply(message.errorName ?? "unknown", String(message.body[0] ?? ""));
      }
      bodies.push(message.body);
    }
    return bodies;
  }

  /** Closes the socket; pending calls fail. Safe to call more than once. */
  close(): void {
    this.#unlisten();
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}
