/**
 * Option builders for the test provider that need no new code in `idp.ts`: token revocation
 * (RFC 7009, a feature oidc-provider ships but the base configuration leaves off) and a clock
 * that runs ahead or behind, seen in the `Date` header of every answer.
 *
 * @module
 */

import type { TestIdpOptions } from "../idp.ts";

/** The test provider with its `revocation_endpoint` on. */
export function withRevocation(options: TestIdpOptions = {}): TestIdpOptions {
  return {
    ...options,
    configure: (configuration) => {
      options.configure?.(configuration);
      configuration.features = {
        ...configuration.features,
        revocation: {
          enabled: true,
          // RFC 7009 section 2.1: a client revokes only its own tokens.
          allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
        },
      };
    },
  };
}

/** The test provider answering with a `Date` header `skewMs` away from this machine's clock. */
export function withClockSkew(skewMs: number, options: TestIdpOptions = {}): TestIdpOptions {
  return {
    ...options,
    rewriteResponse: (response) => {
      const rewritten = options.rewriteResponse?.(response) ?? response;
      const headers = new Headers(rewritten.headers);
      headers.set("date", new Date(Date.now() + skewMs).toUTCString());
      return new Response(rewritten.body, { status: rewritten.status, headers });
    },
  };
}
