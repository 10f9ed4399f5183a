/** The OntapAwsKms schema: spec (the desired AWS KMS configuration) and status (ONTAP's record, how the last reconcile went). */
import { Defaults, Limits } from './constants.js';
import type { JSONSchema } from './schema-builders.js';
import { arr, bool, conditionsSchema, DNS_SUBDOMAIN, generation, immutable, int, name, obj, secretKey, str } from './schema-builders.js';

const reachability = (what: string): JSONSchema =>
  obj(`${what}, as ONTAP reports it.`, {
    reachable: bool('Reachable is true when ONTAP reports the service reachable.'),
    code: str('Code is ONTAP\'s code for the message; "0" when reachable.'),
    message: str('Message is ONTAP\'s explanation when not reachable.'),
  });

/** ontapAwsKmsSpec is the OntapAwsKms spec schema. */
export const ontapAwsKmsSpec: JSONSchema = obj(
  'OntapAwsKmsSpec is the desired AWS KMS key-manager configuration of one SVM. Optional fields that are unset are not managed: never sent to ONTAP and never compared.',
  {
    clusterRef: obj(
      'ClusterRef names the connection to the ONTAP cluster that hosts the SVM: an OntapCluster in this namespace (kind OntapCluster, the default) or a ClusterOntapCluster shared by the platform team (kind ClusterOntapCluster), whose tenancy policy must allow this namespace and SVM. Immutable.',
      {
        name: str(`Name of the OntapCluster in this namespace, or of the ClusterOntapCluster: a DNS subdomain (lower case), at most ${Limits.maxNameLength} characters.`, {
          minLength: 1,
          maxLength: Limits.maxNameLength,
          pattern: DNS_SUBDOMAIN,
        }),
        kind: str(
          'Kind of the referenced connection: OntapCluster (in this namespace; the default) or ClusterOntapCluster (cluster-scoped; its tenancy policy decides whether this namespace may manage the SVM, and a reference it does not allow gets Synced=False with reason NotPermitted).',
          { enum: ['OntapCluster', 'ClusterOntapCluster'], default: 'OntapCluster' },
        ),
      },
      { required: ['name'], 'x-kubernetes-validations': [immutable('clusterRef')] },
    ),
    svm: obj(
      'SVM names the data SVM to configure. Omit it for the cluster scope (the admin SVM). Immutable.',
      {
        name: str(`Name of the SVM on the cluster: at most ${Limits.maxSvmNameLength} characters, ONTAP's own limit for an SVM name.`, {
          minLength: 1,
          maxLength: Limits.maxSvmNameLength,
        }),
      },
      { required: ['name'], 'x-kubernetes-validations': [immutable('svm')] },
    ),
    keyId: str(
      `KeyID is the AWS KMS key (ARN or id) that wraps the SVM's keys, at most ${Limits.maxKeyIdLength} characters (AWS's limit for a key ARN). Set on create; a later change re-keys through rekey-external.`,
      { minLength: 1, maxLength: Limits.maxKeyIdLength },
    ),
    region: str(
      `Region is the AWS region of the KMS, e.g. us-east-1: lower-case letters, digits and '-', at most ${Limits.maxRegionLength} characters.`,
      { minLength: 1, maxLength: Limits.maxRegionLength, pattern: '^[a-z0-9-]+$' },
    ),
    credentialsSecretRef: obj(
      'CredentialsSecretRef names the Secret with the AWS access key pair. It is sent on create, when the Secret changes, on adoption, and when ONTAP\'s access key id differs from the Secret\'s.',
      {
        name: name('Secret holding the AWS access key pair'),
        accessKeyIdKey: secretKey('Key of the access key id in the Secret.', { default: Defaults.accessKeyIdKey }),
        secretAccessKeyKey: secretKey('Key of the secret access key in the Secret.', { default: Defaults.secretAccessKeyKey }),
      },
      { required: ['name'] },
    ),
    service: str(`Service is the AWS service type (ONTAP service), at most ${Limits.maxNameLength} characters. Unset: not managed.`, {
      maxLength: Limits.maxNameLength,
    }),
    defaultDomain: str(
      `DefaultDomain is the AWS KMS default domain, e.g. amazonaws.com, at most ${Limits.maxNameLength} characters. Unset: not managed.`,
      { maxLength: Limits.maxNameLength },
    ),
    host: str(
      `Host is the AWS KMS host name, e.g. kms.us-east-1.amazonaws.com, at most ${Limits.maxNameLength} characters. Unset: not managed.`,
      { maxLength: Limits.maxNameLength },
    ),
    port: int(`Port is the AWS KMS port: ${Limits.minPort}..${Limits.maxPort}. Unset: not managed.`, {
      minimum: Limits.minPort,
      maximum: Limits.maxPort,
    }),
    proxy: obj(
      'Proxy between ONTAP and AWS KMS. Unset: not managed.',
      {
        type: str('Type of the proxy.', { enum: ['http', 'https'] }),
        host: str(`Host name of the proxy, at most ${Limits.maxNameLength} characters.`, { minLength: 1, maxLength: Limits.maxNameLength }),
        port: int(`Port of the proxy: ${Limits.minPort}..${Limits.maxPort}.`, { minimum: Limits.minPort, maximum: Limits.maxPort }),
        username: str(`Username for the proxy, at most ${Limits.maxProxyUsernameLength} characters.`, {
          maxLength: Limits.maxProxyUsernameLength,
        }),
        passwordSecretRef: obj(
          'PasswordSecretRef names the Secret key holding the proxy password. Write-only on ONTAP: sent on create and whenever that Secret changes.',
          {
            name: name('Secret holding the proxy password'),
            key: secretKey('Key of the password in the Secret.'),
          },
          { required: ['name', 'key'] },
        ),
      },
      { required: ['host'] },
    ),
    pollingPeriodMinutes: int(
      `PollingPeriodMinutes is how often ONTAP polls AWS KMS: 1..${Limits.maxPollingPeriodMinutes} minutes (one day; ONTAP documents no maximum, so this operator sets one). Unset: not managed.`,
      { minimum: 1, maximum: Limits.maxPollingPeriodMinutes },
    ),
    timeoutSeconds: int(
      `TimeoutSeconds is ONTAP's AWS connection timeout: 1..${Limits.maxTimeoutSeconds} seconds (ONTAP documents no maximum and defaults to 10, so this operator sets one). PATCH-only on ONTAP: applied right after create. Unset: not managed.`,
      { minimum: 1, maximum: Limits.maxTimeoutSeconds },
    ),
    verify: bool('Verify makes ONTAP verify the AWS KMS host. Unset: not managed.'),
    verifyHost: bool('VerifyHost makes ONTAP verify the AWS KMS host\'s hostname. Unset: not managed.'),
    verifyIp: bool('VerifyIp makes ONTAP verify the AWS KMS host\'s IP address. Unset: not managed.'),
    encryptionContext: str(
      `EncryptionContext is an additional layer of authentication and logging, e.g. aws:fsx:fs-id=fs-0785c8beceb895999, at most ${Limits.maxEncryptionContextLength} characters. Unset: not managed.`,
      { maxLength: Limits.maxEncryptionContextLength },
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
      `DriftCheckIntervalSeconds is how often ONTAP is re-read, so out-of-band changes are corrected within this interval: ${Defaults.minDriftCheckIntervalSeconds}..${Limits.maxDriftCheckIntervalSeconds} seconds (at least once a day).`,
      {
        default: Defaults.driftCheckIntervalSeconds,
        minimum: Defaults.minDriftCheckIntervalSeconds,
        maximum: Limits.maxDriftCheckIntervalSeconds,
      },
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

/** ontapAwsKmsStatus is the OntapAwsKms status schema. */
export const ontapAwsKmsStatus: JSONSchema = obj('OntapAwsKmsStatus reports the ONTAP record and how the last reconcile went.', {
  observedGeneration: generation('ObservedGeneration is the spec generation this status was computed for.'),
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
