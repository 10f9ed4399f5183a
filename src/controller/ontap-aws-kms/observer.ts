/**
 * ClusterObserver coalesces the reads of one cluster's aws-kms records. Reconciles ask for one
 * SVM's record "as seen since time T"; the first that finds no fresh enough snapshot fetches the
 * records of every managed SVM of the cluster in one collection GET (advanced fields named), and
 * every reconcile asking meanwhile, or later with an older T, shares it. Drift checks are aligned
 * to interval boundaries (see nextDriftCheck), so steady state costs one GET per cluster per
 * interval however many OntapAwsKms there are.
 */
import type { AwsKmsRecord } from '../../ontap/wire.js';

/** CLUSTER_SCOPE is the snapshot key of the cluster-scoped (admin SVM) record. */
export const CLUSTER_SCOPE = '<cluster>';

/** scopeKey is the snapshot key of an OntapAwsKms: its SVM name, or CLUSTER_SCOPE. */
export function scopeKey(svm: { name: string } | undefined): string {
  return svm?.name ?? CLUSTER_SCOPE;
}

/** Fetcher reads the records of the given scope keys (all of them when `all`). */
export type Fetcher = (keys: readonly string[]) => Promise<readonly AwsKmsRecord[]>;

interface Entry {
  readonly record: AwsKmsRecord | undefined;
  readonly fetchedAt: number;
}

/** ClusterObserver holds the latest snapshot of one cluster's aws-kms records. */
export class ClusterObserver {
  private readonly entries = new Map<string, Entry>();
  private inflight: { startedAt: number; keys: ReadonlySet<string>; done: Promise<void> } | undefined;

  /**
   * @param fetch reads records for scope keys.
   * @param managedKeys lists every scope key currently managed on this cluster, so one fetch serves them all.
   * @param now is the clock (tests pass their own).
   */
  constructor(
    private readonly fetch: Fetcher,
    private readonly managedKeys: () => Iterable<string>,
    private readonly now: () => number = Date.now,
  ) {}

  /** fetches counts the collection GETs made, for tests and the benchmark. */
  fetches = 0;

  /** observe returns the record of `key` as fetched at or after `notBefore` (epoch ms); undefined when ONTAP has none. */
  async observe(key: string, notBefore: number): Promise<AwsKmsRecord | undefined> {
    for (;;) {
      const entry = this.entries.get(key);
      if (entry && entry.fetchedAt >= notBefore) return entry.record;
      const inflight = this.inflight;
      if (inflight && inflight.startedAt >= notBefore && inflight.keys.has(key)) {
        await inflight.done;
        continue;
      }
      if (inflight) {
        // A fetch that started too early or without this key: wait for it, then fetch anew.
        await inflight.done.catch(() => undefined);
        if (this.inflight === inflight) this.inflight = undefined;
        continue;
      }
      await this.startFetch(key);
    }
  }

  private async startFetch(key: string): Promise<void> {
    const startedAt = this.now();
    const keys = new Set([...this.managedKeys(), key]);
    const done = (async () => {
      this.fetches++;
      const records = await this.fetch([...keys].sort());
      const byKey = new Map(records.map((r) => [scopeKey(r.scope === 'cluster' ? undefined : r.svm), r]));
      for (const k of keys) {
        // A record this process wrote or re-read while the GET was in flight is newer: keep it.
        const known = this.entries.get(k);
        if (!known || known.fetchedAt <= startedAt) this.entries.set(k, { record: byKey.get(k), fetchedAt: startedAt });
      }
    })();
    this.inflight = { startedAt, keys, done };
    try {
      await done;
    } finally {
      if (this.inflight?.done === done) this.inflight = undefined;
    }
  }

  /** remember stores a record just read or written by this process (after a create, PATCH or re-read). */
  remember(key: string, record: AwsKmsRecord | undefined): void {
    this.entries.set(key, { record, fetchedAt: this.now() });
  }

  /** forget drops a key, so the next observe reads ONTAP. */
  forget(key: string): void {
    this.entries.delete(key);
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
