/**
 * MutationCache remembers the objects this process just wrote, until the informer has caught up
 * with them, like client-go's MutationCache. Without it, a reconcile that runs right after a
 * status write can read the informer's older copy and act on stale status (send credentials
 * again, "adopt" a record it created). Resource versions are compared as integers, as client-go
 * does: etcd revisions are increasing numbers, and the cache only ever prefers the newer copy.
 */
import type { KubeObject } from './kube.js';

function parseVersion(rv: string | undefined): bigint {
  try {
    return BigInt(rv ?? '0');
  } catch {
    return 0n;
  }
}

function version(o: KubeObject): bigint {
  return parseVersion(o.metadata.resourceVersion);
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Seen says what an object delivered by the informer is to this process. */
export type Seen = 'own' | 'foreign' | 'pending';

/** MutationCache maps namespace/name to the last object written by this process. */
export class MutationCache {
  private readonly written = new Map<string, KubeObject>();
  /** own holds, per key, the resourceVersions this process wrote that the informer has not delivered yet. */
  private readonly own = new Map<string, string[]>();
  /** writing counts the writes in flight per key. */
  private readonly writing = new Map<string, number>();
  /**
   * gone holds, per key deleted while a write of it was in flight, the version of the deletion: the
   * answer to that write (often the very write that released the last finalizer) may arrive after
   * the watch delivered the deletion, and must not be remembered then.
   */
  private readonly gone = new Map<string, bigint>();
  /** deferred holds changes delivered while a write of the same key was in flight, judged when it ends. */
  private readonly deferred = new Map<string, Array<{ rv: string; onForeign: () => void }>>();

  /**
   * begin is called before a write of `key`: the watch may deliver its result before the write's
   * own answer arrives, and must not take it for someone else's change meanwhile.
   */
  begin(key: string): void {
    this.writing.set(key, (this.writing.get(key) ?? 0) + 1);
  }

  /** end is called when a write of `key` has finished (after remember, or after a failure). */
  end(key: string): void {
    const n = (this.writing.get(key) ?? 1) - 1;
    if (n > 0) {
      this.writing.set(key, n);
      return;
    }
    this.writing.delete(key);
    this.gone.delete(key);
    const waiting = this.deferred.get(key) ?? [];
    this.deferred.delete(key);
    for (const d of waiting) {
      if (this.own.get(key)?.includes(d.rv) === true) this.caughtUp(key, parseVersion(d.rv));
      else d.onForeign();
    }
  }

  /** remember stores an object returned by a write. */
  remember(o: KubeObject): void {
    const key = keyOf(o);
    const gone = this.gone.get(key);
    if (gone !== undefined && version(o) <= gone) return;
    const prev = this.written.get(key);
    if (!prev || version(o) >= version(prev)) this.written.set(key, o);
    const rv = o.metadata.resourceVersion;
    if (rv !== undefined) this.own.set(key, [...(this.own.get(key) ?? []), rv]);
  }

  /**
   * observed is told of every object the informer delivers. It says whether that version is one
   * this process wrote itself ('own': its writer already acted on it, no need to reconcile it
   * again), someone else's ('foreign'), or not known yet because a write of the key is in flight
   * ('pending': `onForeign` is called when the write ends if it was not ours after all). It
   * forgets what the informer has caught up with, so nothing is held for long.
   */
  observed(o: KubeObject, onForeign: () => void = () => undefined): Seen {
    const key = keyOf(o);
    const rv = o.metadata.resourceVersion;
    const isOwn = rv !== undefined && this.own.get(key)?.includes(rv) === true;
    this.caughtUp(key, version(o));
    const w = this.written.get(key);
    if (w !== undefined && (w.metadata.uid !== o.metadata.uid || version(o) >= version(w))) this.written.delete(key);
    if (isOwn) return 'own';
    if (rv !== undefined && this.writing.has(key)) {
      this.deferred.set(key, [...(this.deferred.get(key) ?? []), { rv, onForeign }]);
      return 'pending';
    }
    return 'foreign';
  }

  /**
   * deleted is to be told of every deletion the informer delivers: nothing of that key is held
   * any more. The watch delivers the version of a write that deleted the object (the one that
   * released its last finalizer) as the deletion, which observed() is not told of, so without
   * this each deleted object's last version stayed here for good: one entry per deleted
   * resource (the soak benchmark, bench/soak.ts, found 117 after an hour of 2 deletes a minute).
   * A deletion seen while a write of the key is in flight also keeps that write's answer out
   * (remember): told first, the cache still kept about half of them.
   */
  deleted(o: KubeObject): void {
    const key = keyOf(o);
    this.own.delete(key);
    this.written.delete(key);
    if (this.writing.has(key)) this.gone.set(key, version(o));
  }

  /** held is how many keys have versions, a written copy or a deletion kept here. */
  held(): number {
    return new Set([...this.own.keys(), ...this.written.keys(), ...this.gone.keys()]).size;
  }

  /** caughtUp drops the own versions of `key` up to `v`: the informer has delivered them. */
  private caughtUp(key: string, v: bigint): void {
    const mine = this.own.get(key);
    if (mine === undefined) return;
    const left = mine.filter((x) => parseVersion(x) > v);
    if (left.length > 0) this.own.set(key, left);
    else this.own.delete(key);
  }

  /** newest returns whichever of `cached` and the written copy is newer; it forgets a written copy the cache has reached. */
  newest(key: string, cached: KubeObject | undefined): KubeObject | undefined {
    const mine = this.written.get(key);
    if (!mine) return cached;
    if (!cached) {
      // Deleted since we wrote it: the informer is the truth for deletions.
      this.written.delete(key);
      return undefined;
    }
    if (cached.metadata.uid !== mine.metadata.uid || version(cached) >= version(mine)) {
      this.written.delete(key);
      return cached;
    }
    return mine;
  }
}
