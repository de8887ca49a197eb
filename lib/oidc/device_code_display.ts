/**
 * What the device-code login shows besides the URL and code: when the code expires (a countdown
 * on a terminal, one plain line otherwise), that it expired, and a QR code of the complete
 * verification URI for a phone. The QR library is imported only here, and only when drawing.
 *
 * @module
 */

import type { Interaction } from "../interaction.ts";
import type { LoginOptions } from "../login_options.ts";
import type { DeviceAuthorization } from "./device_code.ts";

/** How often the countdown is redrawn. */
const TICK_MS = 1000;

/** The device code's countdown on display; disposing it stops the countdown. */
export interface DeviceCodeDetails extends Disposable {
  /** Says the code expired now: the provider said so, whatever our clock says. */
  expired(): void;
}

/**
 * Shows the QR code and the expiry, and keeps the countdown running until disposed.
 *
 * @param now the clock, for tests
 */
export async function showDeviceCodeDetails(
  authorization: DeviceAuthorization,
  options: Pick<LoginOptions, "deviceCodeQr">,
  interaction: Interaction,
  now: () => number = Date.now,
): Promise<DeviceCodeDetails> {
  const { logger } = interaction;
  const uri = authorization.verificationUriComplete;
  if (options.deviceCodeQr && uri) {
    const { renderUnicodeCompact } = await import("uqr");
    logger.info(`Or scan this QR code with a phone:\n${renderUnicodeCompact(uri).trimEnd()}`);
  }
  if (authorization.expiresIn === undefined) return { expired() {}, [Symbol.dispose]() {} };
  const expiresAt = now() + authorization.expiresIn * 1000;
  logger.info(
    `The code expires in ${formatDuration(authorization.expiresIn)}, at ${clockTime(expiresAt)}`,
  );
  let announced = false;
  const announceExpiry = (reported = false) => {
    if (announced || (!reported && now() < expiresAt)) return;
    announced = true;
    clearInterval(timer);
    logger.status?.(undefined);
    logger.info(`The code expired at ${clockTime(expiresAt)}`);
  };
  const tick = () => {
    const left = Math.ceil((expiresAt - now()) / 1000);
    if (left <= 0) return announceExpiry();
    logger.status?.(`Waiting for approval; the code expires in ${formatDuration(left)}`);
  };
  const timer = setInterval(tick, TICK_MS);
  return {
    expired: () => announceExpiry(true),
    [Symbol.dispose]() {
      // The poll may notice the expiry before the next tick does.
      announceExpiry();
      clearInterval(timer);
      logger.status?.(undefined);
    },
  };
}

/** `9:05` for 545 seconds, `1:00:00` for an hour. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, "0");
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return hours > 0 ? `${hours}:${two(minutes)}:${two(s % 60)}` : `${minutes}:${two(s % 60)}`;
}

/** The local wall-clock time, `14:52:10`. */
function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}
