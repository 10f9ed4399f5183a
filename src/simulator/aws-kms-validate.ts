/**
 * Request-body rules of the aws-kms endpoints, from ONTAP's reference: which fields POST and
 * PATCH take, and the aws-kms specific checks (empty keys, skip_verify) with their codes.
 */
import { invalidField, SimError } from './http.js';
import type { FieldRules, Fields } from './key-manager-validate.js';

/** AWS_KMS_RULES: settable fields shared by POST and PATCH, create-only and PATCH-only ones. */
export const AWS_KMS_RULES: FieldRules = {
  common: {
    region: 'string',
    access_key_id: 'string',
    secret_access_key: 'string',
    service: 'string',
    default_domain: 'string',
    host: 'string',
    port: 'port',
    proxy_type: 'proxy_type',
    proxy_host: 'string',
    proxy_port: 'port',
    proxy_username: 'string',
    proxy_password: 'string',
    polling_period: 'positive',
    encryption_context: 'string',
  },
  createOnly: { key_id: 'string' },
  patchOnly: { timeout: 'positive', verify: 'boolean', verify_host: 'boolean', verify_ip: 'boolean', skip_verify: 'boolean' },
  readOnly: new Set(['uuid', 'scope', 'state', 'amazon_reachability', 'ekmip_reachability']),
  required: ['key_id', 'region', 'access_key_id', 'secret_access_key'],
  createOnlyHint: { key_id: 'Use rekey-external to change the key ID.' },
};

/** AWS_NO_INPUTS is PATCH's answer to an empty body (65537541, docs/ontap-rest.md, from NetApp's PATCH page). */
export const AWS_NO_INPUTS = new SimError(400, '65537541', 'No inputs were provided for the patch request.');

/** checkAwsCreate refuses empty key material in a POST. */
export function checkAwsCreate(fields: Readonly<Fields>): void {
  if (fields['key_id'] === '') throw invalidField('key_id', 'The key ID cannot be empty.');
  if (fields['access_key_id'] === '') throw new SimError(400, '65537924', 'The access key ID cannot be empty.', 'access_key_id');
  if (fields['secret_access_key'] === '') throw new SimError(400, '65537900', 'Invalid secret access key.', 'secret_access_key');
}

/** checkAwsPatch refuses empty key material and skip_verify without access_key_id in a PATCH. */
export function checkAwsPatch(fields: Readonly<Fields>): void {
  if (fields['secret_access_key'] === '') {
    throw new SimError(400, '65537920', 'The secret access key cannot be empty.', 'secret_access_key');
  }
  if (fields['access_key_id'] === '') {
    throw new SimError(400, '65537924', 'The access key ID cannot be empty.', 'access_key_id');
  }
  if (fields['skip_verify'] !== undefined && fields['access_key_id'] === undefined) {
    throw invalidField('skip_verify', 'The "skip_verify" field can be specified only together with "access_key_id".');
  }
}
