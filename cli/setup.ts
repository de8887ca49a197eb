/**
 * `setup`: logs in once, caches the token, shows the ID token's claims and the steps that make a
 * cluster and a kubeconfig use this plugin, or with `--write-kubeconfig` writes the kubeconfig
 * itself. Without an issuer and client, shows how to start.
 *
 * @module
 */

import { authenticate } from "../lib/authenticate.ts";
import { cacheKeyId } from "../lib/cache/key.ts";
import { openTokenStore } from "../lib/cache/token_store.ts";
import { cacheKeyInputOf } from "../lib/get_token.ts";
import { decodeJwtClaims, type JwtClaims } from "../lib/jwt.ts";
import { EXEC_API_V1, parseExecInfo } from "../lib/kube/exec_credential.ts";
import { type GrantType, resolveGrantType } from "../lib/login_options.ts";
import { UsageError } from "../lib/errors.ts";
import { readEnv } from "../lib/permissions.ts";
import type { FlagValue, ParsedFlags } from "./flags.ts";
import { getTokenOptions } from "./get_token.ts";
import { interactionFor } from "./interaction.ts";
import { createStderrLogger, writeStdout } from "./logger.ts";
import { FlagReader, noteCompatibilityFlags } from "./options.ts";
import { setupClaimTimes, setupServerFlags, shellQuote } from "./setup_text.ts";

/** Flags that `get-token` must not receive from `setup`'s command line. */
const NOT_FOR_KUBECONFIG = new Set([
  "oidc-client-secret",
  "password",
  "v",
  "write-kubeconfig",
  "kubeconfig",
  "kubeconfig-user",
  "context-name",
  "cluster",
]);

/** Flags that only suit this machine or this one run, left out of the kubeconfig. */
const MACHINE_LOCAL = new Set(["browser-command", "authentication-timeout-sec"]);

/** Grants that read stdin, so kubectl must let the plugin use it. */
const INTERACTIVE_GRANTS: ReadonlySet<GrantType> = new Set(["authcode-keyboard", "password"]);

/** The user name `setup` suggests for the kubeconfig. */
export const KUBECONFIG_USER = "oidc";

/** The `exec` arguments of the kubeconfig user, and the flags left out of them. */
export interface KubeconfigExec {
  args: string[];
  interactiveMode: "Never" | "IfAvailable";
  /** Machine-local flags given to `setup` but not written (`--browser-command`, …). */
  leftOut: string[];
}

/**
 * The kubeconfig exec entry for `setup`'s flags. `interactiveMode` follows the grant actually
 * used (`auto` with `--username` is the password grant, which must ask for the password), and
 * the client secret and password are never included.
 */
function kubeconfigExec(flags: ParsedFlags): KubeconfigExec {
  const text = (name: string) => {
    const value = flags.get(name);
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const grant = resolveGrantType(text("grant-type") ?? "auto", text("username"));
  const args = ["together-login", "get-token"];
  const leftOut: string[] = [];
  for (const [name, value] of flags) {
    if (NOT_FOR_KUBECONFIG.has(name)) continue;
    // Port 0 means "any free port", which only suits a one-off login.
    const temporary = name === "listen-address" && (value as string[]).some((a) => /:0$/.test(a));
    if (MACHINE_LOCAL.has(name) || temporary) {
      leftOut.push(`--${name}`);
      continue;
    }
    for (const item of flagTexts(value)) args.push(`--${name}${item}`);
  }
  return {
    args,
    interactiveMode: INTERACTIVE_GRANTS.has(grant) ? "IfAvailable" : "Never",
    leftOut,
  };
}

/**
 * The `kubectl config set-credentials` arguments that make a kubeconfig user run this plugin with
 * the given flags.
 */
function setCredentialsArgs(flags: ParsedFlags, user: string = KUBECONFIG_USER): string[] {
  const exec = kubeconfigExec(flags);
  return [
    "config",
    "set-credentials",
    user,
    `--exec-api-version=${EXEC_API_V1}`,
    `--exec-interactive-mode=${exec.interactiveMode}`,
    `--exec-command=kubectl`,
    ...exec.args.map((arg) => `--exec-arg=${arg}`),
  ];
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
  const options = getTokenOptions(flags);
  const kubeconfigWriter = await prepareKubeconfigWrite(flags);
  const store = openTokenStore(options.cache, logger);
  // A cache that cannot be written fails here, before the user logs in for nothing.
  await store.prepare();
  logger.info("Authentication in progress...");
  const { tokenSet } = await authenticate({
    provider: options.provider,
    login: options.login,
    interaction: interactionFor(parseExecInfo(readEnv("KUBERNETES_EXEC_INFO")), logger),
  });
  // The same entry `get-token` reads with the printed flags, so kubectl starts with this token.
  const keyId = await cacheKeyId(cacheKeyInputOf(options));
  await store.write(keyId, tokenSet, {
    issuerUrl: options.provider.issuerUrl,
    clientId: options.provider.clientId,
  });
  if (options.cache.storage !== "none") {
    logger.info(
      `Cached the token in ${options.cache.directory}: kubectl will not ask you to log in again until it expires`,
    );
  }
  const claims = decodeJwtClaims(tokenSet.token);
  const kubeconfigSection = kubeconfigWriter
    ? await kubeconfigWriter(kubeconfigExec(parsed))
    : printedKubeconfigSection(parsed);
  writeStdout(
    instructions(options.provider.issuerUrl, options.provider.clientId, claims, kubeconfigSection),
  );
}

/**
 * With `--write-kubeconfig`, checks its flags now (a mistake must not cost a login) and returns
 * what writes the file after the login; without it, refuses the flags that only it uses.
 */
async function prepareKubeconfigWrite(
  flags: FlagReader,
): Promise<((exec: KubeconfigExec) => Promise<string>) | undefined> {
  if (!flags.bool("write-kubeconfig")) {
    const stray = ["kubeconfig", "kubeconfig-user", "context-name", "cluster"].find((name) =>
      flags.has(name)
    );
    if (stray) throw new UsageError(`--${stray} needs --write-kubeconfig`);
    return undefined;
  }
  const { planSetupKubeconfig, writeSetupKubeconfig } = await import("./setup_kubeconfig.ts");
  const plan = planSetupKubeconfig(flags);
  return (exec) => writeSetupKubeconfig(plan, exec);
}

function introduction(): string {
  return `This shows how to set up OpenID Connect authentication for kubectl.

Register this program as a client at your OpenID Connect provider (redirect URIs
http://localhost:8000 and http://localhost:18000), then log in once:

  kubectl together-login setup --oidc-issuer-url=ISSUER_URL --oidc-client-id=YOUR_CLIENT_ID

See docs/setup.md for the details.
`;
}

/** The kubeconfig section when `setup` prints the command instead of writing the file. */
function printedKubeconfigSection(flags: ParsedFlags): string {
  // The command and the user name on the first line, then one flag a line, as the guide shows it.
  const [config, setCredentials, user, ...options] = setCredentialsArgs(flags).map(shellQuote);
  const kubectlArgs = [`${config} ${setCredentials} ${user}`, ...options].join(" \\\n    ");
  const secretNote = flags.has("oidc-client-secret")
    ? "\nThe client secret is left out: set OIDC_CLIENT_SECRET where kubectl runs, or add\n" +
      "--exec-arg=--oidc-client-secret=… yourself.\n"
    : "";
  return `## Set up the kubeconfig

  kubectl ${kubectlArgs}
${secretNote}${leftOutNote(kubeconfigExec(flags).leftOut)}
## Verify cluster access

  kubectl --user=${KUBECONFIG_USER} cluster-info
`;
}

/** Says which machine-local flags were left out of the kubeconfig. */
export function leftOutNote(leftOut: readonly string[]): string {
  if (leftOut.length === 0) return "";
  return `\nLeft out of the kubeconfig, as they suit only this machine or this login: ${
    leftOut.join(", ")
  }.\n`;
}

function instructions(
  issuerUrl: string,
  clientId: string,
  claims: JwtClaims | undefined,
  kubeconfigSection: string,
): string {
  const subject = typeof claims?.sub === "string" ? claims.sub : "YOUR_SUBJECT";
  const claimsText = claims
    ? `You got a token with the following claims:\n\n${JSON.stringify(claims, null, 2)}\n${
      setupClaimTimes(claims)
    }`
    : "You got a token that is not a JWT; its claims cannot be shown.\n";
  return `${claimsText}
## Bind a cluster role

  kubectl create clusterrolebinding oidc-cluster-admin --clusterrole=cluster-admin \\
    --user=${shellQuote(`${issuerUrl}#${subject}`)}

## Set up the Kubernetes API server

  --oidc-issuer-url=${issuerUrl}
  --oidc-client-id=${clientId}
${setupServerFlags(claims)}
${kubeconfigSection}`;
}
