/**
 * Running `deno task demo` as a person runs it, and what every run must narrate: the helpers of
 * demo_test.ts and demo_scripted_test.ts (two files, so the two runs, each waiting for a token to
 * expire, overlap).
 *
 * @module
 */

import assert from "node:assert/strict";
import { chromiumAvailability } from "../support/browser.ts";
import { kubectlAvailability, toolGate } from "../support/cluster.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

const kubectl = await kubectlAvailability();
/** Whether Chromium is there (else the plain run already used the scripted user agent). */
export const chromium: { ok: boolean; reason?: string } = await chromiumAvailability();
/** The demo needs kubectl: skipped without it, a failure under `CI=true`. */
export const gate: ReturnType<typeof toolGate> = toolGate([
  kubectl.ok ? undefined : kubectl.reason,
]);

/** Runs the demo without a display (so never a window), returning its exit code and output. */
export async function runDemo(...args: string[]): Promise<{ code: number; output: string }> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "CHROMIUM_PATH"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "demo", ...args],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

/** What every run must narrate, whoever does the login. */
export async function assertNarration(output: string, mode: RegExp): Promise<void> {
  assert.match(output, mode);
  assert.match(output, /^\[1\/6\] Start an identity provider and a Kubernetes API server/m);
  // setup logs in and caches its token, so no kubectl command after it opens the browser.
  assert.equal(
    output.match(/-> The plugin opened the browser on http:\/\/localhost:\d+\/login\/[\w-]{43}$/gm)
      ?.length,
    1,
  );
  assert.match(output, /^ {2}\$ kubectl config set-credentials oidc .*--exec-arg=get-token /m);
  assert.match(output, /^ {4}User "oidc" set\.$/m);
  assert.match(output, /^ {4}Username {4}http:\/\/127\.0\.0\.1:\d+#alice$/m);
  assert.match(output, /^ {4}Groups {6}\[developers system:authenticated\]$/m);
  assert.equal(output.match(/^ {4}web-7d4b9c8f6-x2k9q {6}1\/1 {5}Running/gm)?.length, 2);
  assert.match(output, /Cache hit: the plugin answered from its cache\. No browser opened/);
  assert.match(output, /identity provider saw no request at all\./);
  assert.match(
    output,
    /Refreshed: the plugin sent the refresh token .*\n.*\(1 refresh_token request/,
  );
  assert.match(output, /^Demo finished in [\d.]+ s; nothing is left running\.$/m);
  const temp = output.match(/^and removing (\S+)\.$/m)?.[1];
  assert.ok(temp, "the demo did not say which directory it used");
  await assert.rejects(Deno.stat(temp), Deno.errors.NotFound);
}
