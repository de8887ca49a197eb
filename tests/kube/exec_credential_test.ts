import assert from "node:assert/strict";
import {
  buildExecCredential,
  EXEC_API_V1,
  EXEC_API_V1BETA1,
  parseExecInfo,
} from "../../lib/kube/exec_credential.ts";
import { UsageError } from "../../lib/errors.ts";

Deno.test("KUBERNETES_EXEC_INFO selects the answer's apiVersion", () => {
  assert.deepEqual(parseExecInfo(undefined), { apiVersion: EXEC_API_V1 });
  assert.deepEqual(
    parseExecInfo(JSON.stringify({
      kind: "ExecCredential",
      apiVersion: EXEC_API_V1BETA1,
      spec: { interactive: false },
    })),
    { apiVersion: EXEC_API_V1BETA1, interactive: false },
  );
  assert.throws(() => parseExecInfo("{"), UsageError);
  assert.throws(
    () => parseExecInfo(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1alpha1" })),
    /unsupported ExecCredential apiVersion/,
  );
});

Deno.test("the credential carries the token and an RFC 3339 expiry in whole seconds", () => {
  const credential = buildExecCredential({ apiVersion: EXEC_API_V1 }, "tok", 1_700_000_000_999);
  assert.deepEqual(credential, {
    kind: "ExecCredential",
    apiVersion: EXEC_API_V1,
    spec: {},
    status: { token: "tok", expirationTimestamp: "2023-11-14T22:13:20Z" },
  });
});
