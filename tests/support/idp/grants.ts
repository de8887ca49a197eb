/**
 * What the test provider adds to oidc-provider's grants: the password grant, and loopback and
 * out-of-band redirect URIs for the native clients.
 *
 * @module
 */

// @deno-types="npm:@types/oidc-provider@9.12.1"
import { type default as Provider, errors } from "oidc-provider";
import {
  claimsOf,
  CONFIDENTIAL_CLIENT_ID,
  findUser,
  OOB_REDIRECT_URI,
  PUBLIC_CLIENT_ID,
  SUPPORTED_SCOPES,
} from "./users.ts";

/** The password grant (RFC 6749 section 4.3): ID, access and refresh token for good credentials. */
export function registerPasswordGrant(provider: Provider): void {
  provider.registerGrantType<{ username?: string; password?: string }>(
    "password",
    async (ctx) => {
      const { username, password, scope: requested } = ctx.oidc.params;
      const user = findUser(username);
      if (!user || user.password !== password) {
        throw new errors.InvalidGrant("invalid username or password");
      }
      const client = ctx.oidc.client;
      const wanted = new Set((requested ?? "openid").split(" "));
      const scope = SUPPORTED_SCOPES.filter((s) => wanted.has(s)).join(" ");
      const accountId = user.username;
      const grant = new provider.Grant({ accountId, clientId: client.clientId });
      grant.addOIDCScope(scope);
      const grantId = await grant.save();
      const common = { accountId, client, grantId, gty: "password", scope };
      const accessToken = new provider.AccessToken(common);
      const accessTokenValue = await accessToken.save();
      const refreshTokenValue = await new provider.RefreshToken({ ...common, rotations: 0 })
        .save();
      const idToken = new provider.IdToken(claimsOf(user), { ctx });
      // The claims mask reads `scope` to pick claims; the typings leave it out.
      Object.assign(idToken, { scope });
      ctx.body = {
        access_token: accessTokenValue,
        token_type: "Bearer",
        expires_in: accessToken.expiration,
        id_token: await idToken.issue({ use: "idtoken" }),
        refresh_token: refreshTokenValue,
        scope,
      };
    },
    ["username", "password", "scope"],
  );
}

/**
 * Accepts any loopback redirect URI (http or https, any port and path) and the out-of-band URI
 * for the two native clients, as a desktop-friendly provider does. oidc-provider itself varies
 * only the port of registered http loopback URIs and refuses https on loopback for native apps.
 */
export function allowLoopbackRedirects(provider: Provider): void {
  const prototype = provider.Client.prototype as unknown as {
    clientId: string;
    redirectUriAllowed(uri: string): boolean;
  };
  const registered = prototype.redirectUriAllowed;
  prototype.redirectUriAllowed = function (this: typeof prototype, uri: string): boolean {
    if (this.clientId === PUBLIC_CLIENT_ID || this.clientId === CONFIDENTIAL_CLIENT_ID) {
      if (uri === OOB_REDIRECT_URI) return true;
      const url = URL.parse(uri);
      if (
        url && (url.protocol === "http:" || url.protocol === "https:") &&
        ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) && url.hash === ""
      ) {
        return true;
      }
    }
    return registered.call(this, uri);
  };
}
