/**
 * The test provider as a program (tests/support/idp.ts run by `deno run`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { discover } from "./oauth_client.ts";

Deno.test("as a program: prints the issuer, serves, stops on SIGTERM", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../idp.ts", import.meta.url).pathname, "--port=0"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!output.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    output += value;
  }
  const { issuer } = JSON.parse(output.split("\n")[0]);
  assert.match(issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await discover(issuer)).issuer, issuer);
  child.kill("SIGTERM");
  const status = await child.status;
  await lines.cancel();
  assert.equal(status.code, 0);
});
