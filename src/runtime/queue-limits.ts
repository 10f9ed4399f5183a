/**
 * TenantShares is the work queue's second limit, beside its groups (queue-groups.ts): keys belong
 * to tenants (the namespace of an object; a cluster-scoped object has none), and each tenant has a
 * share of the workers (`share`, half of them by default). It only counts and parks; the queue
 * decides, with {@link TenantShares.allows}, whether a key may run now.
 *
 * The share is not a hard cap, so an install with one namespace keeps its workers busy: a tenant
 * at its share may borrow a further worker only while another stays idle afterwards, for a
 * newcomer (and a key of a tenant under its share waiting meanwhile goes first: the queue looks
 * through its lanes before it lends anything). One exception keeps changes ahead of drift checks
 * within a tenant: a change (a high key) may take that last idle worker while fewer than `share`
 * of its tenant's running keys are changes, so a rotation never waits behind its own namespace's
 * drift checks. A tenant holding several dead clusters therefore keeps at most all workers but
 * one on them, whatever the groups allow, and another tenant's key finds that one.
 *
 * Keys held back are parked per tenant and lane, in order; one is let go each time a key of its
 * tenant ends, changes first, but a drift check parked for `agingMs` gets every other turn.
 *
 * Borrowing, and the change's exception, can still leave no worker idle: then a key of a tenant
 * under its share that arrives asks the queue to cut one borrowed run short (its `onPreempt`):
 * the latest drift check of a tenant past its share, else its latest change. The reconciler ends
 * only its wait for ONTAP's answer (never a write in flight), and the key runs again later. So a
 * tenant goes past its share only while no other tenant waits, for as long as a read takes to be
 * cut, not a request timeout.
 */
import type { Priority } from './queue-lanes.js';

interface Parked {
  readonly high: Map<string, number>;
  readonly low: Map<string, number>;
  /** lowTurn: a change was let go last, so an aged drift check goes next. */
  lowTurn: boolean;
}

/** TenantShares counts running keys per tenant and parks the ones over share; see the file comment. */
export class TenantShares {
  /** running counts the keys being processed per tenant, all and high ones. */
  private readonly running = new Map<string, { all: number; high: number }>();
  /** runs holds each key being processed with its tenant and lane, in the order they started. */
  private readonly runs = new Map<string, { tenant: string; priority: Priority }>();
  private readonly parked = new Map<string, Parked>();
  private parkedKeys = 0;

  constructor(
    readonly share: number,
    private readonly agingMs: number,
  ) {}

  /** runningOf is the number of keys of `tenant` being processed. */
  runningOf(tenant: string): number {
    return this.running.get(tenant)?.all ?? 0;
  }

  /** size is the number of keys parked. */
  get size(): number {
    return this.parkedKeys;
  }

  /**
   * allows tells whether a key of `tenant` and `priority` may start now, `idle` workers being free
   * (the one that would take it among them).
   */
  allows(tenant: string, priority: Priority, idle: number): boolean {
    const r = this.running.get(tenant);
    if (r === undefined || r.all < this.share) return true;
    // Borrowing: one worker must stay idle for a newcomer.
    if (idle >= 2) return true;
    return priority === 'high' && r.high < this.share;
  }

  /** start counts `key` as running for `tenant` in lane `priority`. */
  start(key: string, tenant: string, priority: Priority): void {
    this.runs.set(key, { tenant, priority });
    const r = this.running.get(tenant) ?? { all: 0, high: 0 };
    this.running.set(tenant, { all: r.all + 1, high: r.high + (priority === 'high' ? 1 : 0) });
  }

  /** end stops counting `key` and returns its tenant; undefined if it was not counted. */
  end(key: string): string | undefined {
    const run = this.runs.get(key);
    if (run === undefined) return undefined;
    this.runs.delete(key);
    const { tenant, priority } = run;
    const r = this.running.get(tenant) ?? { all: 1, high: priority === 'high' ? 1 : 0 };
    const left = { all: r.all - 1, high: r.high - (priority === 'high' ? 1 : 0) };
    if (left.all > 0) this.running.set(tenant, left);
    else this.running.delete(tenant);
    return tenant;
  }

  /**
   * borrowedRun names the run to cut short for a key of `tenant` (undefined: one without a
   * tenant) that found no idle worker: none while that tenant holds its share; else the latest
   * drift check of another tenant past its share, or else its latest change.
   */
  borrowedRun(tenant: string | undefined): string | undefined {
    if (tenant !== undefined && this.runningOf(tenant) >= this.share) return undefined;
    let low: string | undefined;
    let high: string | undefined;
    // In the order the runs started: the last one seen of each lane is the latest.
    for (const [key, run] of this.runs) {
      if (run.tenant === tenant || this.runningOf(run.tenant) <= this.share) continue;
      if (run.priority === 'low') low = key;
      else high = key;
    }
    return low ?? high;
  }

  park(tenant: string, key: string, priority: Priority): void {
    let p = this.parked.get(tenant);
    if (p === undefined) this.parked.set(tenant, (p = { high: new Map(), low: new Map(), lowTurn: false }));
    p[priority].set(key, Date.now());
    this.parkedKeys++;
  }

  /** upgrade moves a key parked as low to the high lane of its tenant; false if it is not parked here. */
  upgrade(tenant: string, key: string): boolean {
    const p = this.parked.get(tenant);
    if (p === undefined || !p.low.delete(key)) return false;
    p.high.set(key, Date.now());
    return true;
  }

  /**
   * next names the parked key of `tenant` to let go next, and its lane, without unparking it:
   * changes first, an aged drift check every other turn; low keys only when `lowAllowed`.
   */
  next(tenant: string, lowAllowed: boolean): { key: string; priority: Priority } | undefined {
    const p = this.parked.get(tenant);
    if (p === undefined) return undefined;
    const high = p.high.keys().next();
    const low = lowAllowed ? p.low.entries().next() : undefined;
    const aged = low !== undefined && !low.done && Date.now() - low.value[1] >= this.agingMs;
    if (!high.done && !(aged && p.lowTurn)) return { key: high.value, priority: 'high' };
    if (low !== undefined && !low.done) return { key: low.value[0], priority: 'low' };
    return undefined;
  }

  /** unpark takes `key` out; after a change let go, an aged drift check has the next turn. */
  unpark(tenant: string, key: string): void {
    const p = this.parked.get(tenant);
    if (p === undefined) return;
    if (p.high.delete(key)) p.lowTurn = true;
    else if (p.low.delete(key)) p.lowTurn = false;
    else return;
    this.parkedKeys--;
    if (p.high.size === 0 && p.low.size === 0) this.parked.delete(tenant);
  }

  /** borrowers lists the tenants with parked keys, those running the fewest first: who borrows next. */
  borrowers(): string[] {
    const tenants = [...this.parked.keys()];
    if (tenants.length > 1) tenants.sort((a, b) => (this.running.get(a)?.all ?? 0) - (this.running.get(b)?.all ?? 0));
    return tenants;
  }

  /** clear drops every parked key and returns them. */
  clear(): string[] {
    const keys: string[] = [];
    for (const p of this.parked.values()) keys.push(...p.high.keys(), ...p.low.keys());
    this.parked.clear();
    this.parkedKeys = 0;
    return keys;
  }
}
