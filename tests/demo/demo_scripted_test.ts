/**
 * `deno task demo --browser=scripted`: the demo as a machine without Chromium runs it, the login
 * done by the scripted user agent (demo_test.ts runs it with Chromium).
 */

import assert from "node:assert/strict";
import { assertNarration, chromium, gate, runDemo } from "./demo_run.ts";

Deno.test({
  name: `deno task demo without Chromium logs in with the scripted user agent${
    gate.nameSuffix ||
    (chromium.ok ? "" : " (skipped: no Chromium, so the run above used the scripted user agent)")
  }`,
  ignore: gate.ignore || !chromium.ok,
  async fn() {
    gate.assertPresent();
    const { code, output } = await runDemo("--browser=scripted");
    assert.equal(code, 0, output);
    await assertNarration(output, /Logins: no Chromium found, so the scripted user agent/);
    assert.doesNotMatch(output, /Chromium logged in/);
  },
});
