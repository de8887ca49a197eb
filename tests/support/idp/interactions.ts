/**
 * The routes of the login and consent pages, which oidc-provider leaves to its host.
 *
 * @module
 */

// @deno-types="npm:@types/oidc-provider@9.12.1"
import {
  type default as Provider,
  errors,
  type Interaction,
  type KoaContextWithOIDC,
} from "oidc-provider";
import { consentPage, loginPage, page } from "./pages.ts";
import { findUser } from "./users.ts";

/** The parts of a Koa context the interaction routes use (they run outside the provider's). */
type HttpContext = Pick<
  KoaContextWithOIDC,
  "req" | "res" | "method" | "path" | "status" | "body" | "type" | "redirect"
>;

/** The routes of the login and consent pages, which oidc-provider leaves to the host. */
export function interactionRoutes(provider: Provider): (ctx: HttpContext) => Promise<void> {
  // The consent step keeps the login result: with `prompt=login` the provider would otherwise
  // ask for the login again.
  async function finish(
    ctx: HttpContext,
    result: Parameters<Provider["interactionResult"]>[2],
    mergeWithLastSubmission: boolean,
  ): Promise<void> {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission,
    });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  async function consent(details: Interaction): Promise<string> {
    const { prompt, params, session } = details;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session?.accountId, clientId: String(params.client_id) });
    if (!grant) throw new errors.AccessDenied("grant not found");
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    return await grant.save();
  }

  return async (ctx) => {
    ctx.type = "html";
    let details: Interaction;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      ctx.status = 400;
      ctx.body = page("Sign-in expired", "<p>Start the sign-in again.</p>");
      return;
    }
    const action = ctx.path.split("/")[3];
    if (ctx.method === "GET") {
      ctx.body = details.prompt.name === "login"
        ? loginPage(details.uid)
        : consentPage(details.uid, String(details.params.client_id), String(details.params.scope));
      return;
    }
    const form = await readNodeBody(ctx.req);
    if (action === "login") {
      const user = findUser(form.get("login"));
      if (!user || user.password !== form.get("password")) {
        ctx.status = 401;
        ctx.body = loginPage(details.uid, "Invalid username or password.");
        return;
      }
      await finish(ctx, { login: { accountId: user.username } }, false);
      return;
    }
    if (action === "consent" && form.get("decision") === "deny") {
      await finish(ctx, {
        error: "access_denied",
        error_description: "the user denied the request",
      }, false);
      return;
    }
    if (action === "consent") {
      await finish(ctx, { consent: { grantId: await consent(details) } }, true);
      return;
    }
    ctx.status = 404;
    ctx.body = page("Not found", "");
  };
}

async function readNodeBody(request: AsyncIterable<Uint8Array>): Promise<URLSearchParams> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of request) chunks.push(chunk);
  return new URLSearchParams(new TextDecoder().decode(concat(chunks)));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}
