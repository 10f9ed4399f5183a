/**
 * Conflict detection: two OntapAwsKms that configure the same SVM of the same ONTAP cluster would
 * fight. The oldest wins; the others report Conflict and do nothing. Pure functions of the cache.
 */
import type { OntapAwsKms, OntapCluster } from '../../api/v1alpha1/types.js';
import { scopeKey } from './observer.js';

/**
 * targetKey identifies what an OntapAwsKms configures: the cluster (by ONTAP's uuid when its
 * OntapCluster has reported one, so two OntapClusters for one ONTAP count as one) and the SVM.
 */
export function targetKey(obj: OntapAwsKms, cluster: (namespace: string, name: string) => OntapCluster | undefined): string {
  const ns = obj.metadata.namespace;
  const uuid = cluster(ns, obj.spec.clusterRef.name)?.status?.clusterUUID;
  return `${uuid ?? `${ns}/${obj.spec.clusterRef.name}`}|${scopeKey(obj.spec.svm)}`;
}

/** conflictWinner returns the oldest OntapAwsKms with the same target as `obj` (possibly `obj`). */
export function conflictWinner(
  obj: OntapAwsKms,
  peers: readonly OntapAwsKms[],
  cluster: (namespace: string, name: string) => OntapCluster | undefined,
): OntapAwsKms {
  const key = targetKey(obj, cluster);
  const rivals = peers.filter((p) => p.metadata.uid !== obj.metadata.uid && targetKey(p, cluster) === key);
  return [obj, ...rivals].sort(olderFirst)[0] ?? obj;
}

function olderFirst(a: OntapAwsKms, b: OntapAwsKms): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = `${a.metadata.namespace}/${a.metadata.name}`;
  const nb = `${b.metadata.namespace}/${b.metadata.name}`;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** describeScope names an SVM (or the cluster scope) for messages. */
export function describeScope(svm: { name: string } | undefined): string {
  return svm ? `SVM ${svm.name}` : 'the cluster scope';
}
