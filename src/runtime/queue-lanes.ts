/**
 * PriorityLanes is the order in which the work queue's waiting keys go to a worker, like
 * controller-runtime's priority queue: a key added because something changed (an event) waits in
 * the high lane, a periodic drift check or the initial list in the low lane, so a Secret rotation
 * made just after a drift-check boundary does not wait behind thousands of drift checks.
 *
 * High goes before low, but a low key that has waited `agingMs` gets every other turn, so a steady
 * stream of events cannot starve the drift checks (controller-runtime#3496). A key a limit held
 * back and then let go (queue-groups.ts, queue-limits.ts) already waited its turn: it goes first
 * in its lane, but in its lane, so a drift check let go never goes ahead of a change; it keeps the
 * time it was let go, so aging sees it too.
 *
 * The lanes only order keys. Which lane a key belongs in, that a retry keeps the priority its key
 * ran with (controller-runtime#3330), and how many workers low keys may hold are the queue's.
 */

/** Priority says which lane a key waits in: 'high' for changes, 'low' for periodic re-checks. */
export type Priority = 'high' | 'low';

/** PriorityLanes holds the keys waiting for a worker in two lanes; see the file comment. */
export class PriorityLanes {
  /** the two lanes, each in order, with the time each key joined. */
  private readonly high = new Map<string, number>();
  private readonly low = new Map<string, number>();
  /** released holds, per lane, keys a limit let go, each with the time it was let go; they go first in their lane. */
  private readonly released = { high: new Map<string, number>(), low: new Map<string, number>() };
  /** lowTurn alternates turns while the low lane's oldest key is past agingMs. */
  private lowTurn = false;

  constructor(private readonly agingMs: number) {}

  /** size is the number of keys waiting. */
  get size(): number {
    return this.high.size + this.low.size + this.released.high.size + this.released.low.size;
  }

  /** push queues `key` at the end of lane `priority`, or, `released` (a limit let it go), ahead of the keys queued after it. */
  push(key: string, priority: Priority, released = false): void {
    (released ? this.released[priority] : priority === 'low' ? this.low : this.high).set(key, Date.now());
  }

  /** promote moves `key` from the low lane to the end of the high one; false if it does not wait in the low lane. */
  promote(key: string): boolean {
    if (!this.low.delete(key) && !this.released.low.delete(key)) return false;
    this.high.set(key, Date.now());
    return true;
  }

  /**
   * shift takes the next waiting key: high before low, with low turns when low has aged; released
   * keys first in each lane. With `lowAllowed` false only a high key is taken (every worker the
   * low keys may hold is busy), though the turn still counts.
   */
  shift(lowAllowed: boolean): string | undefined {
    // The low lane's oldest key is at the head of its released keys or of the rest.
    const lowSince = Math.min(this.released.low.values().next().value ?? Infinity, this.low.values().next().value ?? Infinity);
    const aged = Date.now() - lowSince >= this.agingMs;
    this.lowTurn = aged && !this.lowTurn;
    const highWaiting = this.high.size + this.released.high.size;
    let lane: Priority = highWaiting === 0 || (aged && this.lowTurn) ? 'low' : 'high';
    if (lane === 'low' && !lowAllowed) lane = 'high';
    for (const waiting of lane === 'low' ? [this.released.low, this.low] : [this.released.high, this.high]) {
      const head = waiting.keys().next();
      if (head.done) continue;
      waiting.delete(head.value);
      return head.value;
    }
    return undefined;
  }

  /** clear drops every waiting key and returns them. */
  clear(): string[] {
    const keys: string[] = [];
    for (const lane of [this.high, this.low, this.released.high, this.released.low]) keys.push(...lane.keys());
    for (const lane of [this.high, this.low, this.released.high, this.released.low]) lane.clear();
    return keys;
  }
}
