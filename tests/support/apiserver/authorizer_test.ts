import assert from "node:assert/strict";
import { startApiServer } from "./server.ts";
import { call, options, PODS, startIssuer } from "./fixtures.ts";

Deno.test("apiserver authorizer: 403 without a binding, reads for a bound group or user", async () => {
  await using issuer = await startIssuer();
  await using apiserver = await startApiServer(options(issuer, { usernamePrefix: "-" }));
  const token = await issuer.sign();
  const forbidden = await call(apiserver, PODS, token);
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.reason, "Forbidden");
  assert.equal(
    forbidden.body.message,
    'pods is forbidden: User "alice" cannot list resource "pods" in API group "" ' +
      'in the namespace "default"',
  );
  assert.equal(apiserver.decisions.at(-1)?.outcome, "forbidden");
  const all = await call(apiserver, "/api/v1/pods", token);
  assert.match(String(all.body.message), /cannot list resource "pods" .* at the cluster scope$/);

  apiserver.setBindings([{ group: "developers" }]);
  const pods = await call(apiserver, PODS, token);
  assert.equal(pods.status, 200);
  assert.equal(apiserver.decisions.at(-1)?.outcome, "allowed");
  assert.equal(apiserver.decisions.at(-1)?.reason, "bound to group developers");
  // Bindings grant reading only.
  const create = await call(apiserver, PODS, token, { method: "POST" });
  assert.equal(create.status, 403);
  assert.match(String(create.body.message), /cannot create resource "pods"/);

  apiserver.setBindings([{ user: "bob" }]);
  assert.equal((await call(apiserver, PODS, token)).status, 403);
  assert.equal((await call(apiserver, PODS, await issuer.sign({ sub: "bob" }))).status, 200);
  assert.equal(apiserver.decisions.at(-1)?.reason, "bound to user bob");
  assert.equal(
    (await call(apiserver, "/api/v1/namespaces/default/pods/nope", token)).status,
    403,
  );
});
