/**
 * The acceptance scenarios (scenarios.ts) against every provider fixture (providers.ts):
 * oidc-provider and LemonLDAP::NG always (CI installs LemonLDAP's Debian packages, kubectl and
 * Chromium), and a real provider when `ACCEPTANCE_OIDC_ISSUER_URL` and
 * `ACCEPTANCE_OIDC_CLIENT_ID` name one (docs/acceptance-test.md).
 */

import { chromiumAvailability } from "../support/browser.ts";
import { kubectlAvailability, toolGate } from "../support/cluster.ts";
import { PROVIDER_FIXTURES } from "./providers.ts";
import { runScenarios } from "./scenarios.ts";

const kubectl = await kubectlAvailability();
const chromium = await chromiumAvailability();

for (const fixture of PROVIDER_FIXTURES) {
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
      await runScenarios(t, provider, fixture.name);
    },
  });
}
