/**
 * The `/api/security/aws-kms` family: its records, defaults, AWS credential checks and ONTAP
 * error codes (docs/ontap-rest.md), served by the generic key-manager handlers.
 */
import { AWS_KMS_RULES, AWS_NO_INPUTS, checkAwsCreate, checkAwsPatch } from './aws-kms-validate.js';
import { AWS_KMS_FIELDS, AWS_STATUS, awsKmsView, awsReachable } from './aws-kms-view.js';
import { SimError } from './http.js';
import { assignDefined, familySpec, KEY_MANAGER_BLOCKED, newIdentity, type SimKeyManagerFamily } from './key-manager-family.js';
import { type Fields, num, str } from './key-manager-validate.js';
import type { SimState, SimSvm, StoredAwsKms } from './state.js';

/** AWS_KMS_BASE is the collection path. */
export const AWS_KMS_BASE = '/api/security/aws-kms';

function checkAws(state: SimState, creds: { access_key_id: string; secret_access_key: string }): void {
  if (!awsReachable(state, creds)) {
    const why = state.aws.reachable ? 'The security token included in the request is invalid.' : 'Connection timed out.';
    throw new SimError(400, '65537921', `Unable to connect to AWS KMS using these credentials. Reason: ${why}`);
  }
}

function build(state: SimState, svm: SimSvm | undefined, f: Readonly<Fields>): StoredAwsKms {
  const region = str(f, 'region') ?? '';
  const record: StoredAwsKms = {
    ...newIdentity(svm),
    key_id: str(f, 'key_id') ?? '',
    region,
    access_key_id: str(f, 'access_key_id') ?? '',
    secret_access_key: str(f, 'secret_access_key') ?? '',
    service: str(f, 'service') ?? 'kms',
    default_domain: str(f, 'default_domain') ?? 'amazonaws.com',
    host: str(f, 'host') ?? `kms.${region}.amazonaws.com`,
    port: num(f, 'port') ?? 443,
    polling_period: num(f, 'polling_period') ?? 60,
    timeout: 10,
    verify: true,
    verify_host: true,
    verify_ip: false,
    skip_verify: false,
  };
  assignDefined(record, f, ['proxy_type', 'proxy_host', 'proxy_username', 'proxy_password', 'encryption_context', 'proxy_port']);
  checkAws(state, record);
  return record;
}

/** AWS_KMS_FAMILY is aws-kms for the generic handlers. */
export const AWS_KMS_FAMILY: SimKeyManagerFamily<StoredAwsKms> = {
  name: 'aws-kms',
  base: AWS_KMS_BASE,
  spec: familySpec(AWS_KMS_BASE, AWS_KMS_FIELDS, AWS_STATUS),
  rules: AWS_KMS_RULES,
  errors: {
    notConfigured: { code: '65537926', message: 'AWS KMS is not configured for this SVM.' },
    keysInUse: { code: '65537106', message: 'Cannot remove the key manager: volume encryption keys are still stored on it.' },
    rekeyFailed: { code: '65537919', message: 'External rekey failed on one or more nodes.' },
    restoreFailed: { code: '65536082', message: 'Unable to restore all keys from AWS KMS.' },
    noInputs: { code: AWS_NO_INPUTS.code, message: AWS_NO_INPUTS.message },
    // ONTAP's rekey-internal and restore pages word 65537926 differently (REST reference 9.12+).
    rekeyInternalNotConfigured: { code: '65537926', message: 'AWS KMS is not configured for the given SVM.' },
    restoreNotConfigured: { code: '65537926', message: 'The Amazon Web Service Key Management Service is not configured for the given SVM.' },
    keyManagerBlocked: KEY_MANAGER_BLOCKED,
  },
  rekeyExternal: { kinds: { key_id: 'string' }, required: ['key_id'] },
  createParams: [],
  records: (state) => state.records,
  view: awsKmsView,
  checkCreate: (input) => checkAwsCreate(input.fields),
  checkPatch: checkAwsPatch,
  build: (state, svm, fields) => build(state, svm, fields),
  patch(state, r, fields) {
    const credsChange = fields['access_key_id'] !== undefined || fields['secret_access_key'] !== undefined;
    if (credsChange && fields['skip_verify'] !== true) {
      checkAws(state, {
        access_key_id: str(fields, 'access_key_id') ?? r.access_key_id,
        secret_access_key: str(fields, 'secret_access_key') ?? r.secret_access_key,
      });
    }
    Object.assign(r, fields);
  },
  rekey: (r, fields) => {
    r.key_id = str(fields, 'key_id') ?? r.key_id;
  },
  reachable: (state, r) => awsReachable(state, r),
};
