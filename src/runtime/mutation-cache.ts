/**
 * MutationCache remembers the objects this process just wrote, until the informer has caught up
 * with them, like client-go's MutationCache. Without it, a reconcile that runs right after a
 * status write can read the informer's older copy and act on stale status (send credentials
 * again, "adopt" a record it created). Resource versions are compared as integers, as client-go
 * does: etcd revisions are increasing numbers, and the cache only ever prefers the newer copy.
 */
import type { KubeObject } from './kube.js';

function version(o: KubeObject): bigint {
  try {
    return BigInt(o.metadata.resourceVersion ?? '0');
  } catch {
    return 0n;
  }
}

/** MutationCache maps namespace/name to the last object written by this process. */
export class MutationCache {
  private readonly written = new Map<string, KubeObject>();

  /** remember stores an object returned by a write. */
  remember(o: KubeObject): void {
    const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const prev = this.written.get(key);
    if (!prev || version(o) >= version(prev)) this.written.set(key, o);
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
