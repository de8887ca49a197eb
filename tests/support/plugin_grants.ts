/**
 * Helpers of the process-level grant tests (tests/cli/*_process_test.ts): `get-token` arguments
 * for the test provider, the failure shape, a bound on waits, and a listen port that is retried
 * when someone else takes it between choosing and binding.
 *
 * @module
 */

import assert from "node:assert/strict";
import { PUBLIC_CLIENT_ID, type TestIdp } from "./idp.ts";
import type { PluginResult, PluginSandbox, RunningPlugin, RunOptions } from "./plugin.ts";

/** `KUBERNETES_EXEC_INFO` of a kubectl that gives the plugin no stdin. */
export const NOT_INTERACTIVE_EXEC_INFO: string = JSON.stringify({
  kind: "ExecCredential",
  apiVersion: "client.authentication.k8s.io/v1",
  spec: { interactive: false },
});

/** The device-code prompt: complete URI, verification URI, user code. */
export const DEVICE_PROMPT: RegExp =
  /^To log in, open (\S+) in a browser \(or open (\S+) and enter the code (\S+)\)$/;

/** `get-token` for the provider, without the browser and the listen address. */
export function provider(idp: TestIdp, clientId: string = PUBLIC_CLIENT_ID): string[] {
  return ["get-token", `--oidc-issuer-url=${idp.issuer}`, `--oidc-client-id=${clientId}`];
}

/** `get-token` for the provider, the browser left closed, on a loopback port 0. */
export function base(idp: TestIdp, clientId: string = PUBLIC_CLIENT_ID): string[] {
  return [...provider(idp, clientId), "--skip-open-browser", "--listen-address=127.0.0.1:0"];
}

/** Asserts a run failed with exit code 1, nothing on stdout and `message` on stderr. */
export function assertFailure(result: PluginResult, message: RegExp): void {
  assert.equal(result.code, 1, result.stdout);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, message);
}

/** Fails when `promise` takes longer than `ms`; for processes that must not wait for input. */
export async function within<T>(
  ms: number,
  promise: Promise<T>,
  onTimeout: () => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`still running after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A plugin that printed its login URL, and the port it was given. */
export interface StartedOnPort {
  /** The running plugin. */
  plugin: RunningPlugin;
  /** The port the arguments named. */
  port: number;
  /** The URL of "Open … for authentication". */
  url: string;
}

/**
 * Starts the plugin with the arguments `argsFor(port)` makes of a port that was free a moment
 * ago, and waits for its login URL. A port can be taken between that moment and the plugin's
 * bind; then the plugin fails naming the local server, and this tries again with another port.
 */
export async function startOnFreePort(
  sandbox: PluginSandbox,
  argsFor: (port: number) => string[],
  options: RunOptions = {},
  attempts = 5,
): Promise<StartedOnPort> {
  for (let attempt = 1;; attempt++) {
    const port = freePort();
    const plugin = sandbox.start(argsFor(port), options);
    try {
      const url = await within(60_000, plugin.loginUrl(), () => plugin.kill("SIGKILL"));
      return { plugin, port, url };
    } catch (error) {
      plugin.kill("SIGKILL");
      const result = await plugin.result();
      const taken = /could not start the local server/.test(result.stderr);
      if (!taken || attempt >= attempts) throw error;
    }
  }
}

/** A port nobody listens on right now; someone may take it before it is used. */
function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}
