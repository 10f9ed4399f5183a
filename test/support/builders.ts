/**
 * Builders for test objects, in the cert-manager style: `awsKms('svm1-kms', withSvm('svm1'),
 * withPort(8443))`. The `full*` values set every field, typed so that adding a field to a type
 * without adding it here fails to compile, and the CRD test then checks them against the schema.
 */
import { API_VERSION, OntapAwsKmsKind, OntapClusterKind } from '../../src/api/v1alpha1/constants.js';
import type {
  ClusterOntapClusterSpec,
  OntapAwsKms,
  OntapAwsKmsSpec,
  OntapAwsKmsStatus,
  OntapAzureKeyVaultSpec,
  OntapAzureKeyVaultStatus,
  OntapCluster,
  OntapClusterSpec,
  OntapClusterStatus,
  OntapGcpKmsSpec,
  OntapGcpKmsStatus,
} from '../../src/api/v1alpha1/types.js';

type DeepRequired<T> = T extends Array<infer U>
  ? Array<DeepRequired<U>>
  : T extends object
    ? { [K in keyof T]-?: DeepRequired<T[K]> }
    : T;

const condition = {
  type: 'Ready',
  status: 'True' as const,
  reason: 'Connected',
  message: 'ok',
  lastTransitionTime: '2026-01-01T00:00:00Z',
  observedGeneration: 1,
};

/** fullClusterSpec sets every OntapCluster spec field (both credential refs, so invalid for CEL). */
export const fullClusterSpec: DeepRequired<OntapClusterSpec> = {
  endpoint: 'https://10.0.0.10',
  credentialsSecretRef: { name: 'admin' },
  clientCertificateSecretRef: { name: 'cert' },
  caBundleSecretRef: { name: 'ca', key: 'ca.crt' },
  insecureSkipTLSVerify: false,
  requestTimeoutSeconds: 30,
  maxConcurrentRequests: 4,
};

/** fullSharedSpec sets every ClusterOntapCluster spec field. */
export const fullSharedSpec: DeepRequired<ClusterOntapClusterSpec> = {
  ...fullClusterSpec,
  tenancy: {
    namespaceSelector: { matchLabels: { 'kms.ontap.dev/tenant': 'true' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] },
    svms: [{ namespace: 'team-a', names: ['svm1'] }],
    svmsAnnotation: 'kms.ontap.dev/svms',
  },
};

/** fullClusterStatus sets every OntapCluster status field. */
export const fullClusterStatus: DeepRequired<OntapClusterStatus> = {
  observedGeneration: 1,
  clusterName: 'prod-a',
  clusterUUID: '1cd8a442-86d1-11e0-ae1c-123478563412',
  version: '9.15.1',
  conditions: [condition],
};

/** fullAwsKmsSpec sets every OntapAwsKms spec field. */
export const fullAwsKmsSpec: DeepRequired<OntapAwsKmsSpec> = {
  clusterRef: { name: 'prod-a', kind: 'OntapCluster' },
  svm: { name: 'svm1' },
  keyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd',
  region: 'us-east-1',
  credentialsSecretRef: { name: 'svm1-aws', accessKeyIdKey: 'access_key_id', secretAccessKeyKey: 'secret_access_key' },
  service: 'kms',
  defaultDomain: 'amazonaws.com',
  host: 'kms.us-east-1.amazonaws.com',
  port: 443,
  proxy: { type: 'http', host: 'proxy.corp', port: 3128, username: 'kms', passwordSecretRef: { name: 'svm1-proxy', key: 'password' } },
  pollingPeriodMinutes: 60,
  timeoutSeconds: 10,
  verify: true,
  verifyHost: true,
  verifyIp: false,
  encryptionContext: 'aws:fsx:fs-id=fs-0785c8beceb895999',
  skipVerify: false,
  deletionPolicy: 'Retain',
  managementPolicy: 'Manage',
  driftCheckIntervalSeconds: 300,
  suspend: false,
  keyRotation: { rotateEvery: '2160h', window: { days: ['Saturday', 'Sunday'], startHour: 1, endHour: 5 } },
};

/** fullAwsKmsStatus sets every OntapAwsKms status field. */
export const fullAwsKmsStatus: DeepRequired<OntapAwsKmsStatus> = {
  observedGeneration: 4,
  uuid: '1cd8a442-86d1-11e0-ae1c-123478563412',
  scope: 'svm',
  svm: { name: 'svm1', uuid: '02c9e252-41be-11e9-81d5-00a0986138f7' },
  keyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd',
  state: { clusterState: true, code: '0', message: '' },
  amazonReachability: { reachable: true, code: '0', message: '' },
  ekmipReachability: [{ node: 'node1', reachable: true, code: '0', message: '' }],
  appliedSecrets: [{ name: 'svm1-aws', resourceVersion: '81234', keys: ['access_key_id', 'secret_access_key'] }],
  drift: ['spec.region'],
  pendingWrite: { operation: 'rekey-external', sentAt: '2026-12-02T10:00:00Z', job: '5a2c1f0e-86d1-11e0-ae1c-123478563412', keyId: 'arn:aws:kms:us-east-1:111122223333:key/5678efgh', token: 't1' },
  keyRotation: {
    since: '2026-09-01T00:00:00Z',
    lastRekeyTime: '2026-11-30T02:00:00Z',
    nextRekeyTime: '2027-03-06T01:00:00Z',
    lastResult: { time: '2026-11-30T02:00:05Z', result: 'Failed', reason: 'NodesOffline', message: 'ONTAP error 65537566: not all nodes are online', generation: 3 },
  },
  lastRestore: { token: 't0', time: '2026-12-01T10:00:00Z', result: 'Failed', reason: 'OntapError', message: 'ONTAP error 65536082: Unable to restore all keys.' },
  conditions: [condition],
};

/** keyManagerPolicies are the schema's defaults of the policy fields every key-manager kind has. */
export const keyManagerPolicies = { deletionPolicy: 'Retain', managementPolicy: 'Manage', driftCheckIntervalSeconds: 300, suspend: false } as const;

/** fullAzureKeyVaultSpec sets every OntapAzureKeyVault spec field (both credential refs, so invalid for CEL). */
export const fullAzureKeyVaultSpec: DeepRequired<OntapAzureKeyVaultSpec> = {
  clusterRef: { name: 'prod-a', kind: 'OntapCluster' },
  svm: { name: 'svm3' },
  clientId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
  tenantId: '9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
  keyId: 'https://kv1.vault.azure.net/keys/key1/a8e619fd8f234db3b0b95c59540e2a74',
  vaultName: 'https://kv1.vault.azure.net/',
  clientSecretRef: { name: 'svm3-azure', key: 'client_secret' },
  clientCertificateRef: { name: 'svm3-azure-cert', key: 'client_certificate' },
  oauthHost: 'login.microsoftonline.com',
  vaultHost: 'vault.azure.net',
  port: 443,
  proxy: fullAwsKmsSpec.proxy,
  verifyHost: true,
  verifyIp: false,
  skipVerification: false,
  ...keyManagerPolicies,
  keyRotation: { rotateEvery: '2160h', window: { days: ['Saturday', 'Sunday'], startHour: 1, endHour: 5 } },
};

/** fullGcpKmsSpec sets every OntapGcpKms spec field (credentials and gceMetadataServer together, so invalid for CEL). */
export const fullGcpKmsSpec: DeepRequired<OntapGcpKmsSpec> = {
  clusterRef: { name: 'prod-a', kind: 'OntapCluster' },
  svm: { name: 'svm4' },
  projectId: 'storage-prod-4711',
  keyRingName: 'ontap-keyring',
  keyRingLocation: 'us-east1',
  keyName: 'svm4-kek',
  applicationCredentialsSecretRef: { name: 'svm4-gcp', key: 'application_credentials' },
  authenticationMethod: 'application_credentials_key',
  gceMetadataServer: 'http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token',
  privilegedAccount: 'kms@storage-prod-4711.iam.gserviceaccount.com',
  cloudkmsHost: 'cloudkms.googleapis.com',
  oauthHost: 'oauth2.googleapis.com',
  oauthUrl: 'https://oauth2.googleapis.com/token',
  port: 443,
  proxy: fullAwsKmsSpec.proxy,
  verifyHost: true,
  verifyIp: false,
  ...keyManagerPolicies,
  keyRotation: { rotateEvery: '2160h', window: { days: ['Saturday', 'Sunday'], startHour: 1, endHour: 5 } },
};

/** minimalAzureKeyVaultSpec is the least an OntapAzureKeyVault spec needs, as a user writes it (before the schema's defaults). */
export const minimalAzureKeyVaultSpec = {
  clusterRef: { name: 'prod-a' },
  svm: { name: 'svm3' },
  clientId: fullAzureKeyVaultSpec.clientId,
  tenantId: fullAzureKeyVaultSpec.tenantId,
  keyId: fullAzureKeyVaultSpec.keyId,
  vaultName: fullAzureKeyVaultSpec.vaultName,
  clientSecretRef: { name: 'svm3-azure' },
} as const;

/** minimalGcpKmsSpec is the least an OntapGcpKms spec needs, as a user writes it (before the schema's defaults). */
export const minimalGcpKmsSpec = {
  clusterRef: { name: 'prod-a' },
  svm: { name: 'svm4' },
  projectId: fullGcpKmsSpec.projectId,
  keyRingName: fullGcpKmsSpec.keyRingName,
  keyRingLocation: 'global',
  keyName: fullGcpKmsSpec.keyName,
  applicationCredentialsSecretRef: { name: 'svm4-gcp' },
} as const;

/** keyManagerStatus is the status every key-manager kind shares, fully set. */
const { keyId: _keyId, amazonReachability, ...keyManagerStatus } = fullAwsKmsStatus;

/** fullAzureKeyVaultStatus sets every OntapAzureKeyVault status field. */
export const fullAzureKeyVaultStatus: DeepRequired<OntapAzureKeyVaultStatus> = {
  ...keyManagerStatus,
  keyId: fullAzureKeyVaultSpec.keyId,
  vaultName: fullAzureKeyVaultSpec.vaultName,
  authenticationMethod: 'client_secret',
  azureReachability: amazonReachability,
};

/** fullGcpKmsStatus sets every OntapGcpKms status field. */
export const fullGcpKmsStatus: DeepRequired<OntapGcpKmsStatus> = {
  ...keyManagerStatus,
  projectId: fullGcpKmsSpec.projectId,
  keyRingName: fullGcpKmsSpec.keyRingName,
  keyRingLocation: fullGcpKmsSpec.keyRingLocation,
  keyName: fullGcpKmsSpec.keyName,
  callerAccount: 'ontap-kms@storage-prod-4711.iam.gserviceaccount.com',
  googleReachability: amazonReachability,
};

/** AwsKmsMod changes one aspect of an OntapAwsKms under construction. */
export type AwsKmsMod = (o: OntapAwsKms) => void;

/** awsKms builds a minimal valid OntapAwsKms in namespace `default` and applies `mods`. */
export function awsKms(name: string, ...mods: AwsKmsMod[]): OntapAwsKms {
  const o: OntapAwsKms = {
    apiVersion: API_VERSION,
    kind: OntapAwsKmsKind.kind,
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, resourceVersion: '1' },
    spec: {
      clusterRef: { name: 'prod-a', kind: 'OntapCluster' },
      svm: { name: 'svm1' },
      keyId: 'key-1',
      region: 'us-east-1',
      credentialsSecretRef: { name: 'aws', accessKeyIdKey: 'access_key_id', secretAccessKeyKey: 'secret_access_key' },
      deletionPolicy: 'Retain',
      managementPolicy: 'Manage',
      driftCheckIntervalSeconds: 300,
      suspend: false,
    },
  };
  for (const m of mods) m(o);
  return o;
}

/** withSpec merges spec fields. */
export const withSpec =
  (spec: Partial<OntapAwsKmsSpec>): AwsKmsMod =>
  (o) => {
    o.spec = { ...o.spec, ...spec };
  };

/** withStatus sets the status. */
export const withStatus =
  (status: OntapAwsKmsStatus): AwsKmsMod =>
  (o) => {
    o.status = status;
  };

/** withGeneration sets metadata.generation. */
export const withGeneration =
  (generation: number): AwsKmsMod =>
  (o) => {
    o.metadata.generation = generation;
  };

/** ontapCluster builds a minimal valid OntapCluster in namespace `default`. */
export function ontapCluster(name: string, spec: Partial<OntapClusterSpec> = {}): OntapCluster {
  return {
    apiVersion: API_VERSION,
    kind: OntapClusterKind.kind,
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, resourceVersion: '1' },
    spec: {
      endpoint: 'https://127.0.0.1:8443',
      credentialsSecretRef: { name: `${name}-admin` },
      insecureSkipTLSVerify: false,
      requestTimeoutSeconds: 30,
      maxConcurrentRequests: 4,
      ...spec,
    },
  };
}
