/**
 * The status of an OntapAwsKms: the shared key-manager status (../key-manager/status.ts) plus the
 * aws-kms record's fields and the AmazonReachable and EkmipReachable conditions. A pure function;
 * the engine writes the result only when it differs from what is stored.
 */
import { ConditionType } from '../../api/v1alpha1/constants.js';
import type { OntapAwsKms, OntapAwsKmsStatus } from '../../api/v1alpha1/types.js';
import type { AwsKmsRecord } from '../../ontap/wire.js';
import { ekmipCondition, keyManagerStatus, type Outcome as KmOutcome, reachabilityCondition, type StatusParts, toReachability } from '../key-manager/status.js';

/** Outcome is what one reconcile of an OntapAwsKms learnt. */
export type Outcome = KmOutcome<AwsKmsRecord>;

/** AWS_STATUS is what OntapAwsKms adds to the shared key-manager status. */
export const AWS_STATUS: StatusParts<AwsKmsRecord, OntapAwsKmsStatus> = {
  label: 'AWS KMS',
  recordFields: (r) => ({ keyId: r.key_id, amazonReachability: toReachability(r.amazon_reachability) }),
  recordKeys: ['keyId', 'amazonReachability'],
  reachability: (s) => [
    reachabilityCondition(ConditionType.AmazonReachable, s.amazonReachability, 'AWS KMS', 'amazon_reachability'),
    ekmipCondition(s.ekmipReachability),
  ],
};

/** computeStatus returns the next status of `obj` given the outcome of a reconcile. */
export function computeStatus(obj: OntapAwsKms, outcome: Outcome, now: Date): OntapAwsKmsStatus {
  return keyManagerStatus(obj, outcome, now, AWS_STATUS);
}
