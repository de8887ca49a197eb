/**
 * Flags of the login experience added after the kubelogin-compatible set in `flags.ts`: the
 * device-code QR code, and the token exchange grant's inputs. Plain data, on the hot path like
 * `flags.ts`.
 *
 * @module
 */

import type { FlagSpec } from "./flags.ts";

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
