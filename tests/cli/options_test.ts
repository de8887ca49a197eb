/**
 * From flags to the library's options: kubelogin's defaults, `auto`, and what the flags of older
 * kubelogin releases mean, through the same parser kubectl's command lines take.
 */

import assert from "node:assert/strict";
import { parseFlagsFast } from "../../cli/fast_args.ts";
import { GET_TOKEN_FLAGS } from "../../cli/flags.ts";
import { FlagReader, loginOptions, providerOptions, tokenCacheStorage } from "../../cli/options.ts";
import { UsageError } from "../../lib/errors.ts";

const REQUIRED = ["--oidc-issuer-url=https://issuer.example", "--oidc-client-id=kubernetes"];

/** The flags of a `get-token` command line (issuer and client added). */
function flagsOf(...args: string[]): FlagReader {
  const parsed = parseFlagsFast([...REQUIRED, ...args], GET_TOKEN_FLAGS);
  assert.ok(parsed, `not a valid command line: ${args.join(" ")}`);
  return new FlagReader(parsed);
}

Deno.test("kubelogin's defaults", () => {
  const flags = flagsOf();
  const login = loginOptions(flags);
  assert.equal(login.grantType, "authcode");
  assert.deepEqual(login.listenAddresses, ["127.0.0.1:8000", "127.0.0.1:18000"]);
  assert.equal(login.authenticationTimeoutSec, 180);
  assert.equal(login.skipOpenBrowser, false);
  assert.deepEqual(login.authRequestExtraParams, {});
  const provider = providerOptions(flags);
  assert.equal(provider.pkceMethod, "auto");
  assert.equal(provider.useAccessToken, false);
  assert.equal(provider.redirectUrl, undefined);
  assert.deepEqual(provider.extraScopes, []);
  assert.equal(tokenCacheStorage(flags), "disk");
});

Deno.test("grant type auto: password with --username, else authcode", () => {
  assert.equal(loginOptions(flagsOf("--username=alice")).grantType, "password");
  assert.equal(loginOptions(flagsOf("--username=")).grantType, "authcode");
  assert.equal(
    loginOptions(flagsOf("--username=alice", "--grant-type=device-code")).grantType,
    "device-code",
  );
});

Deno.test("--listen-port of older kubelogin binds 127.0.0.1 and wins over --listen-address", () => {
  const login = loginOptions(
    flagsOf("--listen-address=127.0.0.1:9999", "--listen-port=10080", "--listen-port=20080"),
  );
  assert.deepEqual(login.listenAddresses, ["127.0.0.1:10080", "127.0.0.1:20080"]);
  assert.throws(() => loginOptions(flagsOf("--listen-port=70000")), UsageError);
});

Deno.test("--oidc-redirect-url-authcode-keyboard of older kubelogin is --oidc-redirect-url", () => {
  const keyboard = "urn:ietf:wg:oauth:2.0:oob";
  assert.equal(
    providerOptions(flagsOf(`--oidc-redirect-url-authcode-keyboard=${keyboard}`)).redirectUrl,
    keyboard,
  );
  // Both given: the old spelling overrode, as it did in kubelogin.
  assert.equal(
    providerOptions(
      flagsOf(
        "--oidc-redirect-url=http://localhost:8000",
        `--oidc-redirect-url-authcode-keyboard=${keyboard}`,
      ),
    ).redirectUrl,
    keyboard,
  );
});

Deno.test("--oidc-redirect-url-hostname of older kubelogin reaches the login options", () => {
  assert.equal(
    loginOptions(flagsOf("--oidc-redirect-url-hostname=127.0.0.1")).redirectUrlHostname,
    "127.0.0.1",
  );
});

Deno.test("--force-keyring and --no-keyring of kubelogin builds before 1.32", () => {
  assert.equal(tokenCacheStorage(flagsOf("--force-keyring")), "keyring");
  assert.equal(tokenCacheStorage(flagsOf("--no-keyring")), "disk");
  assert.equal(tokenCacheStorage(flagsOf("--force-keyring", "--token-cache-storage=none")), "none");
});

Deno.test("--oidc-use-pkce forces S256 whatever --oidc-pkce-method says", () => {
  assert.equal(providerOptions(flagsOf("--oidc-use-pkce")).pkceMethod, "S256");
  assert.equal(
    providerOptions(flagsOf("--oidc-use-pkce", "--oidc-pkce-method=no")).pkceMethod,
    "S256",
  );
  assert.equal(providerOptions(flagsOf("--oidc-pkce-method=no")).pkceMethod, "no");
});

Deno.test("a timeout that is not positive is a usage error", () => {
  assert.throws(
    () => loginOptions(flagsOf("--authentication-timeout-sec=0")),
    (error: unknown) => error instanceof UsageError && /must be positive/.test(error.message),
  );
});
