/**
 * ClusterObserver coalesces the reads of one cluster's records of one key-manager family (aws-kms,
 * or any other). Reconciles ask for one
 * SVM's record "as seen since time T"; the first that finds no fresh enough snapshot fetches the
 * records of every managed SVM of the cluster whose snapshot is as old, in one collection GET
 * (advanced fields named), and
 * every reconcile asking meanwhile, or later with an older T, shares it. Drift checks are aligned
 * to interval boundaries (see nextDriftCheck), so steady state costs one GET per cluster per
 * interval however many OntapAwsKms there are.
 *
 * A failed read is shared too: for a short, growing window (5 s doubling up to 30 s) every
 * reconcile of the cluster is answered with that failure at once instead of waiting on a dead
 * cluster again, and `onHealth` is told when reads start and stop failing, so every resource
 * of the cluster (and the OntapCluster) can show it at once.
 *
 * Order is kept with a sequence number, not the clock: a write marks its key invalid (forget),
 * and only a read that started after that mark, or the write's own re-read (remember), may serve
 * the key again. A GET that was in flight during the write can never bring back what it saw.
 */
import { OntapAbortedError } from '../../ontap/errors.js';
import type { KeyManagerRecord } from '../../ontap/key-manager-family.js';
import { abortable, backoffDelay } from '../../runtime/backoff.js';

/** CLUSTER_SCOPE is the snapshot key of the cluster-scoped (admin SVM) record. */
export const CLUSTER_SCOPE = '<cluster>';

/** scopeKey is the snapshot key of a key-manager resource: its SVM name, or CLUSTER_SCOPE. */
export function scopeKey(svm: { name: string } | undefined): string {
  return svm?.name ?? CLUSTER_SCOPE;
}

/** recordSvm is the SVM ONTAP shows a record on, undefined for the cluster-scoped one: scopeKey of it is the record's key. */
export function recordSvm(record: KeyManagerRecord): { name: string } | undefined {
  return record.scope === 'cluster' ? undefined : record.svm;
}

/** Fetcher reads the records of the given scope keys. */
export type Fetcher<R extends KeyManagerRecord> = (keys: readonly string[]) => Promise<readonly R[]>;

interface Entry<R> {
  readonly record: R | undefined;
  /** fetchedAt is the clock when the read started, compared with a reconcile's notBefore. */
  readonly fetchedAt: number;
  /** seq orders the entry against forget() marks. */
  readonly seq: number;
}

/** FAILURE_WINDOW_MS bounds the window in which a failed read answers for the cluster. */
const FAILURE_WINDOW_MS = { initial: 5_000, max: 30_000 } as const;

interface Failure {
  readonly error: Error;
  /** until is when the next read may be tried. */
  readonly until: number;
}

interface Inflight {
  readonly seq: number;
  readonly startedAt: number;
  readonly keys: ReadonlySet<string>;
  readonly done: Promise<void>;
}

/** What names the records observed in messages: the family's noun and collection path. */
export interface Observed {
  readonly noun: string;
  readonly path: string;
}

/** ClusterObserver holds the latest snapshot of one cluster's records of one family. */
export class ClusterObserver<R extends KeyManagerRecord = KeyManagerRecord> {
  private readonly entries = new Map<string, Entry<R>>();
  /** invalid maps a key to the seq of its last forget(): older reads may not serve it. */
  private readonly invalid = new Map<string, number>();
  private inflight: Inflight | undefined;
  private seq = 0;
  private failure: Failure | undefined;
  private failures = 0;
  /** stalled is the startedAt of the last read reported stalled. */
  private stalled: number | undefined;

  /**
   * @param fetch reads records for scope keys.
   * @param managedKeys lists every scope key currently managed on this cluster, so one fetch serves them all.
   * @param now is the clock (tests pass their own).
   * @param onHealth is told when reads of the cluster start failing (false) and work again (true).
   * @param what names the family in the error of an aborted wait.
   * @param onStall is told when a read is first reported stalled (true, see reportStall), and when that read ends (false).
   */
  constructor(
    private readonly fetch: Fetcher<R>,
    private readonly managedKeys: () => Iterable<string>,
    private readonly now: () => number = Date.now,
    private readonly onHealth: (healthy: boolean) => void = () => undefined,
    private readonly what: Observed = { noun: 'key-manager', path: '/api/security' },
    private readonly onStall: (stalled: boolean) => void = () => undefined,
  ) {}

  /** failing tells whether the last read of the cluster failed. */
  get failing(): boolean {
    return this.failure !== undefined;
  }

  /** pendingSince is when the read now in flight was sent (this observer's clock), undefined when none is. */
  pendingSince(): number | undefined {
    return this.inflight?.startedAt;
  }

  /**
   * reportStall says the read in flight has had no answer for a reader's whole drift interval;
   * `onStall` hears of it once per read, so the cluster can show it too.
   */
  reportStall(): void {
    const inflight = this.inflight;
    if (inflight === undefined || this.stalled === inflight.startedAt) return;
    this.stalled = inflight.startedAt;
    this.onStall(true);
  }

  /** stalledSince is when the read in flight was sent, if a reader reported it stalled. */
  stalledSince(): number | undefined {
    const inflight = this.inflight;
    return inflight !== undefined && this.stalled === inflight.startedAt ? inflight.startedAt : undefined;
  }

  private valid(key: string, seq: number): boolean {
    return seq > (this.invalid.get(key) ?? 0);
  }

  /**
   * observe returns the record of `key` as read at or after `notBefore` (epoch ms); undefined
   * when ONTAP has none. An abort of `signal` ends this caller's wait at once, not the shared read.
   */
  async observe(key: string, notBefore: number, signal?: AbortSignal): Promise<R | undefined> {
    const aborted = (): Error => new OntapAbortedError({ context: `observe ${this.what.noun} ${key}`, method: 'GET', path: this.what.path, outcomeUnknown: false, cause: signal?.reason });
    for (;;) {
      const entry = this.entries.get(key);
      if (entry && entry.fetchedAt >= notBefore && this.valid(key, entry.seq)) return entry.record;
      const inflight = this.inflight;
      if (inflight && inflight.startedAt >= notBefore && inflight.keys.has(key) && this.valid(key, inflight.seq)) {
        await abortable(inflight.done, signal, aborted);
        continue;
      }
      if (inflight) {
        // A read that started too early or without this key: let it land, then read anew.
        await abortable(inflight.done.catch(() => undefined), signal, aborted);
        if (this.inflight === inflight) this.inflight = undefined;
        continue;
      }
      // A read that just failed answers for the cluster until its window ends.
      if (this.failure && this.now() < this.failure.until) throw this.failure.error;
      await abortable(this.startFetch(key, notBefore), signal, aborted);
    }
  }

  /**
   * startFetch reads `key` and every managed key whose snapshot is older than `notBefore` (all of
   * them at a drift-check boundary; in between, only those just created or written), so creating
   * resources one by one does not re-read the whole collection each time.
   */
  private async startFetch(key: string, notBefore: number): Promise<void> {
    const seq = ++this.seq;
    const startedAt = this.now();
    const keys = new Set([key]);
    for (const k of this.managedKeys()) {
      const e = this.entries.get(k);
      if (!e || e.fetchedAt < notBefore || !this.valid(k, e.seq)) keys.add(k);
    }
    const done = (async () => {
      const records = await this.fetch([...keys].sort());
      const byKey = new Map(records.map((r) => [scopeKey(recordSvm(r)), r]));
      for (const k of keys) {
        // Something newer (a write's re-read) may have landed meanwhile: keep it.
        const known = this.entries.get(k);
        if (!known || known.seq < seq) this.entries.set(k, { record: byKey.get(k), fetchedAt: startedAt, seq });
      }
    })();
    this.inflight = { seq, startedAt, keys, done };
    try {
      await done;
      this.succeeded();
    } catch (e) {
      this.failed(e instanceof Error ? e : new Error(String(e)));
      throw e;
    } finally {
      if (this.inflight?.done === done) this.inflight = undefined;
      if (this.stalled === startedAt) {
        this.stalled = undefined;
        this.onStall(false);
      }
    }
  }

  private succeeded(): void {
    if (this.failure === undefined) return;
    this.failure = undefined;
    this.failures = 0;
    this.onHealth(true);
  }

  private failed(error: Error): void {
    const first = this.failure === undefined;
    const window = backoffDelay(this.failures, { initialMs: FAILURE_WINDOW_MS.initial, maxMs: FAILURE_WINDOW_MS.max, jitter: 0 });
    this.failures++;
    this.failure = { error, until: this.now() + window };
    if (first) this.onHealth(false);
  }

  /** remember stores a record just read by this process after its own write. */
  remember(key: string, record: R | undefined): void {
    this.entries.set(key, { record, fetchedAt: this.now(), seq: ++this.seq });
    // ONTAP answered: the cluster is reachable again.
    this.succeeded();
  }

  /**
   * forget marks a key invalid before a write to it: if the write, or anything after it, fails,
   * the next observe reads ONTAP instead of trusting what was seen before the write.
   */
  forget(key: string): void {
    this.invalid.set(key, ++this.seq);
  }

  /**
   * forgetAll marks every key invalid (the connection's settings changed). A failure read with the
   * old settings (a wrong password since fixed) no longer answers for the cluster: the next ask
   * reads ONTAP, and the cluster counts as failing until that read works.
   */
  forgetAll(): void {
    if (this.failure) this.failure = { error: this.failure.error, until: 0 };
    const seq = ++this.seq;
    for (const k of this.entries.keys()) this.invalid.set(k, seq);
    this.entries.clear();
  }
}

/**
 * nextDriftCheck returns the delay (ms) to the next multiple of `intervalMs` since the epoch,
 * plus a small offset so the reconciles of one boundary land in the same moment: every resource
 * with the same interval is checked together, and the first of them fetches for all.
 */
export function nextDriftCheck(nowMs: number, intervalMs: number, offsetMs = 50): number {
  return intervalMs - (nowMs % intervalMs) + offsetMs;
}

/** lastBoundary returns the most recent multiple of `intervalMs` at or before `nowMs`. */
export function lastBoundary(nowMs: number, intervalMs: number): number {
  return nowMs - (nowMs % intervalMs);
}
