/**
 * The abort of one HTTP exchange: whichever comes first of the per-request timeout, the
 * caller's AbortSignal, or the client itself (a body past its size bound) fires one signal, and
 * the exchange's error says which it was.
 */

/** AbortCause says who stopped an exchange. */
export type AbortCause = 'timeout' | 'caller' | 'client';

/** RequestAbort owns the signal handed to fetch for one exchange; call dispose when it is over. */
export class RequestAbort {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private firedBy: AbortCause | undefined;
  private readonly onCallerAbort = (): void => this.fire('caller');

  /**
   * RequestAbort starts the timeout and listens to `caller`. A listener removed in dispose, not
   * AbortSignal.any: the caller's signal lives as long as the operator, and Node keeps every
   * signal AbortSignal.any derived from it (nodejs/node#55351), one per request.
   */
  constructor(
    timeoutMs: number,
    private readonly caller: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => this.fire('timeout'), timeoutMs);
    if (caller?.aborted === true) this.fire('caller');
    else caller?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  /** signal aborts when the exchange must stop. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** cause is who stopped the exchange, or undefined while nobody has. */
  get cause(): AbortCause | undefined {
    return this.firedBy;
  }

  /** abort stops the exchange on the client's own decision (the socket is destroyed, not reused). */
  abort(): void {
    this.fire('client');
  }

  /** dispose stops the timer and forgets the caller's signal. */
  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }

  private fire(cause: AbortCause): void {
    if (this.firedBy !== undefined) return;
    this.firedBy = cause;
    this.controller.abort();
  }
}
