import assert from "node:assert/strict";
import { resourceRequestOf } from "./resources.ts";
import { startApiServer } from "./server.ts";
import { call, options, PODS, startIssuer } from "./fixtures.ts";

Deno.test("apiserver resources: an allowed read answers a list or the Table kubectl prints", async () => {
  await using issuer = await startIssuer();
  await using apiserver = await startApiServer(
    options(issuer, { bindings: [{ group: "developers" }] }),
  );
  const token = await issuer.sign();
  const pods = await call(apiserver, PODS, token);
  assert.equal(pods.status, 200);
  assert.equal(pods.body.kind, "PodList");
  assert.equal((pods.body.items as unknown[]).length, 2);
  const table = await call(apiserver, PODS, token, {
    accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
  });
  assert.equal(table.body.kind, "Table");
  assert.equal((table.body.rows as unknown[]).length, 2);
});

Deno.test("apiserver resources: a request's verb, resource, namespace and name", () => {
  const of = (method: string, path: string) =>
    resourceRequestOf(method, new URL(`https://127.0.0.1${path}`));
  assert.deepEqual(of("GET", PODS), {
    verb: "list",
    resource: "pods",
    namespace: "default",
    name: undefined,
  });
  assert.equal(of("GET", `${PODS}/web`)?.verb, "get");
  assert.equal(of("GET", `${PODS}?watch=true`)?.verb, "watch");
  assert.equal(of("POST", PODS)?.verb, "create");
  assert.equal(of("DELETE", PODS)?.verb, "deletecollection");
  // `namespaces/NAME` names a namespace, not a namespaced list.
  assert.deepEqual(of("GET", "/api/v1/namespaces/default"), {
    verb: "get",
    resource: "namespaces",
    namespace: undefined,
    name: "default",
  });
  assert.equal(of("GET", "/api/v1/configmaps"), undefined);
});
