/**
 * The LemonLDAP::NG fixture itself: two runs side by side share nothing, discovery names the
 * issuer exactly, the quirks the docs describe are there, and closing leaves no process and no
 * file behind.
 */

import assert from "node:assert/strict";
import { toolGate } from "./cluster.ts";
import {
  DWHO,
  LEMONLDAP_PUBLIC_CLIENT_ID,
  lemonLdapAvailability,
  startLemonLdap,
} from "./lemonldap.ts";

const gate = toolGate([(await lemonLdapAvailability()).reason]);

async function refusesConnections(url: string): Promise<boolean> {
  try {
    await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).body?.cancel();
    return false;
  } catch {
    return true;
  }
}

Deno.test({
  name: `LemonLDAP::NG fixture: isolated runs, its quirks, and a clean stop${gate.nameSuffix}`,
  ignore: gate.ignore,
  async fn() {
    gate.assertPresent();
    const [one, two] = await Promise.all([startLemonLdap(), startLemonLdap()]);
    try {
      assert.notEqual(one.issuer, two.issuer);
      assert.notEqual(one.root, two.root);
      const doc = await (await fetch(`${one.issuer}/.well-known/openid-configuration`)).json();
      assert.equal(doc.issuer, one.issuer, "the issuer is set explicitly, without a slash");
      assert.equal(doc.device_authorization_endpoint, undefined);
      assert.deepEqual(
        [...doc.token_endpoint_auth_methods_supported].sort(),
        ["client_secret_basic", "client_secret_post"],
      );
      // The password grant works, and a refresh token issued by one run is unknown to the other,
      // which answers invalid_request (not invalid_grant).
      const token = async (issuer: string, params: Record<string, string>) => {
        const response = await fetch(`${issuer}/oauth2/token`, {
          method: "POST",
          body: new URLSearchParams({ client_id: LEMONLDAP_PUBLIC_CLIENT_ID, ...params }),
        });
        return { status: response.status, body: await response.json() };
      };
      const password = await token(one.issuer, {
        grant_type: "password",
        username: DWHO.username,
        password: DWHO.password,
        scope: "openid",
      });
      assert.equal(password.status, 200);
      assert.equal(typeof password.body.refresh_token, "string");
      const refresh = { grant_type: "refresh_token", refresh_token: password.body.refresh_token };
      assert.equal((await token(one.issuer, refresh)).status, 200);
      const elsewhere = await token(two.issuer, refresh);
      assert.equal(elsewhere.status, 400);
      assert.equal(elsewhere.body.error, "invalid_request");
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
    for (const run of [one, two]) {
      assert.ok(await refusesConnections(run.issuer), `${run.issuer} still answers`);
      await assert.rejects(Deno.stat(run.root), Deno.errors.NotFound);
    }
  },
});
