/**
 * The gcp-kms adapter: OntapGcpKms on ONTAP's `/api/security/gcp-kms`, for the key-manager engine.
 * Pure functions: the managed fields, reading the service account's JSON key, the delta, and the
 * status. The key (project, key ring, location, key name) is create-only and moves only through
 * `rekey-external`; the JSON key is write-only, and ONTAP shows its `client_email` as
 * `caller_account`, which is what a drift check can compare without reading the Secret.
 */
import { ConditionType, Reason } from '../../api/v1alpha1/constants.js';
import type { AppliedSecret, OntapGcpKms, OntapGcpKmsSpec, OntapGcpKmsStatus } from '../../api/v1alpha1/types.js';
import { GCP_KMS } from '../../ontap/client.js';
import { OntapCode } from '../../ontap/errors.js';
import type { GcpKmsCreateBody, GcpKmsRecord, GcpKmsRekeyExternalBody } from '../../ontap/wire-gcp.js';
import { ReconcileError } from '../errors.js';
import { type KeyManagerAdapter, type KeyManagerDelta, type SecretRef, withProxy } from '../key-manager/adapter.js';
import { addProxyPassword, appliedAfterSend, credentialsCause, type SentSecret } from '../key-manager/applied.js';
import { type ConfigValue, diffFields, managedField, nonEmpty, proxyFields, settings } from '../key-manager/fields.js';
import { ekmipCondition, keyManagerStatus, reachabilityCondition, toReachability } from '../key-manager/status.js';
import { OntapGcpKmsType } from '../resources.js';
import { cloudCredentials, mustGet, PEM_VALUE_MAX_BYTES, type ProxyPassword, readKey, readProxyPassword, type SecretReader } from '../secrets.js';

/** GcpSecrets are the service account key (absent with an attached service account) and the proxy password. */
export interface GcpSecrets {
  readonly credentials?: SentSecret & { readonly json: string; readonly clientEmail: string };
  readonly proxyPassword?: ProxyPassword | undefined;
}

/** GCP_FIELDS are the plain settings ONTAP takes on create and PATCH. */
export const GCP_FIELDS = [
  managedField('spec.authenticationMethod', 'authentication_method', (s: OntapGcpKmsSpec) => s.authenticationMethod),
  managedField('spec.gceMetadataServer', 'gce_metadata_server', (s: OntapGcpKmsSpec) => s.gceMetadataServer),
  managedField('spec.privilegedAccount', 'privileged_account', (s: OntapGcpKmsSpec) => s.privilegedAccount),
  managedField('spec.cloudkmsHost', 'cloudkms_host', (s: OntapGcpKmsSpec) => s.cloudkmsHost),
  managedField('spec.oauthHost', 'oauth_host', (s: OntapGcpKmsSpec) => s.oauthHost),
  managedField('spec.oauthUrl', 'oauth_url', (s: OntapGcpKmsSpec) => s.oauthUrl),
  managedField('spec.port', 'port', (s: OntapGcpKmsSpec) => s.port),
  ...proxyFields<OntapGcpKmsSpec>(),
  managedField('spec.verifyHost', 'verify_host', (s: OntapGcpKmsSpec) => s.verifyHost),
  managedField('spec.verifyIp', 'verify_ip', (s: OntapGcpKmsSpec) => s.verifyIp),
] as const;

/** KEY_FIELDS are the key's coordinates: create-only, changed together by rekey-external. */
const KEY_FIELDS = [
  { spec: 'keyName', ontap: 'key_name' },
  { spec: 'projectId', ontap: 'project_id' },
  { spec: 'keyRingName', ontap: 'key_ring_name' },
  { spec: 'keyRingLocation', ontap: 'key_ring_location' },
] as const;

/** GCP_OBSERVED_FIELDS is what the collection GET names: identity, key, managed fields and advanced state. */
export const GCP_OBSERVED_FIELDS: readonly string[] = [
  'uuid',
  'scope',
  'svm.name',
  'svm.uuid',
  ...KEY_FIELDS.map((k) => k.ontap),
  'caller_account',
  ...GCP_FIELDS.map((f) => f.ontap),
  'state',
  'google_reachability',
  'ekmip_reachability',
];

function credentialsSecret(spec: OntapGcpKmsSpec): SecretRef | undefined {
  const ref = spec.applicationCredentialsSecretRef;
  return ref ? { name: ref.name, keys: [ref.key] } : undefined;
}

/**
 * readGcpSecrets reads and validates the service account key (JSON with client_email and
 * private_key: anything else is SecretInvalid, naming the Secret and key, never the value) and
 * the proxy password.
 */
export async function readGcpSecrets(reader: SecretReader, namespace: string, spec: OntapGcpKmsSpec): Promise<GcpSecrets> {
  const ref = spec.applicationCredentialsSecretRef;
  if (!ref) {
    const proxyRef = spec.proxy?.passwordSecretRef;
    if (!proxyRef) return {};
    return { proxyPassword: await readProxyPassword(reader, namespace, proxyRef, undefined) };
  }
  const secret = await mustGet(reader, namespace, ref.name, cloudCredentials('spec.applicationCredentialsSecretRef'));
  const json = readKey(secret, namespace, ref.key, PEM_VALUE_MAX_BYTES);
  return {
    credentials: { name: secret.name, resourceVersion: secret.resourceVersion, keys: [ref.key], json, clientEmail: clientEmailOf(json, `Secret ${namespace}/${secret.name} key "${ref.key}"`) },
    proxyPassword: await readProxyPassword(reader, namespace, spec.proxy?.passwordSecretRef, secret),
  };
}

/** clientEmailOf checks a service account key's shape and returns its client_email (an identity, not a secret). */
function clientEmailOf(json: string, where: string): string {
  let key: unknown;
  try {
    key = JSON.parse(json);
  } catch {
    // The parser's message quotes the text it choked on: never pass it along.
    throw new ReconcileError(Reason.SecretInvalid, `${where} is not a JSON service account key`, 'wait');
  }
  const o = typeof key === 'object' && key !== null ? (key as Record<string, unknown>) : {};
  if (typeof o['client_email'] !== 'string' || o['client_email'] === '' || typeof o['private_key'] !== 'string' || o['private_key'] === '') {
    throw new ReconcileError(Reason.SecretInvalid, `${where} is not a service account key: it needs client_email and private_key`, 'wait');
  }
  return o['client_email'];
}

/** keyPath names the key the way Google does: projects/P/locations/L/keyRings/R/cryptoKeys/K. */
function keyPath(spec: OntapGcpKmsSpec): string {
  return `projects/${spec.projectId}/locations/${spec.keyRingLocation}/keyRings/${spec.keyRingName}/cryptoKeys/${spec.keyName}`;
}

/** gcpDelta compares the spec with a record; without `secrets`, credentials are not compared. */
export function gcpDelta(spec: OntapGcpKmsSpec, record: GcpKmsRecord, secrets: GcpSecrets | undefined, applied: readonly AppliedSecret[]): KeyManagerDelta {
  const { diffs: fields, body } = diffFields(GCP_FIELDS, spec, record);
  const movedKey = KEY_FIELDS.filter((k) => record[k.ontap] !== undefined && record[k.ontap] !== spec[k.spec]);
  // rekey-external takes the new key name, and the project, key ring and location when they move too.
  const rekeyBody: GcpKmsRekeyExternalBody = { key_name: spec.keyName, ...Object.fromEntries(movedKey.filter((k) => k.ontap !== 'key_name').map((k) => [k.ontap, spec[k.spec]])) };
  const rekey = movedKey.length > 0 ? { body: rekeyBody, to: keyPath(spec) } : undefined;
  const creds: Record<string, ConfigValue> = {};
  let credentials: string | undefined;
  let proxyPassword = false;
  const sa = secrets?.credentials;
  const otherAccount = sa !== undefined && record.caller_account !== undefined && record.caller_account !== sa.clientEmail;
  if (secrets) {
    if (sa) {
      credentials = credentialsCause(applied, sa, otherAccount, 'caller-account-differs');
      if (credentials) {
        creds['application_credentials'] = sa.json;
        // ONTAP refuses application_credentials_key without a key it holds: switching from an
        // attached service account, the method goes with the key, in the same PATCH.
        const method = body['authentication_method'];
        if (method !== undefined) {
          creds['authentication_method'] = method;
          delete body['authentication_method'];
        }
      }
    }
    proxyPassword = addProxyPassword(body, applied, secrets.proxyPassword);
  }
  const drift = [...fields.map((f) => f.path), ...movedKey.map((k) => `spec.${k.spec}`), ...(otherAccount ? ['spec.applicationCredentialsSecretRef'] : [])];
  return { fields, rekey, credentials, proxyPassword, configPatch: nonEmpty(body), credentialsPatch: nonEmpty(creds), drift };
}

/** gcpCreateBody is the POST body: the key, the settings, the service account key and the proxy password. */
export function gcpCreateBody(spec: OntapGcpKmsSpec, secrets: GcpSecrets): GcpKmsCreateBody {
  return {
    ...(spec.svm ? { svm: { name: spec.svm.name } } : {}),
    ...settings(GCP_FIELDS, spec, false),
    project_id: spec.projectId,
    key_ring_name: spec.keyRingName,
    key_ring_location: spec.keyRingLocation,
    key_name: spec.keyName,
    ...(secrets.credentials ? { application_credentials: secrets.credentials.json } : {}),
    ...(secrets.proxyPassword ? { proxy_password: secrets.proxyPassword.value } : {}),
  };
}

/** gcpKmsAdapter drives OntapGcpKms resources. */
export const gcpKmsAdapter: KeyManagerAdapter<OntapGcpKms, GcpKmsRecord, GcpSecrets> = {
  type: OntapGcpKmsType,
  family: GCP_KMS,
  observedFields: GCP_OBSERVED_FIELDS,
  label: 'Google Cloud KMS configuration',
  reachability: { metric: 'google_reachable', ontapField: 'google_reachability', service: 'Google Cloud KMS', read: (s) => s.googleReachability },
  keyName: 'key',
  alreadyConfiguredCodes: [OntapCode.AlreadyConfigured],
  secretRefs: (spec) => withProxy(spec, credentialsSecret(spec)),
  credentialsRef: credentialsSecret,
  readSecrets: readGcpSecrets,
  // ONTAP shows the key's client_email as caller_account: another account there is drift.
  fingerprint: {
    ofSecrets: (s) => ({ resourceVersion: s.credentials?.resourceVersion ?? '', fingerprint: s.credentials?.clientEmail ?? '' }),
    ofRecord: (r) => r.caller_account,
  },
  createBody: gcpCreateBody,
  afterCreate: () => undefined,
  delta: gcpDelta,
  appliedAfter: (applied, s, sent) => appliedAfterSend(applied, s.credentials, s.proxyPassword, sent),
  describeSent: (s, what, cause) =>
    what === 'credentials'
      ? `sent the service account key of ${s.credentials?.clientEmail ?? ''} from Secret ${s.credentials?.name ?? ''} (${cause ?? ''})`
      : `sent the proxy password from Secret ${s.proxyPassword?.name ?? ''}`,
  status: (obj, outcome, now) =>
    keyManagerStatus<GcpKmsRecord, OntapGcpKmsStatus>(obj, outcome, now, {
      label: 'Google Cloud KMS',
      recordFields: (r) => ({
        projectId: r.project_id,
        keyRingName: r.key_ring_name,
        keyRingLocation: r.key_ring_location,
        keyName: r.key_name,
        callerAccount: r.caller_account,
        googleReachability: toReachability(r.google_reachability),
      }),
      recordKeys: ['projectId', 'keyRingName', 'keyRingLocation', 'keyName', 'callerAccount', 'googleReachability'],
      reachability: (s) => [reachabilityCondition(ConditionType.GoogleReachable, s.googleReachability, 'Google Cloud KMS', 'google_reachability'), ekmipCondition(s.ekmipReachability)],
    }),
};
