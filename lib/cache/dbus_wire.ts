/**
 * The D-Bus wire format, as much as a client calling methods needs: little-endian messages with
 * the basic types `y b u i s o g` and the containers `a ( { v`. See {@link DbusConnection} in
 * `dbus.ts` for its use.
 *
 * Values map to JavaScript as: `y u i` number, `b` boolean, `s o g` string, `a` array (`a{kv}` an
 * array of `[key, value]` pairs), `(…)` array, `v` `[signature, value]`.
 *
 * @module
 */

/** A marshalled or unmarshalled D-Bus value; see the module documentation for the mapping. */
export type DbusValue = number | boolean | string | Uint8Array | DbusValue[];

/** The bus answered a call with an error. */
export class DbusErrorReply extends Error {
  /** The D-Bus error name, e.g. `org.freedesktop.DBus.Error.ServiceUnknown`. */
  readonly errorName: string;
  constructor(errorName: string, message: string) {
    super(`${errorName}: ${message}`);
    this.name = "DbusErrorReply";
    this.errorName = errorName;
  }
}

const ALIGNMENT: Record<string, number> = {
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
  "{": 8,
};

/** The index just past the single complete type starting at `start`. */
function typeEnd(signature: string, start: number): number {
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

/** The complete types of a signature, in order. */
function splitTypes(signature: string): string[] {
  const types: string[] = [];
  for (let i = 0; i < signature.length;) {
    const end = typeEnd(signature, i);
    types.push(signature.slice(i, end));
    i = end;
  }
  return types;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Appends values to a growing little-endian buffer, aligned from its start. */
class Writer {
  #bytes = new Uint8Array(256);
  #view = new DataView(this.#bytes.buffer);
  length = 0;

  #reserve(count: number): void {
    if (this.length + count <= this.#bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.#bytes.length * 2, this.length + count));
    bigger.set(this.#bytes);
    this.#bytes = bigger;
    this.#view = new DataView(bigger.buffer);
  }

  align(to: number): void {
    const padding = (to - (this.length % to)) % to;
    this.#reserve(padding);
    this.#bytes.fill(0, this.length, this.length + padding);
    this.length += padding;
  }

  byte(value: number): void {
    this.#reserve(1);
    this.#bytes[this.length++] = value;
  }

  uint32(value: number, at?: number): void {
    if (at !== undefined) return this.#view.setUint32(at, value, true);
    this.align(4);
    this.#reserve(4);
    this.#view.setUint32(this.length, value, true);
    this.length += 4;
  }

  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  value(type: string, value: DbusValue): void {
    const code = type[0];
    switch (code) {
      case "y":
        return this.byte(value as number);
      case "b":
        return this.uint32(value ? 1 : 0);
      case "u":
      case "i":
        this.align(4);
        this.#reserve(4);
        this.#view[code === "u" ? "setUint32" : "setInt32"](this.length, value as number, true);
        this.length += 4;
        return;
      case "s":
      case "o": {
        const bytes = encoder.encode(value as string);
        this.uint32(bytes.length);
        this.raw(bytes);
        return this.byte(0);
      }
      case "g": {
        const bytes = encoder.encode(value as string);
        this.byte(bytes.length);
        this.raw(bytes);
        return this.byte(0);
      }
      case "v": {
        const [signature, inner] = value as [string, DbusValue];
        this.value("g", signature);
        return this.value(signature, inner);
      }
      case "a": {
        const element = type.slice(1);
        this.uint32(0);
        const lengthAt = this.length - 4;
        this.align(ALIGNMENT[element[0]]);
        const start = this.length;
        const items = element[0] === "y" && value instanceof Uint8Array ? [...value] : value;
        for (const item of items as DbusValue[]) this.value(element, item);
        return this.uint32(this.length - start, lengthAt);
      }
      case "(":
      case "{": {
        this.align(8);
        const fields = splitTypes(type.slice(1, -1));
        fields.forEach((field, i) => this.value(field, (value as DbusValue[])[i]));
        return;
      }
      default:
        throw new Error(`cannot marshal D-Bus type ${type}`);
    }
  }

  bytes(): Uint8Array {
    return this.#bytes.slice(0, this.length);
  }
}

/** Reads values from a little-endian buffer, aligned from its start. */
class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  offset: number;

  constructor(bytes: Uint8Array, offset = 0) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }

  align(to: number): void {
    this.offset += (to - (this.offset % to)) % to;
  }

  #check(count: number): void {
    if (this.offset + count > this.#bytes.length) throw new Error("truncated D-Bus message");
  }

  uint32(): number {
    this.align(4);
    this.#check(4);
    const value = this.#view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  value(type: string): DbusValue {
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
        const length = code === "g" ? this.value("y") as number : this.uint32();
        this.#check(length + 1);
        const text = decoder.decode(this.#bytes.subarray(this.offset, this.offset + length));
        this.offset += length + 1;
        return text;
      }
      case "v": {
        const signature = this.value("g") as string;
        return [signature, this.value(signature)];
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
        const items: DbusValue[] = [];
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
}

/** A method call to send. */
export interface DbusCall {
  /** The bus name that receives the call, e.g. `org.freedesktop.secrets`. */
  destination: string;
  /** The object path. */
  path: string;
  /** The interface of the method. */
  interface: string;
  /** The method name. */
  member: string;
  /** The signature of `body`; empty for no arguments. */
  signature?: string;
  /** The arguments. */
  body?: DbusValue[];
}

const METHOD_CALL = 1;
/** The message type of a method's reply. */
export const METHOD_RETURN = 2;
/** The message type of an error reply. */
export const ERROR = 3;
const HEADER_FIELDS: Record<string, [code: number, type: string]> = {
  path: [1, "o"],
  interface: [2, "s"],
  member: [3, "s"],
  destination: [6, "s"],
  signature: [8, "g"],
};

/** Serializes a method call with the given serial. */
export function encodeCall(call: DbusCall, serial: number): Uint8Array {
  const body = new Writer();
  const types = splitTypes(call.signature ?? "");
  types.forEach((type, i) => body.value(type, call.body![i]));
  const fields: DbusValue[] = [];
  for (const [name, [code, type]] of Object.entries(HEADER_FIELDS)) {
    const value = call[name as keyof DbusCall] as string | undefined;
    if (value) fields.push([code, [type, value]]);
  }
  const message = new Writer();
  message.raw(encoder.encode("l"));
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

/** A message received: its type, the serial it replies to, and its decoded body. */
export interface DbusMessage {
  type: number;
  replySerial?: number;
  errorName?: string;
  body: DbusValue[];
}

/**
 * Decodes one message from the start of `bytes`, or returns `undefined` when more bytes are
 * needed. Returns the message and its length.
 */
export function decodeMessage(
  bytes: Uint8Array,
): { message: DbusMessage; length: number } | undefined {
  if (bytes.length < 16) return undefined;
  if (bytes[0] !== 0x6c) throw new Error("the D-Bus peer sent big-endian data");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bodyLength = view.getUint32(4, true);
  const fieldsLength = view.getUint32(12, true);
  const bodyStart = 16 + fieldsLength + ((8 - (fieldsLength % 8)) % 8);
  const length = bodyStart + bodyLength;
  if (bytes.length < length) return undefined;
  const message = bytes.subarray(0, length);
  const fields = new Reader(message, 12).value("a(yv)") as [number, [string, DbusValue]][];
  const field = (code: number) => fields.find(([c]) => c === code)?.[1][1];
  const signature = (field(8) as string | undefined) ?? "";
  const reader = new Reader(message, bodyStart);
  return {
    message: {
      type: bytes[1],
      replySerial: field(5) as number | undefined,
      errorName: field(4) as string | undefined,
      body: splitTypes(signature).map((type) => reader.value(type)),
    },
    length,
  };
}
