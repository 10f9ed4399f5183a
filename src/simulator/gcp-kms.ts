/**
 * The `/api/security/gcp-kms` family. Fields, required POST properties, PATCHable properties,
 * defaults and the rekey-external body follow netapp_ontap's resources/gcp_kms.py (9.19.1);
 * error codes follow ONTAP's REST reference where it names them (see GCP_ERRORS).
 * Authentication is a service account's application_credentials JSON (write-only), or, with
 * `sa_credentials_attachment`, the instance's attached service account.
 */
import { invalidField, SimError } from './http.js';
import { assignDefined, type CloudStatus, type ErrorSpec, fallbackErrors, familySpec, identityMembers, newIdentity, optional, selfLink, type SimKeyManagerFamily, statusMembers } from './key-manager-family.js';
import type { StoredGcpKms } from './key-manager-records.js';
import { type FieldRules, type Fields, num, str } from './key-manager-validate.js';
import type { SimState, SimSvm } from './state.js';

/** GCP_KMS_BASE is the collection path. */
export const GCP_KMS_BASE = '/api/security/gcp-kms';

const AUTH_METHODS = ['application_credentials_key', 'sa_credentials_attachment'] as const;

const FIELDS: readonly string[] = [
  'uuid', 'svm', 'scope', 'project_id', 'key_ring_name', 'key_ring_location', 'key_name', 'authentication_method',
  'caller_account', 'privileged_account', 'gce_metadata_server', 'cloudkms_host', 'oauth_host', 'oauth_url', 'port',
  'proxy_type', 'proxy_host', 'proxy_port', 'proxy_username', 'verify_host', 'verify_ip',
];

/** GCP_RULES: postable_fields and patchable_fields of gcp_kms.py. */
export const GCP_RULES: FieldRules = {
  common: {
    application_credentials: 'string',
    authentication_method: { oneOf: AUTH_METHODS },
    cloudkms_host: 'string',
    gce_metadata_server: 'string',
    oauth_host: 'string',
    oauth_url: 'string',
    port: 'port',
    privileged_account: 'string',
    proxy_host: 'string',
    proxy_password: 'string',
    proxy_port: 'port',
    proxy_type: 'proxy_type',
    proxy_username: 'string',
    verify_host: 'boolean',
    verify_ip: 'boolean',
  },
  createOnly: { project_id: 'string', key_ring_name: 'string', key_ring_location: 'string', key_name: 'string' },
  patchOnly: {},
  readOnly: new Set(['uuid', 'scope', 'caller_account', 'state', 'google_reachability', 'ekmip_reachability']),
  required: ['project_id', 'key_ring_name', 'key_ring_location', 'key_name'],
  createOnlyHint: {
    key_name: 'Use rekey-external to change the key.',
    key_ring_name: 'Use rekey-external to change the key ring.',
    key_ring_location: 'Use rekey-external to change the key ring location.',
    project_id: 'Use rekey-external to change the project.',
  },
};

/**
 * GCP_ERRORS. From ONTAP's REST reference: 65537721 Google Cloud KMS not configured for the SVM
 * (DELETE, restore, rekey-internal; the rekey-internal and restore pages word it differently),
 * 65536867 volume encryption keys still stored on the key manager (DELETE), 65537722 failed to
 * restore keys (restore), 65537556 key manager blocked (rekey-internal; the first sentence of
 * the page's text); 65537708 key protection unavailable on nodes (gcp_kms.py's `state`
 * example). The rest are fallbackErrors.
 */
export const GCP_ERRORS = {
  ...fallbackErrors('the Google Cloud Key Management Service'),
  notConfigured: { code: '65537721', message: 'The Google Cloud Key Management Service is not configured for the given SVM.' },
  rekeyInternalNotConfigured: { code: '65537721', message: 'Google Cloud KMS is not configured for the given SVM.' },
  restoreNotConfigured: { code: '65537721', message: 'The Google Cloud Key Management Service is not configured for the given SVM.' },
  keyManagerBlocked: { code: '65537556', message: 'ONTAP is not able to successfully encrypt or decrypt because the configured external key manager for this SVM is in a blocked state.' },
  keysInUse: { code: '65536867', message: 'Volume encryption keys (VEK) for one or more encrypted volumes are stored on the key manager configured for the given SVM.' },
  restoreFailed: { code: '65537722', message: 'Failed to restore keys on the following nodes.' },
  unavailable: { code: '65537708', message: 'The Google Cloud Key Management Service key protection is unavailable on the following nodes:' },
} as const satisfies Record<string, ErrorSpec>;

const GCP_STATUS: CloudStatus = { member: 'google_reachability', unreachable: GCP_ERRORS.unreachable, unavailable: GCP_ERRORS.unavailable };

/** clientEmail reads `client_email` of application credentials, refusing JSON without it and `private_key`. */
function clientEmail(credentials: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(credentials);
  } catch {
    parsed = undefined;
  }
  const o = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  if (typeof o['client_email'] !== 'string' || typeof o['private_key'] !== 'string') {
    throw invalidField('application_credentials', 'The application credentials must be a JSON object with "client_email" and "private_key".');
  }
  return o['client_email'];
}

/** gcpCredential is what Google checks: the credentials JSON, or the attached account. */
function gcpCredential(r: Pick<StoredGcpKms, 'authentication_method' | 'application_credentials'>): string | undefined {
  return r.authentication_method === 'sa_credentials_attachment' ? 'sa_credentials_attachment' : r.application_credentials;
}

function checkGoogle(state: SimState, credential: string | undefined): void {
  if (!state.cloudAccepts(state.gcp, credential)) {
    const why = state.gcp.reachable ? 'invalid_grant: Invalid JWT Signature.' : 'Connection timed out.';
    throw new SimError(400, GCP_ERRORS.invalidCredentials.code, `${GCP_ERRORS.invalidCredentials.message} Reason: ${why}`);
  }
}

function build(state: SimState, svm: SimSvm | undefined, f: Readonly<Fields>): StoredGcpKms {
  const record: StoredGcpKms = {
    ...newIdentity(svm),
    project_id: str(f, 'project_id') ?? '',
    key_ring_name: str(f, 'key_ring_name') ?? '',
    key_ring_location: str(f, 'key_ring_location') ?? '',
    key_name: str(f, 'key_name') ?? '',
    authentication_method: str(f, 'authentication_method') === 'sa_credentials_attachment' ? 'sa_credentials_attachment' : 'application_credentials_key',
    cloudkms_host: str(f, 'cloudkms_host') ?? 'cloudkms.googleapis.com',
    oauth_host: str(f, 'oauth_host') ?? 'oauth2.googleapis.com',
    oauth_url: str(f, 'oauth_url') ?? 'https://oauth2.googleapis.com/token',
    port: num(f, 'port') ?? 443,
    verify_host: f['verify_host'] !== false,
    verify_ip: f['verify_ip'] === true,
  };
  assignDefined(record, f, [
    'application_credentials', 'privileged_account', 'gce_metadata_server',
    'proxy_type', 'proxy_host', 'proxy_port', 'proxy_username', 'proxy_password',
  ]);
  if (record.application_credentials !== undefined) record.caller_account = clientEmail(record.application_credentials);
  checkGoogle(state, gcpCredential(record));
  return record;
}

function patch(state: SimState, r: StoredGcpKms, fields: Readonly<Fields>): void {
  const credentials = str(fields, 'application_credentials');
  const method = str(fields, 'authentication_method');
  const next = {
    authentication_method: (method ?? r.authentication_method) as StoredGcpKms['authentication_method'],
    application_credentials: credentials ?? r.application_credentials,
  };
  if (next.authentication_method === 'application_credentials_key' && next.application_credentials === undefined) {
    throw invalidField('application_credentials', 'The "application_credentials" field is required with "application_credentials_key".');
  }
  const caller = credentials === undefined ? undefined : clientEmail(credentials);
  if (credentials !== undefined || method !== undefined) checkGoogle(state, gcpCredential(next));
  Object.assign(r, fields);
  if (caller !== undefined) r.caller_account = caller;
}

/** gcpKmsView renders a record with every GET-visible field, advanced ones included. */
export function gcpKmsView(state: SimState, r: StoredGcpKms): Record<string, unknown> {
  return {
    ...identityMembers(r),
    project_id: r.project_id,
    key_ring_name: r.key_ring_name,
    key_ring_location: r.key_ring_location,
    key_name: r.key_name,
    authentication_method: r.authentication_method,
    ...optional(r, ['caller_account', 'privileged_account', 'gce_metadata_server']),
    cloudkms_host: r.cloudkms_host,
    oauth_host: r.oauth_host,
    oauth_url: r.oauth_url,
    port: r.port,
    ...optional(r, ['proxy_type', 'proxy_host', 'proxy_port', 'proxy_username']),
    verify_host: r.verify_host,
    verify_ip: r.verify_ip,
    ...statusMembers(state.nodes, state.cloudAccepts(state.gcp, gcpCredential(r)), GCP_STATUS, state.keysLost.has(state.svmKey(r))),
    ...selfLink(GCP_KMS_BASE, r.uuid),
  };
}

/** GCP_KMS_FAMILY is gcp-kms for the generic handlers. */
export const GCP_KMS_FAMILY: SimKeyManagerFamily<StoredGcpKms> = {
  name: 'gcp-kms',
  base: GCP_KMS_BASE,
  spec: familySpec(GCP_KMS_BASE, FIELDS, GCP_STATUS),
  rules: GCP_RULES,
  errors: GCP_ERRORS,
  rekeyExternal: {
    kinds: { key_name: 'string', project_id: 'string', key_ring_name: 'string', key_ring_location: 'string' },
    required: ['key_name'],
  },
  createParams: [],
  records: (state) => state.gcpKms,
  view: gcpKmsView,
  checkCreate({ fields }) {
    for (const k of GCP_RULES.required) {
      if (fields[k] === '') throw invalidField(k, `The value for field "${k}" cannot be empty.`);
    }
    const credentials = str(fields, 'application_credentials');
    if (fields['authentication_method'] !== 'sa_credentials_attachment' && credentials === undefined) {
      throw invalidField('application_credentials', 'Missing value for required field "application_credentials".');
    }
    if (credentials !== undefined) clientEmail(credentials);
  },
  checkPatch(fields) {
    const credentials = str(fields, 'application_credentials');
    if (credentials !== undefined) clientEmail(credentials);
  },
  build: (state, svm, fields) => build(state, svm, fields),
  patch,
  rekey: (r, fields) => assignDefined(r, fields, ['key_name', 'project_id', 'key_ring_name', 'key_ring_location']),
  reachable: (state, r) => state.cloudAccepts(state.gcp, gcpCredential(r)),
};
