/**
 * The `/api/security/azure-key-vaults` family. Fields, required POST properties, PATCHable
 * properties, defaults and `create_inactive` follow netapp_ontap's resources/azure_key_vault.py
 * (9.19.1); error codes follow ONTAP's REST reference where it names them (see AZURE_ERRORS).
 * Authentication is a client secret or a PKCS12 client certificate, both write-only.
 */
import { invalidField, SimError } from './http.js';
import { assignDefined, type CloudStatus, type ErrorSpec, fallbackErrors, familySpec, identityMembers, newIdentity, optional, selfLink, type SimKeyManagerFamily, statusMembers } from './key-manager-family.js';
import type { StoredAzureKeyVault } from './key-manager-records.js';
import { type FieldRules, type Fields, num, str } from './key-manager-validate.js';
import type { SimState, SimSvm } from './state.js';

/** AZURE_KEY_VAULTS_BASE is the collection path. */
export const AZURE_KEY_VAULTS_BASE = '/api/security/azure-key-vaults';

const FIELDS: readonly string[] = [
  'uuid', 'svm', 'scope', 'enabled', 'configuration', 'authentication_method', 'client_id', 'tenant_id', 'name', 'key_id',
  'oauth_host', 'vault_host', 'port', 'proxy_type', 'proxy_host', 'proxy_port', 'proxy_username',
  'skip_verification', 'verify_host', 'verify_ip',
];

/** AZURE_RULES: postable_fields and patchable_fields of azure_key_vault.py. */
export const AZURE_RULES: FieldRules = {
  common: {
    client_certificate: 'string',
    client_id: 'string',
    client_secret: 'string',
    oauth_host: 'string',
    port: 'port',
    proxy_host: 'string',
    proxy_password: 'string',
    proxy_port: 'port',
    proxy_type: 'proxy_type',
    proxy_username: 'string',
    skip_verification: 'boolean',
    tenant_id: 'string',
    vault_host: 'string',
  },
  createOnly: { key_id: 'string', name: 'string', configuration: 'named_object' },
  patchOnly: { verify_host: 'boolean', verify_ip: 'boolean' },
  readOnly: new Set(['uuid', 'scope', 'enabled', 'authentication_method', 'state', 'azure_reachability', 'ekmip_reachability']),
  required: ['client_id', 'tenant_id', 'key_id', 'name'],
  createOnlyHint: { key_id: 'Use rekey-external to change the key ID.' },
};

/**
 * AZURE_ERRORS. From ONTAP's REST reference (9.10 and later): 65537120 AKV not configured for
 * the SVM (restore, rekey-internal, DELETE), 65536867 volume encryption keys still stored on
 * the key manager (DELETE), 65537515 failed to restore keys on some nodes (restore). The rest
 * are fallbackErrors (65537556 for a blocked key manager, which the Azure rekey-internal page
 * does not list), and 65537551 (aws-kms's key protection unavailable) for `state`.
 */
export const AZURE_ERRORS = {
  ...fallbackErrors('Azure Key Vault'),
  notConfigured: { code: '65537120', message: 'Azure Key Vault is not configured for the given SVM.' },
  rekeyInternalNotConfigured: { code: '65537120', message: 'Azure Key Vault is not configured for the given SVM.' },
  restoreNotConfigured: { code: '65537120', message: 'Azure Key Vault is not configured for the given SVM.' },
  keysInUse: { code: '65536867', message: 'Volume encryption keys (VEK) for one or more encrypted volumes are stored on the key manager configured for the given SVM.' },
  restoreFailed: { code: '65537515', message: 'Failed to restore keys on some nodes in the cluster.' },
  unavailable: { code: '65537551', message: 'AKV key protection is unavailable on the following nodes:' },
} as const satisfies Record<string, ErrorSpec>;

const AZURE_STATUS: CloudStatus = { member: 'azure_reachability', unreachable: AZURE_ERRORS.unreachable, unavailable: AZURE_ERRORS.unavailable };

/** azureCredential is the secret or certificate the record authenticates with. */
function azureCredential(r: { client_secret?: string | undefined; client_certificate?: string | undefined }): string | undefined {
  return r.client_certificate ?? r.client_secret;
}

/** checkOneCredential refuses a body with both a secret and a certificate, or an empty one. */
function checkOneCredential(fields: Readonly<Fields>, required: boolean): void {
  const secret = str(fields, 'client_secret');
  const cert = str(fields, 'client_certificate');
  if (secret !== undefined && cert !== undefined) {
    throw invalidField('client_secret', 'Specify either "client_secret" or "client_certificate", not both.');
  }
  if (required && secret === undefined && cert === undefined) {
    throw invalidField('client_secret', 'Missing value for required field "client_secret" or "client_certificate".');
  }
  if (secret === '' || cert === '') {
    const target = secret === '' ? 'client_secret' : 'client_certificate';
    throw invalidField(target, `The value for field "${target}" cannot be empty.`);
  }
}

function checkAzure(state: SimState, credential: string | undefined): void {
  if (!state.cloudAccepts(state.azure, credential)) {
    const why = state.azure.reachable ? 'AADSTS7000215: Invalid client secret provided.' : 'Connection timed out.';
    throw new SimError(400, AZURE_ERRORS.invalidCredentials.code, `${AZURE_ERRORS.invalidCredentials.message} Reason: ${why}`);
  }
}

function build(state: SimState, svm: SimSvm | undefined, f: Readonly<Fields>, params: URLSearchParams): StoredAzureKeyVault {
  const identity = newIdentity(svm);
  const configuration = f['configuration'];
  const record: StoredAzureKeyVault = {
    ...identity,
    enabled: params.get('create_inactive') !== 'true',
    configuration: { name: typeof configuration === 'object' ? configuration.name : 'default', uuid: identity.uuid },
    authentication_method: str(f, 'client_certificate') !== undefined ? 'certificate' : 'client_secret',
    client_id: str(f, 'client_id') ?? '',
    tenant_id: str(f, 'tenant_id') ?? '',
    name: str(f, 'name') ?? '',
    key_id: str(f, 'key_id') ?? '',
    oauth_host: str(f, 'oauth_host') ?? 'login.microsoftonline.com',
    vault_host: str(f, 'vault_host') ?? 'vault.azure.net',
    port: num(f, 'port') ?? 443,
    skip_verification: false,
    verify_host: true,
    verify_ip: false,
  };
  assignDefined(record, f, ['client_secret', 'client_certificate', 'proxy_type', 'proxy_host', 'proxy_port', 'proxy_username', 'proxy_password']);
  if (record.enabled && f['skip_verification'] !== true) checkAzure(state, azureCredential(record));
  return record;
}

function patch(state: SimState, r: StoredAzureKeyVault, fields: Readonly<Fields>): void {
  const credentialChange = ['client_secret', 'client_certificate', 'client_id', 'tenant_id'].some((k) => fields[k] !== undefined);
  const secret = str(fields, 'client_secret');
  const cert = str(fields, 'client_certificate');
  if (credentialChange && r.enabled && fields['skip_verification'] !== true) {
    checkAzure(state, cert ?? secret ?? azureCredential(r));
  }
  // A new credential replaces the old one and decides the authentication method.
  if (cert !== undefined) {
    delete r.client_secret;
    r.authentication_method = 'certificate';
  } else if (secret !== undefined) {
    delete r.client_certificate;
    r.authentication_method = 'client_secret';
  }
  Object.assign(r, fields);
}

/** azureKeyVaultView renders a record; an inactive configuration has no advanced members. */
export function azureKeyVaultView(state: SimState, r: StoredAzureKeyVault): Record<string, unknown> {
  return {
    ...identityMembers(r),
    enabled: r.enabled,
    configuration: r.configuration,
    authentication_method: r.authentication_method,
    client_id: r.client_id,
    tenant_id: r.tenant_id,
    name: r.name,
    key_id: r.key_id,
    oauth_host: r.oauth_host,
    vault_host: r.vault_host,
    port: r.port,
    ...optional(r, ['proxy_type', 'proxy_host', 'proxy_port', 'proxy_username']),
    skip_verification: r.skip_verification,
    verify_host: r.verify_host,
    verify_ip: r.verify_ip,
    ...(r.enabled ? statusMembers(state.nodes, state.cloudAccepts(state.azure, azureCredential(r)), AZURE_STATUS, state.keysLost.has(state.svmKey(r))) : {}),
    ...selfLink(AZURE_KEY_VAULTS_BASE, r.uuid),
  };
}

/** AZURE_KEY_VAULT_FAMILY is azure-key-vaults for the generic handlers. */
export const AZURE_KEY_VAULT_FAMILY: SimKeyManagerFamily<StoredAzureKeyVault> = {
  name: 'azure-key-vaults',
  base: AZURE_KEY_VAULTS_BASE,
  spec: familySpec(AZURE_KEY_VAULTS_BASE, FIELDS, AZURE_STATUS),
  rules: AZURE_RULES,
  errors: AZURE_ERRORS,
  rekeyExternal: { kinds: { key_id: 'string' }, required: ['key_id'] },
  createParams: ['create_inactive'],
  records: (state) => state.azureKeyVaults,
  view: azureKeyVaultView,
  checkCreate(input, params) {
    const inactive = params.get('create_inactive');
    if (inactive !== null && inactive !== 'true' && inactive !== 'false') {
      throw invalidField('create_inactive', `The value "${inactive}" is invalid for field "create_inactive".`);
    }
    checkOneCredential(input.fields, true);
    for (const k of ['client_id', 'tenant_id', 'key_id', 'name']) {
      if (input.fields[k] === '') throw invalidField(k, `The value for field "${k}" cannot be empty.`);
    }
  },
  checkPatch: (fields) => checkOneCredential(fields, false),
  build,
  patch,
  rekey: (r, fields) => {
    r.key_id = str(fields, 'key_id') ?? r.key_id;
  },
  reachable: (state, r) => r.enabled && state.cloudAccepts(state.azure, azureCredential(r)),
};
