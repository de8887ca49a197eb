/**
 * The acceptance scenarios (scenarios.ts) against the providers no one here wrote (providers.ts):
 * LemonLDAP::NG always (CI installs its Debian packages, kubectl and Chromium), and a real
 * provider when `ACCEPTANCE_OIDC_ISSUER_URL` and `ACCEPTANCE_OIDC_CLIENT_ID` name one
 * (docs/acceptance-test.md). The same scenarios run against oidc-provider in the system test
 * (tests/system/system_test.ts).
 */

import { chromiumAvailability } from "../support/browser.ts";
import { kubectlAvailability, toolGate } from "../support/cluster.ts";
import { ACCEPTANCE_FIXTURES } from "./providers.ts";
import { runScenarios } from "./scenarios.ts";

const ARTIFACTS_DIR = new URL("../../artifacts/acceptance-test", import.meta.url).pathname;

const kubectl = await kubectlAvailability();
const chromium = await chromiumAvailability();

for (const fixture of ACCEPTANCE_FIXTURES) {
  const unavailable = await fixture.unavailable();
  const gate = toolGate([
    kubectl.ok ? undefined : kubectl.reason,
    fixture.drivesBrowser ? chromium.reason : undefined,
    unavailable,
  ]);
  const skipped = fixture.requiredInCi ? gate.ignore : Boolean(unavailable) || gate.ignore;
  const reason = !fixture.requiredInCi && unavailable
    ? ` (skipped: ${unavailable})`
    : gate.nameSuffix;
  Deno.test({
    name: `acceptance: the scenarios against ${fixture.name}${reason}`,
    ignore: skipped,
    async fn(t) {
      gate.assertPresent();
      await using provider = await fixture.start();
      await runScenarios(t, provider, `${ARTIFACTS_DIR}/${fixture.name.replace(/\W+/g, "-")}`);
    },
  });
}
