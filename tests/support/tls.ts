/**
 * A certificate authority made at test time with the `openssl` command (OpenSSL 3), and server
 * certificates it signs. The server certificates carry what both Deno (rustls) and kubectl (Go)
 * insist on: X.509 v3, a subjectAltName for every name, `CA:FALSE` and the `serverAuth` extended
 * key usage. Keys are EC P-256, so making a CA and a certificate takes a few milliseconds.
 *
 * - {@link createTestCa} makes the CA.
 * - {@link issueServerCert} signs a server certificate with it.
 *
 * @example
 * ```ts
 * const dir = await Deno.makeTempDir();
 * const ca = await createTestCa(dir);
 * const server = await issueServerCert(ca, { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
 * Deno.serve({ port: 0, cert: server.certPem, key: server.keyPem }, () => new Response("hi"));
 * // clients trust ca.certFile / ca.certPem
 * ```
 *
 * @module
 */

/** A test certificate authority: its certificate as a file and as PEM, and where its key is. */
export interface TestCa {
  /** The directory holding the CA's files and the certificates it issues. */
  readonly dir: string;
  /** The CA certificate, for `certificate-authority:` or `--certificate-authority`. */
  readonly certFile: string;
  /** The CA certificate as PEM, for `caCerts` or `certificate-authority-data:`. */
  readonly certPem: string;
  /** The CA's private key (PEM file); only {@link issueServerCert} needs it. */
  readonly keyFile: string;
}

/** The names a server certificate is valid for. */
export interface ServerCertOptions {
  /** DNS names for the subjectAltName, e.g. `["localhost"]`. */
  dnsNames?: string[];
  /** IP addresses for the subjectAltName, e.g. `["127.0.0.1"]`. */
  ipAddresses?: string[];
  /** Base name of the files written in the CA's directory (default `server-N`). */
  name?: string;
}

/** The names of a server on this machine, as the plugin, kubectl and browsers reach it. */
export const LOOPBACK_NAMES: ServerCertOptions = {
  dnsNames: ["localhost"],
  ipAddresses: ["127.0.0.1"],
};

/** A server certificate and its key, as files and as PEM. */
export interface ServerCert {
  certFile: string;
  certPem: string;
  keyFile: string;
  keyPem: string;
}

/** Every certificate lives a day: long enough for any test, short enough to be harmless. */
const VALIDITY_DAYS = "1";
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
const decoder = new TextDecoder();
let issued = 0;

async function openssl(args: string[], cwd: string): Promise<void> {
  const { code, stderr } = await new Deno.Command("openssl", {
    args,
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`openssl ${args.slice(0, 2).join(" ")} failed: ${decoder.decode(stderr)}`);
  }
}

/**
 * Creates a self-signed CA (EC P-256, valid one day) in `dir`, which is created if missing.
 *
 * @param dir where `ca.crt` and `ca.key` are written
 */
export async function createTestCa(dir: string): Promise<TestCa> {
  await Deno.mkdir(dir, { recursive: true });
  await openssl([
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    VALIDITY_DAYS,
    "-subj",
    "/CN=together-kubelogin test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  return {
    dir,
    certFile: `${dir}/ca.crt`,
    certPem: await Deno.readTextFile(`${dir}/ca.crt`),
    keyFile: `${dir}/ca.key`,
  };
}

/**
 * Issues a server certificate signed by `ca` for the given names, written next to the CA.
 *
 * @throws {Error} when no name is given, since Go and rustls ignore the subject CN
 */
export async function issueServerCert(ca: TestCa, options: ServerCertOptions): Promise<ServerCert> {
  const names = [
    ...(options.dnsNames ?? []).map((name) => `DNS:${name}`),
    ...(options.ipAddresses ?? []).map((address) => `IP:${address}`),
  ];
  if (names.length === 0) throw new Error("a server certificate needs a DNS name or IP address");
  const base = options.name ?? `server-${++issued}`;
  const certFile = `${ca.dir}/${base}.crt`;
  const keyFile = `${ca.dir}/${base}.key`;
  // `req -x509 -CA` signs in one step; -addext overrides the config's CA-style defaults.
  await openssl([
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    VALIDITY_DAYS,
    "-subj",
    `/CN=${options.dnsNames?.[0] ?? options.ipAddresses?.[0]}`,
    "-CA",
    ca.certFile,
    "-CAkey",
    ca.keyFile,
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-addext",
    "keyUsage=critical,digitalSignature",
    "-addext",
    "extendedKeyUsage=serverAuth",
    "-addext",
    `subjectAltName=${names.join(",")}`,
  ], ca.dir);
  return {
    certFile,
    certPem: await Deno.readTextFile(certFile),
    keyFile,
    keyPem: await Deno.readTextFile(keyFile),
  };
}
