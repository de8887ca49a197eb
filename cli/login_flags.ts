/**
 * Flags of how to log in ({@link AUTHENTICATION_FLAGS}), with those added after the
 * kubelogin-compatible set: the device-code QR code, and the token exchange grant's inputs. Plain
 * data, on the hot path like `flags.ts`.
 *
 * @module
 */

import { GRANT_TYPE_CHOICES } from "../lib/login_options.ts";
import type { FlagSpec } from "./flags.ts";

/** Flags kubelogin removed or renamed; old kubeconfigs still carry them. */
export const REMOVED_NOTE = "Accepted for kubeconfigs written for older kubelogin releases";

/** `--device-code-qr` values. */
export const DEVICE_CODE_QR_CHOICES: readonly string[] = ["auto", "always", "never"];

/** Flags of the device-code grant's display. */
export const DEVICE_CODE_FLAGS: readonly FlagSpec[] = [
  {
    name: "device-code-qr",
    kind: "string",
    description:
      "[device-code] Draw a QR code of the verification URL; auto draws it on a terminal",
    choices: DEVICE_CODE_QR_CHOICES,
    defaultText: "auto",
  },
];

/** Flags of the token exchange grant (RFC 8693), named as in kubelogin. */
export const TOKEN_EXCHANGE_FLAGS: readonly FlagSpec[] = [
  {
    name: "token-exchange-resource",
    kind: "string",
    description: "[token-exchange] URI of the service the token is for (resource)",
  },
  {
    name: "token-exchange-audience",
    kind: "string",
    description: "[token-exchange] Name of the service the token is for (audience)",
  },
  {
    name: "token-exchange-requested-token-type",
    kind: "string",
    description: "[token-exchange] Token type URI to ask for (requested_token_type)",
  },
  {
    name: "token-exchange-subject-token",
    kind: "string",
    description:
      "[token-exchange] The token to exchange, or the name of an environment variable holding it " +
      "(safer: argv is visible to other users)",
  },
  {
    name: "token-exchange-subject-token-type",
    kind: "string",
    description: "[token-exchange] Token type URI of the subject token",
    defaultText: "urn:ietf:params:oauth:token-type:access_token",
  },
  {
    name: "token-exchange-actor-token",
    kind: "string",
    description:
      "[token-exchange] Token of the acting party, or the name of an environment variable holding it",
  },
  {
    name: "token-exchange-actor-token-type",
    kind: "string",
    description: "[token-exchange] Token type URI of the actor token",
  },
];

/** How to log in. */
export const AUTHENTICATION_FLAGS: readonly FlagSpec[] = [
  {
    name: "grant-type",
    kind: "string",
    description: "Authorization grant type; auto is password when --username is set, else authcode",
    choices: GRANT_TYPE_CHOICES,
    defaultText: "auto",
  },
  {
    name: "listen-address",
    kind: "stringSlice",
    description: "[authcode] Local server addresses, tried in order",
    defaultText: "127.0.0.1:8000,127.0.0.1:18000",
  },
  {
    name: "skip-open-browser",
    kind: "bool",
    description: "[authcode, device-code] Do not open the browser",
  },
  {
    name: "browser-command",
    kind: "string",
    description:
      "[authcode, device-code] Command to open the browser (the URL is its last argument)",
  },
  {
    name: "authentication-timeout-sec",
    kind: "int",
    description:
      "Seconds a browser login or device approval may take, and the wait for another process's login",
    defaultText: "180",
  },
  {
    name: "local-server-cert",
    kind: "string",
    description: "[authcode] Certificate file for an HTTPS local server",
  },
  {
    name: "local-server-key",
    kind: "string",
    description: "[authcode] Key file for an HTTPS local server",
  },
  {
    name: "open-url-after-authentication",
    kind: "string",
    description: "[authcode] URL to show in the browser after the login",
  },
  {
    name: "oidc-auth-request-extra-params",
    kind: "map",
    description:
      "[authcode, authcode-keyboard, device-code, client-credentials] Extra parameters of the authorization, device authorization or token request (key=value, repeatable)",
  },
  ...DEVICE_CODE_FLAGS,
  ...TOKEN_EXCHANGE_FLAGS,
  { name: "username", kind: "string", description: "[password] Username" },
  {
    name: "password",
    kind: "string",
    description: "[password] Password; asked on the terminal when absent",
  },
  {
    name: "listen-port",
    kind: "intSlice",
    description: `${REMOVED_NOTE}: --listen-address=127.0.0.1:PORT`,
    hidden: true,
  },
  {
    name: "oidc-redirect-url-hostname",
    kind: "string",
    description: `${REMOVED_NOTE}: [authcode] host name of the local redirect URL`,
    hidden: true,
  },
  {
    name: "oidc-redirect-url-authcode-keyboard",
    kind: "string",
    description: `${REMOVED_NOTE}: --oidc-redirect-url`,
    hidden: true,
  },
];
