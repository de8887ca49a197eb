import assert from "node:assert/strict";
import { METADATA_FILE_PREFIX, metadataDocumentStore } from "../../lib/cache/token_store.ts";
import { startTestIdp } from "../support/idp.ts";
import { getTokenArgs, runWithLogin, tokenOf } from "../support/login.ts";
import { PluginSandbox } from "../support/plugin.ts";

const CLUSTER_A = ["--oidc-issuer-url=https://a.example", "--oidc-client-id=kube"];
const CLUSTER_B = ["--oidc-issuer-url=https://b.example", "--oidc-client-id=kube"];
const CLUSTER_A_OTHER_CLIENT = ["--oidc-issuer-url=https://a.example", "--oidc-client-id=other"];
const TOKEN = { token: "a.b.c", expiresAt: Date.now() + 3_600_000, refreshToken: "r" };

/** `clean` runs without a D-Bus session: the keyring part must fail softly. */
const NO_KEYRING = { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" };

function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}

Deno.test("clean with keyring storage deletes the cache and reports the keyring", async () => {
  await using sandbox = await PluginSandbox.create();
  await sandbox.seedEntry(CLUSTER_A, TOKEN);
  await Deno.writeTextFile(`${sandbox.cacheDir}/${"0".repeat(64)}.lock`, "1\n");
  assert.ok(await exists(sandbox.dataKeyFile));
  const permissions = [...sandbox.permissions, "--allow-ffi"];
  for (let run = 0; run < 2; run++) {
    const result = await sandbox.run(["clean", "--token-cache-storage=keyring"], {
      permissions,
      env: { ...NO_KEYRING, KUBECACHEDIR: `${sandbox.root}/kube-cache` },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`^Deleted the token cache at ${sandbox.cacheDir}$`, "m"),
    );
    assert.match(result.stderr, /^Could not delete the token cache from the keyring: .+$/m);
    assert.equal(await exists(sandbox.cacheDir), false);
    assert.equal(await exists(sandbox.dataKeyFile), false);
  }
});

Deno.test("clean without --allow-ffi cleans the disk and leaves the keyring alone", async () => {
  await using sandbox = await PluginSandbox.create();
  await sandbox.seedEntry(CLUSTER_A, TOKEN);
  const result = await sandbox.run(["clean"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, `Deleted the token cache at ${sandbox.cacheDir}`);
  assert.equal(await exists(sandbox.cacheDir), false);
  assert.equal(await exists(sandbox.dataKeyFile), false);

  const verbose = await sandbox.run(["clean", "-v1"]);
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.match(verbose.stderr, /skipped the keyring: without --allow-ffi/);
});

Deno.test("clean with an issuer and client deletes only that login", async () => {
  await using sandbox = await PluginSandbox.create();
  const a = await sandbox.seedEntry(CLUSTER_A, TOKEN);
  const b = await sandbox.seedEntry(CLUSTER_B, TOKEN);
  const aOther = await sandbox.seedEntry(CLUSTER_A_OTHER_CLIENT, TOKEN);
  await Deno.writeTextFile(`${sandbox.cacheDir}/${a}.lock`, "1\n");

  const one = await sandbox.run(["clean", ...CLUSTER_A]);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stderr, /Deleted 1 token cache entries of https:\/\/a\.example \(client kube\)/);
  assert.deepEqual(await sandbox.cacheEntries(), [b, aOther].sort());
  assert.equal(await exists(`${sandbox.cacheDir}/${a}.lock`), false);
  assert.ok(await exists(sandbox.dataKeyFile), "the data key must stay for the other entries");
  assert.equal((await sandbox.diskCache().read(b)).hit, true);

  const issuerOnly = await sandbox.run(["clean", "--oidc-issuer-url=https://a.example"]);
  assert.equal(issuerOnly.code, 0, issuerOnly.stderr);
  assert.match(issuerOnly.stderr, /Deleted 1 token cache entries of https:\/\/a\.example at/);
  assert.deepEqual(await sandbox.cacheEntries(), [b]);
});

Deno.test("clean refuses a client id without an issuer", async () => {
  await using sandbox = await PluginSandbox.create();
  const result = await sandbox.run(["clean", "--oidc-client-id=kube"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: --oidc-client-id needs --oidc-issuer-url in clean$/m);
});

Deno.test("clean with disk storage says nothing of a keyring it never used", async () => {
  await using sandbox = await PluginSandbox.create();
  const permissions = [...sandbox.permissions, "--allow-ffi"];
  for (const args of [["clean"], ["clean", "--token-cache-storage=disk"]]) {
    await sandbox.seedEntry(CLUSTER_A, TOKEN);
    const result = await sandbox.run(args, { permissions, env: NO_KEYRING });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.trimEnd(), `Deleted the token cache at ${sandbox.cacheDir}`);
    assert.equal(await exists(sandbox.cacheDir), false);
  }
  const verbose = await sandbox.run(["clean", "--token-cache-storage=disk", "-v1"], {
    permissions,
    env: NO_KEYRING,
  });
  assert.match(verbose.stderr, /skipped the keyring: --token-cache-storage=disk/);
});

Deno.test("clean that deletes nothing points at a near issuer", async () => {
  await using sandbox = await PluginSandbox.create();
  await sandbox.seedEntry(CLUSTER_A, TOKEN);
  const result = await sandbox.run(["clean", "--oidc-issuer-url=https://a.example/"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^Deleted 0 token cache entries of https:\/\/a\.example\/ at /m);
  assert.match(
    result.stderr,
    /^The cache has entries of https:\/\/a\.example, which differs from https:\/\/a\.example\/ only in case or a trailing slash/m,
  );
  assert.equal((await sandbox.cacheEntries()).length, 1);
});

/** The metadata files in the sandbox's cache directory, sorted. */
async function metadataFiles(sandbox: PluginSandbox): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(sandbox.cacheDir)) {
    if (entry.name.startsWith(METADATA_FILE_PREFIX)) names.push(entry.name);
  }
  return names.sort();
}

Deno.test("clean with an issuer also deletes that issuer's cached metadata", async () => {
  await using idp = await startTestIdp();
  await using sandbox = await PluginSandbox.create();
  // The provider's discovery document and JWKS, cached by a real login.
  tokenOf(await runWithLogin(sandbox, getTokenArgs(idp)));
  const loggedIn = await metadataFiles(sandbox);
  assert.equal(loggedIn.length, 2, "discovery and JWKS are cached");
  // Another issuer's entry and metadata document, which must stay.
  const b = await sandbox.seedEntry(CLUSTER_B, TOKEN);
  const bScope = {
    issuerUrl: "https://b.example",
    requestHeaders: {},
    certificateAuthorities: [],
    certificateAuthorityData: [],
  };
  const bDiscovery = "https://b.example/.well-known/openid-configuration";
  await metadataDocumentStore(sandbox.diskCache(), bScope).write(bDiscovery, "b's discovery");
  const bFiles = (await metadataFiles(sandbox)).filter((name) => !loggedIn.includes(name));
  assert.equal(bFiles.length, 1);

  const result = await sandbox.run(["clean", `--oidc-issuer-url=${idp.issuer}`, "-v1"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^Deleted 1 token cache entries of .+ at /m);
  assert.deepEqual(await metadataFiles(sandbox), bFiles, "only the other issuer's metadata stays");
  assert.match(result.stderr, /^debug: deleted 2 cached metadata documents of /m);
  assert.deepEqual(await sandbox.cacheEntries(), [b]);
  assert.equal((await sandbox.diskCache().read(b)).hit, true);
  assert.equal(
    await metadataDocumentStore(sandbox.diskCache(), bScope).read(bDiscovery),
    "b's discovery",
  );
});
