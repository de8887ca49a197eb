/**
 * Times as people read them: an absolute UTC time and how far it is from now.
 *
 * @module
 */

/** `2026-11-29 15:30:00 UTC`. */
export function utcText(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** A duration in the largest sensible units: `45s`, `12m`, `3h 5m`, `4d 2h`. */
function durationText(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

/** `in 12m` or `12m ago`. */
export function relativeText(epochMs: number, now: number = Date.now()): string {
  const delta = epochMs - now;
  return delta >= 0 ? `in ${durationText(delta)}` : `${durationText(delta)} ago`;
}
