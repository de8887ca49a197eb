/**
 * The parts of `setup`'s output that read the token's claims: its times in words, and the API
 * server flags and bindings that use `email` and `groups` when the token has them.
 *
 * @module
 */

import type { JwtClaims } from "../lib/jwt.ts";
import { relativeText, utcText } from "./time_text.ts";

const TIME_CLAIMS = ["exp", "iat", "auth_time", "nbf"];

/** `exp`, `iat`, `auth_time` (and `nbf`) as readable times, beside the raw numbers. */
export function setupClaimTimes(claims: JwtClaims, now: number = Date.now()): string {
  const lines = TIME_CLAIMS.flatMap((name) => {
    const value = claims[name];
    if (typeof value !== "number") return [];
    const ms = value * 1000;
    return [`  ${name.padEnd(9)} ${value} = ${utcText(ms)} (${relativeText(ms, now)})`];
  });
  return lines.length === 0 ? "" : `\nIn words:\n\n${lines.join("\n")}\n`;
}

/** The API server flags and bindings for the token's `email` and `groups`, when present. */
export function setupServerFlags(claims: JwtClaims | undefined): string {
  const email = typeof claims?.email === "string" ? claims.email : undefined;
  const groups = Array.isArray(claims?.groups)
    ? claims.groups.filter((group): group is string => typeof group === "string")
    : [];
  if (!email && groups.length === 0) return "";
  const flags: string[] = [];
  const bindings: string[] = [];
  if (email) {
    flags.push("--oidc-username-claim=email");
    bindings.push(
      `kubectl create clusterrolebinding oidc-${slug(email)} --clusterrole=cluster-admin ` +
        `--user=${shellQuote(email)}`,
    );
  }
  if (groups.length > 0) {
    flags.push("--oidc-groups-claim=groups");
    bindings.push(
      `kubectl create clusterrolebinding oidc-group-${slug(groups[0])} --clusterrole=view ` +
        `--group=${shellQuote(groups[0])}`,
    );
  }
  const uses = [
    email ? "name users by their email (bound as the email itself, without the issuer prefix)" : "",
    groups.length > 0 ? "take their groups from the token" : "",
  ].filter(Boolean).join(" and ");
  return `
The token also has ${email && groups.length > 0 ? "email and groups" : email ? "email" : "groups"}.
Beside the sub default above, the API server can ${uses}:

  ${flags.join("\n  ")}

and then bind them:

  ${bindings.join("\n  ")}
`;
}

/** A Kubernetes object name part: lower case letters, digits and dashes. */
function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
