/**
 * The flags of every command, declared once as data. Both parsers read this table: the fast
 * get-token parser on the cache-hit path (`fast_args.ts`) and the CLI library behind help, errors
 * and the other commands (`program.ts`). Names, kinds and defaults follow int128/kubelogin, so a
 * kubeconfig written for it works unchanged.
 *
 * This module is plain data and small functions: it is on the hot path.
 *
 * @module
 */

import { TOKEN_CACHE_STORAGE_CHOICES } from "../lib/cache/storage.ts";
import { AUTHENTICATION_FLAGS, REMOVED_NOTE } from "./login_flags.ts";

export { accumulateFlag, missingRequiredFlag } from "./flag_values.ts";
export { AUTHENTICATION_FLAGS } from "./login_flags.ts";

/**
 * How a flag takes values, after pflag's kinds in kubelogin:
 * - `string`, `int`: one value, the last one wins;
 * - `bool`: `--flag` or `--flag=true|false`;
 * - `stringSlice`, `intSlice`: repeatable, and each value is split on commas
 *   (`--oidc-extra-scope=a,b`);
 * - `stringArray`: repeatable, never split (file names, base64 data);
 * - `map`: repeatable `key=value`; a value with one `=` is one pair, commas and all, while one
 *   with several is comma-separated pairs (`--oidc-request-header=A=1,B=2`), as pflag reads it.
 */
export type FlagKind =
  | "string"
  | "bool"
  | "int"
  | "intSlice"
  | "stringSlice"
  | "stringArray"
  | "map";

/** One flag of one or more commands. */
export interface FlagSpec {
  /** The long name, without dashes. */
  name: string;
  kind: FlagKind;
  description: string;
  /** One-letter alias (`v` for `-v1`). */
  short?: string;
  /** The default shown in help; applied by `options.ts`, not by the parsers. */
  defaultText?: string;
  /** An environment variable read when the flag is absent; shown in help. */
  env?: string;
  /** Allowed values, checked by both parsers. */
  choices?: readonly string[];
  /** Accepted for compatibility, left out of help. */
  hidden?: boolean;
  /** Must be given, and not empty; both parsers check it. */
  required?: boolean;
  /** A provider URL: absolute `https://`, or `http://` on loopback; both parsers check it. */
  url?: boolean;
}

/** A parsed flag value. */
export type FlagValue =
  | string
  | boolean
  | number
  | string[]
  | number[]
  | Record<string, string>;

/** The flags given on the command line, by long name. Absent flags are not in the map. */
export type ParsedFlags = Map<string, FlagValue>;

const KLOG_NOTE = "Accepted for compatibility with kubelogin's klog flags; no effect";

/**
 * The `-v`/`--v` log level of klog, which kubelogin inherits, and klog's other flags, which every
 * kubelogin command accepts: they are taken and ignored, as this program logs only to stderr.
 */
export const LOG_FLAGS: readonly FlagSpec[] = [
  {
    name: "v",
    short: "v",
    kind: "int",
    description: "Log level: 1 shows the steps and the cache entry, 2 each request to the " +
      "provider, 3 its response headers; tokens and secrets are never logged",
    defaultText: "0",
  },
  ...([
    ["add_dir_header", "bool"],
    ["alsologtostderr", "bool"],
    ["legacy_stderr_threshold_behavior", "bool"],
    ["log_backtrace_at", "string"],
    ["log_dir", "string"],
    ["log_file", "string"],
    ["log_file_max_size", "int"],
    ["logtostderr", "bool"],
    ["one_output", "bool"],
    ["skip_headers", "bool"],
    ["skip_log_headers", "bool"],
    ["stderrthreshold", "string"],
    ["vmodule", "string"],
  ] as const).map(([name, kind]): FlagSpec => ({
    name,
    kind,
    description: KLOG_NOTE,
    hidden: true,
  })),
];

/** `--oidc-request-header`: of `get-token` and the other commands, and of standalone mode. */
const REQUEST_HEADER_FLAG: FlagSpec = {
  name: "oidc-request-header",
  kind: "map",
  description: "HTTP header sent with every request to the provider (Name=Value, repeatable)",
};

/** The identity provider and client. */
export const PROVIDER_FLAGS: readonly FlagSpec[] = [
  {
    name: "oidc-issuer-url",
    kind: "string",
    description: "Issuer URL of the provider (mandatory)",
    url: true,
  },
  { name: "oidc-client-id", kind: "string", description: "Client ID of the provider (mandatory)" },
  {
    name: "oidc-client-secret",
    kind: "string",
    env: "OIDC_CLIENT_SECRET",
    description: "Client secret of the provider; prefer the environment variable",
  },
  {
    name: "oidc-redirect-url",
    kind: "string",
    description: "[authcode, authcode-keyboard] Redirect URL",
  },
  {
    name: "oidc-extra-scope",
    kind: "stringSlice",
    description: "Scopes to request besides openid (repeatable, comma-separated)",
  },
  {
    name: "oidc-use-access-token",
    kind: "bool",
    description: "Give kubectl the access token instead of the ID token",
  },
  REQUEST_HEADER_FLAG,
];

/** Where the token cache lives. */
export const TOKEN_CACHE_FLAGS: readonly FlagSpec[] = [
  {
    name: "token-cache-dir",
    kind: "string",
    description: "Directory of the token cache",
    defaultText: "$KUBECACHEDIR/oidc-login or ~/.kube/cache/oidc-login",
  },
  {
    name: "token-cache-storage",
    kind: "string",
    description: "Storage for the token cache",
    choices: TOKEN_CACHE_STORAGE_CHOICES,
    defaultText: "disk",
  },
];

/**
 * Keyring switches of kubelogin development builds before 1.32, replaced by
 * `--token-cache-storage`.
 */
export const KEYRING_SWITCH_FLAGS: readonly FlagSpec[] = [
  {
    name: "force-keyring",
    kind: "bool",
    description: `${REMOVED_NOTE}: --token-cache-storage=keyring`,
    hidden: true,
  },
  {
    name: "no-keyring",
    kind: "bool",
    description: `${REMOVED_NOTE}: --token-cache-storage=disk`,
    hidden: true,
  },
];

/** Trust settings for HTTPS to the provider. */
export const TLS_FLAGS: readonly FlagSpec[] = [
  {
    name: "certificate-authority",
    kind: "stringArray",
    description: "Path to a PEM file of CA certificates for the provider (repeatable)",
  },
  {
    name: "certificate-authority-data",
    kind: "stringArray",
    description: "Base64-encoded PEM CA certificates for the provider (repeatable)",
  },
  {
    name: "insecure-skip-tls-verify",
    kind: "bool",
    description: "[SECURITY RISK] Do not verify the provider's certificate (see docs/usage.md)",
  },
  {
    name: "tls-renegotiation-once",
    kind: "bool",
    description: "Accepted for compatibility; Deno's TLS never renegotiates",
    hidden: true,
  },
  {
    name: "tls-renegotiation-freely",
    kind: "bool",
    description: "Accepted for compatibility; Deno's TLS never renegotiates",
    hidden: true,
  },
];

/** PKCE. */
export const PKCE_FLAGS: readonly FlagSpec[] = [
  {
    name: "oidc-pkce-method",
    kind: "string",
    description: "PKCE code challenge method; auto uses S256 when the provider supports it",
    choices: ["auto", "no", "S256"],
    defaultText: "auto",
  },
  {
    name: "oidc-use-pkce",
    kind: "bool",
    description: "Force PKCE S256 (same as --oidc-pkce-method=S256)",
    hidden: true,
  },
];

/** Flags `get-token` cannot run without: kubectl has no other way to name the provider. */
const GET_TOKEN_REQUIRED = new Set(["oidc-issuer-url", "oidc-client-id"]);

/** `get-token`: the credential plugin itself. */
export const GET_TOKEN_FLAGS: readonly FlagSpec[] = [
  ...PROVIDER_FLAGS.map((spec) =>
    GET_TOKEN_REQUIRED.has(spec.name) ? { ...spec, required: true } : spec
  ),
  {
    name: "force-refresh",
    kind: "bool",
    description: "Refresh the token even when the cached one is still valid",
  },
  ...TOKEN_CACHE_FLAGS,
  ...KEYRING_SWITCH_FLAGS,
  ...TLS_FLAGS,
  ...PKCE_FLAGS,
  ...AUTHENTICATION_FLAGS,
  ...LOG_FLAGS,
];

/**
 * `get-token`'s flags with none required, so that `status`, `logout` and `doctor` take a
 * kubeconfig's arguments unchanged, or none at all.
 */
const GET_TOKEN_FLAGS_OPTIONAL: readonly FlagSpec[] = GET_TOKEN_FLAGS.map(
  ({ required: _, ...spec }) => spec,
);

/** `status`: list the cached identities. */
export const STATUS_FLAGS: readonly FlagSpec[] = [
  ...GET_TOKEN_FLAGS_OPTIONAL,
  {
    name: "output",
    short: "o",
    kind: "string",
    description: "Output format",
    choices: ["text", "json"],
    defaultText: "text",
  },
];

/** `logout`: revoke and delete cached tokens. */
export const LOGOUT_FLAGS: readonly FlagSpec[] = GET_TOKEN_FLAGS_OPTIONAL;

/** The kubeconfig file, as kubectl's `--kubeconfig`. */
const KUBECONFIG_FLAG: FlagSpec = {
  name: "kubeconfig",
  kind: "string",
  description: "Path to the kubeconfig file",
  defaultText: "$KUBECONFIG or ~/.kube/config",
};

/**
 * `doctor`: check the configuration, one line per check. Its flags: a bad issuer URL is one of the things it reports as a failed check, so its URL
 * flags are not refused when parsed.
 */
export const DOCTOR_FLAGS: readonly FlagSpec[] = [
  ...GET_TOKEN_FLAGS_OPTIONAL.map(({ url: _, ...spec }) => spec),
  KUBECONFIG_FLAG,
];

/** `setup`'s flags for writing the kubeconfig itself instead of printing the command. */
export const SETUP_KUBECONFIG_FLAGS: readonly FlagSpec[] = [
  {
    name: "write-kubeconfig",
    kind: "bool",
    description: "Write the user (and with --context-name, a context) into the kubeconfig",
  },
  KUBECONFIG_FLAG,
  {
    name: "kubeconfig-user",
    kind: "string",
    description: "[--write-kubeconfig] Name of the kubeconfig user to write",
    defaultText: "oidc",
  },
  {
    name: "context-name",
    kind: "string",
    description: "[--write-kubeconfig] Also write a context of this name for the user",
  },
  {
    name: "cluster",
    kind: "string",
    description: "[--write-kubeconfig] The cluster of the context (with --context-name)",
  },
];

/** `setup`: log in once and print the claims and the kubeconfig instructions. */
export const SETUP_FLAGS: readonly FlagSpec[] = [
  ...PROVIDER_FLAGS,
  ...TOKEN_CACHE_FLAGS,
  ...TLS_FLAGS,
  ...PKCE_FLAGS,
  ...AUTHENTICATION_FLAGS,
  ...SETUP_KUBECONFIG_FLAGS,
  ...LOG_FLAGS,
];

/** `clean`: delete the token cache. */
export const CLEAN_FLAGS: readonly FlagSpec[] = [
  ...TOKEN_CACHE_FLAGS,
  {
    name: "oidc-issuer-url",
    kind: "string",
    description: "Delete only the entries of this issuer",
  },
  {
    name: "oidc-client-id",
    kind: "string",
    description: "Delete only the entries of this client (with --oidc-issuer-url)",
  },
  ...LOG_FLAGS,
];

/** Standalone mode: log in and write the token into the kubeconfig. */
export const ROOT_FLAGS: readonly FlagSpec[] = [
  { name: "kubeconfig", kind: "string", description: "Path to the kubeconfig file" },
  { name: "context", kind: "string", description: "Name of the kubeconfig context to use" },
  {
    name: "user",
    kind: "string",
    description: "Name of the kubeconfig user to use; takes precedence over --context",
  },
  ...TLS_FLAGS,
  ...PKCE_FLAGS,
  REQUEST_HEADER_FLAG,
  ...AUTHENTICATION_FLAGS,
  ...LOG_FLAGS,
];
