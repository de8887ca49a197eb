/**
 * Issue 10, item 9: ID token claims (OpenID Connect Core 3.1.3.7) from a provider that signs
 * whatever it likes with a key it publishes, through the password grant; and a cache entry whose
 * expiry cannot be used.
 */

import assert from "node:assert/strict";
import { PUBLIC_CLIENT_ID } from "../support/idp.ts";
import { startHostileIdp, tokenResponse } from "../support/hostile_idp.ts";
import { parseExecCredential, PluginSandbox } from "../support/plugin.ts";
import type { JWTPayload } from "jose";

function args(issuer: string): string[] {
  return [
    "get-token",
    `--oidc-issuer-url=${issuer}`,
    `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
    "--grant-type=password",
    "--username=mallory",
    "--password=secret",
  ];
}

Deno.test("issue 10 item 9: ID tokens with bad iat, azp, aud or exp are refused and not cached", async (t) => {
  let claims: JWTPayload = {};
  await using hostile = await startHostileIdp({
    routes: {
      "/token": async () => tokenResponse(await hostile.signIdToken(claims)),
    },
  });
  await using sandbox = await PluginSandbox.create();
  const now = Math.floor(Date.now() / 1000);
  const cases: [string, JWTPayload, RegExp][] = [
    [
      "iat an hour in the future",
      { aud: PUBLIC_CLIENT_ID, iat: now + 3600 },
      /iat is in the future/,
    ],
    ["no iat", { aud: PUBLIC_CLIENT_ID, iat: undefined }, /no iat claim/],
    ["azp naming another client", { aud: PUBLIC_CLIENT_ID, azp: "other" }, /azp names another/],
    [
      "several audiences without azp",
      { aud: [PUBLIC_CLIENT_ID, "other"] },
      /several audiences but no azp/,
    ],
    ["an absurd exp (1e13)", { aud: PUBLIC_CLIENT_ID, exp: 1e13 }, /more than a year ahead/],
    [
      "expired 10 s ago, within the clock tolerance",
      { aud: PUBLIC_CLIENT_ID, exp: now - 10, iat: now - 3600 },
      /already expired/,
    ],
  ];
  for (const [name, payload, message] of cases) {
    await t.step(name, async () => {
      claims = payload;
      const result = await sandbox.run(args(hostile.issuer));
      assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
      assert.match(result.stderr, message);
      assert.deepEqual(await sandbox.cacheEntries(), []);
    });
  }
  await t.step(
    "a sound token (azp naming this client among several audiences) is accepted",
    async () => {
      claims = { aud: [PUBLIC_CLIENT_ID, "other"], azp: PUBLIC_CLIENT_ID };
      const result = await sandbox.run(args(hostile.issuer));
      assert.equal(result.code, 0, result.stderr);
      assert.ok(parseExecCredential(result.stdout).status.token);
    },
  );
});

Deno.test("issue 10 item 9: a cached entry with an unusable expiry is a miss, not a crash", async () => {
  await using hostile = await startHostileIdp({
    routes: {
      "/token": async () => tokenResponse(await hostile.signIdToken({ aud: PUBLIC_CLIENT_ID })),
    },
  });
  await using sandbox = await PluginSandbox.create();
  const flags = args(hostile.issuer).slice(1);
  await sandbox.seedEntry(flags, { token: "old", expiresAt: 1e16 });
  const result = await sandbox.run(args(hostile.issuer));
  assert.equal(result.code, 0, result.stderr);
  assert.notEqual(parseExecCredential(result.stdout).status.token, "old");
  assert.equal(hostile.requestsTo("/token").length, 1, "the unusable entry led to a login");
});
