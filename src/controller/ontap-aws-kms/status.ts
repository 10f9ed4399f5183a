/**
 * The status of an OntapAwsKms as a pure function of what the reconcile saw: the ONTAP record
 * (or none), the drift, the Secret versions applied and the error, if any. The reconciler writes
 * the result only when it differs from what is stored.
 */
import { ConditionType, Reason } from '../../api/v1alpha1/constants.js';
import type { AppliedSecret, OntapAwsKms, OntapAwsKmsStatus } from '../../api/v1alpha1/types.js';
import type { AwsKmsRecord } from '../../ontap/wire.js';
import { type ConditionInput, setConditions } from '../conditions.js';
import type { ReconcileError } from '../errors.js';

/** Outcome is what one reconcile learnt. */
export interface Outcome {
  /** record is the ONTAP record as last read, when there is one. */
  readonly record?: AwsKmsRecord;
  /** owned is true when the record is this resource's (created or adopted). */
  readonly owned: boolean;
  /** drift names the spec fields that differ from ONTAP after this reconcile. */
  readonly drift: readonly string[];
  /** applied is the Secret versions last sent; undefined keeps what status has. */
  readonly applied?: readonly AppliedSecret[];
  /** error is the failure, if the reconcile did not complete. */
  readonly error?: ReconcileError;
  /** observeOnly is true in managementPolicy Observe. */
  readonly observeOnly: boolean;
}

function recordFields(r: AwsKmsRecord): Partial<OntapAwsKmsStatus> {
  return {
    uuid: r.uuid,
    scope: r.scope,
    svm: r.svm ? { name: r.svm.name, uuid: r.svm.uuid } : undefined,
    keyId: r.key_id,
    state: r.state
      ? { clusterState: r.state.cluster_state ?? false, code: r.state.code ?? '', message: r.state.message ?? '' }
      : undefined,
    amazonReachability: r.amazon_reachability
      ? {
          reachable: r.amazon_reachability.reachable ?? false,
          code: r.amazon_reachability.code ?? '',
          message: r.amazon_reachability.message ?? '',
        }
      : undefined,
    ekmipReachability: r.ekmip_reachability?.map((e) => ({
      node: e.node?.name ?? '',
      reachable: e.reachable ?? false,
      code: e.code ?? '',
      message: e.message ?? '',
    })),
  };
}

function reachabilityConditions(status: OntapAwsKmsStatus): ConditionInput[] {
  const amazon = status.amazonReachability;
  const nodes = status.ekmipReachability;
  const down = nodes?.filter((n) => !n.reachable) ?? [];
  return [
    amazon
      ? amazon.reachable
        ? { type: ConditionType.AmazonReachable, status: 'True', reason: Reason.Reachable, message: 'AWS KMS is reachable from all nodes' }
        : { type: ConditionType.AmazonReachable, status: 'False', reason: Reason.NotReachable, message: `ONTAP code ${amazon.code}: ${amazon.message}` }
      : { type: ConditionType.AmazonReachable, status: 'Unknown', reason: Reason.Unknown, message: 'ONTAP has not reported amazon_reachability' },
    nodes === undefined
      ? { type: ConditionType.EkmipReachable, status: 'Unknown', reason: Reason.Unknown, message: 'ONTAP has not reported ekmip_reachability' }
      : down.length === 0
        ? { type: ConditionType.EkmipReachable, status: 'True', reason: Reason.Reachable, message: `EKMIP servers reachable from all ${nodes.length} nodes` }
        : {
            type: ConditionType.EkmipReachable,
            status: 'False',
            reason: Reason.NotReachable,
            message: down.map((n) => `${n.node}: ONTAP code ${n.code}: ${n.message}`).join('; '),
          },
  ];
}

/** computeStatus returns the next status of `obj` given the outcome of a reconcile. */
export function computeStatus(obj: OntapAwsKms, outcome: Outcome, now: Date): OntapAwsKmsStatus {
  const prev = obj.status ?? {};
  const base: OntapAwsKmsStatus = {
    observedGeneration: obj.metadata.generation,
    appliedSecrets: outcome.applied ? [...outcome.applied] : prev.appliedSecrets,
    drift: [...outcome.drift],
  };
  const fromRecord = outcome.record && outcome.owned ? recordFields(outcome.record) : {};
  // Without a fresh record, keep what was last seen of ONTAP rather than blanking it.
  const seen: OntapAwsKmsStatus = outcome.record
    ? { ...base, ...fromRecord }
    : { ...base, uuid: prev.uuid, scope: prev.scope, svm: prev.svm, keyId: prev.keyId, state: prev.state, amazonReachability: prev.amazonReachability, ekmipReachability: prev.ekmipReachability };

  const err = outcome.error;
  const synced: ConditionInput = err
    ? { type: ConditionType.Synced, status: 'False', reason: err.reason, message: err.message }
    : outcome.observeOnly
      ? {
          type: ConditionType.Synced,
          status: 'True',
          reason: Reason.Observed,
          message: outcome.drift.length > 0 ? `observe only; differs from ONTAP: ${outcome.drift.join(', ')}` : 'observe only; ONTAP matches the spec',
        }
      : { type: ConditionType.Synced, status: 'True', reason: Reason.ReconcileSuccess, message: 'ONTAP matches the spec' };

  const available = seen.state?.clusterState === true;
  const ready: ConditionInput =
    synced.status !== 'True'
      ? { type: ConditionType.Ready, status: 'False', reason: Reason.NotSynced, message: `not synced: ${synced.reason}` }
      : !outcome.record
        ? { type: ConditionType.Ready, status: 'False', reason: Reason.NotConfigured, message: 'no AWS KMS configuration on ONTAP' }
        : available
          ? { type: ConditionType.Ready, status: 'True', reason: Reason.Available, message: 'AWS KMS key protection is available on all nodes' }
          : {
              type: ConditionType.Ready,
              status: 'False',
              reason: Reason.Unavailable,
              message: seen.state ? `ONTAP code ${seen.state.code}: ${seen.state.message}` : 'ONTAP has not reported key protection state',
            };

  const conditions = setConditions(prev.conditions, [ready, synced, ...reachabilityConditions(seen)], obj.metadata.generation, now);
  return dropUndefined({ ...seen, conditions });
}

function dropUndefined(s: OntapAwsKmsStatus): OntapAwsKmsStatus {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));
}
