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
