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

/** Deadline is a signal that aborts when its parent does or its time runs out; dispose it when done. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** abort ends it early with `reason`. */
  abort(reason: Error): void;
  /** dispose stops the timer and unhooks from the parent. */
  dispose(): void;
}

/**
 * deadline derives a signal from `parent` that also aborts after `ms` (reason: a TimeoutError).
 * A listener that dispose removes, not AbortSignal.any: the parent lives as long as the process,
 * and Node keeps every signal AbortSignal.any derives from it (nodejs/node#55351), one per call.
 */
export function deadline(parent: AbortSignal, ms: number): Deadline {
  const controller = new AbortController();
  const onParent = (): void => controller.abort(parent.reason);
  const timer = safeTimeout(() => controller.abort(new DOMException(`deadline of ${ms} ms exceeded`, 'TimeoutError')), ms);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParent);
    },
  };
}

/**
 * noticeLate awaits `pending`. When it has not settled by `due()` (epoch ms, read again when its
 * timer fires: what the caller waits on may have changed meanwhile), `onLate` runs once: if it
 * returns, the wait goes on (the caller said "no answer yet" without giving the answer up); if it
 * throws, the wait is given up with its error, and whatever `pending` ends with later is ignored.
 */
export async function noticeLate<T>(pending: Promise<T>, due: () => number, onLate: () => Promise<void>, now: () => number = Date.now): Promise<T> {
  const late = Symbol('late');
  let timer: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      const fired = new Promise<typeof late>((resolve) => {
        timer = safeTimeout(() => resolve(late), due() - now());
      });
      const settled = await Promise.race([pending, fired]);
      clearTimeout(timer);
      if (settled !== late) return settled;
      if (due() <= now()) {
        try {
          await onLate();
        } catch (e) {
          pending.catch(() => undefined);
          throw e;
        }
        return await pending;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
