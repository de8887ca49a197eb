/**
 * The grant dispatch of lib/oidc/login.ts; each grant has its own test file beside this one.
 */

import assert from "node:assert/strict";
import { UsageError } from "../../lib/errors.ts";
import type { GrantType } from "../../lib/login_options.ts";
import { login } from "../../lib/oidc/login.ts";
import { openProviderSession } from "../../lib/oidc/provider.ts";
import { loginOptions, rejection, TestLogger } from "../support/grant_login.ts";
import { startTestIdp } from "../support/idp.ts";
import { providerOptions } from "../support/provider_options.ts";

Deno.test("an unknown grant type is a usage error", async () => {
  await using idp = await startTestIdp();
  using session = await openProviderSession(providerOptions(idp));
  const error = await rejection(() =>
    login(session, loginOptions("implicit" as GrantType), { logger: new TestLogger() })
  );
  assert.ok(error instanceof UsageError);
  assert.match(error.message, /implicit/);
});
