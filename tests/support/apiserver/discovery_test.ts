import assert from "node:assert/strict";
import { startApiServer } from "./server.ts";
import { call, options, startIssuer } from "./fixtures.ts";

Deno.test("apiserver discovery: /version and the resource list, open to any authenticated user", async () => {
  await using issuer = await startIssuer();
  await using apiserver = await startApiServer(options(issuer));
  const token = await issuer.sign();
  const version = await call(apiserver, "/version", token);
  assert.equal(version.status, 200);
  assert.equal(version.body.gitVersion, "v1.32.0");

  const v1 = await call(apiserver, "/api/v1", token);
  assert.equal(v1.status, 200);
  assert.deepEqual(
    (v1.body.resources as { name: string }[]).map((resource) => resource.name),
    ["namespaces", "pods", "services"],
  );
  assert.equal(apiserver.decisions.at(-1)?.outcome, "authenticated");
  assert.equal((await call(apiserver, "/version")).status, 401);
});
