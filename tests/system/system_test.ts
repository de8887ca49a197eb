/**
 * The whole system as a person uses it: the real kubectl runs the plugin from `PATH` (a shim like
 * the one `deno install` writes, with README's scoped permissions; README's install line itself is
 * tests/install/install_test.ts's) through a kubeconfig written as the setup guide says,
 * against the HTTPS API server double, and the login happens in Debian's Chromium at the test
 * identity provider. The scenarios are the acceptance test's (tests/acceptance/scenarios.ts), run
 * in order on one cache against the oidc-provider fixture, whose request log lets them also
 * assert what the provider saw.
 *
 * Skipped with the reason when kubectl or Chromium is missing, except under `CI=true`, where that
 * fails. On failure the browser's screenshots, the API server's decisions and the provider's
 * request log are written under `artifacts/system-test/`.
 */

import { OIDC_PROVIDER } from "../acceptance/providers.ts";
import { runScenarios } from "../acceptance/scenarios.ts";
import { chromiumAvailability } from "../support/browser.ts";
import { kubectlAvailability, toolGate } from "../support/cluster.ts";

const ARTIFACTS_DIR = new URL("../../artifacts/system-test", import.meta.url).pathname;

const kubectl = await kubectlAvailability();
const chromium = await chromiumAvailability();
const gate = toolGate([kubectl.ok ? undefined : kubectl.reason, chromium.reason]);

Deno.test({
  name:
    `system: kubectl, the plugin on PATH, Chromium, a provider, an API server${gate.nameSuffix}`,
  ignore: gate.ignore,
  async fn(t) {
    gate.assertPresent();
    await using provider = await OIDC_PROVIDER.start();
    await runScenarios(t, provider, ARTIFACTS_DIR);
  },
});
