/**
 * The status every key-manager kind shares, as a pure function of what the reconcile saw: the
 * ONTAP record (or none), the drift, the Secret versions applied and the error, if any. Ready and
 * Synced are decided here the same way for every kind; the adapter adds its record's fields and
 * its reachability conditions (AmazonReachable, AzureReachable, GoogleReachable, EkmipReachable).
 */
import { ConditionType, Reason } from '../../api/v1alpha1/constants.js';
import type { AppliedSecret, KeyManagerStatus, NodeReachability, KeyRotationStatus, ObjectMeta, PendingWrite, Reachability, RestoreResult } from '../../api/v1alpha1/types.js';
import { type ConditionInput, setConditions } from '../conditions.js';
import type { KeyManagerRecord } from '../../ontap/key-manager-family.js';
import type { ReconcileError } from '../errors.js';
import type { ExportResult } from './export.js';
import type { SideReads } from './adapter.js';

/** Outcome is what one reconcile learnt. */
export interface Outcome<R> {
  /** record is the ONTAP record as last read, when there is one. */
  readonly record?: R | undefined;
  /** owned is true when the record is this resource's (created or adopted). */
  readonly owned: boolean;
  /** drift names the spec fields that differ from ONTAP after this reconcile. */
  readonly drift: readonly string[];
  /** applied is the Secret versions last sent; undefined keeps what status has. */
  readonly applied?: readonly AppliedSecret[] | undefined;
  /** error is the failure, if the reconcile did not complete. */
  readonly error?: ReconcileError | undefined;
  /** observeOnly is true in managementPolicy Observe. */
  readonly observeOnly: boolean;
  /** keyRotation is status.keyRotation as this pass leaves it; undefined keeps it, null drops it (no policy). */
  readonly keyRotation?: KeyRotationStatus | null | undefined;
  /** lastRestore is how a restore asked for by the annotation went in this pass; undefined keeps status.lastRestore. */
  readonly lastRestore?: RestoreResult | undefined;
  /** pendingWrite is a write sent whose outcome is still unknown (see status.pendingWrite); undefined drops it. */
  readonly pendingWrite?: PendingWrite | undefined;
  /**
   * uuid is the record this pass's writes went to, when the pass failed before it could read that
   * record back (no `record`): status.uuid says so, so the next pass knows the record as its own.
   */
  readonly uuid?: string | undefined;
  /** waiting says the error is a wait still going on (no answer from ONTAP yet): Synced and Ready are Unknown, not False. */
  readonly waiting?: boolean | undefined;
  /** side are the records read beside the record in this pass (adapter.sides); undefined: not read. */
  readonly side?: SideReads | undefined;
  /** exported is how keeping the record's exported value in its Secret went in this pass (export.ts); undefined: not tried. */
  readonly exported?: ExportResult | undefined;
}

/** StatusParts is what a kind adds to the shared status. */
export interface StatusParts<R, St extends KeyManagerStatus> {
  /** label names the key manager in messages: `AWS KMS`, `Azure Key Vault`, `Google Cloud KMS`. */
  readonly label: string;
  /** recordFields maps the kind's own members of the ONTAP record onto the status (uuid, scope, svm, state and ekmip are shared). */
  recordFields(record: R): Partial<St>;
  /** recordKeys are the kind's status fields that describe ONTAP's record: kept when no fresh record was read. */
  readonly recordKeys: readonly (keyof St)[];
  /** reachability returns the kind's reachability conditions (and any other condition of its own). */
  reachability(status: St): ConditionInput[];
  /**
   * available decides Ready once Synced and a record is there; unset: ONTAP's state.cluster_state
   * (key protection available on all nodes), as every cloud key manager reports it.
   */
  available?(status: St): { readonly ok: boolean; readonly reason: string; readonly message: string };
}

/** keyManagerStatus returns the next status of a resource given the outcome of a reconcile. */
export function keyManagerStatus<R extends KeyManagerRecord, St extends KeyManagerStatus>(
  obj: { readonly metadata: ObjectMeta; readonly status?: St | undefined },
  outcome: Outcome<R>,
  now: Date,
  parts: StatusParts<R, St>,
): St {
  const prev: Partial<St> = obj.status ?? {};
  const base = {
    observedGeneration: obj.metadata.generation,
    appliedSecrets: outcome.applied ? [...outcome.applied] : prev.appliedSecrets,
    drift: [...outcome.drift],
    pendingWrite: outcome.pendingWrite,
    lastRestore: outcome.lastRestore ?? prev.lastRestore,
    keyRotation: outcome.keyRotation === null ? undefined : (outcome.keyRotation ?? prev.keyRotation),
  } as St;
  const fromRecord = outcome.record && outcome.owned ? { ...commonFields(outcome.record), ...parts.recordFields(outcome.record) } : {};
  // Without a fresh record, keep what was last seen of ONTAP rather than blanking it.
  const kept: Partial<St> = {};
  if (!outcome.record) {
    const keys: readonly (keyof St)[] = [...COMMON_KEYS, ...parts.recordKeys];
    for (const k of keys) kept[k] = prev[k];
    if (outcome.uuid !== undefined) kept.uuid = outcome.uuid;
  }
  const seen: St = { ...base, ...fromRecord, ...kept };

  const err = outcome.error;
  const synced: ConditionInput = err
    ? { type: ConditionType.Synced, status: outcome.waiting === true ? 'Unknown' : 'False', reason: err.reason, message: err.message }
    : outcome.observeOnly
      ? {
          type: ConditionType.Synced,
          status: 'True',
          reason: Reason.Observed,
          message: outcome.drift.length > 0 ? `observe only; differs from ONTAP: ${outcome.drift.join(', ')}` : 'observe only; ONTAP matches the spec',
        }
      : { type: ConditionType.Synced, status: 'True', reason: Reason.ReconcileSuccess, message: 'ONTAP matches the spec' };

  const verdict = parts.available?.(seen);
  const available = verdict ? verdict.ok : seen.state?.clusterState === true;
  const ready: ConditionInput =
    synced.status !== 'True'
      ? // Ready takes Synced's reason: `kubectl get` (its Reason column) then says why, not only that it is not synced.
        { type: ConditionType.Ready, status: synced.status, reason: synced.reason, message: `not synced: ${synced.message}` }
      : !outcome.record
        ? { type: ConditionType.Ready, status: 'False', reason: Reason.NotConfigured, message: `no ${parts.label} configuration on ONTAP` }
        : verdict
          ? { type: ConditionType.Ready, status: verdict.ok ? 'True' : 'False', reason: verdict.reason, message: verdict.message }
          : available
          ? { type: ConditionType.Ready, status: 'True', reason: Reason.Available, message: `${parts.label} key protection is available on all nodes` }
          : {
              type: ConditionType.Ready,
              status: 'False',
              reason: Reason.Unavailable,
              message: seen.state ? `ONTAP code ${seen.state.code}: ${seen.state.message}` : 'ONTAP has not reported key protection state',
            };

  const conditions = setConditions(prev.conditions, [ready, synced, ...parts.reachability(seen)], obj.metadata.generation, now);
  return dropUndefined({ ...seen, conditions });
}

/** COMMON_KEYS are the status fields every kind fills from its record. */
const COMMON_KEYS = ['uuid', 'scope', 'svm', 'state', 'ekmipReachability'] as const;

/** commonFields maps the members every family's record has onto the status. */
function commonFields(r: KeyManagerRecord): Partial<KeyManagerStatus> {
  return {
    uuid: r.uuid,
    scope: r.scope,
    svm: r.svm ? { name: r.svm.name, uuid: r.svm.uuid } : undefined,
    state: r.state ? { clusterState: r.state.cluster_state ?? false, code: r.state.code ?? '', message: r.state.message ?? '' } : undefined,
    ekmipReachability: toNodeReachability(r.ekmip_reachability),
  };
}

/** ReachabilityLike is ONTAP's `{reachable, code, message}` as a record carries it (members optional). */
export interface ReachabilityLike {
  readonly reachable?: boolean | undefined;
  readonly code?: string | undefined;
  readonly message?: string | undefined;
}

/** toReachability copies ONTAP's reachability member into the status, filling absent members. */
export function toReachability(r: ReachabilityLike | undefined): Reachability | undefined {
  return r ? { reachable: r.reachable ?? false, code: r.code ?? '', message: r.message ?? '' } : undefined;
}

/** toNodeReachability copies ONTAP's `ekmip_reachability` into the status. */
export function toNodeReachability(nodes: readonly (ReachabilityLike & { readonly node?: { readonly name?: string } | undefined })[] | undefined): NodeReachability[] | undefined {
  return nodes?.map((e) => ({ node: e.node?.name ?? '', reachable: e.reachable ?? false, code: e.code ?? '', message: e.message ?? '' }));
}

/**
 * reachabilityCondition is a cloud service's reachability condition: True, False with ONTAP's
 * code and message, or Unknown while ONTAP has not reported `field`.
 */
export function reachabilityCondition(type: string, r: Reachability | undefined, label: string, field: string): ConditionInput {
  if (!r) return { type, status: 'Unknown', reason: Reason.Unknown, message: `ONTAP has not reported ${field}` };
  return r.reachable
    ? { type, status: 'True', reason: Reason.Reachable, message: `${label} is reachable from all nodes` }
    : { type, status: 'False', reason: Reason.NotReachable, message: `ONTAP code ${r.code}: ${r.message}` };
}

/** ekmipCondition is EkmipReachable from every node's `ekmip_reachability`. */
export function ekmipCondition(nodes: readonly NodeReachability[] | undefined): ConditionInput {
  const type = ConditionType.EkmipReachable;
  if (nodes === undefined) return { type, status: 'Unknown', reason: Reason.Unknown, message: 'ONTAP has not reported ekmip_reachability' };
  const down = nodes.filter((n) => !n.reachable);
  return down.length === 0
    ? { type, status: 'True', reason: Reason.Reachable, message: `EKMIP servers reachable from all ${nodes.length} nodes` }
    : { type, status: 'False', reason: Reason.NotReachable, message: down.map((n) => `${n.node}: ONTAP code ${n.code}: ${n.message}`).join('; ') };
}

function dropUndefined<St extends object>(s: St): St {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as St;
}
