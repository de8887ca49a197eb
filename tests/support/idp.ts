/**
 * The test identity provider: `oidc-provider` (OpenID Certified) in-process on 127.0.0.1, port 0,
 * with the test clients and users, plain HTML login and consent forms, the device flow, a
 * password grant, client credentials, and controls for what tests need to provoke: expired ID
 * tokens, revoked or rotated refresh tokens, an outage, `slow_down`, a signing key missing from
 * the JWKS, a discovery document naming another issuer.
 *
 * A small front server (`Deno.serve`) takes every request, logs it with secrets redacted, applies
 * the controls and passes it on to the provider, which listens on a second, private port. The
 * front sees whole request bodies before the provider does, so it can refuse "the next refresh"
 * without reaching into the provider's body parsing, and it owns TLS.
 *
 * Run as a program it prints `{"issuer": …}` on one stdout line and serves until SIGINT or
 * SIGTERM:
 *
 * ```sh
 * deno run -A tests/support/idp.ts [--port=N] [--tls-cert=FILE --tls-key=FILE]
 * ```
 *
 * A mismatching issuer, for "wrong issuer" tests, comes two ways: {@link TestIdp.aliasIssuer}
 * reaches the same server as `http://localhost:PORT` while discovery says `127.0.0.1`, or the
 * `advertisedIssuer` option makes discovery name any other URL.
 *
 * The parts live in tests/support/idp/ by job: users and clients (`users.ts`), the provider's
 * configuration (`configuration.ts`, `grants.ts`, `interactions.ts`, `pages.ts`, `store.ts`), the
 * HTTP front and its request log (`front.ts`, `request_log.ts`), starting it (`start.ts`) and the
 * program (`program.ts`). This module only re-exports them, so importers need not know.
 *
 * @module
 */

export { REDACTED } from "./idp/request_log.ts";
export { startTestIdp } from "./idp/start.ts";
export type { IdpRequest, RequestFilter, TestIdp, TestIdpOptions } from "./idp/types.ts";
export {
  ALICE,
  BOB,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  DEVICE_CODE_GRANT_TYPE,
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  OOB_REDIRECT_URI,
  PUBLIC_CLIENT_ID,
  SUPPORTED_SCOPES,
  TEST_USERS,
  type TestUser,
} from "./idp/users.ts";

if (import.meta.main) {
  const { main } = await import("./idp/program.ts");
  await main(Deno.args);
}
