/**
 * A provider whose client credentials answer is a signed JWT access token, for the client
 * credentials tests: the test provider's access tokens are opaque.
 *
 * @module
 */

import { type JWK, SignJWT } from "jose";
import { MACHINE_CLIENT_ID } from "./idp.ts";

/**
 * A provider whose client credentials answer is a JWT access token for an API (`aud` is not the
 * client), as Auth0, Okta and Azure AD issue: the test provider's tokens are opaque.
 */
export function startJwtAccessTokenProvider(
  signingKey: Parameters<SignJWT["sign"]>[0],
  verifyingJwk: JWK,
  withIdToken = false,
): AsyncDisposable & { issuer: string } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const issuer = url.origin;
    switch (url.pathname) {
      case "/.well-known/openid-configuration":
        return Response.json({
          issuer,
          authorization_endpoint: `${issuer}/auth`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          id_token_signing_alg_values_supported: ["RS256"],
        });
      case "/jwks":
        return Response.json({ keys: [{ ...verifyingJwk, kid: "k1", alg: "RS256" }] });
      case "/token": {
        await request.body?.cancel();
        const accessToken = await new SignJWT({ scope: "api" })
          .setProtectedHeader({ alg: "RS256", kid: "k1" })
          .setIssuer(issuer)
          .setSubject(`${MACHINE_CLIENT_ID}@clients`)
          .setAudience("https://kubernetes.example")
          .setIssuedAt()
          .setExpirationTime("20m")
          .sign(signingKey);
        const idToken = withIdToken
          ? await new SignJWT({})
            .setProtectedHeader({ alg: "RS256", kid: "k1" })
            .setIssuer(issuer)
            .setSubject(`${MACHINE_CLIENT_ID}@clients`)
            .setAudience(MACHINE_CLIENT_ID)
            .setIssuedAt()
            .setExpirationTime("30m")
            .sign(signingKey)
          : undefined;
        // expires_in disagrees with exp on purpose: the verified exp wins.
        return Response.json({
          access_token: accessToken,
          token_type: "Bearer",
          expires_in: 60,
          ...(idToken ? { id_token: idToken } : {}),
        });
      }
    }
    return new Response("not found", { status: 404 });
  });
  return {
    issuer: `http://127.0.0.1:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
