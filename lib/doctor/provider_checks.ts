/**
 * `doctor`'s provider checks: discovery over TLS with the exact issuer, the JWKS and its keys,
 * this machine's clock against the provider's `Date` header, and what the grant needs from the
 * provider. Each names the URL it tried.
 *
 * @module
 */

import { discover, DISCOVERY_PATH, type ProviderMetadata } from "../oidc/discovery.ts";
import { ProviderHttp } from "../oidc/http.ts";
import { readJsonObject } from "../oidc/json.ts";
import type { ProviderOptions } from "../oidc/provider.ts";
import { ASYMMETRIC_ALGORITHMS, CLOCK_TOLERANCE_SECONDS } from "../oidc/verify.ts";
import type { GrantType } from "../login_options.ts";
import { errorMessage } from "../errors.ts";
import { type CheckResult, fail, pass } from "./check.ts";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** The key type each family of signing algorithms needs. */
function keyTypeOf(alg: string): string {
  if (alg.startsWith("RS") || alg.startsWith("PS")) return "RSA";
  if (alg.startsWith("ES")) return "EC";
  return "OKP";
}

/** Runs the provider checks; later checks are skipped when discovery fails. */
export async function checkProvider(
  provider: ProviderOptions,
  grantType: GrantType,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const discoveryUrl = `${provider.issuerUrl.replace(/\/+$/, "")}${DISCOVERY_PATH}`;
  const url = URL.parse(provider.issuerUrl);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    return [
      fail(
        "discovery",
        `\`provider.issuerUrl\` ${provider.issuerUrl} is not an http(s) URL`,
        "pass the issuer URL exactly as the provider's discovery document names it",
      ),
    ];
  }
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
    return [
      fail(
        "discovery",
        `${provider.issuerUrl} is plain http on a host that is not loopback`,
        "use the provider's https:// issuer URL; plain http is only for 127.0.0.1, [::1] and localhost",
      ),
    ];
  }
  let http: ProviderHttp;
  try {
    http = await ProviderHttp.create({
      tls: provider.tls,
      requestHeaders: provider.requestHeaders,
    });
  } catch (error) {
    return [
      fail(
        "discovery",
        errorMessage(error),
        "fix the TLS settings (`provider.tls.certificateAuthorities`, " +
          "`provider.tls.certificateAuthorityData`)",
      ),
    ];
  }
  using _http = http;
  let metadata: ProviderMetadata;
  try {
    metadata = await discover(http, provider.issuerUrl);
    results.push(
      pass("discovery", `${discoveryUrl} answered and names the issuer ${metadata.issuer} exactly`),
    );
  } catch (error) {
    results.push(
      fail(
        "discovery",
        `GET ${discoveryUrl}: ${errorMessage(error)}`,
        "check `provider.issuerUrl` (it must equal the provider's issuer exactly), the network and " +
          "proxy, and for a private CA `provider.tls.certificateAuthorities`",
      ),
    );
    return results;
  }
  results.push(await checkJwks(http, metadata));
  results.push(await checkClock(http, discoveryUrl));
  results.push(...checkGrant(metadata, provider, grantType));
  return results;
}

async function checkJwks(http: ProviderHttp, metadata: ProviderMetadata): Promise<CheckResult> {
  const algorithms = metadata.idTokenSigningAlgValuesSupported.filter((alg) =>
    ASYMMETRIC_ALGORITHMS.has(alg)
  );
  if (algorithms.length === 0) {
    return fail(
      "jwks",
      `the provider signs ID tokens only with ${
        metadata.idTokenSigningAlgValuesSupported.join(", ") || "nothing"
      }, none of them asymmetric`,
      "configure the provider to sign ID tokens with RS256 or ES256",
    );
  }
  try {
    const response = await http.fetch(new URL(metadata.jwksUri), {
      headers: { accept: "application/json" },
    });
    const jwks = await readJsonObject(response, "JWKS request");
    const keys = Array.isArray(jwks.keys) ? jwks.keys as Record<string, unknown>[] : [];
    const usable = keys.filter((key) =>
      key.use !== "enc" &&
      (typeof key.alg === "string"
        ? algorithms.includes(key.alg)
        : algorithms.some((alg) => keyTypeOf(alg) === key.kty))
    );
    if (usable.length === 0) {
      return fail(
        "jwks",
        `${metadata.jwksUri} has ${keys.length} keys, none for ${algorithms.join(", ")}`,
        "publish the ID token signing key in the provider's JWKS",
      );
    }
    return pass(
      "jwks",
      `${metadata.jwksUri} has ${usable.length} usable signing keys for ${algorithms.join(", ")}`,
    );
  } catch (error) {
    return fail(
      "jwks",
      `GET ${metadata.jwksUri}: ${errorMessage(error)}`,
      "make the provider's jwks_uri reachable from this machine",
    );
  }
}

/**
 * Compares this machine's clock with the provider's `Date` header, taken at the middle of the
 * request. The header has one-second resolution, so only skews past the verifier's tolerance
 * count.
 */
async function checkClock(http: ProviderHttp, url: string): Promise<CheckResult> {
  try {
    const before = Date.now();
    const response = await http.fetch(new URL(url), { headers: { accept: "application/json" } });
    const after = Date.now();
    await response.body?.cancel();
    const date = Date.parse(response.headers.get("date") ?? "");
    if (Number.isNaN(date)) {
      return {
        name: "clock",
        status: "skip",
        detail: `${url} sent no Date header to compare with`,
      };
    }
    const skewSeconds = Math.round(((before + after) / 2 - date) / 1000);
    const text = `${Math.abs(skewSeconds)} s ${skewSeconds >= 0 ? "ahead of" : "behind"}`;
    if (Math.abs(skewSeconds) > CLOCK_TOLERANCE_SECONDS) {
      return fail(
        "clock",
        `this machine's clock is ${text} the provider's (Date header of ${url})`,
        "synchronise the clock (for example timedatectl set-ntp true); tokens would look expired or not yet valid",
      );
    }
    return pass(
      "clock",
      `this machine's clock is ${text} the provider's, within ${CLOCK_TOLERANCE_SECONDS} s`,
    );
  } catch (error) {
    return fail(
      "clock",
      `GET ${url}: ${errorMessage(error)}`,
      "make the provider reachable from this machine",
    );
  }
}

function checkGrant(
  metadata: ProviderMetadata,
  provider: ProviderOptions,
  grantType: GrantType,
): CheckResult[] {
  const results: CheckResult[] = [];
  const name = `grant ${grantType}`;
  const s256 = metadata.codeChallengeMethodsSupported.includes("S256");
  if (grantType === "authcode" || grantType === "authcode-keyboard") {
    if (provider.pkceMethod === "S256" && !s256) {
      results.push(
        fail(
          name,
          "PKCE S256 is forced but the provider does not advertise it (code_challenge_methods_supported)",
          'drop `provider.pkceMethod: "S256"`, or enable PKCE at the provider',
        ),
      );
    } else {
      results.push(
        pass(
          name,
          s256
            ? "the provider supports PKCE S256"
            : "the provider advertises no PKCE; the code is exchanged without it",
        ),
      );
    }
  } else if (grantType === "device-code") {
    results.push(
      metadata.deviceAuthorizationEndpoint
        ? pass(name, `device authorization endpoint ${metadata.deviceAuthorizationEndpoint}`)
        : fail(
          name,
          "the provider advertises no device_authorization_endpoint",
          "use another `login.grantType`, or enable the device flow at the provider",
        ),
    );
  } else {
    results.push(pass(name, `token endpoint ${metadata.tokenEndpoint}`));
  }
  results.push(
    metadata.revocationEndpoint
      ? pass("revocation", `logout revokes tokens at ${metadata.revocationEndpoint}`)
      : {
        name: "revocation",
        status: "info",
        detail: "the provider advertises no revocation_endpoint: logout deletes tokens here only",
      },
  );
  return results;
}
