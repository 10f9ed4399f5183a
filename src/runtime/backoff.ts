/**
 * Exponential backoff with jitter, and an abortable sleep: the two pieces every retry loop in the
 * runtime (queue, informer, leader election) shares.
 */
import { safeTimeout } from './timers.js';

/** BackoffOptions shape one exponential backoff. */
export interface BackoffOptions {
  /** initialMs is the delay after the first failure. */
  readonly initialMs: number;
  /** maxMs caps every delay, jitter included. */
  readonly maxMs: number;
  /**
   * jitter is the largest share of the delay taken off at random, so that many keys or
   * processes failing together do not retry in lockstep. @default 0.1
   */
  readonly jitter?: number;
}

/**
 * backoffDelay is the delay before retry number `failures` (0 = first retry):
 * `initialMs * 2^failures`, capped at `maxMs`, then reduced by up to `jitter` of itself.
 * Jitter only ever shortens the delay so the cap stays a hard upper bound.
 */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(Math.max(failures, 0), 52);
  const raw = Math.min(options.initialMs * 2 ** exp, options.maxMs);
  const jitter = options.jitter ?? 0.1;
  return Math.max(0, Math.round(raw * (1 - jitter * random())));
}

/**
 * sleep resolves after `ms`, or early (without rejecting) when `signal` aborts, so that loops
 * can check their own stop flag instead of catching abort errors.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = safeTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * abortable settles like `p`, or rejects with `onAbort()` as soon as `signal` aborts, leaving
 * `p` to finish on its own: for a wait on work shared with others (one coalesced read), which
 * one caller's abort must not cancel for all.
 */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, onAbort: () => Error): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
