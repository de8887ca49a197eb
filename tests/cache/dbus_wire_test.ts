/**
 * The D-Bus wire format and bus addresses of the keyring's Linux read: calls survive a round trip
 * through the encoder and decoder (alignment included), truncated input waits for more bytes, and
 * only `unix:path=` addresses are used.
 */

import assert from "node:assert/strict";
import { decodeMessage, encodeCall } from "../../lib/cache/dbus_wire.ts";
import { busSocketPath } from "../../lib/cache/secret_service_lookup.ts";

const SERVICE = {
  destination: "org.freedesktop.secrets",
  path: "/org/freedesktop/secrets",
  interface: "org.freedesktop.Secret.Service",
};

Deno.test("D-Bus calls round-trip through the wire format with their alignment", () => {
  const cases = [
    { member: "Hello", signature: "", body: [] },
    { member: "OpenSession", signature: "sv", body: ["plain", ["s", ""]] },
    {
      member: "SearchItems",
      signature: "a{ss}",
      body: [[["service", "together-kubelogin"], ["username", "token-cache-data-key"]]],
    },
    {
      member: "Mixed",
      signature: "yuba(oayays)i",
      body: [
        7,
        0xfffffffe,
        true,
        [["/s/1", new Uint8Array(), new Uint8Array([1, 2, 3]), "text/plain"]],
        -5,
      ],
    },
  ];
  for (const call of cases) {
    const bytes = encodeCall({ ...SERVICE, ...call }, 42);
    assert.equal(bytes[0], "l".charCodeAt(0), "little-endian");
    assert.equal(bytes[1], 1, "a method call");
    const decoded = decodeMessage(bytes);
    assert.ok(decoded, call.member);
    assert.equal(decoded.length, bytes.length, call.member);
    assert.deepEqual(decoded.message.body, call.body, call.member);
    // One byte short is not yet a message.
    assert.equal(decodeMessage(bytes.subarray(0, bytes.length - 1)), undefined, call.member);
  }
});

Deno.test("a big-endian peer is refused rather than misread", () => {
  const bytes = encodeCall({ ...SERVICE, member: "Hello" }, 1);
  bytes[0] = "B".charCodeAt(0);
  assert.throws(() => decodeMessage(bytes), /big-endian/);
});

Deno.test("only unix:path= bus addresses name a socket to open", () => {
  assert.equal(
    busSocketPath("unix:path=/run/user/1000/bus,guid=0123"),
    "/run/user/1000/bus",
  );
  assert.equal(busSocketPath("unix:path=/tmp/a%20b"), "/tmp/a b");
  assert.equal(busSocketPath("tcp:host=localhost,port=1;unix:path=/run/bus"), "/run/bus");
  assert.equal(busSocketPath("unix:abstract=/tmp/dbus-x,guid=1"), undefined);
  assert.equal(busSocketPath("autolaunch:"), undefined);
  assert.equal(busSocketPath(""), undefined);
});
