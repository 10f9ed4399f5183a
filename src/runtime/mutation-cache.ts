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

/** MutationCache maps namespace/name to the last object written by this process. */
export class MutationCache {
  private readonly written = new Map<string, KubeObject>();
  /** own holds, per key, the resourceVersions this process wrote that the informer has not delivered yet. */
  private readonly own = new Map<string, string[]>();

  /** remember stores an object returned by a write. */
  remember(o: KubeObject): void {
    const key = keyOf(o);
    const prev = this.written.get(key);
    if (!prev || version(o) >= version(prev)) this.written.set(key, o);
    const rv = o.metadata.resourceVersion;
    if (rv !== undefined) this.own.set(key, [...(this.own.get(key) ?? []), rv]);
  }

  /**
   * observed is told of every object the informer delivers. It says whether that version is one
   * this process wrote itself (its writer already acted on it: no need to reconcile it again),
   * and forgets what the informer has now caught up with, so nothing is held for long.
   */
  observed(o: KubeObject): boolean {
    const key = keyOf(o);
    const rv = o.metadata.resourceVersion;
    const mine = this.own.get(key);
    const isOwn = rv !== undefined && mine?.includes(rv) === true;
    if (mine !== undefined) {
      const left = mine.filter((v) => parseVersion(v) > version(o));
      if (left.length > 0) this.own.set(key, left);
      else this.own.delete(key);
    }
    const w = this.written.get(key);
    if (w !== undefined && (w.metadata.uid !== o.metadata.uid || version(o) >= version(w))) this.written.delete(key);
    return isOwn;
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
