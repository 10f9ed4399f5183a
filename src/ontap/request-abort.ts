/**
 * The abort of one HTTP exchange: whichever comes first of the per-request timeout, the
 * caller's AbortSignal, or the client itself (a body past its size bound) fires one signal, and
 * the exchange's error says which it was. The timer and the caller's signal are the runtime's
 * {@link deadline}; this only remembers who fired.
 */
import { type Deadline, deadline } from '../runtime/timers.js';

/** AbortCause says who stopped an exchange. */
export type AbortCause = 'timeout' | 'caller' | 'client';

/** NEVER is the parent of an exchange whose caller passed no signal. */
const NEVER = new AbortController().signal;

/** RequestAbort owns the signal handed to fetch for one exchange; call dispose when it is over. */
export class RequestAbort {
  private readonly limit: Deadline;
  private firedBy: AbortCause | undefined;

  /** RequestAbort starts the timeout and listens to `caller`. */
  constructor(
    timeoutMs: number,
    private readonly caller: AbortSignal | undefined,
  ) {
    this.limit = deadline(caller ?? NEVER, timeoutMs);
    if (this.limit.signal.aborted) this.fired();
    else this.limit.signal.addEventListener('abort', () => this.fired(), { once: true });
  }

  /** signal aborts when the exchange must stop. */
  get signal(): AbortSignal {
    return this.limit.signal;
  }

  /** cause is who stopped the exchange, or undefined while nobody has. */
  get cause(): AbortCause | undefined {
    return this.firedBy;
  }

  /** abort stops the exchange on the client's own decision (the socket is destroyed, not reused). */
  abort(): void {
    this.firedBy ??= 'client';
    this.limit.abort(new Error('request aborted by the client'));
  }

  /** dispose stops the timer and forgets the caller's signal. */
  dispose(): void {
    this.limit.dispose();
  }

  private fired(): void {
    this.firedBy ??= this.caller?.aborted === true ? 'caller' : 'timeout';
  }
}
