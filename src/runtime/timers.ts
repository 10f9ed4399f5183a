/**
 * Timers that cannot overflow. Node keeps a timer's delay in a signed 32-bit integer: any delay
 * above 2^31-1 ms (24.8 days), and any non-finite one, silently becomes 1 ms, so a large
 * interval taken from user input turns into a hot loop. Every timer in the operator goes
 * through here.
 */

/** MAX_TIMER_MS is the longest delay Node's timers honour: 2^31-1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * timerDelay is `ms` made safe for setTimeout: negative and NaN become 0 (now), anything above
 * MAX_TIMER_MS (Infinity included) becomes MAX_TIMER_MS. A caller that needs the later time
 * re-checks when the timer fires; a level-based reconcile only looks earlier than asked.
 */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(Math.round(ms), MAX_TIMER_MS);
}

/** safeTimeout is setTimeout with the delay passed through {@link timerDelay}. */
export function safeTimeout(fn: () => void, ms: number): NodeJS.Timeout {
  return setTimeout(fn, timerDelay(ms));
}
