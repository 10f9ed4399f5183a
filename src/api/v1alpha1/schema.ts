/**
 * The CRDs of kms.ontap.dev/v1alpha1, as data. This is the one source of truth for `crds/*.yaml`
 * and the chart's copy (`npm run gen:crds` writes them; a unit test fails when they differ).
 */
import { API_VERSION, Defaults, GROUP, OntapAwsKmsKind, OntapClusterKind, VERSION } from './constants.js';
import type { JSONSchema } from './schema-builders.js';
import { arr, bool, conditionsSchema, immutable, int, obj, str } from './schema-builders.js';

const name = (what: string): JSONSchema => str(`Name of the ${what} in the resource's namespace.`, { minLength: 1 });

const ontapClusterSpec = obj(
  'OntapClusterSpec says how to reach one ONTAP cluster\'s management REST API.',
  {
    endpoint: str(
      'Endpoint is the cluster management LIF as an https:// URL, e.g. https://10.0.0.10. Plain http is refused.',
      {
        minLength: 9,
        maxLength: 2048,
        'x-kubernetes-validations': [
          {
            rule: "self.startsWith('https://') && isURL(self)",
            message: 'endpoint must be an https:// URL',
          },
        ],
      },
    ),
    credentialsSecretRef: obj(
      'CredentialsSecretRef names a kubernetes.io/basic-auth Secret (keys username and password) of an ONTAP user. Exactly one of credentialsSecretRef and clientCertificateSecretRef must be set.',
      { name: name('basic-auth Secret') },
      { required: ['name'] },
    ),
    clientCertificateSecretRef: obj(
      'ClientCertificateSecretRef names a kubernetes.io/tls Secret (keys tls.crt and tls.key) for certificate authentication. Exactly one of credentialsSecretRef and clientCertificateSecretRef must be set.',
      { name: name('kubernetes.io/tls Secret') },
      { required: ['name'] },
    ),
    caBundleSecretRef: obj(
      'CABundleSecretRef names a Secret key holding the PEM CA bundle that signed the cluster\'s certificate. Unset: the system roots.',
      {
        name: name('Secret holding the CA bundle'),
        key: str('Key of the PEM bundle in the Secret.', { default: Defaults.caBundleKey, minLength: 1 }),
      },
      { required: ['name'] },
    ),
    insecureSkipTLSVerify: bool(
      'InsecureSkipTLSVerify turns off verification of the cluster\'s TLS certificate. For labs only; the Ready condition says when it is on.',
      { default: false },
    ),
    requestTimeoutSeconds: int('RequestTimeoutSeconds bounds each REST call to the cluster.', {
      default: Defaults.requestTimeoutSeconds,
      minimum: 1,
      maximum: 600,
    }),
    maxConcurrentRequests: int(
      'MaxConcurrentRequests is the most REST calls the operator keeps in flight to this cluster.',
      { default: Defaults.maxConcurrentRequests, minimum: 1, maximum: 64 },
    ),
  },
  {
    required: ['endpoint'],
    'x-kubernetes-validations': [
      {
        rule: 'has(self.credentialsSecretRef) != has(self.clientCertificateSecretRef)',
        message: 'exactly one of credentialsSecretRef and clientCertificateSecretRef must be set',
      },
    ],
  },
);

const ontapClusterStatus = obj('OntapClusterStatus is what the last connection probe saw.', {
  observedGeneration: int('ObservedGeneration is the spec generation this status was computed for.', {
    minimum: 0,
  }),
  clusterName: str('ClusterName is the name ONTAP reports in GET /api/cluster.'),
  clusterUUID: str('ClusterUUID is the uuid ONTAP reports in GET /api/cluster.'),
  version: str('Version is ONTAP\'s generation.major.minor, e.g. 9.15.1.'),
  conditions: conditionsSchema('Conditions: Ready says whether the cluster answered with these settings.'),
});

const reachability = (what: string): JSONSchema =>
  obj(`${what}, as ONTAP reports it.`, {
    reachable: bool('Reachable is true when ONTAP reports the service reachable.'),
    code: str('Code is ONTAP\'s code for the message; "0" when reachable.'),
    message: str('Message is ONTAP\'s explanation when not reachable.'),
  });

const ontapAwsKmsSpec = obj(
  'OntapAwsKmsSpec is the desired AWS KMS key-manager configuration of one SVM. Optional fields that are unset are not managed: never sent to ONTAP and never compared.',
  {
    clusterRef: obj(
      'ClusterRef names the OntapCluster in this namespace that hosts the SVM. Immutable.',
      { name: name('OntapCluster') },
      { required: ['name'], 'x-kubernetes-validations': [immutable('clusterRef')] },
    ),
    svm: obj(
      'SVM names the data SVM to configure. Omit it for the cluster scope (the admin SVM). Immutable.',
      { name: str('Name of the SVM on the cluster.', { minLength: 1 }) },
      { required: ['name'], 'x-kubernetes-validations': [immutable('svm')] },
    ),
    keyId: str(
      'KeyID is the AWS KMS key (ARN or id) that wraps the SVM\'s keys. Set on create; a later change re-keys through rekey-external.',
      { minLength: 1 },
    ),
    region: str('Region is the AWS region of the KMS, e.g. us-east-1.', { minLength: 1 }),
    credentialsSecretRef: obj(
      'CredentialsSecretRef names the Secret with the AWS access key pair. It is sent on create, when the Secret changes, on adoption, and when ONTAP\'s access key id differs from the Secret\'s.',
      {
        name: name('Secret holding the AWS access key pair'),
        accessKeyIdKey: str('Key of the access key id in the Secret.', {
          default: Defaults.accessKeyIdKey,
          minLength: 1,
        }),
        secretAccessKeyKey: str('Key of the secret access key in the Secret.', {
          default: Defaults.secretAccessKeyKey,
          minLength: 1,
        }),
      },
      { required: ['name'] },
    ),
    service: str('Service is the AWS service type (ONTAP service). Unset: not managed.'),
    defaultDomain: str('DefaultDomain is the AWS KMS default domain, e.g. amazonaws.com. Unset: not managed.'),
    host: str('Host is the AWS KMS host name, e.g. kms.us-east-1.amazonaws.com. Unset: not managed.'),
    port: int('Port is the AWS KMS port. Unset: not managed.', { minimum: 1, maximum: 65535 }),
    proxy: obj(
      'Proxy between ONTAP and AWS KMS. Unset: not managed.',
      {
        type: str('Type of the proxy.', { enum: ['http', 'https'] }),
        host: str('Host name of the proxy.', { minLength: 1 }),
        port: int('Port of the proxy.', { minimum: 1, maximum: 65535 }),
        username: str('Username for the proxy.'),
        passwordSecretRef: obj(
          'PasswordSecretRef names the Secret key holding the proxy password. Write-only on ONTAP: sent on create and whenever that Secret changes.',
          {
            name: name('Secret holding the proxy password'),
            key: str('Key of the password in the Secret.', { minLength: 1 }),
          },
          { required: ['name', 'key'] },
        ),
      },
      { required: ['host'] },
    ),
    pollingPeriodMinutes: int('PollingPeriodMinutes is how often ONTAP polls AWS KMS. Unset: not managed.', {
      minimum: 1,
    }),
    timeoutSeconds: int(
      'TimeoutSeconds is ONTAP\'s AWS connection timeout. PATCH-only on ONTAP: applied right after create. Unset: not managed.',
      { minimum: 1 },
    ),
    verify: bool('Verify makes ONTAP verify the AWS KMS host. Unset: not managed.'),
    verifyHost: bool('VerifyHost makes ONTAP verify the AWS KMS host\'s hostname. Unset: not managed.'),
    verifyIp: bool('VerifyIp makes ONTAP verify the AWS KMS host\'s IP address. Unset: not managed.'),
    encryptionContext: str(
      'EncryptionContext is an additional layer of authentication and logging, e.g. aws:fsx:fs-id=fs-0785c8beceb895999. Unset: not managed.',
    ),
    skipVerify: bool(
      'SkipVerify makes ONTAP skip checking the access key pair against AWS. Sent only together with the credentials.',
    ),
    deletionPolicy: str(
      'DeletionPolicy: Retain keeps the ONTAP record when this resource is deleted; Delete removes it (and waits while ONTAP refuses because keys are in use).',
      { enum: ['Retain', 'Delete'], default: Defaults.deletionPolicy },
    ),
    managementPolicy: str(
      'ManagementPolicy: Manage creates and corrects the ONTAP record; Observe only reads and reports it (status.drift) and never writes.',
      { enum: ['Manage', 'Observe'], default: Defaults.managementPolicy },
    ),
    driftCheckIntervalSeconds: int(
      'DriftCheckIntervalSeconds is how often ONTAP is re-read, so out-of-band changes are corrected within this interval.',
      { default: Defaults.driftCheckIntervalSeconds, minimum: Defaults.minDriftCheckIntervalSeconds },
    ),
    suspend: bool('Suspend stops every reconcile of this resource until it is false again.', {
      default: false,
    }),
  },
  {
    required: ['clusterRef', 'keyId', 'region', 'credentialsSecretRef'],
    'x-kubernetes-validations': [
      // The field-level rule on svm cannot see svm being added or removed; this one can.
      { rule: 'has(self.svm) == has(oldSelf.svm)', message: 'svm is immutable', fieldPath: '.svm' },
    ],
  },
);

const ontapAwsKmsStatus = obj('OntapAwsKmsStatus reports the ONTAP record and how the last reconcile went.', {
  observedGeneration: int('ObservedGeneration is the spec generation this status was computed for.', {
    minimum: 0,
  }),
  uuid: str('UUID of the ONTAP aws-kms record.'),
  scope: str('Scope of the record on ONTAP: svm or cluster.'),
  svm: obj('SVM of the record, as ONTAP reports it.', {
    name: str('Name of the SVM.'),
    uuid: str('UUID of the SVM.'),
  }),
  keyId: str('KeyID as ONTAP reports it.'),
  state: obj('State is ONTAP\'s key-protection state.', {
    clusterState: bool('ClusterState is true when AWS KMS key protection is available on all nodes.'),
    code: str('Code is ONTAP\'s code; "0" when available.'),
    message: str('Message is ONTAP\'s explanation when not available.'),
  }),
  amazonReachability: reachability('AmazonReachability says whether AWS KMS is reachable from all nodes'),
  ekmipReachability: arr(
    'EkmipReachability is each node\'s reachability of the embedded KMIP servers.',
    obj('One node\'s reachability.', {
      node: str('Name of the node.'),
      reachable: bool('Reachable is true when the node reaches every EKMIP server.'),
      code: str('Code is ONTAP\'s code; "0" when reachable.'),
      message: str('Message is ONTAP\'s explanation when not reachable.'),
    }),
  ),
  appliedSecrets: arr(
    'AppliedSecrets lists the Secret versions last sent to ONTAP (never their data).',
    obj('One Secret version.', {
      name: str('Name of the Secret.'),
      resourceVersion: str('ResourceVersion of the Secret when it was sent.'),
      keys: arr('Keys of the Secret that were sent at that version; a key referenced later is sent even if the Secret did not change.', str('A key of the Secret.')),
    }),
  ),
  drift: arr('Drift lists the spec fields that differ from ONTAP right now (in Observe mode they stay).', str('A spec field path, e.g. spec.region.')),
  conditions: conditionsSchema('Conditions: Ready, Synced, AmazonReachable, EkmipReachable.'),
});

/** CustomResourceDefinition is the apiextensions.k8s.io/v1 object, typed just enough for us. */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    scope: 'Namespaced';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: Array<{ name: string; type: string; jsonPath: string; description: string; priority?: number }>;
      schema: { openAPIV3Schema: JSONSchema };
    }>;
  };
}

type Kind = typeof OntapClusterKind | typeof OntapAwsKmsKind;

function crd(
  kind: Kind,
  description: string,
  spec: JSONSchema,
  status: JSONSchema,
  columns: CustomResourceDefinition['spec']['versions'][number]['additionalPrinterColumns'],
): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${kind.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: [...kind.shortNames],
        categories: ['ontap'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            ...columns,
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Age of the resource.' },
          ],
          schema: {
            openAPIV3Schema: obj(
              description,
              {
                apiVersion: str(`APIVersion is ${API_VERSION}.`),
                kind: str(`Kind is ${kind.kind}.`),
                metadata: { type: 'object' },
                spec,
                status,
              },
              { required: ['spec'] },
            ),
          },
        },
      ],
    },
  };
}

const condition = (type: string): string => `.status.conditions[?(@.type=="${type}")].status`;

/** ontapClusterCRD is the OntapCluster CRD. */
export const ontapClusterCRD = crd(
  OntapClusterKind,
  'OntapCluster says how the operator reaches one ONTAP cluster: endpoint, credentials, TLS trust and limits.',
  ontapClusterSpec,
  ontapClusterStatus,
  [
    { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint', description: 'Cluster management endpoint.' },
    { name: 'Version', type: 'string', jsonPath: '.status.version', description: 'ONTAP version.' },
    { name: 'Ready', type: 'string', jsonPath: condition('Ready'), description: 'Whether the cluster answers.' },
  ],
);

/** ontapAwsKmsCRD is the OntapAwsKms CRD. */
export const ontapAwsKmsCRD = crd(
  OntapAwsKmsKind,
  'OntapAwsKms is one AWS KMS key-manager configuration on one ONTAP SVM (or the cluster scope), kept in step with its spec and Secrets.',
  ontapAwsKmsSpec,
  ontapAwsKmsStatus,
  [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterRef.name', description: 'The OntapCluster.' },
    { name: 'SVM', type: 'string', jsonPath: '.spec.svm.name', description: 'The SVM; empty for the cluster scope.' },
    { name: 'Region', type: 'string', jsonPath: '.spec.region', description: 'AWS region.' },
    { name: 'Ready', type: 'string', jsonPath: condition('Ready'), description: 'Synced and key protection available.' },
    { name: 'Synced', type: 'string', jsonPath: condition('Synced'), description: 'Last reconcile applied the spec.' },
    { name: 'AmazonReachable', type: 'string', jsonPath: condition('AmazonReachable'), description: 'AWS KMS reachable from all nodes.' },
  ],
);

/** allCRDs lists every CRD with the file name it is written to under crds/. */
export const allCRDs: ReadonlyArray<{ file: string; crd: CustomResourceDefinition }> = [
  { file: `${GROUP}_${OntapClusterKind.plural}.yaml`, crd: ontapClusterCRD },
  { file: `${GROUP}_${OntapAwsKmsKind.plural}.yaml`, crd: ontapAwsKmsCRD },
];
