/**
 * GroupLimits is the work queue's first limit: keys may belong to groups (the ONTAP cluster an
 * object talks to), and at most `maxPerGroup` keys of one group run at once. A key whose group is
 * full is parked, in order, and the queue hands the worker to the next key of another group, so
 * one slow or dead cluster cannot hold every worker while the other tenants' keys wait.
 *
 * Low keys (drift checks) leave one of a group's slots to changes when the group has more than
 * one: a drift check waiting on a slow cluster never holds up a change to that cluster.
 *
 * Each time a key of a group ends, the group lets go its first parked key that now fits, changes
 * first; the queue puts it ahead of the keys queued after it, in its lane (queue-lanes.ts). It only
 * counts and parks; the queue asks {@link GroupLimits.full} before a key starts.
 */
import type { Priority } from './queue-lanes.js';

/** GroupLimits counts running keys per group and parks the ones of a full group; see the file comment. */
export class GroupLimits {
  /** running counts the keys being processed per group, all and low ones. */
  private readonly running = new Map<string, { all: number; low: number }>();
  /** runs remembers the group (and lane) a running key was counted in. */
  private readonly runs = new Map<string, { group: string; priority: Priority }>();
  /** parked holds, per full group and lane, the keys that came up meanwhile, in order. */
  private readonly parked = new Map<string, { high: Set<string>; low: Set<string> }>();
  private parkedKeys = 0;

  constructor(readonly maxPerGroup: number) {}

  /** size is the number of keys parked. */
  get size(): number {
    return this.parkedKeys;
  }

  /** full tells whether `group` has no slot for a key of `priority`; see the file comment for low keys. */
  full(group: string, priority: Priority): boolean {
    const r = this.running.get(group);
    if (r === undefined) return false;
    if (r.all >= this.maxPerGroup) return true;
    return priority === 'low' && this.maxPerGroup > 1 && r.low >= this.maxPerGroup - 1;
  }

  /** park holds `key` back, in lane `priority`, until a key of `group` ends. */
  park(group: string, key: string, priority: Priority): void {
    let lanes = this.parked.get(group);
    if (lanes === undefined) this.parked.set(group, (lanes = { high: new Set(), low: new Set() }));
    lanes[priority].add(key);
    this.parkedKeys++;
  }

  /**
   * upgrade is told that `key`, parked as low, is now a change: true if `group` has a change's
   * slot free, and the key is let go for the caller to queue; false if it stays parked, now in the
   * high lane, or is not parked here as low.
   */
  upgrade(group: string, key: string): boolean {
    const lanes = this.parked.get(group);
    if (lanes === undefined || !lanes.low.delete(key)) return false;
    if (!this.full(group, 'high')) {
      if (lanes.high.size === 0 && lanes.low.size === 0) this.parked.delete(group);
      this.parkedKeys--;
      return true;
    }
    lanes.high.add(key);
    return false;
  }

  /** start counts `key` as running in `group`, in lane `priority`. */
  start(key: string, group: string, priority: Priority): void {
    this.runs.set(key, { group, priority });
    const r = this.running.get(group) ?? { all: 0, low: 0 };
    this.running.set(group, { all: r.all + 1, low: r.low + (priority === 'low' ? 1 : 0) });
  }

  /**
   * end frees the slot of `key` and returns the first key parked for its group that now fits
   * (changes first), unparked for the caller to queue; undefined if none, or `key` was not counted.
   */
  end(key: string): string | undefined {
    const run = this.runs.get(key);
    if (run === undefined) return undefined;
    const { group, priority } = run;
    this.runs.delete(key);
    const r = this.running.get(group) ?? { all: 1, low: 0 };
    const left = { all: r.all - 1, low: r.low - (priority === 'low' ? 1 : 0) };
    if (left.all > 0) this.running.set(group, left);
    else this.running.delete(group);
    const lanes = this.parked.get(group);
    if (lanes === undefined) return undefined;
    const lane = lanes.high.size > 0 ? lanes.high : !this.full(group, 'low') ? lanes.low : undefined;
    const first = lane?.values().next();
    if (lane === undefined || first === undefined || first.done) return undefined;
    lane.delete(first.value);
    if (lanes.high.size === 0 && lanes.low.size === 0) this.parked.delete(group);
    this.parkedKeys--;
    return first.value;
  }

  /** clear drops every parked key and returns them; running keys stay counted until they end. */
  clear(): string[] {
    const keys: string[] = [];
    for (const lanes of this.parked.values()) keys.push(...lanes.high, ...lanes.low);
    this.parked.clear();
    this.parkedKeys = 0;
    return keys;
  }
}
