/**
 * Conflict detection: two resources of one kind (two OntapAwsKms, say) that configure the same SVM
 * of the same ONTAP cluster would
 * fight. The oldest wins; the others report Conflict and do nothing. Pure functions of the cache.
 *
 * A rival only counts when this resource's own connection vouches for its claim: it uses the
 * very same connection (same OntapCluster, or same ClusterOntapCluster), or it created or adopted
 * the record (its status.uuid) that this resource's connection sees on ONTAP right now, and that
 * uuid came through a connection the rival's tenant does not control. What a rival's own
 * OntapCluster reports (its cluster uuid, a record uuid) is never trusted from another namespace:
 * a tenant can point an OntapCluster at a fake ONTAP that reports the victim's record uuid (or
 * write it into their own status), and so put the victim in Conflict, stopping its rotation and
 * drift repair. A claim counts across connections only from a ClusterOntapCluster (the platform
 * team's endpoint and credentials, and a grant the tenant cannot widen), or from the same
 * namespace, whose tenant could only hurt itself.
 */
import type { ClusterReference, ManagementPolicy, ObjectMeta } from '../../api/v1alpha1/types.js';
import { scopeKey } from './observer.js';
import { keyOf, objectKey } from '../../runtime/keys.js';

/** Claimant is what conflict detection reads of a key-manager resource. */
export interface Claimant {
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly spec: { readonly clusterRef: ClusterReference; readonly svm?: { readonly name: string } | undefined; readonly managementPolicy: ManagementPolicy };
  readonly status?: { readonly uuid?: string | undefined } | undefined;
}

/** connectionKey names the connection a key-manager resource uses: namespace/name of its OntapCluster, or /name of a ClusterOntapCluster. */
export function connectionKey(obj: Claimant): string {
  const ref = obj.spec.clusterRef;
  return ref.kind === 'ClusterOntapCluster' ? objectKey('', ref.name) : objectKey(obj.metadata.namespace, ref.name);
}

/**
 * rivals lists the resources whose claim on `obj`'s target this resource can confirm: same SVM
 * (or cluster scope) and either the same connection, or (when `recordUuid` is known: the uuid
 * of the record `obj`'s connection sees) a Manage resource that holds that very record through a
 * ClusterOntapCluster or from `obj`'s own namespace. Observe resources claim nothing over another
 * connection: they only read.
 */
export function rivals<T extends Claimant>(obj: T, peers: readonly T[], recordUuid: string | undefined, mayClaim: (p: T) => boolean = () => true): T[] {
  const scope = scopeKey(obj.spec.svm);
  const conn = connectionKey(obj);
  return peers.filter(
    (p) =>
      p.metadata.uid !== obj.metadata.uid &&
      mayClaim(p) &&
      scopeKey(p.spec.svm) === scope &&
      (connectionKey(p) === conn ||
        (recordUuid !== undefined && p.spec.managementPolicy === 'Manage' && p.status?.uuid === recordUuid && vouched(obj, p))),
  );
}

/**
 * vouched tells whether a rival's claim on a record may count over another connection: it came
 * through the platform's ClusterOntapCluster, or from `obj`'s own namespace. A namespaced
 * OntapCluster of another namespace is that tenant's own endpoint: what it reported is theirs to
 * make up.
 */
function vouched(obj: Claimant, rival: Claimant): boolean {
  return rival.spec.clusterRef.kind === 'ClusterOntapCluster' || rival.metadata.namespace === obj.metadata.namespace;
}

/**
 * conflictWinner returns the oldest of `obj` and its confirmed rivals (possibly `obj`).
 * `mayClaim` leaves out resources that may not use their connection at all (a tenancy policy
 * refuses them): being older must not let a refused namespace block an allowed one.
 */
export function conflictWinner<T extends Claimant>(
  obj: T,
  peers: readonly T[],
  recordUuid: string | undefined,
  mayClaim?: (p: T) => boolean,
): T {
  return [obj, ...rivals(obj, peers, recordUuid, mayClaim)].sort(olderFirst)[0] ?? obj;
}

/**
 * conflictMessage says who holds the target. A winner in another namespace is not named: a
 * tenant must learn nothing of other tenants' resources from its own status.
 */
export function conflictMessage(obj: Claimant, winner: Claimant): string {
  const what = `${describeScope(obj.spec.svm)} on this ONTAP cluster`;
  return winner.metadata.namespace === obj.metadata.namespace
    ? `${winner.kind} ${winner.metadata.namespace}/${winner.metadata.name} already manages ${what}`
    : `an older ${winner.kind} in another namespace already manages ${what} (the record this resource's connection sees is the one it created or adopted)`;
}

function olderFirst(a: Claimant, b: Claimant): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = keyOf(a);
  const nb = keyOf(b);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** describeScope names an SVM (or the cluster scope) for messages. */
export function describeScope(svm: { name: string } | undefined): string {
  return svm ? `SVM ${svm.name}` : 'the cluster scope';
}
