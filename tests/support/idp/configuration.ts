/**
 * The test provider's oidc-provider configuration: its clients, scopes, claims, lifetimes, the
 * device flow pages, and the grants and routes it adds.
 *
 * @module
 */

// @deno-types="npm:@types/oidc-provider@9.12.1"
import Provider, {
  type AdapterPayload,
  type Configuration,
  type JWK as ProviderJwk,
} from "oidc-provider";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { allowLoopbackRedirects, registerPasswordGrant } from "./grants.ts";
import { interactionRoutes } from "./interactions.ts";
import { escapeHtml, page } from "./pages.ts";
import { MemoryAdapter } from "./store.ts";
import { registerTokenExchangeGrant, TOKEN_EXCHANGE_GRANT_TYPE } from "./token_exchange.ts";
import type { TestIdpOptions } from "./types.ts";
import {
  claimsOf,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  DEVICE_CODE_GRANT_TYPE,
  findUser,
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  OOB_REDIRECT_URI,
  PUBLIC_CLIENT_ID,
  SUPPORTED_SCOPES,
} from "./users.ts";

const KEY_ID = "test-signing-key";

/** A new RS256 key pair under the provider's key id, as private and public JWKs. */
export async function signingKeyPair(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const meta = { kid: KEY_ID, alg: "RS256", use: "sig" };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}

/**
 * The configuration for `options`: models in `store`, ID tokens signed with `signingJwk` and
 * living `idTokenTtl()` seconds (read at each issue, so a test can change it).
 */
export function providerConfiguration(
  options: TestIdpOptions,
  store: Map<string, AdapterPayload>,
  signingJwk: JWK,
  idTokenTtl: () => number,
): Configuration {
  const nativeClient = {
    application_type: "native" as const,
    redirect_uris: ["http://127.0.0.1", "http://localhost", OOB_REDIRECT_URI],
    grant_types: ["authorization_code", "refresh_token", DEVICE_CODE_GRANT_TYPE, "password"],
    response_types: ["code" as const],
  };
  return {
    adapter: (model: string) => new MemoryAdapter(model, store),
    clients: [
      { ...nativeClient, client_id: PUBLIC_CLIENT_ID, token_endpoint_auth_method: "none" },
      {
        ...nativeClient,
        client_id: CONFIDENTIAL_CLIENT_ID,
        client_secret: CONFIDENTIAL_CLIENT_SECRET,
        token_endpoint_auth_method: "client_secret_basic",
      },
      {
        client_id: MACHINE_CLIENT_ID,
        client_secret: MACHINE_CLIENT_SECRET,
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: [],
        grant_types: ["client_credentials", TOKEN_EXCHANGE_GRANT_TYPE],
        response_types: [],
      },
      ...options.extraClients ?? [],
    ],
    jwks: { keys: [signingJwk as ProviderJwk] },
    cookies: { keys: ["test-idp-cookie-key, not a secret"] },
    scopes: [...SUPPORTED_SCOPES],
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username"],
      groups: ["groups"],
    },
    // The claims of the granted scopes go into the ID token, as Kubernetes reads them there.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => {
      const user = findUser(sub);
      return user ? { accountId: sub, claims: () => claimsOf(user) } : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: (ctx, form, out) => {
          const message = out
            ? `<p role="alert">${escapeHtml(out.error_description ?? "")}</p>`
            : "";
          const withButton = form.replace(
            "</form>",
            '<button type="submit">Continue</button></form>',
          );
          ctx.body = page("Device sign-in", message + withButton);
        },
        userCodeConfirmSource: (ctx, form, client, _deviceInfo, userCode) => {
          // One form, two buttons: `abort` wins over the hidden `confirm` when present.
          const withButtons = form.replace(
            "</form>",
            '<button type="submit">Approve</button>' +
              '<button type="submit" name="abort" value="yes">Deny</button></form>',
          );
          ctx.body = page(
            "Confirm device",
            `<p>${escapeHtml(client.clientId)} asks for access with code ` +
              `<code id="user-code">${escapeHtml(userCode)}</code>.</p>${withButtons}`,
          );
        },
        successSource: (ctx) => {
          ctx.body = page("Device approved", "<p>You can return to your terminal.</p>");
        },
      },
    },
    // Refresh tokens for every grant that allows them, with or without offline_access, and
    // not bound to the browser session (kubelogin refreshes long after the browser is gone).
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    expiresWithSession: () => false,
    rotateRefreshToken: () => options.rotateRefreshTokens ?? false,
    pkce: { required: () => options.pkceRequired ?? false },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      DeviceCode: options.deviceCodeTtlSec ?? 600,
      Grant: 86400,
      IdToken: () => idTokenTtl(),
      Interaction: 600,
      RefreshToken: 86400,
      Session: 86400,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out) => {
      ctx.type = "html";
      ctx.body = page(
        "Sign-in error",
        `<p id="error">${escapeHtml(`${out.error}: ${out.error_description ?? ""}`)}</p>`,
      );
    },
    extraParams: ["audience"],
  };
}

/** The provider at `issuer` with `configuration`, its added grants, routes and the test's hooks. */
export function createProvider(
  issuer: string,
  configuration: Configuration,
  options: TestIdpOptions,
): Provider {
  options.configure?.(configuration);
  const provider = new Provider(issuer, configuration);
  registerTokenExchangeGrant(provider);
  // The front passes the public scheme and host on; URLs the provider builds must use them.
  provider.proxy = true;
  allowLoopbackRedirects(provider);
  registerPasswordGrant(provider);
  options.configureProvider?.(provider);
  const interactions = interactionRoutes(provider);
  provider.use(async (ctx, next) => {
    if (ctx.path.startsWith("/interaction/")) await interactions(ctx);
    else await next();
  });
  return provider;
}
