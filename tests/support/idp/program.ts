/**
 * The test provider as a program: prints `{"issuer": …}` on one stdout line and serves until
 * SIGINT or SIGTERM. Run through tests/support/idp.ts.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { startTestIdp } from "./start.ts";

/** Starts the provider with the options of `args` and serves until a signal. */
export async function main(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: "string", default: "0" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "rotate-refresh-tokens": { type: "boolean", default: false },
    },
  });
  const certFile = values["tls-cert"];
  const keyFile = values["tls-key"];
  const idp = await startTestIdp({
    port: Number(values.port),
    rotateRefreshTokens: values["rotate-refresh-tokens"],
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
  });
  console.log(JSON.stringify({ issuer: idp.issuer }));
  const stop = async (): Promise<void> => {
    await idp.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
