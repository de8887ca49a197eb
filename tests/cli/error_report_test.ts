/**
 * The error report: one line by default; from `-v1` up, the chain of causes under it, each by
 * class, code and message, and never a token.
 */

import assert from "node:assert/strict";
import { reportError } from "../../cli/errors.ts";
import * as errors from "../../lib/errors.ts";
import { PluginSandbox } from "../support/plugin.ts";

Deno.test("every error class has a stable ERR_ code of its own", () => {
  const provider = new errors.ProviderError("down");
  const instances: errors.KubeloginError[] = [
    new errors.KubeloginError("x"),
    new errors.UsageError("x"),
    new errors.OidcError("token request", "invalid_grant"),
    provider,
    new errors.DiscoveryError("https://issuer.example/.well-known/openid-configuration", provider),
    new errors.TokenVerificationError("x"),
    new errors.AuthenticationError("x", { reason: "timeout" }),
    new errors.ListenAddressBusyError("x"),
    new errors.CacheError("x"),
    new errors.InsecureCacheError("x"),
    new errors.KeyringError("x"),
    new errors.CacheDirectoryError("/tmp/cache", "read-only"),
    new errors.PermissionError("read", "--allow-read"),
    new errors.NotInteractiveError("x"),
    new errors.CheckFailedError("x"),
    new errors.RefreshFailedError(provider),
  ];
  const classes = Object.values(errors).filter((value) =>
    typeof value === "function" && value.prototype instanceof Error
  );
  assert.deepEqual(
    new Set(instances.map((error) => error.constructor)),
    new Set(classes),
    "every class of lib/errors.ts is checked",
  );
  const codes = instances.map((error) => error.code);
  for (const code of codes) assert.match(code, /^ERR_[A-Z_]+$/);
  assert.equal(new Set(codes).size, codes.length, `codes repeat: ${codes.join(" ")}`);
});

Deno.test("-v0 prints one line; -v1 adds each cause, bounded, with tokens masked", () => {
  const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
  const root = new TypeError(`error sending request: connection refused\nafter ${jwt}`);
  const provider = new errors.ProviderError("could not reach http://127.0.0.1:1", {
    cause: root,
  });
  const error = new errors.RefreshFailedError(provider);
  assert.equal(reportError(error, 0).split("\n").length, 1);
  const lines = reportError(error, 1).split("\n");
  assert.equal(lines[0], reportError(error, 0));
  assert.equal(
    lines[1],
    "  caused by: ProviderError [ERR_PROVIDER]: could not reach http://127.0.0.1:1",
  );
  assert.equal(
    lines[2],
    "  caused by: TypeError: error sending request: connection refused; after [token]",
  );
  assert.equal(lines.length, 3);

  const looped = new errors.KubeloginError("outer");
  const inner = new errors.KubeloginError("inner", { cause: looped });
  Object.defineProperty(looped, "cause", { value: inner });
  assert.equal(reportError(looped, 1).split("\n").length, 2, "a cycle is printed once");
});

Deno.test("the plugin prints the cause chain at -v1 only", async () => {
  await using sandbox = await PluginSandbox.create();
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("no", { status: 404 }),
  );
  const args = [
    "get-token",
    `--oidc-issuer-url=http://127.0.0.1:${server.addr.port}`,
    "--oidc-client-id=kubernetes",
    "--token-cache-storage=none",
  ];
  const quiet = await sandbox.run(args);
  assert.equal(quiet.code, 1);
  assert.match(quiet.stderr, /^error: discovery \(GET /m);
  assert.doesNotMatch(quiet.stderr, /caused by:/);
  const verbose = await sandbox.run([...args, "-v1"]);
  assert.equal(verbose.code, 1);
  assert.match(
    verbose.stderr,
    /^error: discovery \(GET .*\n {2}caused by: ProviderError \[ERR_PROVIDER\]: /m,
  );
});
