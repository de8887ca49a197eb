/**
 * Client authentication at the token endpoint with a secret holding `+ / = : %`, through the
 * plugin as a process against the test provider: Basic with RFC 6749's form-encoding where the
 * client is registered for it, and one retry with the secret in the body when Basic gets
 * `invalid_client` and the provider also lists `client_secret_post` (LemonLDAP::NG does not
 * form-decode Basic credentials, so it refuses such a secret in Basic).
 */

import assert from "node:assert/strict";
import { clientAuthMethod } from "../../lib/oidc/token_endpoint.ts";
import type { ProviderMetadata } from "../../lib/oidc/discovery.ts";
import { type IdpRequest, REDACTED, startTestIdp } from "../support/idp.ts";
import {
  BASIC_CLIENT_ID,
  POST_CLIENT_ID,
  SECRET_CLIENTS_OPTIONS,
  SPECIAL_SECRET,
} from "../support/idp/secret_clients.ts";
import { PluginSandbox } from "../support/plugin.ts";
import { expireEntry, getTokenArgs, runWithLogin, tokenOf } from "../support/login.ts";

/** How a token request authenticated the client, as the provider saw it. */
function methodOf(request: IdpRequest): string {
  if (request.headers.authorization === REDACTED) return "basic";
  return request.params.client_secret === REDACTED ? "post" : "none";
}

/** `[grant, method, status]` of every token request. */
function tokenRequests(requests: IdpRequest[]): [string | undefined, string, number][] {
  return requests.map((r) => [r.grantType, methodOf(r), r.status]);
}

function argsFor(issuer: string, clientId: string): string[] {
  return getTokenArgs({ issuer } as never, "-v1").map((arg) =>
    arg.startsWith("--oidc-client-id=") ? `--oidc-client-id=${clientId}` : arg
  );
}

const withSecret = { env: { OIDC_CLIENT_SECRET: SPECIAL_SECRET } };

/** Logs in as `clientId` with the special secret, then refreshes; returns the token requests. */
async function loginThenRefresh(clientId: string): Promise<ReturnType<typeof tokenRequests>> {
  await using idp = await startTestIdp(SECRET_CLIENTS_OPTIONS);
  await using sandbox = await PluginSandbox.create();
  const args = argsFor(idp.issuer, clientId);
  tokenOf(await runWithLogin(sandbox, args, withSecret));
  await expireEntry(sandbox, args);
  tokenOf(await sandbox.run(args, withSecret));
  return tokenRequests(idp.requestsTo("/token"));
}

Deno.test("a secret with + / = : % works for a client registered for client_secret_basic", async () => {
  assert.deepEqual(await loginThenRefresh(BASIC_CLIENT_ID), [
    ["authorization_code", "basic", 200],
    ["refresh_token", "basic", 200],
  ]);
});

Deno.test("Basic refused with invalid_client is retried once with client_secret_post", async () => {
  assert.deepEqual(await loginThenRefresh(POST_CLIENT_ID), [
    ["authorization_code", "basic", 401],
    ["authorization_code", "post", 200],
    ["refresh_token", "basic", 401],
    ["refresh_token", "post", 200],
  ]);
});

Deno.test("a wrong secret fails once per method with the provider's invalid_client", async () => {
  await using idp = await startTestIdp(SECRET_CLIENTS_OPTIONS);
  await using sandbox = await PluginSandbox.create();
  const args = argsFor(idp.issuer, POST_CLIENT_ID);
  const result = await runWithLogin(sandbox, args, {
    env: { OIDC_CLIENT_SECRET: `${SPECIAL_SECRET}-wrong` },
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: .*invalid_client/m);
  assert.doesNotMatch(result.stderr, /s3cr/, "the secret must not be printed");
  assert.deepEqual(tokenRequests(idp.requestsTo("/token")), [
    ["authorization_code", "basic", 401],
    ["authorization_code", "post", 401],
  ]);
});

Deno.test("the first method comes from token_endpoint_auth_methods_supported", () => {
  const metadata = (methods: string[]) =>
    ({ tokenEndpointAuthMethodsSupported: methods }) as unknown as ProviderMetadata;
  assert.equal(clientAuthMethod(metadata(["client_secret_post"])), "client_secret_post");
  assert.equal(
    clientAuthMethod(metadata(["client_secret_post", "client_secret_basic"])),
    "client_secret_basic",
  );
  assert.equal(clientAuthMethod(metadata(["private_key_jwt"])), "client_secret_basic");
});
