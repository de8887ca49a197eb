/**
 * `deno task demo` as a person runs it: a process that must exit 0 after narrating each step,
 * with the facts it narrates (who kubectl says you are, the cache hit, the refresh) taken from
 * the real run, here as `deno task demo` (headless Chromium here, no display);
 * demo_scripted_test.ts runs it with the scripted user agent a machine without Chromium gets.
 */

import assert from "node:assert/strict";
import { assertNarration, chromium, gate, runDemo } from "./demo_run.ts";

Deno.test({
  name: `deno task demo runs to the end and narrates each step${gate.nameSuffix}`,
  ignore: gate.ignore,
  async fn() {
    gate.assertPresent();
    const { code, output } = await runDemo();
    assert.equal(code, 0, output);
    await assertNarration(
      output,
      chromium.ok ? /Logins: no display here, so headless Chromium/ : /scripted user agent/,
    );
  },
});
