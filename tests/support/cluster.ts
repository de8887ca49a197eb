/**
 * The real `kubectl` with this checkout's plugin installed, the way a person who followed
 * README.md's Install section and docs/setup.md would have it:
 *
 * - `kubectl-together_login` on `PATH`: a shim that runs mod.ts with `deno run` and the README's
 *   scoped permissions, as `deno install --global` writes it;
 * - a kubeconfig at `~/.kube/config`, written by `kubectl config set-credentials` exactly as the
 *   setup guide's step 5 says (plus the flags a test adds), for a cluster whose CA it trusts;
 * - a private `HOME` ({@link PluginSandbox}), so the token cache is the fixture's own;
 * - a browser command that hands each URL the plugin opens to the caller, which opens it in the
 *   browser it drives (or tells a person to).
 *
 * The system test, the acceptance test and the demo all run kubectl through this.
 *
 * @example
 * ```ts
 * await using client = await KubectlClient.create({ issuerUrl: idp.issuer, apiServer });
 * await client.setCredentials("oidc", [`--oidc-issuer-url=${idp.issuer}`, "--oidc-client-id=x"]);
 * const result = await client.kubectl(["auth", "whoami"], {
 *   browser: (url) => browser.login(url, "login", ALICE, /You are logged in/),
 * });
 * ```
 *
 * The parts live in tests/support/cluster/: the client (`client.ts`), reading its results
 * (`results.ts`), tools and test gates (`tools.ts`) and process helpers (`processes.ts`). This
 * module only re-exports them, so importers need not know.
 *
 * @module
 */

export {
  type BrowserHandler,
  KUBECONFIG_CLUSTER,
  KUBECONFIG_USER,
  KubectlClient,
  type KubectlClientOptions,
  type KubectlResult,
  type KubectlRunOptions,
} from "./cluster/client.ts";
export { shellQuote } from "./cluster/processes.ts";
export {
  assertKubectlSucceeded,
  escapeRegExp,
  forbiddenPodsPattern,
  podNames,
  whoamiUser,
} from "./cluster/results.ts";
export {
  failFastSteps,
  findKubectl,
  kubectlAvailability,
  type ToolGate,
  toolGate,
} from "./cluster/tools.ts";
