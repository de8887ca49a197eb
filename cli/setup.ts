/**
 * `setup`: logs in once (without the cache), shows the ID token's claims and the steps that make
 * a cluster and a kubeconfig use this plugin. Without an issuer and client, shows how to start.
 *
 * @module
 */

import { authenticate } from "../lib/authenticate.ts";
import { decodeJwtClaims } from "../lib/jwt.ts";
import { EXEC_API_V1, parseExecInfo } from "../lib/kube/exec_credential.ts";
import { readEnv } from "../lib/permissions.ts";
import type { FlagValue, ParsedFlags } from "./flags.ts";
import { noteCompatibilityFlags } from "./get_token.ts";
import { interactionFor } from "./interaction.ts";
import { createStderrLogger, writeStdout } from "./logger.ts";
import { FlagReader, loginOptions, providerOptions } from "./options.ts";

/** Flags that `get-token` must not receive from `setup`'s command line. */
const NOT_FOR_KUBECONFIG = new Set(["oidc-client-secret", "password", "v"]);

/** Grants that read stdin, so kubectl must let the plugin use it. */
const INTERACTIVE_GRANTS = new Set(["authcode-keyboard", "password"]);

/** The user name `setup` suggests for the kubeconfig. */
export const KUBECONFIG_USER = "oidc";

/**
 * The `kubectl config set-credentials` arguments that make a kubeconfig user run this plugin with
 * the given flags. The client secret and password are never included.
 */
export function setCredentialsArgs(flags: ParsedFlags, user: string = KUBECONFIG_USER): string[] {
  const grantType = flags.get("grant-type");
  const interactive = typeof grantType === "string" && INTERACTIVE_GRANTS.has(grantType);
  const args = [
    "config",
    "set-credentials",
    user,
    `--exec-api-version=${EXEC_API_V1}`,
    `--exec-interactive-mode=${interactive ? "IfAvailable" : "Never"}`,
    "--exec-command=kubectl",
    "--exec-arg=together-login",
    "--exec-arg=get-token",
  ];
  for (const [name, value] of flags) {
    if (NOT_FOR_KUBECONFIG.has(name)) continue;
    for (const text of flagTexts(value)) args.push(`--exec-arg=--${name}${text}`);
  }
  return args;
}

function flagTexts(value: FlagValue): string[] {
  if (value === true) return [""];
  if (value === false) return ["=false"];
  if (Array.isArray(value)) return value.map((item) => `=${item}`);
  if (typeof value === "object") {
    return Object.entries(value).map(([key, item]) => `=${key}=${item}`);
  }
  return [`=${value}`];
}

/** Runs `setup`. */
export async function runSetup(parsed: ParsedFlags): Promise<void> {
  const flags = new FlagReader(parsed);
  if (!flags.has("oidc-issuer-url") && !flags.has("oidc-client-id")) {
    writeStdout(introduction());
    return;
  }
  const logger = createStderrLogger(flags.int("v", 0));
  noteCompatibilityFlags(flags, logger);
  const provider = providerOptions(flags);
  logger.info("Authentication in progress...");
  const { tokenSet } = await authenticate({
    provider,
    login: loginOptions(flags),
    interaction: interactionFor(parseExecInfo(readEnv("KUBERNETES_EXEC_INFO")), logger),
  });
  const claims = decodeJwtClaims(tokenSet.token);
  writeStdout(instructions(provider.issuerUrl, provider.clientId, claims, parsed));
}

function introduction(): string {
  return `This shows how to set up OpenID Connect authentication for kubectl.

Register this program as a client at your OpenID Connect provider (redirect URIs
http://localhost:8000 and http://localhost:18000), then log in once:

  kubectl together-login setup --oidc-issuer-url=ISSUER_URL --oidc-client-id=YOUR_CLIENT_ID

See docs/setup.md for the details.
`;
}

function instructions(
  issuerUrl: string,
  clientId: string,
  claims: Record<string, unknown> | undefined,
  flags: ParsedFlags,
): string {
  const subject = typeof claims?.sub === "string" ? claims.sub : "YOUR_SUBJECT";
  const claimsText = claims
    ? `You got a token with the following claims:\n\n${JSON.stringify(claims, null, 2)}\n`
    : "You got a token that is not a JWT; its claims cannot be shown.\n";
  // The command and the user name on the first line, then one flag a line, as the guide shows it.
  const [config, setCredentials, user, ...options] = setCredentialsArgs(flags).map(shellQuote);
  const kubectlArgs = [`${config} ${setCredentials} ${user}`, ...options].join(" \\\n    ");
  const secretNote = flags.has("oidc-client-secret")
    ? "\nThe client secret is left out: set OIDC_CLIENT_SECRET where kubectl runs, or add\n" +
      "--exec-arg=--oidc-client-secret=… yourself.\n"
    : "";
  return `${claimsText}
## Bind a cluster role

  kubectl create clusterrolebinding oidc-cluster-admin --clusterrole=cluster-admin \\
    --user=${shellQuote(`${issuerUrl}#${subject}`)}

## Set up the Kubernetes API server

  --oidc-issuer-url=${issuerUrl}
  --oidc-client-id=${clientId}

## Set up the kubeconfig

  kubectl ${kubectlArgs}
${secretNote}
## Verify cluster access

  kubectl --user=${KUBECONFIG_USER} cluster-info
`;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
