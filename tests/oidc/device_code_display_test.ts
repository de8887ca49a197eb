/**
 * The device code's expiry line: the provider counts whole seconds, so it may report
 * `expired_token` just before our clock reaches the code's expiry; the line must still be shown
 * then, and never when the login simply ended before the expiry.
 */

import assert from "node:assert/strict";
import { showDeviceCodeDetails } from "../../lib/oidc/device_code_display.ts";
import type { Interaction } from "../../lib/interaction.ts";

const AUTHORIZATION = {
  deviceCode: "device-code",
  userCode: "ABCD-EFGH",
  verificationUri: "https://issuer.example.com/device",
  expiresIn: 2,
  interval: 5,
};

/** An interaction whose logger keeps the lines. */
function recording(): { interaction: Interaction; lines: string[] } {
  const lines: string[] = [];
  return { interaction: { logger: { info: (line) => lines.push(line), debug() {} } }, lines };
}

Deno.test("device code expiry: shown when the provider reports it before our clock", async () => {
  const { interaction, lines } = recording();
  const start = Date.now();
  const now = () => start + 1500;
  {
    using details = await showDeviceCodeDetails(
      AUTHORIZATION,
      { deviceCodeQr: false },
      interaction,
      () => start,
    );
    details.expired();
  }
  assert.ok(
    lines.some((line) => line.startsWith("The code expires in 0:02, at ")),
    lines.join("\n"),
  );
  assert.equal(lines.filter((line) => line.startsWith("The code expired at")).length, 1);
  // A login that ends before the expiry says nothing of it.
  const other = recording();
  {
    using _details = await showDeviceCodeDetails(
      AUTHORIZATION,
      { deviceCodeQr: false },
      other.interaction,
      now,
    );
  }
  assert.ok(
    !other.lines.some((line) => line.startsWith("The code expired at")),
    other.lines.join("\n"),
  );
});
