/**
 * The kubeconfig's `auth-provider: oidc` users, for standalone mode: find the user kubectl would
 * use, read its provider settings, and write a new ID token and refresh token back into the file
 * that defines it. Like kubectl's own writes, the rewrite keeps the content but not comments.
 * Loaded only by standalone mode (it pulls in the YAML library: js-yaml, because `yaml` reads
 * `LOG_TOKENS` from the environment while parsing, which a scoped `--allow-env` refuses).
 *
 * @module
 */

import { dump, load } from "js-yaml";
import { UsageError } from "../errors.ts";
import { writeFileAtomic } from "../atomic_write.ts";

/** Which kubeconfig user to use, as kubectl's `--kubeconfig`, `--context` and `--user` say. */
export interface KubeconfigSelection {
  /** Candidate files in order (`--kubeconfig`, else `$KUBECONFIG`, else `~/.kube/config`). */
  files: readonly string[];
  context?: string;
  user?: string;
}

/** The settings of an `auth-provider: oidc` user. */
export interface OidcAuthProvider {
  /** The file that defines the user, where tokens are written back. */
  file: string;
  userName: string;
  issuerUrl: string;
  clientId: string;
  clientSecret?: string;
  extraScopes: string[];
  certificateAuthority?: string;
  certificateAuthorityData?: string;
  idToken?: string;
  refreshToken?: string;
}

/** A YAML mapping, its values unchecked. */
export type YamlMap = Record<string, unknown>;

interface LoadedFile {
  path: string;
  document: YamlMap;
}

/** Whether a YAML value is a mapping. */
export function isMap(value: unknown): value is YamlMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses a kubeconfig file's text; empty text is an empty document.
 *
 * @throws {UsageError} when it is not YAML or not a mapping
 */
export function parseYaml(path: string, text: string): YamlMap {
  let document: unknown;
  try {
    document = load(text);
  } catch (error) {
    const reason = (error as Error).message.split("\n")[0];
    throw new UsageError(`${path} is not valid YAML: ${reason}`, { cause: error });
  }
  if (document === undefined || document === null) return {};
  if (!isMap(document)) throw new UsageError(`${path} is not a kubeconfig`);
  return document;
}

/** What running with no command does, and where to go instead: said when it cannot work. */
const STANDALONE_HINT = "with no command this program runs standalone mode, which writes " +
  "tokens into a kubeconfig user with auth-provider: oidc (docs/standalone-mode.md); as a " +
  "kubectl credential plugin, run 'kubectl together-login setup' to try your provider and use " +
  "'get-token' in the kubeconfig";

/**
 * Finds the oidc auth provider of the selected user.
 *
 * @throws {UsageError} when no file, context or user matches, or the user has no oidc provider
 */
export async function loadOidcAuthProvider(
  selection: KubeconfigSelection,
): Promise<OidcAuthProvider> {
  const files: LoadedFile[] = [];
  for (const path of selection.files) {
    const text = await readIfPresent(path);
    if (text === undefined) continue;
    files.push({ path, document: parseYaml(path, text) });
  }
  if (files.length === 0) {
    throw new UsageError(
      `no kubeconfig found at ${selection.files.join(", ")}; ${STANDALONE_HINT}`,
    );
  }
  const userName = selection.user ?? contextUser(files, selection.context);
  for (const { path, document } of files) {
    const user = namedEntry(document, "users", userName)?.user;
    if (!isMap(user)) continue;
    const provider = user["auth-provider"];
    if (!isMap(provider) || provider.name !== "oidc") {
      throw new UsageError(
        `the user ${userName} in ${path} has no auth-provider of name oidc; ${STANDALONE_HINT}`,
      );
    }
    const config = provider.config;
    const read = (key: string) => {
      const value = isMap(config) ? config[key] : undefined;
      return typeof value === "string" && value !== "" ? value : undefined;
    };
    const issuerUrl = read("idp-issuer-url");
    const clientId = read("client-id");
    if (!issuerUrl || !clientId) {
      throw new UsageError(
        `the oidc auth-provider of ${userName} needs idp-issuer-url and client-id`,
      );
    }
    return {
      file: path,
      userName,
      issuerUrl,
      clientId,
      clientSecret: read("client-secret"),
      extraScopes: (read("extra-scopes") ?? "").split(",").filter(Boolean),
      certificateAuthority: read("idp-certificate-authority"),
      certificateAuthorityData: read("idp-certificate-authority-data"),
      idToken: read("id-token"),
      refreshToken: read("refresh-token"),
    };
  }
  throw new UsageError(`no user ${userName} in ${files.map((file) => file.path).join(", ")}`);
}

/** Writes the ID token and refresh token into the user's provider config, atomically. */
export async function saveOidcTokens(
  provider: OidcAuthProvider,
  idToken: string,
  refreshToken: string | undefined,
): Promise<void> {
  const document = parseYaml(provider.file, await Deno.readTextFile(provider.file));
  const user = namedEntry(document, "users", provider.userName)?.user;
  const authProvider = isMap(user) ? user["auth-provider"] : undefined;
  const config = isMap(authProvider) ? authProvider.config : undefined;
  if (!isMap(config)) {
    throw new UsageError(`the user ${provider.userName} disappeared from ${provider.file}`);
  }
  config["id-token"] = idToken;
  if (refreshToken) config["refresh-token"] = refreshToken;
  else delete config["refresh-token"];
  const mode = (await Deno.stat(provider.file)).mode ?? 0o600;
  const text = dump(document, { lineWidth: -1, noRefs: true });
  await writeFileAtomic(provider.file, new TextEncoder().encode(text), mode & 0o777);
}

function contextUser(files: readonly LoadedFile[], context: string | undefined): string {
  const contextName = context ??
    files.map(({ document }) => document["current-context"]).find(
      (value): value is string => typeof value === "string" && value !== "",
    );
  if (!contextName) {
    throw new UsageError(
      "no current-context in the kubeconfig; pass `kubeconfig.context` or `kubeconfig.user`",
      { settings: ["kubeconfig.context", "kubeconfig.user"] },
    );
  }
  for (const { document } of files) {
    const context = namedEntry(document, "contexts", contextName)?.context;
    const user = isMap(context) ? context.user : undefined;
    if (typeof user === "string" && user !== "") return user;
  }
  throw new UsageError(`no context ${contextName} with a user in the kubeconfig`);
}

/** The entry of a named list (`users`, `contexts`, `clusters`) with the given name. */
export function namedEntry(document: YamlMap, list: string, name: string): YamlMap | undefined {
  const entries = document[list];
  if (!Array.isArray(entries)) return undefined;
  return entries.find((item): item is YamlMap => isMap(item) && item.name === name);
}

/** A file's text, or `undefined` when it does not exist. */
export async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
