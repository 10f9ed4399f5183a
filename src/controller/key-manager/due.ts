/**
 * What a resource's cached object shows the last leader left undone, read without a request: the
 * triage of the first list. When an operator starts (a restart, an upgrade, a failover to a
 * standby), every resource is queued as a re-check in the low lane; the few that changed while
 * no operator led (a Secret rotated, a spec edited, a delete or a restore asked for) must not wait
 * behind thousands of checks that will find nothing to do, so they are queued as changes.
 */
import { MAX_RESTORE_TOKEN_LENGTH, RESTORE_ANNOTATION } from '../../api/v1alpha1/constants.js';
import type { SecretRef } from './adapter.js';
import type { KeyManagerObject } from './adapter.js';

/**
 * dueCause says why `obj` has work its status does not show done, or undefined when a re-check
 * is all it needs: `secretVersion` is a Secret's resourceVersion in the metadata cache (undefined
 * when the Secret is not there: nothing can be sent from it, and its error is no change).
 */
export function dueCause(obj: KeyManagerObject, secretRefs: readonly SecretRef[], secretVersion: (name: string) => string | undefined): string | undefined {
  if (obj.metadata.deletionTimestamp !== undefined) return 'deleting';
  const status = obj.status;
  if (status?.pendingWrite !== undefined) return 'write pending';
  if (obj.metadata.generation !== status?.observedGeneration) return 'spec changed';
  const token = obj.metadata.annotations?.[RESTORE_ANNOTATION];
  if (token !== undefined && token !== '' && token.slice(0, MAX_RESTORE_TOKEN_LENGTH) !== status?.lastRestore?.token) return 'restore asked';
  // Observe sends nothing, and a suspended resource waits for its resume (a spec change).
  if (obj.spec.suspend || obj.spec.managementPolicy === 'Observe') return undefined;
  const applied = status?.appliedSecrets ?? [];
  for (const ref of secretRefs) {
    const version = secretVersion(ref.name);
    if (version !== undefined && !applied.some((a) => a.name === ref.name && a.resourceVersion === version)) return `Secret ${ref.name} changed`;
  }
  return undefined;
}
