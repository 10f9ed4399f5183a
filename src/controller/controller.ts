/**
 * Controller is the generic loop around a reconciler: keys come from a work queue, the object from
 * an informer's cache, and the result goes back to the queue (forget and requeue after the drift
 * interval on success, per-key backoff on error). One reconcile per key at a time; a bounded
 * number of workers. Metrics carry controller-runtime's names.
 */
import { randomBytes } from 'node:crypto';
import type { Informer } from '../runtime/informer.js';
import { isConflict, type KubeObject } from '../runtime/kube.js';
import type { Logger } from '../runtime/logger.js';
import type { Metrics } from '../runtime/metrics.js';
import type { MutationCache } from '../runtime/mutation-cache.js';
import { WorkQueue } from '../runtime/queue.js';
import { ReconcileError } from './errors.js';

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
  readonly reconcile: (obj: T, log: Logger) => Promise<{ requeueAfterMs: number | undefined }>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** baseDelayMs and maxDelayMs bound the per-key error backoff. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** keyOf is the queue key of an object: namespace/name. */
export function keyOf(o: { metadata: { namespace?: string; name: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Controller runs one reconciler; see the file comment. */
export class Controller<T extends Reconciled> {
  readonly queue: WorkQueue;

  constructor(private readonly opts: ControllerOptions<T>) {
    this.queue = new WorkQueue({
      name: opts.name,
      metrics: opts.metrics?.queueMetrics(opts.name),
      logger: opts.logger,
      baseDelayMs: opts.baseDelayMs ?? 1000,
      maxDelayMs: opts.maxDelayMs ?? 300_000,
    });
  }

  /** enqueue adds a key (namespace/name). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** start runs `workers` workers. */
  start(workers: number): void {
    this.queue.run(workers, (key) => this.process(key));
  }

  /** stop stops taking work and waits for reconciles in flight. */
  async stop(): Promise<void> {
    await this.queue.shutdown({ drain: false });
  }

  private async process(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const fromInformer = this.opts.informer.get(key.slice(0, slash), key.slice(slash + 1));
    const cached = this.opts.writes ? this.opts.writes.newest(key, fromInformer) : fromInformer;
    if (!cached) {
      this.queue.forget(key);
      return;
    }
    const reconcileID = randomBytes(6).toString('hex');
    const log = this.opts.logger.child({ namespace: key.slice(0, slash), name: key.slice(slash + 1), reconcileID });
    const labels = { controller: this.opts.name };
    const end = this.opts.metrics?.reconcileTime.startTimer(labels);
    try {
      const obj = this.opts.parse(cached);
      log.debug('reconcile');
      const result = await this.opts.reconcile(obj, log);
      this.queue.forget(key);
      if (result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      this.opts.metrics?.reconcileTotal.inc({ ...labels, result: result.requeueAfterMs !== undefined ? 'requeue_after' : 'success' });
    } catch (e) {
      this.opts.metrics?.reconcileTotal.inc({ ...labels, result: 'error' });
      this.opts.metrics?.reconcileErrors.inc(labels);
      if (isConflict(e)) log.debug('conflict writing the object; retrying with the latest version');
      else if (!(e instanceof ReconcileError)) log.warn('reconcile error', { error: e instanceof Error ? e.message : String(e) });
      this.queue.addRateLimited(key);
    } finally {
      end?.();
    }
  }
}
