/**
 * The error report: one line by default; from `-v1` up, the chain of causes under it, each by
 * class, code and message, and never a token.
 */

import assert from "node:assert/strict";
import { reportError } from "../../cli/errors.ts";
import {
  AuthenticationError,
  CacheError,
  CheckFailedError,
  DiscoveryError,
  InsecureCacheError,
  KubeloginError,
  NotInteractiveError,
  OidcError,
  PermissionError,
  ProviderError,
  RefreshFailedError,
  TokenVerificationError,
  UsageError,
} from "../../lib/errors.ts";
import { PluginSandbox } from "../support/plugin.ts";

Deno.test("every error class has a stable ERR_ code", () => {
  const provider = new ProviderError("down");
  const codes = [
    new KubeloginError("x"),
    new UsageError("x"),
    new OidcError("token request", "invalid_grant"),
    provider,
    new DiscoveryError("https://issuer.example/.well-known/openid-configuration", provider),
    new TokenVerificationError("x"),
    new AuthenticationError("x", { reason: "timeout" }),
    new CacheError("x"),
    new InsecureCacheError("x"),
    new PermissionError("read", "--allow-read"),
    new NotInteractiveError("x"),
    new CheckFailedError("x"),
    new RefreshFailedError(provider),
  ].map((error) => error.code);
  for (const code of codes) assert.match(code, /^ERR_[A-Z_]+$/);
  assert.equal(new Set(codes).size, codes.length, `codes repeat: ${codes.join(" ")}`);
});

Deno.test("-v0 prints one line; -v1 adds each cause, bounded, with tokens masked", () => {
  const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
  const root = new TypeError(`error sending request: connection refused\nafter ${jwt}`);
  const provider = new ProviderError("could not reach http://127.0.0.1:1", { cause: root });
  const error = new RefreshFailedError(provider);
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

  const looped = new KubeloginError("outer");
  const inner = new KubeloginError("inner", { cause: looped });
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
