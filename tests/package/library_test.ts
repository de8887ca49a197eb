/**
 * The package as a library user meets it: imported by its JSR name (`@together/kubelogin`, which
 * deno.json maps to mod.ts), used against the test provider with a real token cache.
 */

import assert from "node:assert/strict";
import {
  buildExecCredential,
  DEFAULT_AUTHENTICATION_TIMEOUT_SEC,
  DEFAULT_LISTEN_ADDRESSES,
  EXEC_API_V1,
  getToken,
  type GetTokenOptions,
  KubeloginError,
  parseExecInfo,
  silentLogger,
  UsageError,
} from "@together/kubelogin";
import { MACHINE_CLIENT_ID, MACHINE_CLIENT_SECRET, startTestIdp } from "../support/idp.ts";

Deno.test("library: getToken logs in once, then answers from the cache", async () => {
  await using idp = await startTestIdp();
  const dir = await Deno.makeTempDir({ prefix: "kubelogin-library-" });
  try {
    const options: GetTokenOptions = {
      provider: {
        issuerUrl: idp.issuer,
        clientId: MACHINE_CLIENT_ID,
        clientSecret: MACHINE_CLIENT_SECRET,
        extraScopes: [],
        pkceMethod: "auto",
        // The test provider's client credentials grant answers with an access token only.
        useAccessToken: true,
        requestHeaders: {},
        tls: {
          certificateAuthorities: [],
          certificateAuthorityData: [],
          insecureSkipTlsVerify: false,
        },
      },
      login: {
        grantType: "client-credentials",
        listenAddresses: DEFAULT_LISTEN_ADDRESSES,
        skipOpenBrowser: true,
        authenticationTimeoutSec: DEFAULT_AUTHENTICATION_TIMEOUT_SEC,
        authRequestExtraParams: {},
      },
      cache: { storage: "disk", directory: `${dir}/cache`, dataKeyFile: `${dir}/key` },
      forceRefresh: false,
    };
    const first = await getToken(options, { logger: silentLogger });
    assert.equal(first.source, "login");
    assert.ok(first.tokenSet.expiresAt > Date.now());
    idp.clearRequests();
    const second = await getToken(options, { logger: silentLogger });
    assert.deepEqual([second.source, second.tokenSet.token], ["cache", first.tokenSet.token]);
    assert.deepEqual(idp.requests, []);

    const credential = buildExecCredential(
      parseExecInfo(undefined),
      second.tokenSet.token,
      second.tokenSet.expiresAt,
    );
    assert.equal(credential.apiVersion, EXEC_API_V1);
    assert.equal(credential.status.token, first.tokenSet.token);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("library: bad input is a typed error a caller can branch on", () => {
  assert.throws(() => parseExecInfo("{not json"), UsageError);
  assert.throws(() => parseExecInfo("{not json"), KubeloginError);
});
