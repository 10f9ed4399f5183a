/**
 * What a resource's cached object shows the last leader left undone, read without a request: the
 * triage of the first list. When an operator starts (a restart, an upgrade, a failover to a
 * standby), every resource is queued as a re-check in the low lane; the few that changed while
 * no operator led (a Secret rotated, a spec edited, a delete or a restore asked for) must not wait
 * behind thousands of checks that will find nothing to do, so they are queued as changes.
 */
import { MAX_RESTORE_TOKEN_LENGTH, RESTORE_ANNOTATION } from '../../api/v1alpha1/constants.js';
import type { KeyManagerObject, SecretRef } from './adapter.js';
import { sentState } from './applied.js';

/**
 * restoreAsked returns the restore annotation's token when it asks for a restore other than the
 * last one run (`lastToken`, as status.lastRestore records it: at most MAX_RESTORE_TOKEN_LENGTH
 * characters); undefined when there is none to run. A token longer than that is returned whole:
 * the engine answers it Skipped.
 */
export function restoreAsked(annotations: Readonly<Record<string, string>> | undefined, lastToken: string | undefined): string | undefined {
  const token = annotations?.[RESTORE_ANNOTATION];
  if (token === undefined || token === '') return undefined;
  return token.slice(0, MAX_RESTORE_TOKEN_LENGTH) === lastToken ? undefined : token;
}

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
  if (restoreAsked(obj.metadata.annotations, status?.lastRestore?.token) !== undefined) return 'restore asked';
  // Observe sends nothing, and a suspended resource waits for its resume (a spec change).
  if (obj.spec.suspend || obj.spec.managementPolicy === 'Observe') return undefined;
  const applied = status?.appliedSecrets ?? [];
  for (const ref of secretRefs) {
    // The engine's own rule: another version, or a key the spec reads not sent at this one.
    const version = secretVersion(ref.name);
    if (version !== undefined && sentState(applied, ref.name, version, ref.keys) !== 'sent') return `Secret ${ref.name} changed`;
  }
  return undefined;
}
