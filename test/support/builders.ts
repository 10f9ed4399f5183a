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
  OntapCluster,
  OntapClusterSpec,
  OntapClusterStatus,
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
  conditions: [condition],
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
