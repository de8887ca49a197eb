/**
 * Issue 10, item 1: the mix-up attack (RFC 9207). A fake issuer publishes a discovery document
 * whose authorization endpoint is the honest provider's; the code and PKCE verifier must never
 * reach the fake issuer's token endpoint.
 */

import assert from "node:assert/strict";
import { ALICE, startTestIdp } from "../support/idp.ts";
import { pluginArgs, redirectBack, startHostileIdp } from "../support/hostile_idp.ts";
import { type PluginResult, PluginSandbox } from "../support/plugin.ts";
import { UserAgent } from "../support/user_agent.ts";

/** Runs `get-token` against `issuer` and signs in at the URL it prints, as Alice. */
async function loginAgainst(issuer: string): Promise<PluginResult> {
  await using sandbox = await PluginSandbox.create();
  const plugin = sandbox.start(pluginArgs(issuer));
  using agent = new UserAgent();
  await agent.login(await plugin.loginUrl(), ALICE);
  const result = await plugin.result();
  assert.equal(result.code, 1, result.stderr);
  return result;
}

Deno.test("issue 10 item 1: an iss naming another issuer stops the login before the token request", async () => {
  await using honest = await startTestIdp();
  const real = await (await fetch(`${honest.issuer}/.well-known/openid-configuration`)).json();
  await using fake = await startHostileIdp({
    // Everything the honest provider says, but the fake issuer and its own token endpoint.
    discovery: (base) => ({ ...real, issuer: base, token_endpoint: `${base}/token` }),
  });
  const result = await loginAgainst(fake.issuer);
  assert.match(result.stderr, /issuer .*RFC 9207/);
  assert.equal(
    fake.requestsTo("/token").length,
    0,
    "the code and verifier reached the fake issuer",
  );
  assert.equal(honest.requestsTo("/auth").length, 1, "the login did happen at the honest provider");
});

Deno.test("issue 10 item 1: a provider that promises iss must send it", async () => {
  await using fake = await startHostileIdp({
    discovery: () => ({
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ["S256"],
    }),
    routes: {
      // Answers at once with a code and no iss, as a provider mixed up with another would.
      "/auth": redirectBack({ code: "a-code" }),
    },
  });
  const result = await loginAgainst(fake.issuer);
  assert.match(result.stderr, /no iss parameter/);
  assert.equal(fake.requestsTo("/token").length, 0);
});
