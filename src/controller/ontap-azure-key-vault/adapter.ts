/**
 * The azure-key-vaults adapter: OntapAzureKeyVault on ONTAP's `/api/security/azure-key-vaults`,
 * for the key-manager engine. Pure functions: the managed fields, reading the client secret or
 * certificate, the delta, and the status. The vault (`name`) is create-only; the key (`key_id`)
 * changes only through `rekey-external`; the credentials are write-only, and ONTAP shows only
 * which kind was sent (`authentication_method`), which is what a drift check can compare.
 * ONTAP checks a new client or tenant id against Azure, so when the credential is sent the ids
 * go in the same PATCH.
 */
import { ConditionType, Reason } from '../../api/v1alpha1/constants.js';
import type { AppliedSecret, OntapAzureKeyVault, OntapAzureKeyVaultSpec, OntapAzureKeyVaultStatus } from '../../api/v1alpha1/types.js';
import { AZURE_KEY_VAULT } from '../../ontap/client.js';
import { OntapCode } from '../../ontap/errors.js';
import type { AzureAuthenticationMethod, AzureKeyVaultCreateBody, AzureKeyVaultRecord } from '../../ontap/wire-azure.js';
import { ReconcileError } from '../errors.js';
import { type KeyManagerAdapter, type KeyManagerDelta, type SecretRef, withProxy } from '../key-manager/adapter.js';
import { addProxyPassword, appliedAfterSend, credentialsCause } from '../key-manager/applied.js';
import { type ConfigValue, diffFields, managedField, nonEmpty, proxyFields, settings } from '../key-manager/fields.js';
import { ekmipCondition, keyManagerStatus, reachabilityCondition, toReachability } from '../key-manager/status.js';
import { OntapAzureKeyVaultType } from '../resources.js';
import { certificates, cloudCredentials, mustGet, PEM_VALUE_MAX_BYTES, type ProxyPassword, readKey, readProxyPassword, type SecretReader } from '../secrets.js';

/** AzureSecrets are the credential (client secret or certificate) and proxy password as read. */
export interface AzureSecrets {
  readonly credential: { readonly name: string; readonly resourceVersion: string; readonly keys: readonly string[]; readonly method: AzureAuthenticationMethod; readonly value: string };
  readonly proxyPassword?: ProxyPassword | undefined;
}

/** AZURE_FIELDS are the plain settings ONTAP takes on create and PATCH (verify flags: PATCH only). */
export const AZURE_FIELDS = [
  managedField('spec.clientId', 'client_id', (s: OntapAzureKeyVaultSpec) => s.clientId),
  managedField('spec.tenantId', 'tenant_id', (s: OntapAzureKeyVaultSpec) => s.tenantId),
  managedField('spec.oauthHost', 'oauth_host', (s: OntapAzureKeyVaultSpec) => s.oauthHost),
  managedField('spec.vaultHost', 'vault_host', (s: OntapAzureKeyVaultSpec) => s.vaultHost),
  managedField('spec.port', 'port', (s: OntapAzureKeyVaultSpec) => s.port),
  ...proxyFields<OntapAzureKeyVaultSpec>(),
  managedField('spec.verifyHost', 'verify_host', (s: OntapAzureKeyVaultSpec) => s.verifyHost, true),
  managedField('spec.verifyIp', 'verify_ip', (s: OntapAzureKeyVaultSpec) => s.verifyIp, true),
] as const;

/** IDENTITY_FIELDS are the application's ids: sent with the credential whenever it is sent. */
const IDENTITY_FIELDS = ['client_id', 'tenant_id'] as const;
const IDENTITY_PATHS: ReadonlySet<string> = new Set(['spec.clientId', 'spec.tenantId']);

/** AZURE_OBSERVED_FIELDS is what the collection GET names: identity, managed fields and advanced state. */
export const AZURE_OBSERVED_FIELDS: readonly string[] = [
  'uuid',
  'scope',
  'svm.name',
  'svm.uuid',
  'name',
  'key_id',
  'authentication_method',
  ...AZURE_FIELDS.map((f) => f.ontap),
  'state',
  'azure_reachability',
  'ekmip_reachability',
];

/** credentialRef is the Secret key the spec sends: the client secret, or else the certificate. */
function credentialRef(spec: OntapAzureKeyVaultSpec): { ref: { name: string; key: string }; method: AzureAuthenticationMethod } | undefined {
  if (spec.clientSecretRef) return { ref: spec.clientSecretRef, method: 'client_secret' };
  if (spec.clientCertificateRef) return { ref: spec.clientCertificateRef, method: 'certificate' };
  return undefined;
}

function credentialsSecret(spec: OntapAzureKeyVaultSpec): SecretRef | undefined {
  const c = credentialRef(spec);
  return c ? { name: c.ref.name, keys: [c.ref.key] } : undefined;
}

/** ontapCredential names the write-only field a credential goes to. */
function ontapCredential(s: AzureSecrets): Record<string, string> {
  return s.credential.method === 'client_secret' ? { client_secret: s.credential.value } : { client_certificate: s.credential.value };
}

/** readAzureSecrets reads and validates the credential and the proxy password. */
export async function readAzureSecrets(reader: SecretReader, namespace: string, spec: OntapAzureKeyVaultSpec): Promise<AzureSecrets> {
  const c = credentialRef(spec);
  // The CRD requires exactly one; an object from before that rule is told what is wrong.
  if (!c) throw new ReconcileError(Reason.SecretInvalid, 'spec names neither clientSecretRef nor clientCertificateRef', 'wait');
  const secret = await mustGet(reader, namespace, c.ref.name, c.method === 'certificate' ? certificates('spec.clientCertificateRef') : cloudCredentials('spec.clientSecretRef'));
  // A PKCS#12 certificate as base64 text is far larger than a client secret.
  const value = readKey(secret, namespace, c.ref.key, c.method === 'certificate' ? PEM_VALUE_MAX_BYTES : undefined);
  return {
    credential: { name: secret.name, resourceVersion: secret.resourceVersion, keys: [c.ref.key], method: c.method, value },
    proxyPassword: await readProxyPassword(reader, namespace, spec.proxy?.passwordSecretRef, secret),
  };
}

/** azureDelta compares the spec with a record; without `secrets`, credentials are not compared. */
export function azureDelta(spec: OntapAzureKeyVaultSpec, record: AzureKeyVaultRecord, secrets: AzureSecrets | undefined, applied: readonly AppliedSecret[]): KeyManagerDelta {
  const { diffs, body } = diffFields(AZURE_FIELDS, spec, record);
  let fields = diffs;
  const rekey = record.key_id !== undefined && record.key_id !== spec.keyId ? { body: { key_id: spec.keyId }, to: spec.keyId } : undefined;
  const creds: Record<string, ConfigValue> = {};
  let credentials: string | undefined;
  let proxyPassword = false;
  const method = credentialRef(spec)?.method;
  const otherMethod = record.authentication_method !== undefined && record.authentication_method !== method;
  if (secrets) {
    credentials = credentialsCause(applied, secrets.credential, otherMethod, 'authentication-method-differs');
    if (credentials) {
      Object.assign(creds, ontapCredential(secrets));
      if (spec.skipVerification !== undefined) creds['skip_verification'] = spec.skipVerification;
      // ONTAP verifies a new client or tenant id against Azure with the credential it holds: a
      // new application's id goes with its new credential, or the first PATCH fails every time.
      for (const id of IDENTITY_FIELDS) {
        if (id in body) {
          creds[id] = body[id] as ConfigValue;
          delete body[id];
        }
      }
      fields = fields.filter((f) => !IDENTITY_PATHS.has(f.path));
    }
    proxyPassword = addProxyPassword(body, applied, secrets.proxyPassword);
  }
  const drift = [
    ...diffs.map((f) => f.path),
    ...(rekey ? ['spec.keyId'] : []),
    // The vault is create-only: another one on ONTAP is drift no PATCH can fix.
    ...(record.name !== undefined && record.name !== spec.vaultName ? ['spec.vaultName'] : []),
    ...(otherMethod ? [spec.clientSecretRef ? 'spec.clientSecretRef' : 'spec.clientCertificateRef'] : []),
  ];
  return { fields, rekey, credentials, proxyPassword, configPatch: nonEmpty(body), credentialsPatch: nonEmpty(creds), drift };
}

/** azureCreateBody is the POST body: identity, the settings POST takes, the credential and the proxy password. */
export function azureCreateBody(spec: OntapAzureKeyVaultSpec, secrets: AzureSecrets): AzureKeyVaultCreateBody {
  return {
    ...(spec.svm ? { svm: { name: spec.svm.name } } : {}),
    ...settings(AZURE_FIELDS, spec, false),
    client_id: spec.clientId,
    tenant_id: spec.tenantId,
    key_id: spec.keyId,
    name: spec.vaultName,
    ...(spec.skipVerification !== undefined ? { skip_verification: spec.skipVerification } : {}),
    ...(secrets.proxyPassword ? { proxy_password: secrets.proxyPassword.value } : {}),
    ...(secrets.credential.method === 'client_secret' ? { client_secret: secrets.credential.value } : { client_certificate: secrets.credential.value }),
  };
}

/** azureKeyVaultAdapter drives OntapAzureKeyVault resources. */
export const azureKeyVaultAdapter: KeyManagerAdapter<OntapAzureKeyVault, AzureKeyVaultRecord, AzureSecrets> = {
  type: OntapAzureKeyVaultType,
  family: AZURE_KEY_VAULT,
  observedFields: AZURE_OBSERVED_FIELDS,
  label: 'Azure Key Vault configuration',
  reachability: { metric: 'azure_reachable', ontapField: 'azure_reachability', service: 'Azure Key Vault', read: (s) => s.azureReachability },
  keyName: 'keyId',
  alreadyConfiguredCodes: [OntapCode.AlreadyConfigured],
  secretRefs: (spec) => withProxy(spec, credentialsSecret(spec)),
  credentialsRef: credentialsSecret,
  readSecrets: readAzureSecrets,
  // ONTAP shows which kind of credential it holds: a secret where the spec sends a certificate is drift.
  fingerprint: {
    ofSecrets: (s) => ({ resourceVersion: s.credential.resourceVersion, fingerprint: s.credential.method }),
    ofRecord: (r) => r.authentication_method,
  },
  createBody: azureCreateBody,
  afterCreate: (spec) => nonEmpty(settings(AZURE_FIELDS, spec, true)),
  delta: azureDelta,
  appliedAfter: (applied, s, sent) => appliedAfterSend(applied, s.credential, s.proxyPassword, sent),
  describeSent: (s, what, cause) =>
    what === 'credentials'
      ? `sent the Azure ${s.credential.method === 'client_secret' ? 'client secret' : 'client certificate'} from Secret ${s.credential.name} (${cause ?? ''})`
      : `sent the proxy password from Secret ${s.proxyPassword?.name ?? ''}`,
  status: (obj, outcome, now) =>
    keyManagerStatus<AzureKeyVaultRecord, OntapAzureKeyVaultStatus>(obj, outcome, now, {
      label: 'Azure Key Vault',
      recordFields: (r) => ({ keyId: r.key_id, vaultName: r.name, authenticationMethod: r.authentication_method, azureReachability: toReachability(r.azure_reachability) }),
      recordKeys: ['keyId', 'vaultName', 'authenticationMethod', 'azureReachability'],
      reachability: (s) => [reachabilityCondition(ConditionType.AzureReachable, s.azureReachability, 'Azure Key Vault', 'azure_reachability'), ekmipCondition(s.ekmipReachability)],
    }),
};
