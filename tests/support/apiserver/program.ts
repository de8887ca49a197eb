/**
 * The API server double as a program: it prints `{"url": …, "caFile": …}` on stdout, each decision
 * as a JSON line on stderr, and serves until SIGINT or SIGTERM. `tests/support/apiserver.ts` runs
 * {@link main} when started directly.
 *
 * @module
 */

import { startApiServer } from "./server.ts";

/** Reads `--name=value` and `--name value`; repeated flags keep every value. */
function parseFlags(args: string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument: ${arg}`);
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Error(`--${name} needs a value`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return flags;
}

const USAGE = "usage: apiserver.ts --issuer=URL --client-id=ID [--username-claim=sub] " +
  "[--username-prefix=P] [--groups-claim=C] [--groups-prefix=P] [--issuer-ca-file=F] " +
  "[--signing-algs=RS256,ES256] [--port=N] [--bind-group=G]... [--bind-user=U]...";

/** Starts the API server double from command-line flags (see `USAGE`) and serves until a signal. */
export async function main(args: string[]): Promise<void> {
  let flags: Map<string, string[]>;
  try {
    flags = parseFlags(args);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
    Deno.exit(2);
  }
  const one = (name: string): string | undefined => flags.get(name)?.at(-1);
  const issuerUrl = one("issuer");
  const clientId = one("client-id");
  if (!issuerUrl || !clientId) {
    console.error(USAGE);
    Deno.exit(2);
  }
  const caFile = one("issuer-ca-file");
  const apiserver = await startApiServer({
    issuerUrl,
    clientId,
    usernameClaim: one("username-claim"),
    usernamePrefix: one("username-prefix"),
    groupsClaim: one("groups-claim"),
    groupsPrefix: one("groups-prefix"),
    issuerCaPem: caFile ? await Deno.readTextFile(caFile) : undefined,
    signingAlgs: one("signing-algs")?.split(",").filter(Boolean),
    port: one("port") ? Number(one("port")) : undefined,
    bindings: [
      ...(flags.get("bind-group") ?? []).map((group) => ({ group })),
      ...(flags.get("bind-user") ?? []).map((user) => ({ user })),
    ],
    onDecision: (decision) => console.error(JSON.stringify(decision)),
  });
  console.log(JSON.stringify({ url: apiserver.url, caFile: apiserver.caFile }));
  const stop = async () => {
    await apiserver.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
