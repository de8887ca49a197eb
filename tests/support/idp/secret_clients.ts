/**
 * Confidential clients of the test provider whose secret holds every character that HTTP Basic
 * form-encoding changes (`+ / = : %`): one registered for `client_secret_basic`, and one for
 * `client_secret_post` only, whose Basic attempts are refused with `invalid_client`, as
 * LemonLDAP::NG refuses such a secret in Basic (it does not form-decode the credentials) while
 * listing both methods. Start the provider with {@link SECRET_CLIENTS_OPTIONS}.
 *
 * @module
 */

// @deno-types="npm:@types/oidc-provider@9.12.1"
import type Provider from "oidc-provider";
import type { ClientMetadata } from "oidc-provider";

/** A secret that Basic form-encoding changes in every way it can. */
export const SPECIAL_SECRET = "s3cr+t/with=all:the%chars+/=:%20";

/** Registered with `client_secret_post` only: Basic gets `invalid_client`. */
export const POST_CLIENT_ID = "kubelogin-secret-post";
/** Registered with `client_secret_basic`. */
export const BASIC_CLIENT_ID = "kubelogin-secret-basic";

const native = {
  application_type: "native" as const,
  // oidc-provider lets a native client's http loopback redirect URIs vary in their port.
  redirect_uris: ["http://127.0.0.1", "http://localhost"],
  grant_types: ["authorization_code", "refresh_token", "password"],
  response_types: ["code" as const],
  client_secret: SPECIAL_SECRET,
};

const clients: readonly ClientMetadata[] = [
  { ...native, client_id: POST_CLIENT_ID, token_endpoint_auth_method: "client_secret_post" },
  { ...native, client_id: BASIC_CLIENT_ID, token_endpoint_auth_method: "client_secret_basic" },
];

/**
 * oidc-provider takes either secret method from a client registered for one of them; this makes
 * it refuse Basic for {@link POST_CLIENT_ID}, before the provider reads the request.
 */
function refuseBasicForPostClient(provider: Provider): void {
  provider.use(async (ctx, next) => {
    const id = basicClientId(ctx.get("authorization"));
    if (ctx.method === "POST" && ctx.path === "/token" && id === POST_CLIENT_ID) {
      ctx.status = 401;
      ctx.body = { error: "invalid_client", error_description: "client authentication failed" };
      return;
    }
    await next();
  });
}

/** The client id of HTTP Basic credentials; a malformed header is left to the provider. */
function basicClientId(header: string): string | undefined {
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (!basic) return undefined;
  try {
    return decodeURIComponent(atob(basic[1]).split(":")[0]);
  } catch {
    return undefined;
  }
}

/** `startTestIdp` options registering both clients and the post client's refusal of Basic. */
export const SECRET_CLIENTS_OPTIONS: {
  extraClients: readonly ClientMetadata[];
  configureProvider: (provider: Provider) => void;
} = { extraClients: clients, configureProvider: refuseBasicForPostClient };
