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

  /** acquire resolves when a slot is free; call the returned function exactly once to release it. */
  async acquire(): Promise<() => void> {
    if (this.active < this.limit) {
      this.active++;
    } else {
      // The releasing holder hands its slot straight to us, so `active` stays unchanged.
      await new Promise<void>((resolve) => this.waiters.push(resolve));
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

  /** run calls `fn` while holding a slot. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
