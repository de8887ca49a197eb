/**
 * A certificate authority made at test time with the `openssl` command, and server certificates
 * for 127.0.0.1 and localhost that both Deno (rustls) and kubectl (Go) accept.
 *
 * @module
 */

/** A test CA and one server certificate it signed, as PEM text and files. */
export interface TestCertificates {
  /** The directory holding the files. */
  dir: string;
  caCertFile: string;
  caCertPem: string;
  certFile: string;
  certPem: string;
  keyFile: string;
  keyPem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const { code, stderr } = await new Deno.Command("openssl", { args, cwd, stderr: "piped" })
    .output();
  if (code !== 0) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(stderr)}`);
  }
}

/**
 * Creates a CA and a server certificate for `127.0.0.1` and `localhost` in `dir` (EC P-256,
 * valid for a day).
 */
export async function createTestCertificates(dir: string): Promise<TestCertificates> {
  await Deno.mkdir(dir, { recursive: true });
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "1",
    "-subj",
    "/CN=together-kubelogin test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  await openssl([
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  ], dir);
  await Deno.writeTextFile(
    `${dir}/server.ext`,
    "basicConstraints=critical,CA:FALSE\n" +
      "keyUsage=critical,digitalSignature,keyEncipherment\n" +
      "extendedKeyUsage=serverAuth\n" +
      "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "1",
    "-extfile",
    "server.ext",
  ], dir);
  const read = (name: string) => Deno.readTextFile(`${dir}/${name}`);
  return {
    dir,
    caCertFile: `${dir}/ca.crt`,
    caCertPem: await read("ca.crt"),
    certFile: `${dir}/server.crt`,
    certPem: await read("server.crt"),
    keyFile: `${dir}/server.key`,
    keyPem: await read("server.key"),
  };
}
