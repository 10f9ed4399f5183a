/**
 * Controller is the generic loop around a reconciler: keys come from a work queue, the object from
 * an informer's cache, and the result goes back to the queue (forget and requeue after the drift
 * interval on success, per-key backoff on error). One reconcile per key at a time; a bounded
 * number of workers, of which one group (an ONTAP cluster) may hold only some, and one tenant (a
 * namespace) only its share while another tenant waits (see WorkQueue). Every reconcile
 * gets an AbortSignal that fires when the reconcile runs past its deadline or the controller
 * halts (a lost lease), so no worker waits on a dead ONTAP for long and nothing is written once
 * the controller has halted. A graceful stop (SIGTERM) aborts only the reconciles that have sent
 * no ONTAP write yet; one that has (it asked its WriteGate) is seen through to its end, so ONTAP
 * never completes a write that its sender abandoned and the next leader would send again.
 * Metrics carry controller-runtime's names.
 */
import type { Informer, InformerEvent } from '../runtime/informer.js';
import { isConflict, type KubeObject } from '../runtime/kube.js';
import type { Logger } from '../runtime/logger.js';
import type { Metrics } from '../runtime/metrics.js';
import type { MutationCache } from '../runtime/mutation-cache.js';
import { type Priority, WorkQueue } from '../runtime/queue.js';
import { type Deadline, deadline } from '../runtime/timers.js';
import { ReconcileError, StoppingError, SupersededError } from './errors.js';
import { splitKey } from '../runtime/keys.js';

/** Reconciled is what a controller's parse returns: an object with metadata. */
export interface Reconciled {
  metadata: { namespace: string; name: string };
}

/** ControllerOptions configure a Controller. */
export interface ControllerOptions<T extends Reconciled> {
  readonly name: string;
  readonly informer: Informer;
  /** writes holds objects this process just wrote, newer than the informer's copy until it catches up. */
  readonly writes?: MutationCache;
  /** parse reads the cached object into its typed form (throws on a malformed one). */
  readonly parse: (o: KubeObject) => T;
  /**
   * reconcile runs one pass; `signal` aborts it (stop, lost lease, or the reconcile deadline).
   * `cutShort` aborts when a change to the same object arrives during the pass, or when another
   * namespace needs the worker this pass borrowed: a reconciler may end its wait for an
   * observation then (SupersededError), never a write in flight. `gate` is asked before every
   * ONTAP write (see WriteGate).
   */
  readonly reconcile: (obj: T, log: Logger, signal: AbortSignal, trigger: Trigger, cutShort: AbortSignal, gate: WriteGate) => Promise<{ requeueAfterMs: number | undefined }>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** baseDelayMs and maxDelayMs bound the per-key error backoff. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** reconcileTimeoutMs aborts a reconcile that runs longer. @default 180000 */
  readonly reconcileTimeoutMs?: number;
  /** groupOf names the group of a key (its ONTAP cluster); with maxPerGroup, see WorkQueue. */
  readonly groupOf?: (key: string) => string | undefined;
  readonly maxPerGroup?: number;
  /**
   * tenantOf names the tenant of a key; with maxPerTenant, see WorkQueue.
   * @default the key's namespace (a cluster-scoped key has no tenant), with half the workers each
   */
  readonly tenantOf?: (key: string) => string | undefined;
  readonly maxPerTenant?: number;
}

/**
 * WriteGate is asked by a reconcile before each write it sends to ONTAP. begin() throws
 * StoppingError once the controller is stopping, unless this reconcile has already begun a write:
 * then the rest of it runs too (its writes, the re-read, the status that records them), so that a
 * stop never leaves half of one change made and unrecorded.
 */
export interface WriteGate {
  begin(): void;
}

/** Run is one reconcile in flight: its abort, its cut, and whether it has begun an ONTAP write. */
interface Run {
  readonly limit: Deadline;
  readonly cut: AbortController;
  committed: boolean;
}

/** namespaceOf is a key's tenant: its namespace, none for a cluster-scoped object. */
export function namespaceOf(key: string): string | undefined {
  return splitKey(key).namespace || undefined;
}

/**
 * Trigger says why a reconcile runs: 'change' (an event: the object, a Secret or its cluster
 * changed) or 'periodic' (a drift check, the initial list, or a retry of one).
 */
export type Trigger = 'change' | 'periodic';

/** DEFAULT_RECONCILE_TIMEOUT_MS leaves room for a request timeout (120 s at most) and a job's end. */
export const DEFAULT_RECONCILE_TIMEOUT_MS = 180_000;

/**
 * nextReconcileID is a short id that tells one reconcile's log lines from another's: a process
 * prefix and a counter, not random bytes (a synchronous crypto call on every reconcile showed
 * in the drift pass's profile).
 */
const reconcileIDs = { prefix: Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0'), seq: 0 };
function nextReconcileID(): string {
  return `${reconcileIDs.prefix}${(++reconcileIDs.seq).toString(16).padStart(6, '0')}`;
}

/** changed is true for an update a reconcile must see: not our own status writes. */
export function changed(e: InformerEvent): boolean {
  if (e.type !== 'update' || !e.old) return true;
  const a = e.old.metadata;
  const b = e.object.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? []) ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {})
  );
}

/** keyOf is the queue key of an object: namespace/name (see runtime/keys.ts). */
export { keyOf } from '../runtime/keys.js';

/** Controller runs one reconciler; see the file comment. */
export class Controller<T extends Reconciled> {
  readonly queue: WorkQueue;
  /** stopping fires on stop(): no new work, and no first write. */
  private readonly stopping = new AbortController();
  /** halting fires on halt(): every reconcile in flight is aborted, writes included. */
  private readonly halting = new AbortController();
  /** runs holds the reconciles in flight by key. */
  private readonly runs = new Map<string, Run>();

  constructor(private readonly opts: ControllerOptions<T>) {
    this.queue = new WorkQueue({
      name: opts.name,
      metrics: opts.metrics?.queueMetrics(opts.name),
      logger: opts.logger,
      baseDelayMs: opts.baseDelayMs ?? 1000,
      maxDelayMs: opts.maxDelayMs ?? 300_000,
      ...(opts.groupOf !== undefined ? { groupOf: opts.groupOf, maxPerGroup: opts.maxPerGroup ?? 1 } : {}),
      // One namespace holding several dead clusters is several groups: it gets a share of the
      // workers too, so another namespace's key always finds one.
      tenantOf: opts.tenantOf ?? namespaceOf,
      ...(opts.maxPerTenant !== undefined ? { maxPerTenant: opts.maxPerTenant } : {}),
      // A change to a key whose drift check is running cuts that check short: it runs next.
      onPromote: (key) => this.runs.get(key)?.cut.abort(new SupersededError(key)),
      // A namespace under its share found every worker taken: a borrowed run ends its wait for
      // ONTAP (never a write in flight) and the queue runs it again later.
      onPreempt: (key) => this.runs.get(key)?.cut.abort(new SupersededError(key)),
    });
  }

  /** enqueue adds a key (namespace/name): 'high' for a change, 'low' for a bulk re-check. */
  enqueue(key: string, priority: Priority = 'high'): void {
    this.queue.add(key, priority);
  }

  /** start runs `workers` workers. */
  start(workers: number): void {
    this.queue.run(workers, (key, priority) => this.process(key, priority === 'low' ? 'periodic' : 'change'));
  }

  /**
   * stop stops taking work, aborts every reconcile in flight that has sent no ONTAP write, and
   * resolves once every worker is idle: the reconciles that have sent one run to their end
   * unless halt() cuts them off (the caller bounds the wait with it).
   */
  async stop(): Promise<void> {
    if (!this.stopping.signal.aborted) {
      const reason = new StoppingError(`controller ${this.opts.name} stopping`);
      this.stopping.abort(reason);
      for (const run of this.runs.values()) if (!run.committed) run.limit.abort(reason);
    }
    await this.queue.shutdown({ drain: false });
  }

  /** halt aborts every reconcile in flight, writes included (a lost lease, or a stop that ran out of time), and stops taking work. */
  halt(reason: Error): void {
    if (!this.stopping.signal.aborted) this.stopping.abort(reason);
    this.halting.abort(reason);
  }

  private async process(key: string, trigger: Trigger): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const { namespace, name } = splitKey(key);
    const fromInformer = this.opts.informer.get(namespace, name);
    const cached = this.opts.writes ? this.opts.writes.newest(key, fromInformer) : fromInformer;
    if (!cached) {
      this.queue.forget(key);
      return;
    }
    const reconcileID = nextReconcileID();
    const log = this.opts.logger.child({ namespace, name, reconcileID });
    const labels = { controller: this.opts.name };
    const end = this.opts.metrics?.reconcileTime.startTimer(labels);
    const timeoutMs = this.opts.reconcileTimeoutMs ?? DEFAULT_RECONCILE_TIMEOUT_MS;
    const limit = deadline(this.halting.signal, timeoutMs);
    const run: Run = { limit, cut: new AbortController(), committed: false };
    const gate: WriteGate = {
      begin: () => {
        if (this.stopping.signal.aborted && !run.committed) throw new StoppingError(`not writing to ONTAP: controller ${this.opts.name} is stopping`);
        run.committed = true;
      },
    };
    this.runs.set(key, run);
    try {
      const obj = this.opts.parse(cached);
      log.debug('reconcile');
      const result = await this.opts.reconcile(obj, log, limit.signal, trigger, run.cut.signal, gate);
      this.queue.forget(key);
      // A drift check is periodic work: it waits behind changes (see WorkQueue).
      if (result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs, 'low');
      this.opts.metrics?.reconcileTotal.inc({ ...labels, result: result.requeueAfterMs !== undefined ? 'requeue_after' : 'success' });
    } catch (e) {
      // A stopping controller drops the key: the next leader reconciles it from scratch.
      if (this.stopping.signal.aborted) return;
      // Cut short by a change: the key runs again at once, as a change; nothing failed.
      if (e instanceof SupersededError) return;
      this.opts.metrics?.reconcileTotal.inc({ ...labels, result: 'error' });
      this.opts.metrics?.reconcileErrors.inc(labels);
      if (isConflict(e)) log.debug('conflict writing the object; retrying with the latest version');
      else if (!(e instanceof ReconcileError)) log.warn('reconcile error', { error: e instanceof Error ? e.message : String(e) });
      this.queue.addRateLimited(key);
    } finally {
      limit.dispose();
      this.runs.delete(key);
      end?.();
    }
  }
}
