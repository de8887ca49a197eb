// Generated from plugin.ts by `deno task bundle`: do not edit. See release/bundle.ts.
// @ts-nocheck
var __defProp = Object.defineProperty;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __esm = (fn, res) => function __init() {
  return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// lib/base64url.ts
function decodeBase64Url(segment) {
  return Uint8Array.fromBase64(segment, {
    alphabet: "base64url"
  });
}
function encodeBase64Url(bytes) {
  return bytes.toBase64({
    alphabet: "base64url",
    omitPadding: true
  });
}
var init_base64url = __esm({
  "lib/base64url.ts"() {
  }
});

// lib/errors.ts
function errorMessage(error) {
  return error instanceof Error ? error.message : String(error);
}
var KubeloginError, UsageError, CacheError, InsecureCacheError, KeyringError, PermissionError;
var init_errors = __esm({
  "lib/errors.ts"() {
    KubeloginError = class extends Error {
      /**
       * Stable identifier of the failure (jose's `ERR_…` convention), for callers to branch on
       * instead of the message, which may change.
       */
      code = "ERR_KUBELOGIN";
      /**
       * Creates the error.
       *
       * @param message what went wrong, free of secrets
       */
      constructor(message, options) {
        super(message, options);
        this.name = new.target.name;
      }
    };
    UsageError = class extends KubeloginError {
      /** Stable code for callers to branch on. */
      code = "ERR_USAGE";
    };
    CacheError = class extends KubeloginError {
      /** Stable code for callers to branch on. */
      code = "ERR_CACHE";
    };
    InsecureCacheError = class extends CacheError {
      /** Stable code for callers to branch on. */
      code = "ERR_INSECURE_CACHE";
    };
    KeyringError = class extends KubeloginError {
      /** Stable code for callers to branch on. */
      code = "ERR_KEYRING";
    };
    PermissionError = class extends KubeloginError {
      /** Stable code for callers to branch on. */
      code = "ERR_PERMISSION";
      /** The flag to add, e.g. `--allow-read=/home/me/.kube/cache`. */
      flag;
      /**
       * Creates the error.
       *
       * @param what what the program was about to do ("read the token cache")
       * @param flag the `--allow-…` flag that grants it
       */
      constructor(what, flag, options) {
        super(`permission denied: ${what}; run with ${flag}`, options);
        this.flag = flag;
      }
    };
  }
});

// lib/path.ts
function joinPath(...segments) {
  return segments.filter((segment) => segment !== "").map((segment, i) => i === 0 ? segment.replace(/[\\/]+$/, "") : segment.replace(/^[\\/]+|[\\/]+$/g, "")).join(separator) || separator;
}
function dirnameOf(path) {
  const index = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (index < 0) return ".";
  if (index === 0) return path[0];
  return path.slice(0, index);
}
function expandHome(path, home) {
  if (path !== "~" && !path.startsWith("~/") && !path.startsWith("~\\")) return path;
  if (!home) return path;
  return joinPath(home, path.slice(1));
}
var separator;
var init_path = __esm({
  "lib/path.ts"() {
    separator = Deno.build.os === "windows" ? "\\" : "/";
  }
});

// lib/atomic_write.ts
async function writeFileAtomic(path, data, mode) {
  const dir = dirnameOf(path);
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    using file = await Deno.open(tmp, {
      write: true,
      createNew: true,
      mode
    });
    await writeAll(file, data);
    await file.sync();
  } catch (error) {
    await Deno.remove(tmp).catch(() => {
    });
    throw error;
  }
  try {
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {
    });
    throw error;
  }
  await syncDirectory(dir);
}
async function writeAll(file, data) {
  let offset = 0;
  while (offset < data.length) offset += await file.write(data.subarray(offset));
}
async function syncDirectory(dir) {
  if (Deno.build.os === "windows") return;
  using handle = await Deno.open(dir, {
    read: true
  });
  await handle.sync();
}
async function ensurePrivateDir(dir) {
  await Deno.mkdir(dir, {
    recursive: true,
    mode: 448
  });
}
var init_atomic_write = __esm({
  "lib/atomic_write.ts"() {
    init_path();
  }
});

// lib/remove_file.ts
async function removeIfPresent(path, options) {
  try {
    await Deno.remove(path, options);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
var init_remove_file = __esm({
  "lib/remove_file.ts"() {
  }
});

// lib/cache/safe_file.ts
function knownUid() {
  if (!CHECKS_MODES) return void 0;
  if (Deno.permissions.querySync({
    name: "sys",
    kind: "uid"
  }).state !== "granted") {
    return void 0;
  }
  return Deno.uid() ?? void 0;
}
function checkPrivateDirectory(dir, ownUid) {
  const info = Deno.statSync(dir);
  if (!info.isDirectory) throw new InsecureCacheError(`${dir} is not a directory`);
  if (!CHECKS_MODES) return info;
  if (info.mode !== null && (info.mode & 18) !== 0) {
    throw new InsecureCacheError(`the directory ${dir} is writable by other users, who could plant files in it; run chmod go-w ${dir} (or chmod 700 ${dir})`);
  }
  checkOwner(dir, info, ownUid);
  return info;
}
function checkOwner(path, info, ownUid) {
  if (!CHECKS_MODES || ownUid === void 0 || info.uid === null || info.uid === ownUid) return;
  throw new InsecureCacheError(`${path} belongs to another user (uid ${info.uid}); use a directory of your own (--token-cache-dir), or remove it so it is created again`);
}
function lstatRegularFile(path) {
  let info;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return void 0;
    throw error;
  }
  if (!info.isFile) {
    throw new InsecureCacheError(`${path} is not a regular file (a symlink, FIFO or directory was put there); remove it`);
  }
  return info;
}
function readRegularFile(path) {
  const before = lstatRegularFile(path);
  if (!before) return void 0;
  using file = Deno.openSync(path, {
    read: true
  });
  const info = file.statSync();
  if (!info.isFile || info.ino !== before.ino || info.dev !== before.dev) {
    throw new InsecureCacheError(`${path} was replaced while it was being read; remove it`);
  }
  const chunks = [];
  let size = 0;
  const buffer = new Uint8Array(16 * 1024);
  for (let n; (n = file.readSync(buffer)) !== null; ) {
    chunks.push(buffer.slice(0, n));
    size += n;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
var CHECKS_MODES;
var init_safe_file = __esm({
  "lib/cache/safe_file.ts"() {
    init_errors();
    CHECKS_MODES = Deno.build.os !== "windows";
  }
});

// lib/cache/data_key.ts
function importDataKey(raw) {
  if (raw.length !== DATA_KEY_BYTES) {
    throw new CacheError(`the cache data key has ${raw.length} bytes, expected ${DATA_KEY_BYTES}`);
  }
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, [
    "encrypt",
    "decrypt"
  ]);
}
function newEncodedDataKey() {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES)));
}
function decodeDataKey(text) {
  let raw;
  try {
    raw = decodeBase64Url(text.trim());
  } catch (error) {
    throw new CacheError("the cache data key is not valid base64url", {
      cause: error
    });
  }
  return importDataKey(raw);
}
var DATA_KEY_BYTES, FileDataKeyStore;
var init_data_key = __esm({
  "lib/cache/data_key.ts"() {
    init_base64url();
    init_errors();
    init_atomic_write();
    init_path();
    init_remove_file();
    init_safe_file();
    DATA_KEY_BYTES = 32;
    FileDataKeyStore = class {
      /** The key file's path. */
      location;
      constructor(path) {
        this.location = path;
      }
      async load() {
        const ownUid = knownUid();
        let dirInfo;
        try {
          dirInfo = checkPrivateDirectory(dirnameOf(this.location), ownUid);
        } catch (error) {
          if (error instanceof Deno.errors.NotFound) return void 0;
          throw error;
        }
        const info = lstatRegularFile(this.location);
        if (!info) return void 0;
        checkOwner(this.location, info, ownUid ?? dirInfo.uid ?? void 0);
        if (info.mode !== null && Deno.build.os !== "windows" && (info.mode & 63) !== 0) {
          throw new InsecureCacheError(`the cache data key ${this.location} is readable or writable by other users; run chmod 600 ${this.location}`);
        }
        const bytes = readRegularFile(this.location);
        if (!bytes) return void 0;
        return await decodeDataKey(new TextDecoder().decode(bytes));
      }
      async loadOrCreate() {
        const existing = await this.load();
        if (existing) return existing;
        await ensurePrivateDir(dirnameOf(this.location));
        checkPrivateDirectory(dirnameOf(this.location), knownUid());
        const encoded = newEncodedDataKey();
        const tmp = `${this.location}.${crypto.randomUUID()}.tmp`;
        await writeFileAtomic(tmp, new TextEncoder().encode(encoded + "\n"), 384);
        try {
          await Deno.link(tmp, this.location);
        } catch (error) {
          if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
        } finally {
          await Deno.remove(tmp).catch(() => {
          });
        }
        const key = await this.load();
        if (!key) throw new CacheError(`could not create the cache data key at ${this.location}`);
        return key;
      }
      remove() {
        return removeIfPresent(this.location);
      }
    };
  }
});

// lib/cache/keyring_names.ts
var KEYRING_SERVICE, KEYRING_DATA_KEY_ACCOUNT;
var init_keyring_names = __esm({
  "lib/cache/keyring_names.ts"() {
    KEYRING_SERVICE = "together-kubelogin";
    KEYRING_DATA_KEY_ACCOUNT = "token-cache-data-key";
  }
});

// lib/cache/dbus_wire.ts
function typeEnd(signature, start) {
  const code = signature[start];
  if (code === "a") return typeEnd(signature, start + 1);
  if (code === "(" || code === "{") {
    let i = start + 1;
    while (signature[i] !== ")" && signature[i] !== "}") {
      if (i >= signature.length) throw new Error(`bad D-Bus signature ${signature}`);
      i = typeEnd(signature, i);
    }
    return i + 1;
  }
  if (!(code in ALIGNMENT)) throw new Error(`unsupported D-Bus type in ${signature}`);
  return start + 1;
}
function splitTypes(signature) {
  const types = [];
  for (let i = 0; i < signature.length; ) {
    const end = typeEnd(signature, i);
    types.push(signature.slice(i, end));
    i = end;
  }
  return types;
}
function encodeCall(call, serial) {
  const body = new Writer();
  const types = splitTypes(call.signature ?? "");
  types.forEach((type, i) => body.value(type, call.body[i]));
  const fields = [];
  for (const [name, [code, type]] of Object.entries(HEADER_FIELDS)) {
    const value = call[name];
    if (value) fields.push([
      code,
      [
        type,
        value
      ]
    ]);
  }
  const message = new Writer();
  message.raw(encoder4.encode("l"));
  message.byte(METHOD_CALL);
  message.byte(0);
  message.byte(1);
  message.uint32(body.length);
  message.uint32(serial);
  message.value("a(yv)", fields);
  message.align(8);
  message.raw(body.bytes());
  return message.bytes();
}
function decodeMessage(bytes) {
  if (bytes.length < 16) return void 0;
  if (bytes[0] !== 108) throw new Error("the D-Bus peer sent big-endian data");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bodyLength = view.getUint32(4, true);
  const fieldsLength = view.getUint32(12, true);
  const bodyStart = 16 + fieldsLength + (8 - fieldsLength % 8) % 8;
  const length = bodyStart + bodyLength;
  if (bytes.length < length) return void 0;
  const message = bytes.subarray(0, length);
  const fields = new Reader(message, 12).value("a(yv)");
  const field = (code) => fields.find(([c]) => c === code)?.[1][1];
  const signature = field(8) ?? "";
  const reader = new Reader(message, bodyStart);
  return {
    message: {
      type: bytes[1],
      replySerial: field(5),
      errorName: field(4),
      body: splitTypes(signature).map((type) => reader.value(type))
    },
    length
  };
}
var DbusErrorReply, ALIGNMENT, encoder4, decoder2, Writer, Reader, METHOD_CALL, METHOD_RETURN, ERROR, HEADER_FIELDS;
var init_dbus_wire = __esm({
  "lib/cache/dbus_wire.ts"() {
    DbusErrorReply = class extends Error {
      /** The D-Bus error name, e.g. `org.freedesktop.DBus.Error.ServiceUnknown`. */
      errorName;
      constructor(errorName, message) {
        super(`${errorName}: ${message}`);
        this.name = "DbusErrorReply";
        this.errorName = errorName;
      }
    };
    ALIGNMENT = {
      y: 1,
      g: 1,
      v: 1,
      b: 4,
      u: 4,
      i: 4,
      s: 4,
      o: 4,
      a: 4,
      "(": 8,
      "{": 8
    };
    encoder4 = new TextEncoder();
    decoder2 = new TextDecoder();
    Writer = class {
      #bytes = new Uint8Array(256);
      #view = new DataView(this.#bytes.buffer);
      length = 0;
      #reserve(count) {
        if (this.length + count <= this.#bytes.length) return;
        const bigger = new Uint8Array(Math.max(this.#bytes.length * 2, this.length + count));
        bigger.set(this.#bytes);
        this.#bytes = bigger;
        this.#view = new DataView(bigger.buffer);
      }
      align(to) {
        const padding = (to - this.length % to) % to;
        this.#reserve(padding);
        this.#bytes.fill(0, this.length, this.length + padding);
        this.length += padding;
      }
      byte(value) {
        this.#reserve(1);
        this.#bytes[this.length++] = value;
      }
      uint32(value, at) {
        if (at !== void 0) return this.#view.setUint32(at, value, true);
        this.align(4);
        this.#reserve(4);
        this.#view.setUint32(this.length, value, true);
        this.length += 4;
      }
      raw(bytes) {
        this.#reserve(bytes.length);
        this.#bytes.set(bytes, this.length);
        this.length += bytes.length;
      }
      value(type, value) {
        const code = type[0];
        switch (code) {
          case "y":
            return this.byte(value);
          case "b":
            return this.uint32(value ? 1 : 0);
          case "u":
          case "i":
            this.align(4);
            this.#reserve(4);
            this.#view[code === "u" ? "setUint32" : "setInt32"](this.length, value, true);
            this.length += 4;
            return;
          case "s":
          case "o": {
            const bytes = encoder4.encode(value);
            this.uint32(bytes.length);
            this.raw(bytes);
            return this.byte(0);
          }
          case "g": {
            const bytes = encoder4.encode(value);
            this.byte(bytes.length);
            this.raw(bytes);
            return this.byte(0);
          }
          case "v": {
            const [signature, inner] = value;
            this.value("g", signature);
            return this.value(signature, inner);
          }
          case "a": {
            const element = type.slice(1);
            this.uint32(0);
            const lengthAt = this.length - 4;
            this.align(ALIGNMENT[element[0]]);
            const start = this.length;
            const items = element[0] === "y" && value instanceof Uint8Array ? [
              ...value
            ] : value;
            for (const item of items) this.value(element, item);
            return this.uint32(this.length - start, lengthAt);
          }
          case "(":
          case "{": {
            this.align(8);
            const fields = splitTypes(type.slice(1, -1));
            fields.forEach((field, i) => this.value(field, value[i]));
            return;
          }
          default:
            throw new Error(`cannot marshal D-Bus type ${type}`);
        }
      }
      bytes() {
        return this.#bytes.slice(0, this.length);
      }
    };
    Reader = class {
      #bytes;
      #view;
      offset;
      constructor(bytes, offset = 0) {
        this.#bytes = bytes;
        this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        this.offset = offset;
      }
      align(to) {
        this.offset += (to - this.offset % to) % to;
      }
      #check(count) {
        if (this.offset + count > this.#bytes.length) throw new Error("truncated D-Bus message");
      }
      uint32() {
        this.align(4);
        this.#check(4);
        const value = this.#view.getUint32(this.offset, true);
        this.offset += 4;
        return value;
      }
      value(type) {
        const code = type[0];
        switch (code) {
          case "y":
            this.#check(1);
            return this.#bytes[this.offset++];
          case "b":
            return this.uint32() !== 0;
          case "u":
            return this.uint32();
          case "i":
            return this.uint32() | 0;
          case "s":
          case "o":
          case "g": {
            const length = code === "g" ? this.value("y") : this.uint32();
            this.#check(length + 1);
            const text = decoder2.decode(this.#bytes.subarray(this.offset, this.offset + length));
            this.offset += length + 1;
            return text;
          }
          case "v": {
            const signature = this.value("g");
            return [
              signature,
              this.value(signature)
            ];
          }
          case "a": {
            const length = this.uint32();
            const element = type.slice(1);
            this.align(ALIGNMENT[element[0]]);
            this.#check(length);
            const end = this.offset + length;
            if (element === "y") {
              const bytes = this.#bytes.slice(this.offset, end);
              this.offset = end;
              return bytes;
            }
            const items = [];
            while (this.offset < end) items.push(this.value(element));
            return items;
          }
          case "(":
          case "{":
            this.align(8);
            return splitTypes(type.slice(1, -1)).map((field) => this.value(field));
          default:
            throw new Error(`cannot read D-Bus type ${type}`);
        }
      }
    };
    METHOD_CALL = 1;
    METHOD_RETURN = 2;
    ERROR = 3;
    HEADER_FIELDS = {
      path: [
        1,
        "o"
      ],
      interface: [
        2,
        "s"
      ],
      member: [
        3,
        "s"
      ],
      destination: [
        6,
        "s"
      ],
      signature: [
        8,
        "g"
      ]
    };
  }
});

// lib/cache/dbus.ts
var encoder5, decoder3, DbusConnection;
var init_dbus = __esm({
  "lib/cache/dbus.ts"() {
    init_dbus_wire();
    encoder5 = new TextEncoder();
    decoder3 = new TextDecoder();
    DbusConnection = class _DbusConnection {
      #conn;
      #pending = /* @__PURE__ */ new Map();
      #buffer = new Uint8Array(0);
      #serial = 0;
      #failure;
      #failed = () => {
      };
      #unlisten = () => {
      };
      /** The last write, so that writes go out in order. */
      #sending = Promise.resolve();
      #closed;
      constructor(conn) {
        this.#conn = conn;
        this.#closed = new Promise((_, reject) => this.#failed = reject);
        this.#closed.catch(() => {
        });
      }
      /**
       * Connects and starts authenticating. The handshake is not awaited: calls made at once are
       * sent right behind it (the bus reads them after `BEGIN`), which saves two round trips; a
       * refused handshake fails them. When `signal` aborts, the socket closes and whatever is
       * pending fails.
       */
      static async open(socketPath, signal) {
        signal.throwIfAborted();
        const conn = await Deno.connect({
          transport: "unix",
          path: socketPath
        });
        const connection = new _DbusConnection(conn);
        const abort = () => connection.close();
        signal.addEventListener("abort", abort, {
          once: true
        });
        connection.#unlisten = () => signal.removeEventListener("abort", abort);
        if (signal.aborted) abort();
        connection.#send(encoder5.encode("\0AUTH EXTERNAL\r\nDATA\r\nBEGIN\r\n"));
        connection.#readLoop();
        return connection;
      }
      async #authenticated() {
        let line = await this.#readLine();
        if (line.startsWith("DATA")) line = await this.#readLine();
        if (!line.startsWith("OK ")) throw new Error(`the bus refused authentication: ${line}`);
        while (decoder3.decode(this.#buffer.subarray(0, 5)) === "ERROR") await this.#readLine();
      }
      async #readLine() {
        for (; ; ) {
          const end = this.#buffer.indexOf(10);
          if (end >= 0) {
            const line = decoder3.decode(this.#buffer.subarray(0, end)).trim();
            this.#buffer = this.#buffer.slice(end + 1);
            return line;
          }
          if (!await this.#fill()) throw new Error("the bus closed the connection");
        }
      }
      /** Reads more bytes into the buffer; `false` at end of stream. */
      async #fill() {
        const chunk = new Uint8Array(16384);
        const count = await this.#conn.read(chunk);
        if (count === null) return false;
        const joined = new Uint8Array(this.#buffer.length + count);
        joined.set(this.#buffer);
        joined.set(chunk.subarray(0, count), this.#buffer.length);
        this.#buffer = joined;
        return true;
      }
      async #write(bytes) {
        for (let written = 0; written < bytes.length; ) {
          written += await this.#conn.write(bytes.subarray(written));
        }
      }
      async #readLoop() {
        try {
          await this.#authenticated();
          for (; ; ) {
            let decoded;
            while (decoded = decodeMessage(this.#buffer)) {
              this.#buffer = this.#buffer.slice(decoded.length);
              const { message } = decoded;
              if (message.type !== METHOD_RETURN && message.type !== ERROR) continue;
              this.#pending.get(message.replySerial ?? -1)?.(message);
            }
            if (!await this.#fill()) throw new Error("the bus closed the connection");
          }
        } catch (error) {
          this.#fail(error);
        }
      }
      /** Fails every pending and later call with the first error. */
      #fail(error) {
        this.#failure ??= error instanceof Error ? error : new Error(String(error));
        this.#failed(this.#failure);
      }
      /** Writes after the writes before it; a failed write fails the connection. */
      #send(bytes) {
        this.#sending = this.#sending.then(() => this.#write(bytes)).catch((error) => this.#fail(error));
        return this.#sending;
      }
      /**
       * Sends calls back to back, then waits for each reply; resolves with each reply's body.
       *
       * @throws {DbusErrorReply} when the bus or the callee answers with an error
       */
      async call(...calls) {
        if (this.#failure) throw this.#failure;
        const replies = calls.map(() => {
          const serial = ++this.#serial;
          const reply = new Promise((resolve) => this.#pending.set(serial, resolve));
          const raced = Promise.race([
            reply,
            this.#closed
          ]);
          raced.catch(() => {
          });
          return {
            serial,
            reply: raced
          };
        });
        const parts = calls.map((call, i) => encodeCall(call, replies[i].serial));
        const all = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
        parts.reduce((at, part) => (all.set(part, at), at + part.length), 0);
        await this.#send(all);
        const bodies = [];
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
      close() {
        this.#unlisten();
        try {
          this.#conn.close();
        } catch {
        }
      }
    };
  }
});

// lib/cache/secret_service_lookup.ts
function busReadPermissionFlags(socketPath) {
  return [
    `--allow-env=${BUS_ADDRESS_VARIABLE}`,
    `--allow-read=${socketPath}`,
    `--allow-write=${socketPath}`,
    `--allow-net=unix:${socketPath}`
  ];
}
function sessionBusRoute() {
  if (Deno.build.os !== "linux") return {
    skip: `no Secret Service on ${Deno.build.os}`
  };
  const env = {
    name: "env",
    variable: BUS_ADDRESS_VARIABLE
  };
  if (Deno.permissions.querySync(env).state !== "granted") {
    return {
      skip: `no --allow-env=${BUS_ADDRESS_VARIABLE}`
    };
  }
  const address = Deno.env.get(BUS_ADDRESS_VARIABLE);
  if (!address) return {
    skip: `${BUS_ADDRESS_VARIABLE} is not set`
  };
  const socketPath = busSocketPath(address);
  if (!socketPath) return {
    skip: `the bus address is not a unix:path= socket (${address})`
  };
  const missing = busReadPermissionFlags(socketPath).slice(1).filter((flag) => {
    const [, name, value] = /^--allow-(\w+)=(.*)$/.exec(flag);
    const descriptor = name === "net" ? {
      name: "net",
      host: value
    } : {
      name,
      path: value
    };
    return Deno.permissions.querySync(descriptor).state !== "granted";
  });
  if (missing.length > 0) return {
    skip: `reading over the bus needs ${missing.join(" ")}`
  };
  return {
    socketPath
  };
}
function busSocketPath(address) {
  for (const candidate of address.split(";")) {
    const [transport, params = ""] = candidate.split(/:(.*)/s);
    if (transport !== "unix") continue;
    for (const param of params.split(",")) {
      const [key, value] = param.split(/=(.*)/s);
      if (key === "path" && value) return decodeURIComponent(value);
    }
  }
  return void 0;
}
async function lookupSecret(attributes, options) {
  let connection;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  try {
    connection = await DbusConnection.open(options.socketPath, deadline);
    return await lookupOn(connection, attributes);
  } catch (error) {
    if (deadline.aborted) {
      throw new SecretServiceLookupError("timeout", `the Secret Service did not answer within ${options.timeoutMs / 1e3} s`, {
        cause: error
      });
    }
    throw classify(error);
  } finally {
    connection?.close();
  }
}
async function lookupOn(connection, attributes) {
  const service = {
    destination: SECRETS,
    path: SECRETS_PATH,
    interface: SERVICE_INTERFACE
  };
  const [, [, session], [unlocked, locked]] = await connection.call({
    destination: "org.freedesktop.DBus",
    path: "/org/freedesktop/DBus",
    interface: "org.freedesktop.DBus",
    member: "Hello"
  }, {
    ...service,
    member: "OpenSession",
    signature: "sv",
    body: [
      "plain",
      [
        "s",
        ""
      ]
    ]
  }, {
    ...service,
    member: "SearchItems",
    signature: "a{ss}",
    body: [
      Object.entries(attributes)
    ]
  });
  if (unlocked.length === 0) {
    if (locked.length > 0) {
      throw new SecretServiceLookupError("locked", "the item is in a locked keyring");
    }
    return void 0;
  }
  if (unlocked.length > 1) {
    throw new SecretServiceLookupError("ambiguous", `${unlocked.length} items match`);
  }
  const [[secrets]] = await connection.call({
    ...service,
    member: "GetSecrets",
    signature: "aoo",
    body: [
      unlocked,
      session
    ]
  });
  const found = secrets.find(([path]) => path === unlocked[0]);
  if (!found) return void 0;
  return new TextDecoder().decode(found[1][2]);
}
function classify(error) {
  if (error instanceof Deno.errors.NotCapable || error instanceof SecretServiceLookupError) {
    return error;
  }
  const message = errorMessage(error);
  if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.ConnectionRefused || error instanceof Deno.errors.PermissionDenied) {
    return new SecretServiceLookupError("no-bus", message, {
      cause: error
    });
  }
  if (error instanceof DbusErrorReply) {
    const noService = error.errorName === "org.freedesktop.DBus.Error.ServiceUnknown" || error.errorName === "org.freedesktop.DBus.Error.NameHasNoOwner";
    if (noService) return new SecretServiceLookupError("no-service", message, {
      cause: error
    });
    if (error.errorName === "org.freedesktop.Secret.Error.IsLocked") {
      return new SecretServiceLookupError("locked", message, {
        cause: error
      });
    }
  }
  return new SecretServiceLookupError("other", message, {
    cause: error
  });
}
var SECRETS, SECRETS_PATH, SERVICE_INTERFACE, EXPLANATIONS, SecretServiceLookupError, BUS_ADDRESS_VARIABLE, SECRET_SERVICE_READ_TIMEOUT_MS;
var init_secret_service_lookup = __esm({
  "lib/cache/secret_service_lookup.ts"() {
    init_errors();
    init_dbus();
    SECRETS = "org.freedesktop.secrets";
    SECRETS_PATH = "/org/freedesktop/secrets";
    SERVICE_INTERFACE = "org.freedesktop.Secret.Service";
    EXPLANATIONS = {
      "no-bus": [
        "no D-Bus session bus is reachable"
      ],
      "no-service": [
        "no Secret Service (such as gnome-keyring) runs on the session bus"
      ],
      locked: [
        "the keyring is locked",
        "unlock it (log in to the desktop session, or open the keyring in seahorse)"
      ],
      ambiguous: [
        "more than one entry matches",
        "delete them with clean"
      ],
      timeout: [],
      other: []
    };
    SecretServiceLookupError = class extends Error {
      /** Which kind of failure. */
      failure;
      /** What the failure means for the user, when the message alone does not say. */
      explanation;
      /** What the user can do about it, besides choosing another storage. */
      fix;
      constructor(failure, message, options) {
        super(message, options);
        this.name = "SecretServiceLookupError";
        this.failure = failure;
        [this.explanation, this.fix] = EXPLANATIONS[failure];
      }
    };
    BUS_ADDRESS_VARIABLE = "DBUS_SESSION_BUS_ADDRESS";
    SECRET_SERVICE_READ_TIMEOUT_MS = 5e3;
  }
});

// lib/cache/bus_data_key.ts
var bus_data_key_exports = {};
__export(bus_data_key_exports, {
  busDataKeyStore: () => busDataKeyStore,
  lookupDataKeyText: () => lookupDataKeyText
});
async function busDataKeyStore() {
  const route = sessionBusRoute();
  if (!("socketPath" in route)) return void 0;
  const text = await lookupDataKeyText(route.socketPath);
  if (text === void 0) return void 0;
  const key = await decodeDataKey(text);
  const readOnly = () => {
    throw new Error("the bus read of a cache hit does not write to the keyring");
  };
  return {
    location: "the OS keyring",
    load: () => Promise.resolve(key),
    loadOrCreate: readOnly,
    remove: readOnly
  };
}
function lookupDataKeyText(socketPath, service = KEYRING_SERVICE, account = KEYRING_DATA_KEY_ACCOUNT) {
  return lookupSecret({
    service,
    username: account
  }, {
    socketPath,
    timeoutMs: SECRET_SERVICE_READ_TIMEOUT_MS
  });
}
var init_bus_data_key = __esm({
  "lib/cache/bus_data_key.ts"() {
    init_data_key();
    init_keyring_names();
    init_secret_service_lookup();
  }
});

// cli/cache_hit.ts
init_data_key();

// lib/cache/encrypted_file.ts
init_errors();
init_atomic_write();
init_path();
init_remove_file();
init_safe_file();
var MAGIC = new TextEncoder().encode("TKL1");
var IV_BYTES = 12;
var encoder = new TextEncoder();
var decoder = new TextDecoder();
var EncryptedFileCache = class {
  /** The cache directory. */
  directory;
  #dataKey;
  constructor(directory, dataKey) {
    this.directory = directory;
    this.#dataKey = dataKey;
  }
  /** The path of the entry for a key id. */
  entryPath(keyId) {
    return joinPath(this.directory, keyId);
  }
  /**
   * Reads and decrypts an entry. Every failure is a miss with a reason, never an exception:
   * a damaged cache must cost a login, not break kubectl.
   */
  async read(keyId) {
    const opened = await this.#open(keyId);
    if (!opened.ok) return opened.miss;
    const entry = parseEntry(opened.text);
    if (!entry) return {
      hit: false,
      reason: "corrupt",
      detail: "unexpected content"
    };
    return {
      hit: true,
      ...entry
    };
  }
  /**
   * Reads a sealed document stored beside the entries (the provider's metadata), sealed and
   * checked exactly like an entry; `undefined` when it is absent, damaged or tampered with.
   */
  async readDocument(name) {
    const opened = await this.#open(name);
    return opened.ok ? opened.text : void 0;
  }
  /** Seals and writes a document beside the entries, atomically, as {@link write} does. */
  async writeDocument(name, text) {
    await this.#seal(name, text);
  }
  /** Reads and decrypts the file `name`, with the name as additional authenticated data. */
  async #open(name) {
    const miss = (reason, detail) => ({
      ok: false,
      miss: {
        hit: false,
        reason,
        ...detail === void 0 ? {} : {
          detail
        }
      }
    });
    try {
      checkPrivateDirectory(this.directory, knownUid());
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return miss("absent");
      throw error;
    }
    let sealed;
    try {
      sealed = readRegularFile(this.entryPath(name));
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) throw error;
      return miss("unreadable", errorMessage(error));
    }
    if (!sealed) return miss("absent");
    let key;
    try {
      key = await this.#dataKey.load();
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable || error instanceof KeyringError || error instanceof PermissionError || error instanceof InsecureCacheError) throw error;
      return miss("no-data-key", errorMessage(error));
    }
    if (!key) return miss("no-data-key");
    if (sealed.length < MAGIC.length + IV_BYTES + 16 || !hasMagic(sealed)) {
      return miss("corrupt", "not a together-kubelogin cache entry");
    }
    let plain;
    try {
      plain = await crypto.subtle.decrypt({
        name: "AES-GCM",
        iv: sealed.subarray(MAGIC.length, MAGIC.length + IV_BYTES),
        additionalData: encoder.encode(name)
      }, key, sealed.subarray(MAGIC.length + IV_BYTES));
    } catch {
      return miss("undecryptable", "authentication tag mismatch");
    }
    return {
      ok: true,
      text: decoder.decode(plain)
    };
  }
  /** Loads or creates the data key, so a store that cannot be written fails before a login. */
  async prepare() {
    await this.#dataKey.loadOrCreate();
  }
  /** Encrypts and writes an entry atomically (mode 0600, directory 0700). */
  async write(keyId, tokenSet, owner) {
    await this.#seal(keyId, JSON.stringify(serialize(tokenSet, owner)));
  }
  /** Encrypts `text` under the data key, with the name as additional authenticated data. */
  async #seal(name, text) {
    const key = await this.#dataKey.loadOrCreate();
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const cipher = new Uint8Array(await crypto.subtle.encrypt({
      name: "AES-GCM",
      iv,
      additionalData: encoder.encode(name)
    }, key, encoder.encode(text)));
    const sealed = new Uint8Array(MAGIC.length + IV_BYTES + cipher.length);
    sealed.set(MAGIC, 0);
    sealed.set(iv, MAGIC.length);
    sealed.set(cipher, MAGIC.length + IV_BYTES);
    await ensurePrivateDir(this.directory);
    await writeFileAtomic(this.entryPath(name), sealed, 384);
  }
  /** Deletes an entry; `true` when there was one. */
  delete(keyId) {
    return removeIfPresent(this.entryPath(keyId));
  }
  /** The key ids of the entries in the directory (lock and temporary files excluded). */
  async keyIds() {
    const ids = [];
    try {
      for await (const entry of Deno.readDir(this.directory)) {
        if (entry.isFile && KEY_ID_PATTERN.test(entry.name)) ids.push(entry.name);
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    return ids.sort();
  }
};
var KEY_ID_PATTERN = /^[0-9a-f]{64}$/;
function hasMagic(bytes) {
  return MAGIC.every((byte, i) => bytes[i] === byte);
}
function serialize(tokenSet, owner) {
  return {
    issuer: owner.issuerUrl,
    client_id: owner.clientId,
    token: tokenSet.token,
    expires_at: tokenSet.expiresAt,
    ...tokenSet.refreshToken ? {
      refresh_token: tokenSet.refreshToken
    } : {}
  };
}
function parseEntry(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return void 0;
  }
  if (typeof doc !== "object" || doc === null) return void 0;
  const { token, expires_at, refresh_token, issuer, client_id } = doc;
  if (typeof token !== "string" || !isUsableTime(expires_at)) return void 0;
  if (refresh_token !== void 0 && typeof refresh_token !== "string") return void 0;
  const owner = typeof issuer === "string" && typeof client_id === "string" ? {
    issuerUrl: issuer,
    clientId: client_id
  } : void 0;
  return {
    tokenSet: {
      token,
      expiresAt: expires_at,
      refreshToken: refresh_token
    },
    owner
  };
}
function isUsableTime(value) {
  return typeof value === "number" && Number.isFinite(new Date(value).getTime());
}

// lib/cache/key.ts
var encoder2 = new TextEncoder();
function canonicalCacheKey(input) {
  const fields = [
    [
      "authRequestExtraParams",
      sortedEntries(input.authRequestExtraParams)
    ],
    [
      "certificateAuthorities",
      [
        ...input.certificateAuthorities
      ]
    ],
    [
      "certificateAuthorityData",
      [
        ...input.certificateAuthorityData
      ]
    ],
    [
      "clientId",
      input.clientId
    ],
    [
      "extraScopes",
      [
        ...new Set(input.extraScopes)
      ].sort()
    ],
    [
      "grantType",
      input.grantType
    ],
    [
      "insecureSkipTlsVerify",
      input.insecureSkipTlsVerify
    ],
    [
      "issuerUrl",
      input.issuerUrl
    ],
    [
      "redirectUrl",
      input.redirectUrl ?? ""
    ],
    [
      "requestHeaders",
      canonicalHeaders(input.requestHeaders)
    ],
    [
      "useAccessToken",
      input.useAccessToken
    ],
    [
      "username",
      input.username ?? ""
    ]
  ];
  return JSON.stringify(fields);
}
function canonicalHeaders(headers) {
  return sortedEntries(lowerCaseNames(headers));
}
function lowerCaseNames(headers) {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [
    name.toLowerCase(),
    value
  ]));
}
function sortedEntries(record) {
  return Object.entries(record).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
}
function cacheKeyId(input) {
  return sha256Hex(canonicalCacheKey(input));
}
async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", encoder2.encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// lib/get_token_key.ts
function cacheKeyInputOf(options) {
  const { provider, login } = options;
  return {
    issuerUrl: provider.issuerUrl,
    clientId: provider.clientId,
    extraScopes: provider.extraScopes,
    grantType: login.grantType,
    username: login.grantType === "password" ? login.username : login.grantType === "token-exchange" ? JSON.stringify(login.tokenExchange ?? {}) : void 0,
    useAccessToken: provider.useAccessToken,
    redirectUrl: provider.redirectUrl,
    authRequestExtraParams: login.authRequestExtraParams,
    requestHeaders: provider.requestHeaders,
    certificateAuthorities: provider.tls.certificateAuthorities,
    certificateAuthorityData: provider.tls.certificateAuthorityData,
    insecureSkipTlsVerify: provider.tls.insecureSkipTlsVerify
  };
}

// lib/kube/exec_credential.ts
init_errors();
var EXEC_API_V1 = "client.authentication.k8s.io/v1";
var EXEC_API_V1BETA1 = "client.authentication.k8s.io/v1beta1";
function parseExecInfo(raw) {
  if (raw === void 0 || raw === "") return {
    apiVersion: EXEC_API_V1
  };
  let doc;
  try {
    doc = JSON.parse(raw);
  } catch (error) {
    throw new UsageError("invalid KUBERNETES_EXEC_INFO: not JSON", {
      cause: error
    });
  }
  if (typeof doc !== "object" || doc === null) {
    throw new UsageError("invalid KUBERNETES_EXEC_INFO: not a JSON object");
  }
  const { apiVersion, spec } = doc;
  if (apiVersion !== void 0 && apiVersion !== EXEC_API_V1 && apiVersion !== EXEC_API_V1BETA1) {
    throw new UsageError(`unsupported ExecCredential apiVersion in KUBERNETES_EXEC_INFO: ${apiVersion}`);
  }
  const interactive = typeof spec?.interactive === "boolean" ? spec.interactive : void 0;
  return {
    apiVersion: apiVersion ?? EXEC_API_V1,
    interactive
  };
}
function buildExecCredential(info, token, expiresAt) {
  return {
    kind: "ExecCredential",
    apiVersion: info.apiVersion,
    spec: info.interactive === void 0 ? {} : {
      interactive: info.interactive
    },
    status: {
      token,
      // RFC 3339 with whole seconds, as client-go's metav1.Time marshals it.
      expirationTimestamp: new Date(Math.floor(expiresAt / 1e3) * 1e3).toISOString().replace(".000Z", "Z")
    }
  };
}

// lib/permissions.ts
init_errors();
function allowFlagFor(descriptor) {
  switch (descriptor.name) {
    case "read":
    case "write":
    case "ffi":
      return descriptor.path === void 0 ? `--allow-${descriptor.name}` : `--allow-${descriptor.name}=${descriptor.path}`;
    case "net":
      return descriptor.host === void 0 ? "--allow-net" : `--allow-net=${descriptor.host}`;
    case "env":
      return descriptor.variable === void 0 ? "--allow-env" : `--allow-env=${descriptor.variable}`;
    case "run":
      return descriptor.command === void 0 ? "--allow-run" : `--allow-run=${descriptor.command}`;
    case "sys":
      return descriptor.kind === void 0 ? "--allow-sys" : `--allow-sys=${descriptor.kind}`;
    default:
      return `--allow-${descriptor.name}`;
  }
}
function requirePermission(descriptor, what) {
  if (Deno.permissions.querySync(descriptor).state !== "granted") {
    throw new PermissionError(what, allowFlagFor(descriptor));
  }
}
function readEnv(name) {
  requirePermission({
    name: "env",
    variable: name
  }, `read the environment variable ${name}`);
  return Deno.env.get(name);
}

// lib/token_set.ts
var EXPIRY_MARGIN_SECONDS = 10;
function isExpired(tokenSet, now = Date.now()) {
  return tokenSet.expiresAt - EXPIRY_MARGIN_SECONDS * 1e3 <= now;
}

// lib/cache/storage.ts
var TOKEN_CACHE_STORAGE_CHOICES = [
  "disk",
  "keyring",
  "none"
];

// lib/login_options.ts
var GRANT_TYPE_CHOICES = [
  "auto",
  "authcode",
  "authcode-keyboard",
  "password",
  "device-code",
  "client-credentials",
  "token-exchange"
];
var DEFAULT_LISTEN_ADDRESSES = [
  "127.0.0.1:8000",
  "127.0.0.1:18000"
];
var DEFAULT_AUTHENTICATION_TIMEOUT_SEC = 180;
function resolveGrantType(grantType, username) {
  if (grantType === "auto") return username ? "password" : "authcode";
  return grantType;
}

// cli/login_flags.ts
var REMOVED_NOTE = "Accepted for kubeconfigs written for older kubelogin releases";
var DEVICE_CODE_QR_CHOICES = [
  "auto",
  "always",
  "never"
];
var DEVICE_CODE_FLAGS = [
  {
    name: "device-code-qr",
    kind: "string",
    description: "[device-code] Draw a QR code of the verification URL; auto draws it on a terminal",
    choices: DEVICE_CODE_QR_CHOICES,
    defaultText: "auto"
  }
];
var TOKEN_EXCHANGE_FLAGS = [
  {
    name: "token-exchange-resource",
    kind: "string",
    description: "[token-exchange] URI of the service the token is for (resource)"
  },
  {
    name: "token-exchange-audience",
    kind: "string",
    description: "[token-exchange] Name of the service the token is for (audience)"
  },
  {
    name: "token-exchange-requested-token-type",
    kind: "string",
    description: "[token-exchange] Token type URI to ask for (requested_token_type)"
  },
  {
    name: "token-exchange-subject-token",
    kind: "string",
    description: "[token-exchange] The token to exchange, or the name of an environment variable holding it (safer: argv is visible to other users)"
  },
  {
    name: "token-exchange-subject-token-type",
    kind: "string",
    description: "[token-exchange] Token type URI of the subject token",
    defaultText: "urn:ietf:params:oauth:token-type:access_token"
  },
  {
    name: "token-exchange-actor-token",
    kind: "string",
    description: "[token-exchange] Token of the acting party, or the name of an environment variable holding it"
  },
  {
    name: "token-exchange-actor-token-type",
    kind: "string",
    description: "[token-exchange] Token type URI of the actor token"
  }
];
var AUTHENTICATION_FLAGS = [
  {
    name: "grant-type",
    kind: "string",
    description: "Authorization grant type; auto is password when --username is set, else authcode",
    choices: GRANT_TYPE_CHOICES,
    defaultText: "auto"
  },
  {
    name: "listen-address",
    kind: "stringSlice",
    description: "[authcode] Local server addresses, tried in order",
    defaultText: "127.0.0.1:8000,127.0.0.1:18000"
  },
  {
    name: "skip-open-browser",
    kind: "bool",
    description: "[authcode, device-code] Do not open the browser"
  },
  {
    name: "browser-command",
    kind: "string",
    description: "[authcode, device-code] Command to open the browser (the URL is its last argument)"
  },
  {
    name: "authentication-timeout-sec",
    kind: "int",
    description: "Seconds a browser login or device approval may take, and the wait for another process's login",
    defaultText: "180"
  },
  {
    name: "local-server-cert",
    kind: "string",
    description: "[authcode] Certificate file for an HTTPS local server"
  },
  {
    name: "local-server-key",
    kind: "string",
    description: "[authcode] Key file for an HTTPS local server"
  },
  {
    name: "open-url-after-authentication",
    kind: "string",
    description: "[authcode] URL to show in the browser after the login"
  },
  {
    name: "oidc-auth-request-extra-params",
    kind: "map",
    description: "[authcode, authcode-keyboard, device-code, client-credentials] Extra parameters of the authorization, device authorization or token request (key=value, repeatable)"
  },
  ...DEVICE_CODE_FLAGS,
  ...TOKEN_EXCHANGE_FLAGS,
  {
    name: "username",
    kind: "string",
    description: "[password] Username"
  },
  {
    name: "password",
    kind: "string",
    description: "[password] Password; asked on the terminal when absent"
  },
  {
    name: "listen-port",
    kind: "intSlice",
    description: `${REMOVED_NOTE}: --listen-address=127.0.0.1:PORT`,
    hidden: true
  },
  {
    name: "oidc-redirect-url-hostname",
    kind: "string",
    description: `${REMOVED_NOTE}: [authcode] host name of the local redirect URL`,
    hidden: true
  },
  {
    name: "oidc-redirect-url-authcode-keyboard",
    kind: "string",
    description: `${REMOVED_NOTE}: --oidc-redirect-url`,
    hidden: true
  }
];

// cli/flag_values.ts
init_errors();

// cli/url_check.ts
init_errors();
var PLAIN_HTTPS_URL = /^https:\/\/(?:(?!xn--)[A-Za-z0-9-]+\.)*(?!xn--)[A-Za-z][A-Za-z0-9-]*(?::\d{1,4})?(?:\/[\w.~\-/]*)?$/i;
var LOOPBACK_HOSTS = /* @__PURE__ */ new Set([
  "127.0.0.1",
  "[::1]",
  "localhost"
]);
function checkProviderUrl(flag, raw) {
  if (PLAIN_HTTPS_URL.test(raw)) return;
  let url;
  try {
    url = new URL(raw);
  } catch {
    url = void 0;
  }
  const loopback = url !== void 0 && LOOPBACK_HOSTS.has(url.hostname);
  if (url?.protocol === "https:" || url?.protocol === "http:" && loopback) return;
  if (url === void 0) {
    const example = /^[\w.-]+(:\d+)?(\/|$)/.test(raw) ? `, e.g. https://${raw}` : "";
    throw new UsageError(`--${flag} ${raw} is not an absolute URL; give it with https://${example}`);
  }
  throw new UsageError(`--${flag} ${raw} is not an https URL; only loopback hosts (127.0.0.1, [::1], localhost) may use http`);
}

// cli/flag_values.ts
var TRUE_WORDS = /* @__PURE__ */ new Set([
  "true",
  "1",
  "t",
  "TRUE",
  "True",
  "T"
]);
var FALSE_WORDS = /* @__PURE__ */ new Set([
  "false",
  "0",
  "f",
  "FALSE",
  "False",
  "F"
]);
function accumulateFlag(spec, previous, raw) {
  if (spec.kind === "bool") {
    if (raw === void 0 || TRUE_WORDS.has(raw)) return true;
    if (FALSE_WORDS.has(raw)) return false;
    throw new UsageError(`invalid value "${raw}" for --${spec.name}: expected true or false`);
  }
  if (raw === void 0) throw new UsageError(`flag needs an argument: --${spec.name}`);
  switch (spec.kind) {
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UsageError(`invalid value "${raw}" for --${spec.name}: must be one of ${spec.choices.join("|")}`);
      }
      if (spec.url) checkProviderUrl(spec.name, raw);
      return raw;
    case "int":
      return parseInteger(spec, raw);
    case "intSlice":
      return [
        ...previous ?? [],
        ...splitCsv(spec, raw).map((item) => parseInteger(spec, item))
      ];
    case "stringSlice":
      return [
        ...previous ?? [],
        ...splitList(spec, raw)
      ];
    case "stringArray":
      return [
        ...previous ?? [],
        raw
      ];
    case "map": {
      const map = {
        ...previous
      };
      for (const pair of mapPairs(spec, raw)) {
        const equals = pair.indexOf("=");
        if (equals <= 0) {
          throw new UsageError(`invalid value for --${spec.name}: expected key=value`);
        }
        map[pair.slice(0, equals)] = pair.slice(equals + 1);
      }
      return map;
    }
  }
}
function missingRequiredFlag(specs, parsed) {
  return specs.find((spec) => spec.required && (parsed.get(spec.name) ?? "") === "")?.name;
}
function parseInteger(spec, raw) {
  if (!/^-?\d+$/.test(raw)) {
    throw new UsageError(`invalid value "${raw}" for --${spec.name}: expected an integer`);
  }
  return Number.parseInt(raw, 10);
}
function splitList(spec, raw) {
  return splitCsv(spec, raw).map((part) => part.trim()).filter((part) => part !== "");
}
function mapPairs(spec, raw) {
  const equalsSigns = raw.split("=").length - 1;
  if (equalsSigns === 0) {
    throw new UsageError(`invalid value for --${spec.name}: expected key=value`);
  }
  if (equalsSigns === 1) return [
    raw.replace(/^"+|"+$/g, "")
  ];
  return splitCsv(spec, raw);
}
function splitCsv(spec, raw) {
  if (raw === "") return [];
  const fields = [];
  let i = 0;
  for (; ; ) {
    let field = "";
    if (raw[i] === '"') {
      i++;
      for (; ; ) {
        if (i >= raw.length) throw badQuote(spec);
        if (raw[i] === '"') {
          if (raw[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += raw[i++];
      }
      if (i < raw.length && raw[i] !== ",") throw badQuote(spec);
    } else {
      const end = raw.indexOf(",", i);
      field = raw.slice(i, end < 0 ? raw.length : end);
      if (field.includes('"')) throw badQuote(spec);
      i = end < 0 ? raw.length : end;
    }
    fields.push(field);
    if (i >= raw.length) return fields;
    i++;
  }
}
function badQuote(spec) {
  return new UsageError(`invalid value for --${spec.name}: misplaced double quote`);
}

// cli/flags.ts
var KLOG_NOTE = "Accepted for compatibility with kubelogin's klog flags; no effect";
var LOG_FLAGS = [
  {
    name: "v",
    short: "v",
    kind: "int",
    description: "Log level: 1 shows the steps and the cache entry, 2 each request to the provider, 3 its response headers; tokens and secrets are never logged",
    defaultText: "0"
  },
  ...[
    [
      "add_dir_header",
      "bool"
    ],
    [
      "alsologtostderr",
      "bool"
    ],
    [
      "legacy_stderr_threshold_behavior",
      "bool"
    ],
    [
      "log_backtrace_at",
      "string"
    ],
    [
      "log_dir",
      "string"
    ],
    [
      "log_file",
      "string"
    ],
    [
      "log_file_max_size",
      "int"
    ],
    [
      "logtostderr",
      "bool"
    ],
    [
      "one_output",
      "bool"
    ],
    [
      "skip_headers",
      "bool"
    ],
    [
      "skip_log_headers",
      "bool"
    ],
    [
      "stderrthreshold",
      "string"
    ],
    [
      "vmodule",
      "string"
    ]
  ].map(([name, kind]) => ({
    name,
    kind,
    description: KLOG_NOTE,
    hidden: true
  }))
];
var REQUEST_HEADER_FLAG = {
  name: "oidc-request-header",
  kind: "map",
  description: "HTTP header sent with every request to the provider (Name=Value, repeatable)"
};
var PROVIDER_FLAGS = [
  {
    name: "oidc-issuer-url",
    kind: "string",
    description: "Issuer URL of the provider (mandatory)",
    url: true
  },
  {
    name: "oidc-client-id",
    kind: "string",
    description: "Client ID of the provider (mandatory)"
  },
  {
    name: "oidc-client-secret",
    kind: "string",
    env: "OIDC_CLIENT_SECRET",
    description: "Client secret of the provider; prefer the environment variable"
  },
  {
    name: "oidc-redirect-url",
    kind: "string",
    description: "[authcode, authcode-keyboard] Redirect URL"
  },
  {
    name: "oidc-extra-scope",
    kind: "stringSlice",
    description: "Scopes to request besides openid (repeatable, comma-separated)"
  },
  {
    name: "oidc-use-access-token",
    kind: "bool",
    description: "Give kubectl the access token instead of the ID token"
  },
  REQUEST_HEADER_FLAG
];
var TOKEN_CACHE_FLAGS = [
  {
    name: "token-cache-dir",
    kind: "string",
    description: "Directory of the token cache",
    defaultText: "$KUBECACHEDIR/oidc-login or ~/.kube/cache/oidc-login"
  },
  {
    name: "token-cache-storage",
    kind: "string",
    description: "Storage for the token cache",
    choices: TOKEN_CACHE_STORAGE_CHOICES,
    defaultText: "disk"
  }
];
var KEYRING_SWITCH_FLAGS = [
  {
    name: "force-keyring",
    kind: "bool",
    description: `${REMOVED_NOTE}: --token-cache-storage=keyring`,
    hidden: true
  },
  {
    name: "no-keyring",
    kind: "bool",
    description: `${REMOVED_NOTE}: --token-cache-storage=disk`,
    hidden: true
  }
];
var TLS_FLAGS = [
  {
    name: "certificate-authority",
    kind: "stringArray",
    description: "Path to a PEM file of CA certificates for the provider (repeatable)"
  },
  {
    name: "certificate-authority-data",
    kind: "stringArray",
    description: "Base64-encoded PEM CA certificates for the provider (repeatable)"
  },
  {
    name: "insecure-skip-tls-verify",
    kind: "bool",
    description: "[SECURITY RISK] Do not verify the provider's certificate (see docs/usage.md)"
  },
  {
    name: "tls-renegotiation-once",
    kind: "bool",
    description: "Accepted for compatibility; Deno's TLS never renegotiates",
    hidden: true
  },
  {
    name: "tls-renegotiation-freely",
    kind: "bool",
    description: "Accepted for compatibility; Deno's TLS never renegotiates",
    hidden: true
  }
];
var PKCE_FLAGS = [
  {
    name: "oidc-pkce-method",
    kind: "string",
    description: "PKCE code challenge method; auto uses S256 when the provider supports it",
    choices: [
      "auto",
      "no",
      "S256"
    ],
    defaultText: "auto"
  },
  {
    name: "oidc-use-pkce",
    kind: "bool",
    description: "Force PKCE S256 (same as --oidc-pkce-method=S256)",
    hidden: true
  }
];
var GET_TOKEN_REQUIRED = /* @__PURE__ */ new Set([
  "oidc-issuer-url",
  "oidc-client-id"
]);
var GET_TOKEN_FLAGS = [
  ...PROVIDER_FLAGS.map((spec) => GET_TOKEN_REQUIRED.has(spec.name) ? {
    ...spec,
    required: true
  } : spec),
  {
    name: "force-refresh",
    kind: "bool",
    description: "Refresh the token even when the cached one is still valid"
  },
  ...TOKEN_CACHE_FLAGS,
  ...KEYRING_SWITCH_FLAGS,
  ...TLS_FLAGS,
  ...PKCE_FLAGS,
  ...AUTHENTICATION_FLAGS,
  ...LOG_FLAGS
];
var GET_TOKEN_FLAGS_OPTIONAL = GET_TOKEN_FLAGS.map(({ required: _, ...spec }) => spec);
var STATUS_FLAGS = [
  ...GET_TOKEN_FLAGS_OPTIONAL,
  {
    name: "output",
    short: "o",
    kind: "string",
    description: "Output format",
    choices: [
      "text",
      "json"
    ],
    defaultText: "text"
  }
];
var KUBECONFIG_FLAG = {
  name: "kubeconfig",
  kind: "string",
  description: "Path to the kubeconfig file",
  defaultText: "$KUBECONFIG or ~/.kube/config"
};
var DOCTOR_FLAGS = [
  ...GET_TOKEN_FLAGS_OPTIONAL.map(({ url: _, ...spec }) => spec),
  KUBECONFIG_FLAG
];
var SETUP_KUBECONFIG_FLAGS = [
  {
    name: "write-kubeconfig",
    kind: "bool",
    description: "Write the user (and with --context-name, a context) into the kubeconfig"
  },
  KUBECONFIG_FLAG,
  {
    name: "kubeconfig-user",
    kind: "string",
    description: "[--write-kubeconfig] Name of the kubeconfig user to write",
    defaultText: "oidc"
  },
  {
    name: "context-name",
    kind: "string",
    description: "[--write-kubeconfig] Also write a context of this name for the user"
  },
  {
    name: "cluster",
    kind: "string",
    description: "[--write-kubeconfig] The cluster of the context (with --context-name)"
  }
];
var SETUP_FLAGS = [
  ...PROVIDER_FLAGS,
  ...TOKEN_CACHE_FLAGS,
  ...TLS_FLAGS,
  ...PKCE_FLAGS,
  ...AUTHENTICATION_FLAGS,
  ...SETUP_KUBECONFIG_FLAGS,
  ...LOG_FLAGS
];
var CLEAN_FLAGS = [
  ...TOKEN_CACHE_FLAGS,
  {
    name: "oidc-issuer-url",
    kind: "string",
    description: "Delete only the entries of this issuer"
  },
  {
    name: "oidc-client-id",
    kind: "string",
    description: "Delete only the entries of this client (with --oidc-issuer-url)"
  },
  ...LOG_FLAGS
];
var ROOT_FLAGS = [
  {
    name: "kubeconfig",
    kind: "string",
    description: "Path to the kubeconfig file"
  },
  {
    name: "context",
    kind: "string",
    description: "Name of the kubeconfig context to use"
  },
  {
    name: "user",
    kind: "string",
    description: "Name of the kubeconfig user to use; takes precedence over --context"
  },
  ...TLS_FLAGS,
  ...PKCE_FLAGS,
  REQUEST_HEADER_FLAG,
  ...AUTHENTICATION_FLAGS,
  ...LOG_FLAGS
];

// cli/fast_args.ts
function parseFlagsFast(args, specs) {
  const byName = /* @__PURE__ */ new Map();
  for (const spec of specs) {
    byName.set(`--${spec.name}`, spec);
    if (spec.short) byName.set(`-${spec.short}`, spec);
  }
  const parsed = /* @__PURE__ */ new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--" || !arg.startsWith("-")) return void 0;
    let name = arg;
    let value;
    const equals = arg.indexOf("=");
    if (equals > 0) {
      name = arg.slice(0, equals);
      value = arg.slice(equals + 1);
    } else if (/^-[a-zA-Z]\d+$/.test(arg)) {
      name = arg.slice(0, 2);
      value = arg.slice(2);
    }
    const spec = byName.get(name);
    if (!spec || !name.startsWith("--") && name.length !== 2) return void 0;
    if (value === void 0 && spec.kind !== "bool") {
      const next = args[i + 1];
      if (next === void 0 || next.startsWith("-")) return void 0;
      value = next;
      i++;
    }
    try {
      parsed.set(spec.name, accumulateFlag(spec, parsed.get(spec.name), value));
    } catch {
      return void 0;
    }
  }
  return missingRequiredFlag(specs, parsed) === void 0 ? parsed : void 0;
}

// cli/logger.ts
var encoder3 = new TextEncoder();
function writeStdout(text) {
  writeAll2(Deno.stdout, encoder3.encode(text));
}
function writeAll2(target, bytes) {
  let offset = 0;
  while (offset < bytes.length) offset += target.writeSync(bytes.subarray(offset));
}

// cli/options.ts
init_errors();
init_path();
var FlagReader = class {
  #flags;
  /** @param flags the flags given on the command line */
  constructor(flags) {
    this.#flags = flags;
  }
  /** Whether the flag was given. */
  has(name) {
    return this.#flags.has(name);
  }
  /** A string flag, or `undefined` when absent or empty. */
  string(name) {
    const value = this.#get(name);
    return typeof value === "string" && value !== "" ? value : void 0;
  }
  /** A string flag that must be present. */
  requiredString(name) {
    const value = this.string(name);
    if (value === void 0) throw new UsageError(`required flag --${name} is not set`);
    return value;
  }
  /** A boolean flag, `false` when absent. */
  bool(name) {
    return this.#get(name) === true;
  }
  /** An integer flag, or the default. */
  int(name, fallback) {
    const value = this.#get(name);
    return typeof value === "number" ? value : fallback;
  }
  /** A repeatable flag's values, `[]` when absent. */
  list(name) {
    const value = this.#get(name);
    return Array.isArray(value) ? value.map(String) : [];
  }
  /** A repeatable integer flag's values, `[]` when absent. */
  intList(name) {
    const value = this.#get(name);
    return Array.isArray(value) ? value.map(Number) : [];
  }
  /** A `key=value` flag's pairs, `{}` when absent. */
  map(name) {
    const value = this.#get(name);
    return typeof value === "object" && !Array.isArray(value) ? value : {};
  }
  #get(name) {
    return this.#flags.get(name);
  }
};
function homeDirectory() {
  return Deno.build.os === "windows" ? readEnv("USERPROFILE") : readEnv("HOME");
}
function requireHome(purpose) {
  const home = homeDirectory();
  if (!home) throw new UsageError(`cannot find the home directory for ${purpose}; set HOME`);
  return home;
}
function expandPath(path) {
  return path === "~" || path.startsWith("~/") || path.startsWith("~\\") ? expandHome(path, requireHome(path)) : path;
}
function tokenCacheDirectory(flags) {
  const given = flags.string("token-cache-dir");
  if (given) return expandPath(given);
  const kubeCacheDir = readEnv("KUBECACHEDIR");
  if (kubeCacheDir) return joinPath(kubeCacheDir, "oidc-login");
  return joinPath(requireHome("the token cache"), ".kube", "cache", "oidc-login");
}
function dataKeyFile() {
  const configHome = Deno.build.os === "windows" ? readEnv("APPDATA") : readEnv("XDG_CONFIG_HOME");
  const base = configHome || joinPath(requireHome("the token cache key"), ".config");
  return joinPath(base, "together-kubelogin", "token-cache.key");
}
function tokenCacheStorage(flags) {
  const given = flags.string("token-cache-storage");
  if (given) return given;
  if (flags.bool("force-keyring")) return "keyring";
  return "disk";
}
function tokenCacheOptions(flags) {
  const storage = tokenCacheStorage(flags);
  const directory = storage === "none" ? "" : tokenCacheDirectory(flags);
  return {
    storage,
    directory,
    dataKeyFile: storage === "disk" ? dataKeyFile() : ""
  };
}
function connectionOptions(flags) {
  return {
    pkceMethod: flags.bool("oidc-use-pkce") ? "S256" : flags.string("oidc-pkce-method") ?? "auto",
    requestHeaders: flags.map("oidc-request-header"),
    tls: {
      certificateAuthorities: flags.list("certificate-authority").map(expandPath),
      certificateAuthorityData: flags.list("certificate-authority-data"),
      insecureSkipTlsVerify: flags.bool("insecure-skip-tls-verify")
    }
  };
}
function providerOptions(flags) {
  const clientSecret = flags.has("oidc-client-secret") ? flags.string("oidc-client-secret") : readEnv("OIDC_CLIENT_SECRET") || void 0;
  return {
    issuerUrl: flags.requiredString("oidc-issuer-url"),
    clientId: flags.requiredString("oidc-client-id"),
    clientSecret,
    extraScopes: flags.list("oidc-extra-scope"),
    // The removed keyboard-only spelling overrode --oidc-redirect-url in the kubelogin releases
    // that had both.
    redirectUrl: flags.string("oidc-redirect-url-authcode-keyboard") ?? flags.string("oidc-redirect-url"),
    useAccessToken: flags.bool("oidc-use-access-token"),
    ...connectionOptions(flags)
  };
}
function loginOptions(flags) {
  const username = flags.string("username");
  const timeout = flags.int("authentication-timeout-sec", DEFAULT_AUTHENTICATION_TIMEOUT_SEC);
  if (timeout <= 0) throw new UsageError("--authentication-timeout-sec must be positive");
  const listenPorts = flags.intList("listen-port");
  for (const port of listenPorts) {
    if (port < 0 || port > 65535) throw new UsageError(`invalid --listen-port ${port}`);
  }
  const listenAddresses = listenPorts.length > 0 ? listenPorts.map((port) => `127.0.0.1:${port}`) : flags.list("listen-address");
  const certFile = flags.string("local-server-cert");
  const keyFile = flags.string("local-server-key");
  return {
    grantType: resolveGrantType(flags.string("grant-type") ?? "auto", username),
    listenAddresses: listenAddresses.length > 0 ? listenAddresses : DEFAULT_LISTEN_ADDRESSES,
    skipOpenBrowser: flags.bool("skip-open-browser"),
    browserCommand: flags.string("browser-command"),
    authenticationTimeoutSec: timeout,
    localServerCertFile: certFile && expandPath(certFile),
    localServerKeyFile: keyFile && expandPath(keyFile),
    openUrlAfterAuthentication: flags.string("open-url-after-authentication"),
    redirectUrlHostname: flags.string("oidc-redirect-url-hostname"),
    authRequestExtraParams: flags.map("oidc-auth-request-extra-params"),
    username,
    password: flags.string("password"),
    deviceCodeQr: drawQrCode(flags.string("device-code-qr")),
    tokenExchange: tokenExchangeOptions(flags)
  };
}
function getTokenOptions(flags) {
  return {
    provider: providerOptions(flags),
    login: loginOptions(flags),
    cache: tokenCacheOptions(flags),
    forceRefresh: flags.bool("force-refresh")
  };
}
function drawQrCode(choice) {
  if (choice === "always") return true;
  if (choice === "never") return false;
  return Deno.stderr.isTerminal();
}
var ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
function tokenExchangeOptions(flags) {
  if (flags.string("grant-type") !== "token-exchange") return void 0;
  return {
    resource: flags.string("token-exchange-resource"),
    audience: flags.string("token-exchange-audience"),
    requestedTokenType: flags.string("token-exchange-requested-token-type"),
    subjectToken: tokenOrVariable(flags, "token-exchange-subject-token"),
    subjectTokenType: flags.string("token-exchange-subject-token-type"),
    actorToken: tokenOrVariable(flags, "token-exchange-actor-token"),
    actorTokenType: flags.string("token-exchange-actor-token-type")
  };
}
function tokenOrVariable(flags, name) {
  const given = flags.string(name);
  if (given === void 0 || !ENV_NAME.test(given)) return given;
  const value = readEnv(given);
  if (!value) {
    throw new UsageError(`--${name} names the environment variable ${given}, which is empty or unset`);
  }
  return value;
}

// cli/cache_hit.ts
async function answerFromCache(args) {
  if (args[0] !== "get-token") return false;
  const parsed = parseFlagsFast(args.slice(1), GET_TOKEN_FLAGS);
  if (!parsed) return false;
  const flags = new FlagReader(parsed);
  if (flags.int("v", 0) > 0) return false;
  const options = getTokenOptions(flags);
  if (options.forceRefresh || options.cache.storage === "none") return false;
  const keyId = await cacheKeyId(cacheKeyInputOf(options));
  const dataKeys = await dataKeyStore(options.cache);
  if (!dataKeys) return false;
  const cache = new EncryptedFileCache(options.cache.directory, dataKeys);
  const read = await cache.read(keyId);
  if (!read.hit || isExpired(read.tokenSet)) return false;
  const execInfo = parseExecInfo(readEnv("KUBERNETES_EXEC_INFO"));
  const { token, expiresAt } = read.tokenSet;
  writeStdout(`${JSON.stringify(buildExecCredential(execInfo, token, expiresAt))}
`);
  return true;
}
async function dataKeyStore(cache) {
  if (cache.storage === "disk") return new FileDataKeyStore(cache.dataKeyFile);
  const { busDataKeyStore: busDataKeyStore2 } = await Promise.resolve().then(() => (init_bus_data_key(), bus_data_key_exports));
  return await busDataKeyStore2();
}

// plugin.ts
if (import.meta.main) {
  let answered = false;
  try {
    answered = await answerFromCache(Deno.args);
  } catch {
  }
  if (!answered) {
    const { main } = await import("./cli/main.ts");
    Deno.exit(await main(Deno.args));
  }
}
