/**
 * A Kubernetes API server double for tests and the demo: HTTPS on 127.0.0.1 with a test CA
 * ({@link startApiServer}), bearer tokens checked the way kube-apiserver's OIDC authenticator checks
 * them when set up with the `--oidc-*` flags, a ClusterRoleBinding-like allow list
 * ({@link ApiServerBinding}), and just enough of the API for the real `kubectl` 1.32 to run
 * `auth whoami`, `get pods` and `cluster-info`.
 *
 * Authentication follows kube-apiserver (staging/src/k8s.io/apiserver/plugin/pkg/authenticator/
 * token/oidc/oidc.go, kube-apiserver's flag defaulting, and coreos/go-oidc's verifier):
 * - the issuer's discovery document is fetched (its `issuer` must equal the issuer URL) and then
 *   its `jwks_uri`; keys are fetched again once when no cached key verifies (key rotation);
 * - a token whose unverified `iss` is not the issuer URL is not for this authenticator: 401;
 * - the `alg` must be one of the signing algorithms (default `RS256`; RS*, ES*, PS* only);
 * - verified claims: `iss` equals the issuer URL, `aud` contains the client ID, `exp` not passed
 *   (go-oidc allows no leeway), `nbf` at most a minute ahead (go-oidc's leeway);
 * - the username comes from `usernameClaim`; for `email`, an `email_verified` claim that is present
 *   must be `true` while an absent one is accepted; the prefix defaults to `issuerUrl#` unless the
 *   claim is `email`, and `-` means none;
 * - groups come from `groupsClaim` (a string or a list of strings) with `groupsPrefix`, and every
 *   authenticated user is in `system:authenticated`;
 * - no anonymous access (as with `--anonymous-auth=false`): 401 with a `Status` body.
 *
 * Authorization: `/version`, discovery and `selfsubjectreviews` are open to every authenticated
 * user (as kube's default `system:discovery` and `system:basic-user` roles make them); reading pods,
 * services and namespaces needs a binding for the user or one of its groups, otherwise 403 with
 * kube's message. Nothing can be written.
 *
 * Every decision is logged in {@link ApiServer.decisions}; tokens never are.
 *
 * Run as a program it prints `{"url": …, "caFile": …}` on stdout, each decision as a JSON line on
 * stderr, and serves until SIGINT or SIGTERM:
 *
 * ```sh
 * deno run -A tests/support/apiserver.ts --issuer=http://127.0.0.1:PORT \
 *   --client-id=kubelogin-test --groups-claim=groups --bind-group=developers
 * ```
 *
 * @module
 */

export type { ApiServerBinding } from "./apiserver/authorizer.ts";
export {
  type ApiServer,
  type ApiServerDecision,
  type ApiServerOptions,
  type ApiServerOutcome,
  startApiServer,
} from "./apiserver/server.ts";

if (import.meta.main) {
  const { main } = await import("./apiserver/program.ts");
  await main(Deno.args);
}
