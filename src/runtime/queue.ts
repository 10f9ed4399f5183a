/**
 * A work queue of object keys with client-go's guarantees: a key waits at most once however often
 * it is added, one handler runs per key at a time (a key added while it is being processed is
 * marked dirty and runs again right after), delayed adds keep the earliest time, and failures back
 * off exponentially per key.
 *
 * Beyond client-go, the queue composes three concepts, each in its own file, and keeps what
 * belongs to a key rather than to its place in line:
 * - Priorities (queue-lanes.ts): a change waits in the high lane, a drift check in the low one,
 *   and an aged drift check gets every other turn. The queue decides the lane: a retry keeps the
 *   priority its key ran with (controller-runtime#3330), a change to a key waiting or parked as a
 *   drift check moves it up (and `onPromote` hears of one running as a drift check), and low keys
 *   leave one worker to changes, so a drift pass whose keys all wait on slow clusters never holds
 *   up a rotation.
 * - Groups (queue-groups.ts): at most `maxPerGroup` keys of one ONTAP cluster run at once, so one
 *   slow or dead cluster cannot hold every worker while the other tenants' keys wait.
 * - Tenants (queue-limits.ts): one tenant (namespace) with several dead clusters is several
 *   groups, so groups alone let it hold every worker. Each tenant has a share of the workers
 *   (`maxPerTenant`, half of them by default) and may go past it only while a worker stays idle
 *   for a newcomer.
 *
 * The two limits are checked in turn, each parking what it holds back: a group's parked keys are
 * let go when a key of that group ends, a tenant's when a key of that tenant ends or a second
 * worker falls idle (a borrow, looked for only after the lanes hold nothing else that may run). A
 * key let go already waited its turn: it goes first in its lane.
 */
import { backoffDelay } from './backoff.js';
import { GroupLimits } from './queue-groups.js';
import { type Priority, PriorityLanes } from './queue-lanes.js';
import { TenantShares } from './queue-limits.js';
import { type Logger, nullLogger } from './logger.js';
import { safeTimeout, timerDelay } from './timers.js';
import type { QueueMetrics } from './metrics.js';

/** WorkQueueOptions configure a {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** name labels the queue's metrics and logs. */
  readonly name: string;
  /** baseDelayMs is the first rate-limited delay of a key. @default 1000 */
  readonly baseDelayMs?: number;
  /** maxDelayMs caps the rate-limited delay. @default 300000 */
  readonly maxDelayMs?: number;
  /** jitter is the largest share taken off a rate-limited delay at random. @default 0.1 */
  readonly jitter?: number;
  /** @default no metrics */
  readonly metrics?: QueueMetrics;
  /** @default nullLogger */
  readonly logger?: Logger;
  /** groupOf names a key's group (undefined: no group, never held back). @default no groups */
  readonly groupOf?: (key: string) => string | undefined;
  /** maxPerGroup bounds the keys of one group processed at once (see queue-groups.ts). @default unbounded */
  readonly maxPerGroup?: number;
  /** tenantOf names a key's tenant (undefined: none, never held back). @default no tenants */
  readonly tenantOf?: (key: string) => string | undefined;
  /** maxPerTenant is a tenant's share of the workers (see queue-limits.ts). @default half the workers, at least 1 */
  readonly maxPerTenant?: number;
  /** agingMs: a low-priority key waiting this long gets every other turn. @default 5000 */
  readonly agingMs?: number;
  /** onPromote is told when a key running as low is added as high: the caller may cut the low run short. */
  readonly onPromote?: (key: string) => void;
  /**
   * onPreempt is told to cut a borrowed run short (see queue-limits.ts): a key of a tenant under
   * its share found no idle worker. The key runs again once its handler returns. @default none
   */
  readonly onPreempt?: (key: string) => void;
}

/** Priority says which lane a key waits in: 'high' for changes, 'low' for periodic re-checks (see queue-lanes.ts). */
export type { Priority };

interface Delayed {
  readonly at: number;
  readonly priority: Priority;
  readonly timer: NodeJS.Timeout;
}

/** WorkQueue hands keys to a fixed number of async workers; see the file comment. */
export class WorkQueue {
  private readonly name: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly jitter: number;
  private readonly metrics: QueueMetrics | undefined;
  private readonly logger: Logger;
  private readonly groupOf: ((key: string) => string | undefined) | undefined;
  /** groups counts and parks per group. */
  private readonly groups: GroupLimits;
  private readonly tenantOf: ((key: string) => string | undefined) | undefined;
  private readonly maxPerTenant: number | undefined;
  /** tenants counts and parks per tenant; set by run(), which knows the number of workers. */
  private tenants: TenantShares | undefined;

  private readonly agingMs: number;
  private readonly onPromote: ((key: string) => void) | undefined;
  private readonly onPreempt: ((key: string) => void) | undefined;
  /** preempted holds the runs asked to end early; each runs again when its handler returns. */
  private readonly preempted = new Set<string>();

  /** lanes holds the keys waiting for a worker (neither parked by a limit, nor running, nor delayed). */
  private readonly lanes: PriorityLanes;
  /** dirty maps each key that needs processing (waiting, or to re-run after its handler) to its priority. */
  private readonly dirty = new Map<string, Priority>();
  /** ranWith is the priority a key last ran with, for its retry. */
  private readonly ranWith = new Map<string, Priority>();
  /** runningLow holds the low keys being processed; at most maxLow of them (one worker is kept for changes). */
  private readonly runningLow = new Set<string>();
  private maxLow = Infinity;
  /** keys whose handler is running now. */
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, Delayed>();
  private readonly failures = new Map<string, number>();
  /** workers parked until a key arrives or the queue shuts down. */
  private waiters: Array<(key: string | undefined) => void> = [];
  private workers: Array<Promise<void>> = [];
  private shuttingDown = false;
  private draining = false;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 300_000;
    this.jitter = options.jitter ?? 0.1;
    this.metrics = options.metrics;
    this.logger = (options.logger ?? nullLogger).child({ queue: options.name });
    this.groupOf = options.groupOf;
    this.groups = new GroupLimits(options.maxPerGroup ?? Infinity);
    this.tenantOf = options.tenantOf;
    this.maxPerTenant = options.maxPerTenant;
    this.agingMs = options.agingMs ?? 5000;
    this.lanes = new PriorityLanes(this.agingMs);
    this.onPromote = options.onPromote;
    this.onPreempt = options.onPreempt;
  }

  /**
   * add queues `key` unless it already waits; a key being processed re-runs afterwards. A high
   * add of a key waiting in the low lane moves it to the high lane.
   */
  add(key: string, priority: Priority = 'high'): void {
    if (this.shuttingDown) return;
    if (priority === 'high' && this.processing.has(key) && this.ranWith.get(key) === 'low') this.onPromote?.(key);
    const waiting = this.dirty.get(key);
    if (waiting !== undefined) {
      if (waiting === 'low' && priority === 'high') {
        this.dirty.set(key, 'high');
        if (this.lanes.promote(key)) {
          // The worker kept for changes may be idle: hand it the key now, not when a drift check ends.
          this.dispatch();
        } else this.upgradeParked(key);
      }
      return;
    }
    this.metrics?.incAdds();
    this.dirty.set(key, priority);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /**
   * addIfIdle queues `key` like add(), unless it is being processed or waits out the delay of a
   * failure (addRateLimited); returns whether it is queued. It is for a hint that the key is worth
   * running again soon (an ONTAP cluster answering its resources' reads with errors), which the
   * run in progress, or the retry already scheduled, answers as well: add() would run the key
   * again right after that run, or at once instead of after its delay, so every hint would cost a
   * run, and each of those failing would add a step to its backoff. A change still uses add().
   */
  addIfIdle(key: string, priority: Priority = 'high'): boolean {
    if (this.shuttingDown || this.processing.has(key) || this.backingOff(key)) return false;
    this.add(key, priority);
    return true;
  }

  /** backingOff tells whether `key` waits out a rate-limited delay: its last run failed, and its retry is scheduled. */
  backingOff(key: string): boolean {
    return (this.failures.get(key) ?? 0) > 0 && this.delayed.has(key);
  }

  /**
   * addAfter queues `key` after `delayMs`; if it is already scheduled, the earlier time wins,
   * and the higher priority of the two.
   */
  addAfter(key: string, delayMs: number, priority: Priority = 'high'): void {
    if (this.shuttingDown) return;
    // A delay past what a timer can hold waits the longest it can (never 1 ms, Node's overflow).
    delayMs = timerDelay(delayMs);
    if (delayMs <= 0) {
      this.add(key, priority);
      return;
    }
    let at = Date.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing !== undefined) {
      clearTimeout(existing.timer);
      if (existing.priority === 'high') priority = 'high';
      at = Math.min(at, existing.at);
    }
    const p = priority;
    const timer = safeTimeout(() => {
      this.delayed.delete(key);
      this.add(key, p);
    }, at - Date.now());
    this.delayed.set(key, { at, priority: p, timer });
  }

  /** addRateLimited queues `key` after its backoff (base * 2^failures, capped, minus jitter), with the priority it ran with. */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.metrics?.incRetries();
    this.addAfter(key, this.rateLimitDelay(n), this.ranWith.get(key) ?? 'high');
  }

  /** rateLimitDelay is the delay addRateLimited uses after `failures` earlier failures. */
  rateLimitDelay(failures: number): number {
    return backoffDelay(failures, { initialMs: this.baseDelayMs, maxMs: this.maxDelayMs, jitter: this.jitter });
  }

  /** forget resets the failure count of `key`, typically after it was processed successfully. */
  forget(key: string): void {
    this.failures.delete(key);
    this.ranWith.delete(key);
  }

  /** numRequeues is how many rate-limited re-adds `key` has had since it was last forgotten. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** len is the number of keys waiting for a worker, parked ones included (not those running or delayed). */
  len(): number {
    return this.lanes.size + this.groups.size + (this.tenants?.size ?? 0);
  }

  /**
   * run starts `workers` async workers calling `handler` with one key at a time and the lane it
   * came from. A handler that throws is the caller's to log; the queue only makes sure the worker
   * carries on.
   */
  run(workers: number, handler: (key: string, priority: Priority) => Promise<void>): void {
    // Low keys leave one worker to changes: a drift pass whose reconciles all wait on slow
    // clusters never holds up a rotation.
    this.maxLow = workers > 1 ? workers - 1 : workers;
    if (this.tenantOf !== undefined && this.tenants === undefined) {
      this.tenants = new TenantShares(this.maxPerTenant ?? Math.max(1, Math.floor(workers / 2)), this.agingMs);
    }
    for (let i = 0; i < workers; i++) this.workers.push(this.worker(handler));
  }

  /**
   * shutdown stops taking new keys and cancels delayed ones. With `drain`, the keys already
   * waiting are still processed; without, they are dropped. Resolves once every worker is idle.
   */
  async shutdown(opts: { drain?: boolean } = {}): Promise<void> {
    this.shuttingDown = true;
    this.draining = opts.drain ?? false;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    if (!this.draining) {
      for (const key of [...this.lanes.clear(), ...this.groups.clear(), ...(this.tenants?.clear() ?? [])]) this.dirty.delete(key);
      this.metrics?.setDepth(0);
    }
    this.wakeAll();
    await Promise.all(this.workers);
  }

  /** lowMayStart tells whether a low key may take a worker: every worker but one on a low key leaves the last to changes. */
  private lowMayStart(): boolean {
    return this.runningLow.size < this.maxLow;
  }

  /** push queues `key` in its lane, or hands it to an idle worker, unless a limit parks it; `released`: a limit let it go. */
  private push(key: string, released = false): void {
    const group = this.groupOf?.(key);
    if (group !== undefined && this.groups.full(group, this.dirty.get(key) ?? 'high')) {
      this.park(group, key);
      return;
    }
    const lane = this.dirty.get(key) ?? 'high';
    const lowBlocked = lane === 'low' && !this.lowMayStart();
    if (!lowBlocked && this.waiters.length > 0) {
      if (this.parkedByTenant(key, lane)) {
        this.metrics?.setDepth(this.len());
        return;
      }
      // An idle worker takes the key directly: it never sits in the queue.
      const waiter = this.waiters.shift();
      this.take(key, group);
      waiter?.(key);
      return;
    }
    this.lanes.push(key, lane, released);
    this.metrics?.setDepth(this.len());
    this.preemptFor(key);
  }

  /**
   * preemptFor asks for one borrowed run to be cut short when `key` waits for a worker although
   * its tenant is under its share (or it has none) and every worker is busy: the latest drift
   * check of a tenant past its share, else its latest change. One request at a time: until the run
   * asked to end has ended, no other is asked.
   */
  private preemptFor(key: string): void {
    if (this.onPreempt === undefined || this.tenants === undefined || this.preempted.size > 0 || this.idle() > 0) return;
    const victim = this.tenants.borrowedRun(this.tenantOf?.(key));
    if (victim === undefined) return;
    this.preempted.add(victim);
    this.logger.debug('cutting a borrowed run short for another tenant', { key: victim, for: key });
    this.onPreempt(victim);
  }

  /** park parks `key` with its full group (see queue-groups.ts), in the lane it waits in. */
  private park(group: string, key: string): void {
    this.groups.park(group, key, this.dirty.get(key) ?? 'high');
    this.metrics?.setDepth(this.len());
  }

  /** idle is the number of workers not processing a key (waiting for one, or between two). */
  private idle(): number {
    return this.workers.length - this.processing.size;
  }

  /** parkedByTenant parks `key` with its tenant when that tenant may not take a worker now (see queue-limits.ts). */
  private parkedByTenant(key: string, priority: Priority): boolean {
    const tenant = this.tenants !== undefined ? this.tenantOf?.(key) : undefined;
    if (tenant === undefined || this.tenants === undefined || this.tenants.allows(tenant, priority, this.idle())) return false;
    this.tenants.park(tenant, key, priority);
    return true;
  }

  /** upgradeParked moves a key parked in its group's (or its tenant's) low lane to the high lane, or on, when a change's slot is free. */
  private upgradeParked(key: string): void {
    const tenant = this.tenantOf?.(key);
    if (tenant !== undefined && this.tenants?.upgrade(tenant, key)) {
      // As a change it may take the worker kept for changes.
      this.dispatch();
      return;
    }
    const group = this.groupOf?.(key);
    if (group !== undefined && this.groups.upgrade(group, key)) this.push(key, true);
  }

  private take(key: string, group: string | undefined): void {
    const priority = this.dirty.get(key) ?? 'high';
    this.ranWith.set(key, priority);
    if (priority === 'low') this.runningLow.add(key);
    this.dirty.delete(key);
    this.processing.add(key);
    const tenant = this.tenants !== undefined ? this.tenantOf?.(key) : undefined;
    if (tenant !== undefined) this.tenants?.start(key, tenant, priority);
    if (group !== undefined) this.groups.start(key, group, priority);
  }

  /**
   * pick takes the next key a worker may run now, parking those whose group is full or whose
   * tenant is at its share; when the lanes hold nothing that may run, a tenant may borrow. Undefined if none.
   */
  private pick(): string | undefined {
    // Every worker but one is on a low key: the last one waits for a change.
    for (let key = this.lanes.shift(this.lowMayStart()); key !== undefined; key = this.lanes.shift(this.lowMayStart())) {
      const group = this.groupOf?.(key);
      const priority = this.dirty.get(key) ?? 'high';
      // The group filled up while this key waited: park it and look further.
      if (group !== undefined && this.groups.full(group, priority)) {
        this.park(group, key);
        continue;
      }
      // Its tenant holds its share: park it; keys of other tenants go first.
      if (this.parkedByTenant(key, priority)) continue;
      this.metrics?.setDepth(this.len());
      this.take(key, group);
      return key;
    }
    return this.borrow();
  }

  /** borrow takes a key parked by its tenant that may run now (see queue-limits.ts), the tenant running the fewest first. */
  private borrow(): string | undefined {
    const tenants = this.tenants;
    if (tenants === undefined || tenants.size === 0) return undefined;
    for (const tenant of tenants.borrowers()) {
      for (;;) {
        const next = tenants.next(tenant, this.lowMayStart());
        if (next === undefined || !tenants.allows(tenant, next.priority, this.idle())) break;
        tenants.unpark(tenant, next.key);
        const group = this.groupOf?.(next.key);
        if (group !== undefined && this.groups.full(group, next.priority)) {
          this.park(group, next.key);
          continue;
        }
        this.metrics?.setDepth(this.len());
        this.take(next.key, group);
        return next.key;
      }
    }
    this.metrics?.setDepth(this.len());
    return undefined;
  }

  private next(): Promise<string | undefined> {
    const key = this.pick();
    if (key !== undefined) return Promise.resolve(key);
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** dispatch hands waiting keys to idle workers: a finished low key may let another low key run. */
  private dispatch(): void {
    while (this.waiters.length > 0) {
      const key = this.pick();
      if (key === undefined) return;
      this.waiters.shift()?.(key);
    }
  }

  /** release frees the group slot of `key`, letting the first key parked for that group that fits go next (changes first). */
  private release(key: string): void {
    const next = this.groups.end(key);
    // It already waited its turn: it goes ahead of keys queued after it.
    if (next !== undefined) this.push(next, true);
  }

  /** releaseTenant frees the tenant slot of `key`, letting its tenant's first parked key that may now run go next. */
  private releaseTenant(key: string): void {
    const tenants = this.tenants;
    const tenant = tenants?.end(key);
    if (tenants === undefined || tenant === undefined) return;
    const next = tenants.next(tenant, true);
    if (next === undefined || !tenants.allows(tenant, next.priority, this.idle())) return;
    tenants.unpark(tenant, next.key);
    // It already waited its turn: it goes ahead of keys queued after it.
    this.push(next.key, true);
  }

  private done(key: string): void {
    // A run cut short for another tenant runs again, in the lane it ran in.
    if (this.preempted.delete(key) && !this.dirty.has(key)) this.dirty.set(key, this.ranWith.get(key) ?? 'low');
    this.processing.delete(key);
    this.runningLow.delete(key);
    this.release(key);
    this.releaseTenant(key);
    if (this.dirty.has(key)) {
      if (this.shuttingDown && !this.draining) {
        this.dirty.delete(key);
        return;
      }
      this.push(key);
    }
    if (!this.shuttingDown || this.draining) this.dispatch();
    // A drained queue wakes its parked workers so that shutdown can resolve.
    if (this.shuttingDown && this.len() === 0 && this.processing.size === 0) this.wakeAll();
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(undefined);
  }

  private async worker(handler: (key: string, priority: Priority) => Promise<void>): Promise<void> {
    for (;;) {
      const key = await this.next();
      if (key === undefined) return;
      try {
        await handler(key, this.ranWith.get(key) ?? 'high');
      } catch (err) {
        this.logger.debug('work queue handler failed', { key, error: err });
      } finally {
        this.done(key);
      }
      // Give the event loop a turn before the next key. A reconcile that finds nothing to do
      // (a drift check answered from the cluster's shared snapshot) never waits on I/O, so the
      // workers would otherwise run thousands of them back to back in one microtask queue, and
      // no socket would be read meanwhile: a Secret rotation's watch event, and the requests of
      // the change it queues, waited for the whole drift pass (p50 626 ms at 10,000 resources).
      // After the turn, the next key picked is a change if one arrived.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
