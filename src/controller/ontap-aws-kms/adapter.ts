/**
 * The aws-kms adapter: OntapAwsKms on ONTAP's `/api/security/aws-kms`, for the key-manager engine.
 * Everything here is the pure functions of this folder (fields, delta, secrets, status) put
 * together; the engine decides when to call what.
 */
import type { OntapAwsKms, OntapAwsKmsSpec } from '../../api/v1alpha1/types.js';
import { AWS_KMS } from '../../ontap/client.js';
import { OntapCode } from '../../ontap/errors.js';
import type { AwsKmsRecord } from '../../ontap/wire.js';
import { type KeyManagerAdapter, type SecretRef, withProxy } from '../key-manager/adapter.js';
import { OntapAwsKmsType } from '../resources.js';
import { internAwsKms } from '../typed-cache.js';
import { appliedAfter, computeDelta, createBody, patchOnlyBody } from './delta.js';
import { OBSERVED_FIELDS } from './fields.js';
import { type ResolvedSecrets, resolveSecrets } from './secrets.js';
import { computeStatus } from './status.js';

function awsCredentials(spec: OntapAwsKmsSpec): SecretRef {
  const c = spec.credentialsSecretRef;
  return { name: c.name, keys: [c.accessKeyIdKey, c.secretAccessKeyKey] };
}

/** awsKmsAdapter drives OntapAwsKms resources. */
export const awsKmsAdapter: KeyManagerAdapter<OntapAwsKms, AwsKmsRecord, ResolvedSecrets> = {
  type: OntapAwsKmsType,
  family: AWS_KMS,
  observedFields: OBSERVED_FIELDS,
  label: 'AWS KMS configuration',
  reachability: { metric: 'amazon_reachable', ontapField: 'amazon_reachability', service: 'AWS KMS', read: (s) => s.amazonReachability },
  keyName: 'keyId',
  alreadyConfiguredCodes: [OntapCode.AlreadyConfigured],
  secretRefs: (spec) => withProxy(spec, awsCredentials(spec)),
  credentialsRef: awsCredentials,
  readSecrets: resolveSecrets,
  // ONTAP shows the access key id (never the secret key): a different one there is drift.
  fingerprint: {
    ofSecrets: (s) => ({ resourceVersion: s.aws.resourceVersion, fingerprint: s.aws.accessKeyId }),
    ofRecord: (r) => r.access_key_id,
  },
  createBody,
  afterCreate: patchOnlyBody,
  delta: (spec, record, secrets, applied) => {
    const d = computeDelta(spec, record, secrets, applied);
    return { ...d, rekey: d.rekeyTo !== undefined ? { body: { key_id: d.rekeyTo }, to: d.rekeyTo } : undefined };
  },
  appliedAfter,
  describeSent: (s, what, cause) =>
    what === 'credentials'
      ? `sent the AWS credentials from Secret ${s.aws.name} (${cause ?? ''})`
      : `sent the proxy password from Secret ${s.proxyPassword?.name ?? ''}`,
  status: computeStatus,
  intern: internAwsKms,
};
