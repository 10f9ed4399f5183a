/**
 * When spec.keyRotation asks for the next rekey-internal: pure functions of the policy, what status
 * recorded of the last rotation, and the clock. A period counts from the last rotation this
 * operator ran (or from when the policy was first applied); the rotation then starts at the first
 * moment the maintenance window is open, in UTC.
 */
import { Limits } from '../../api/v1alpha1/constants.js';
import { rotationPeriodSeconds } from '../../api/v1alpha1/duration.js';
import { WEEKDAYS } from '../../api/v1alpha1/schema-key-manager.js';
import type { KeyRotationSpec, KeyRotationStatus, MaintenanceWindow } from '../../api/v1alpha1/types.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** periodMs is the policy's period in ms, held to the bounds admission allows. */
export function periodMs(policy: KeyRotationSpec): number {
  return rotationPeriodSeconds(policy.rotateEvery, { min: Limits.minRotateEverySeconds, max: Limits.maxRotateEverySeconds }) * 1000;
}

/** windowOpen tells whether the window is open at `t` (epoch ms); no window is always open. */
export function windowOpen(t: number, window: MaintenanceWindow | undefined): boolean {
  if (window === undefined) return true;
  const d = new Date(t);
  const day = WEEKDAYS[d.getUTCDay()];
  if (window.days.length > 0 && (day === undefined || !window.days.includes(day))) return false;
  const hour = d.getUTCHours();
  return hour >= window.startHour && hour < window.endHour;
}

/** nextOpening is the first moment at or after `t` at which the window is open. */
export function nextOpening(t: number, window: MaintenanceWindow | undefined): number {
  if (window === undefined || windowOpen(t, window)) return t;
  const dayStart = t - (((t % DAY_MS) + DAY_MS) % DAY_MS);
  for (let i = 0; i <= 7; i++) {
    const start = dayStart + i * DAY_MS + window.startHour * HOUR_MS;
    if (start >= t && windowOpen(start, window)) return start;
  }
  // A window that never opens (admission refuses one): try again in a week rather than never.
  return t + 7 * DAY_MS;
}

/** RotationClock is when the key was last rotated (or the policy applied) and when the next is due. */
export interface RotationClock {
  /** since is when the policy was first applied (kept from status, else now). */
  readonly since: string;
  /** base is the last rotation, else `since` (epoch ms): what the key's age counts from. */
  readonly base: number;
  /** due is when the next rotation may start (epoch ms): a period after base, in the window. */
  readonly due: number;
}

/** rotationClock reads the schedule off the policy and status at `now`. */
export function rotationClock(policy: KeyRotationSpec, status: KeyRotationStatus | undefined, now: number): RotationClock {
  const since = status?.since ?? new Date(now).toISOString();
  const last = status?.lastRekeyTime !== undefined ? Date.parse(status.lastRekeyTime) : Number.NaN;
  const base = Number.isNaN(last) ? Date.parse(since) : last;
  return { since, base, due: nextOpening(base + periodMs(policy), policy.window) };
}
