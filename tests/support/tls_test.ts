import assert from "node:assert/strict";
import { createTestCa, issueServerCert } from "./tls.ts";

/**
 * Whether a PEM private key is EC P-256: the key type that keeps making certificates quick (an RSA
 * key takes openssl far longer to generate), checked without timing anything.
 */
async function isP256Key(pem: string): Promise<boolean> {
  const base64 = pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  try {
    await crypto.subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve: "P-256" }, false, [
      "sign",
    ]);
    return true;
  } catch {
    return false;
  }
}

Deno.test("tls: a CA and server certificates Deno's TLS accepts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ca = await createTestCa(dir);
    const server = await issueServerCert(ca, {
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
    });
    // P-256 keys, not RSA, keep making certificates quick on a loaded machine.
    assert.ok(await isP256Key(await Deno.readTextFile(ca.keyFile)), "the CA key is EC P-256");
    assert.ok(await isP256Key(server.keyPem), "the server key is EC P-256");
    assert.match(ca.certPem, /^-----BEGIN CERTIFICATE-----/);
    assert.equal(await Deno.readTextFile(server.certFile), server.certPem);
    assert.match(server.keyPem, /PRIVATE KEY-----/);
    await assert.rejects(issueServerCert(ca, {}), /needs a DNS name or IP address/);

    await using _https = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      cert: server.certPem,
      key: server.keyPem,
      onListen: () => {},
    }, () => new Response("hello"));
    const port = _https.addr.port;
    for (const host of ["127.0.0.1", "localhost"]) {
      using client = Deno.createHttpClient({ caCerts: [ca.certPem] });
      const response = await fetch(`https://${host}:${port}/`, { client });
      assert.equal(await response.text(), "hello");
    }
    // Without the CA the certificate must not be trusted.
    await assert.rejects(fetch(`https://127.0.0.1:${port}/`).then((r) => r.text()));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
