/**
 * A counting semaphore: the per-cluster bound on REST calls in flight. ONTAP caps concurrent
 * REST sessions and refuses work when its input queue is full, so the client queues locally
 * instead of piling requests onto the cluster.
 */

/** Semaphore admits at most `limit` holders at once; the rest wait in FIFO order. */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  /** Semaphore creates a semaphore admitting `limit` (≥ 1) holders. */
  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
    }
  }

  /** inFlight is the number of current holders. */
  get inFlight(): number {
    return this.active;
  }

  /** waiting is the number of callers queued for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * acquire resolves when a slot is free; call the returned function exactly once to release it.
   * When `signal` aborts before a slot is handed over, the caller leaves the queue and acquire
   * rejects with a SemaphoreAbortedError.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted === true) throw new SemaphoreAbortedError();
    if (this.active < this.limit) {
      this.active++;
    } else {
      // The releasing holder hands its slot straight to us, so `active` stays unchanged.
      await this.wait(signal);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    };
  }

  /** run calls `fn` while holding a slot; `signal` only cuts the wait for the slot short. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        // Not queued any more: the slot was already handed over, and the caller owns it.
        if (i < 0) return;
        this.waiters.splice(i, 1);
        reject(new SemaphoreAbortedError());
      };
      const waiter = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** SemaphoreAbortedError is an acquire given up because its signal aborted. */
export class SemaphoreAbortedError extends Error {
  constructor() {
    super('aborted while waiting for a free request slot');
    this.name = 'SemaphoreAbortedError';
  }
}
