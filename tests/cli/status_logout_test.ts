/**
 * `status` and `logout` end to end: the plugin as a process, logins at the test provider, and
 * what the two commands print and do to the cache and at the provider.
 */

import assert from "node:assert/strict";
import { ALICE, startTestIdp } from "../support/idp.ts";
import { withRevocation } from "../support/idp/extensions.ts";
import { getTokenArgs, runWithLogin, tokenOf } from "../support/login.ts";
import { PluginSandbox } from "../support/plugin.ts";

/** Every secret an entry holds, for scanning output. */
async function secretsOf(sandbox: PluginSandbox, args: string[]): Promise<string[]> {
  const read = await sandbox.diskCache().read(await sandbox.keyIdFor(args.slice(1)));
  assert.ok(read.hit);
  return [read.tokenSet.token, read.tokenSet.refreshToken!, ...read.tokenSet.token.split(".")];
}

function assertNoSecret(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `output holds token material:\n${text}`);
  }
}

Deno.test("status lists cached identities without token material, as text and JSON", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp, "--oidc-extra-scope=email");
  tokenOf(await runWithLogin(sandbox, args));
  const secrets = await secretsOf(sandbox, args);
  // A file that shares the directory but is not an entry (another feature's metadata).
  await Deno.writeTextFile(`${sandbox.cacheDir}/${"a".repeat(64)}`, '{"issuer":"x"}');
  await Deno.writeTextFile(`${sandbox.cacheDir}/metadata.json`, "{}");
  idp.clearRequests();

  const text = await sandbox.run(["status"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^${idp.issuer} \\(client kubelogin-test\\)$`, "m"));
  assert.match(text.stdout, /^ {2}subject: +alice <alice@example\.com>$/m);
  assert.match(
    text.stdout,
    /^ {2}expires: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (59m|60m|1h)\)$/m,
  );
  assert.match(text.stdout, /^ {2}refresh token: held$/m);
  assert.match(
    text.stdout,
    new RegExp(`^ {2}storage: +disk, ${sandbox.cacheDir}/[0-9a-f]{64}$`, "m"),
  );
  assert.equal(text.stdout.match(/subject:/g)?.length, 1, "only the entry is listed");
  assertNoSecret(text.stdout + text.stderr, secrets);

  const json = await sandbox.run(["status", "--output=json", ...args.slice(1)]);
  assert.equal(json.code, 0, json.stderr);
  assertNoSecret(json.stdout + json.stderr, secrets);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.entries.length, 1);
  assert.deepEqual(
    { ...doc.entries[0], expiresAt: undefined, path: undefined },
    {
      issuer: idp.issuer,
      clientId: "kubelogin-test",
      subject: ALICE.username,
      email: ALICE.email,
      expiresAt: undefined,
      expired: false,
      refreshToken: true,
      storage: "disk",
      path: undefined,
    },
  );
  assert.ok(Date.parse(doc.entries[0].expiresAt) > Date.now());
  assert.equal(idp.requests.length, 0, "status must not talk to the provider");

  const other = await sandbox.run(["status", "-o", "json", ...getTokenArgs(idp).slice(1)]);
  assert.equal(other.code, 0, other.stderr);
  assert.deepEqual(JSON.parse(other.stdout).entries, [], "other flags, another entry");
});

Deno.test("status on an empty cache says so", async () => {
  await using sandbox = await PluginSandbox.create();
  const result = await sandbox.run(["status"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `No cached token in ${sandbox.cacheDir}\n`);
});

Deno.test("logout revokes the refresh token, deletes the entry, and the next get-token logs in", async () => {
  await using idp = await startTestIdp(withRevocation());
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp);
  tokenOf(await runWithLogin(sandbox, args));
  const keyId = await sandbox.keyIdFor(args.slice(1));
  const read = await sandbox.diskCache().read(keyId);
  assert.ok(read.hit && read.tokenSet.refreshToken);
  idp.clearRequests();

  const logout = await sandbox.run(["logout", ...args.slice(1)]);
  assert.equal(logout.code, 0, logout.stderr);
  const revocations = idp.requestsTo("/token/revocation");
  assert.equal(revocations.length, 1, logout.stderr);
  assert.equal(revocations[0].status, 200);
  assert.equal(revocations[0].params.token_type_hint, "refresh_token");
  assert.match(
    logout.stderr,
    new RegExp(`^Revoked the refresh token at ${idp.issuer}/token/revocation$`, "m"),
  );
  assert.match(logout.stderr, /^Deleted the cached token of alice at /m);
  assert.deepEqual(await sandbox.cacheEntries(), []);

  // The provider no longer honours the refresh token.
  const refresh = await fetch(`${idp.issuer}/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: read.tokenSet.refreshToken,
      client_id: "kubelogin-test",
    }),
  });
  assert.equal((await refresh.json()).error, "invalid_grant");

  const again = await runWithLogin(sandbox, args);
  tokenOf(again);
  assert.match(again.stderr, /^Open \S+ for authentication$/m);
});

Deno.test("logout without a revocation endpoint, or with the provider down, still deletes", async () => {
  await using sandbox = await PluginSandbox.create();
  let issuer: string;
  {
    await using idp = await startTestIdp();
    issuer = idp.issuer;
    tokenOf(await runWithLogin(sandbox, getTokenArgs(idp)));
    tokenOf(await runWithLogin(sandbox, getTokenArgs(idp, "--oidc-extra-scope=email")));
    assert.equal((await sandbox.cacheEntries()).length, 2);
    const one = await sandbox.run(["logout", ...getTokenArgs(idp).slice(1)]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(
      one.stderr,
      new RegExp(
        `^${issuer} advertises no revocation_endpoint: the tokens stay valid at the provider until they expire$`,
        "m",
      ),
    );
    assert.equal((await sandbox.cacheEntries()).length, 1);
  }
  // The provider is gone now: logout of everything still empties the cache.
  const all = await sandbox.run(["logout"]);
  assert.equal(all.code, 0, all.stderr);
  assert.match(
    all.stderr,
    new RegExp(
      `^Could not revoke at ${issuer}: could not reach .*; the tokens stay valid at the provider until they expire$`,
      "m",
    ),
  );
  assert.deepEqual(await sandbox.cacheEntries(), []);
});

Deno.test("logout with --oidc-use-access-token revokes the access token too", async () => {
  await using idp = await startTestIdp(withRevocation());
  await using sandbox = await PluginSandbox.create();
  const args = getTokenArgs(idp, "--oidc-use-access-token");
  const accessToken = tokenOf(await runWithLogin(sandbox, args));
  idp.clearRequests();
  const logout = await sandbox.run(["logout"]);
  assert.equal(logout.code, 0, logout.stderr);
  assert.deepEqual(
    idp.requestsTo("/token/revocation").map((
      request,
    ) => [request.params.token_type_hint, request.status]),
    [["refresh_token", 200], ["access_token", 200]],
  );
  assert.match(logout.stderr, /^Revoked the refresh token and the access token at /m);
  assert.doesNotMatch(logout.stderr, /ID token cannot be revoked/);
  assert.ok(!logout.stderr.includes(accessToken));
  // The provider no longer accepts the access token.
  const userinfo = await fetch(`${idp.issuer}/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await userinfo.body?.cancel();
  assert.equal(userinfo.status, 401);
});

Deno.test("status reports an entry no key opens, and logout leaves it", async () => {
  await using sandbox = await PluginSandbox.create();
  const keyId = await sandbox.seedEntry([
    "--oidc-issuer-url=https://a.example",
    "--oidc-client-id=kube",
  ], {
    token: "a.b.c",
    expiresAt: Date.now() + 60_000,
  });
  const foreign = `${sandbox.cacheDir}/${"b".repeat(64)}`;
  const sealed = new Uint8Array(64);
  sealed.set(new TextEncoder().encode("TKL1"));
  await Deno.writeFile(foreign, sealed);

  const status = await sandbox.run(["status", "-o", "json"]);
  assert.equal(status.code, 0, status.stderr);
  const doc = JSON.parse(status.stdout);
  assert.deepEqual(doc.entries.map((entry: { issuer: string }) => entry.issuer), [
    "https://a.example",
  ]);
  assert.equal(doc.unreadable.length, 1);
  assert.equal(doc.unreadable[0].path, foreign);
  assert.match(doc.unreadable[0].reason, /^disk: undecryptable .*the keyring was not tried/);

  // The sandbox's --allow-net covers only loopback: logout stops at the missing grant with one
  // line, before it revokes or deletes anything.
  const denied = await sandbox.run(["logout"]);
  assert.equal(denied.code, 1);
  assert.match(
    denied.stderr,
    /^error: permission denied: .*; run with --allow-net=a\.example:443$/,
  );
  assert.deepEqual(await sandbox.cacheEntries(), [keyId, "b".repeat(64)].sort());

  // A provider that cannot be reached: the entry is deleted all the same; the foreign one is left.
  await Deno.remove(`${sandbox.cacheDir}/${keyId}`);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  listener.close();
  await sandbox.seedEntry([`--oidc-issuer-url=${closed}`, "--oidc-client-id=kube"], {
    token: "a.b.c",
    expiresAt: Date.now() + 60_000,
  });
  const logout = await sandbox.run(["logout"]);
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stderr, new RegExp(`^Could not revoke at ${closed}: `, "m"));
  assert.match(logout.stderr, new RegExp(`^Left ${foreign}: no available key decrypts it`, "m"));
  assert.deepEqual(await sandbox.cacheEntries(), ["b".repeat(64)]);
});
