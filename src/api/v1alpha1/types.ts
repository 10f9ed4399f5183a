/**
 * Typed spec and status of OntapCluster, ClusterOntapCluster and the cloud key managers
 * (OntapAwsKms, OntapAzureKeyVault, OntapGcpKms), as docs/api.md documents them.
 * The CRD schema in ./schema.ts describes the same shapes; test/unit/api keeps the two in step.
 */

/** ObjectMeta is the part of Kubernetes metadata the operator reads and writes. */
export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation: number;
  resourceVersion: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Condition is a metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** LocalObjectReference names an object in the same namespace. */
export interface LocalObjectReference {
  name: string;
}

/** SecretKeySelector names one key of a Secret in the same namespace. */
export interface SecretKeySelector {
  name: string;
  key: string;
}

/** OntapClusterSpec says how to reach one ONTAP cluster. */
export interface OntapClusterSpec {
  endpoint: string;
  credentialsSecretRef?: LocalObjectReference;
  clientCertificateSecretRef?: LocalObjectReference;
  caBundleSecretRef?: SecretKeySelector;
  insecureSkipTLSVerify: boolean;
  requestTimeoutSeconds: number;
  maxConcurrentRequests: number;
}

/** OntapClusterStatus is what the connection probe last saw. */
export interface OntapClusterStatus {
  observedGeneration?: number;
  clusterName?: string;
  clusterUUID?: string;
  version?: string;
  conditions?: Condition[];
}

/** OntapCluster is the OntapCluster custom resource. */
export interface OntapCluster {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: OntapClusterSpec;
  status?: OntapClusterStatus;
}

/** LabelSelectorRequirement is a metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** LabelSelector is a metav1.LabelSelector; an empty one selects everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** SvmGrant lists the SVMs one namespace may manage through a ClusterOntapCluster. */
export interface SvmGrant {
  namespace: string;
  names: string[];
}

/** TenancyPolicy says who may use a ClusterOntapCluster, and for which SVMs. */
export interface TenancyPolicy {
  /** namespaceSelector selects the namespaces whose OntapAwsKms may reference the cluster. */
  namespaceSelector: LabelSelector;
  /** svms grants SVMs to namespaces by name. */
  svms: SvmGrant[];
  /** svmsAnnotation names a namespace annotation listing more SVMs (comma-separated) that namespace may manage. */
  svmsAnnotation?: string;
}

/** ClusterOntapClusterSpec is an OntapCluster spec whose Secrets live in the operator's cluster resource namespace, plus a tenancy policy. */
export interface ClusterOntapClusterSpec extends OntapClusterSpec {
  tenancy: TenancyPolicy;
}

/** ClusterOntapCluster is the cluster-scoped ClusterOntapCluster custom resource (metadata.namespace is ''). */
export interface ClusterOntapCluster {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: ClusterOntapClusterSpec;
  status?: OntapClusterStatus;
}

/** ClusterKind is the kind an OntapAwsKms clusterRef names. */
export type ClusterKind = 'OntapCluster' | 'ClusterOntapCluster';

/** ClusterReference names the OntapCluster (same namespace) or ClusterOntapCluster an OntapAwsKms uses. */
export interface ClusterReference {
  name: string;
  kind: ClusterKind;
}

/** AwsCredentialsSecretRef names the Secret holding the AWS access key pair. */
export interface AwsCredentialsSecretRef {
  name: string;
  accessKeyIdKey: string;
  secretAccessKeyKey: string;
}

/** ProxySpec is the optional proxy between ONTAP and the cloud key manager. */
export interface ProxySpec {
  type?: 'http' | 'https';
  host: string;
  port?: number;
  username?: string;
  passwordSecretRef?: SecretKeySelector;
}

/** DeletionPolicy says what happens to the ONTAP record when the resource is deleted. */
export type DeletionPolicy = 'Retain' | 'Delete';
/** ManagementPolicy says whether the operator may write to ONTAP. */
export type ManagementPolicy = 'Manage' | 'Observe';

/**
 * KeyManagerSpec is what every cloud key-manager kind (OntapAwsKms, OntapAzureKeyVault,
 * OntapGcpKms) shares: where the ONTAP record lives, its proxy, and how the operator treats it.
 */
export interface KeyManagerSpec {
  clusterRef: ClusterReference;
  svm?: { name: string };
  proxy?: ProxySpec;
  deletionPolicy: DeletionPolicy;
  managementPolicy: ManagementPolicy;
  driftCheckIntervalSeconds: number;
  suspend: boolean;
  keyRotation?: KeyRotationSpec;
}

/** Weekday names a maintenance window's days. */
export type Weekday = 'Sunday' | 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday';

/** KeyRotationSpec schedules ONTAP's rekey-internal: once per period, inside the window if one is given. */
export interface KeyRotationSpec {
  /** rotateEvery is the period as written (`2160h`); see rotationPeriodSeconds. */
  rotateEvery: string;
  window?: MaintenanceWindow;
}

/** MaintenanceWindow is when a rotation may start, in UTC: [startHour, endHour) on the given days (every day when none). */
export interface MaintenanceWindow {
  days: Weekday[];
  startHour: number;
  endHour: number;
}

/** KeyRotationStatus is what the operator knows of the key's rotations. */
export interface KeyRotationStatus {
  /** since is when the policy was first applied: the first period counts from it. */
  since?: string;
  /** lastRekeyTime is when the last rekey-internal this operator ran was sent. */
  lastRekeyTime?: string;
  /** nextRekeyTime is when the next one is due (inside the window). */
  nextRekeyTime?: string;
  lastResult?: RotationResult;
}

/** RotationResult is how the last rekey-internal went. */
export interface RotationResult {
  time: string;
  result: 'Succeeded' | 'Failed' | 'Unknown';
  reason?: string;
  message?: string;
  /** generation is the resource's generation when it failed: a failure that needs a change is retried after one. */
  generation?: number;
}

/** OntapAwsKmsSpec is one AWS KMS configuration on one SVM (or the cluster scope). */
export interface OntapAwsKmsSpec extends KeyManagerSpec {
  keyId: string;
  region: string;
  credentialsSecretRef: AwsCredentialsSecretRef;
  service?: string;
  defaultDomain?: string;
  host?: string;
  port?: number;
  pollingPeriodMinutes?: number;
  timeoutSeconds?: number;
  verify?: boolean;
  verifyHost?: boolean;
  verifyIp?: boolean;
  encryptionContext?: string;
  skipVerify?: boolean;
}

/** OntapAzureKeyVaultSpec is one Azure Key Vault configuration on one SVM (or the cluster scope). */
export interface OntapAzureKeyVaultSpec extends KeyManagerSpec {
  clientId: string;
  tenantId: string;
  keyId: string;
  vaultName: string;
  /** Exactly one of clientSecretRef and clientCertificateRef is set (the CRD enforces it). */
  clientSecretRef?: SecretKeySelector;
  clientCertificateRef?: SecretKeySelector;
  oauthHost?: string;
  vaultHost?: string;
  port?: number;
  verifyHost?: boolean;
  verifyIp?: boolean;
  skipVerification?: boolean;
}

/** GcpAuthenticationMethod is ONTAP's `authentication_method` of a Google Cloud KMS. */
export type GcpAuthenticationMethod = 'application_credentials_key' | 'sa_credentials_attachment';

/** OntapGcpKmsSpec is one Google Cloud KMS configuration on one SVM (or the cluster scope). */
export interface OntapGcpKmsSpec extends KeyManagerSpec {
  projectId: string;
  keyRingName: string;
  keyRingLocation: string;
  keyName: string;
  /** Set unless authenticationMethod is sa_credentials_attachment (the CRD enforces it). */
  applicationCredentialsSecretRef?: SecretKeySelector;
  authenticationMethod?: GcpAuthenticationMethod;
  gceMetadataServer?: string;
  privilegedAccount?: string;
  cloudkmsHost?: string;
  oauthHost?: string;
  oauthUrl?: string;
  port?: number;
  verifyHost?: boolean;
  verifyIp?: boolean;
}

/** PassphraseSecretRef names the Secret of the Onboard Key Manager's passphrase and its keys. */
export interface PassphraseSecretRef {
  name: string;
  /** key holds the passphrase ONTAP must have. */
  key: string;
  /** existingKey holds, during a change, the passphrase ONTAP has now. */
  existingKey: string;
}

/** BackupSecretRef names the Secret the operator writes the Onboard Key Manager's key backup to. */
export interface BackupSecretRef {
  name: string;
  key: string;
}

/**
 * OntapOnboardKeyManagerSpec is a cluster's Onboard Key Manager: the cluster scope only (svm is
 * never set), no proxy and no keyRotation (ONTAP has no rekey-internal for it).
 */
export interface OntapOnboardKeyManagerSpec extends KeyManagerSpec {
  passphraseSecretRef: PassphraseSecretRef;
  backupSecretRef?: BackupSecretRef;
}

/** KmipServer is one primary KMIP key server. */
export interface KmipServer {
  host: string;
  port: number;
  /** timeout is ONTAP's I/O timeout for the server, in seconds (1..60). Unset: not managed. */
  timeout?: number;
  username?: string;
  passwordSecretRef?: SecretKeySelector;
  /** secondaryKeyServers are the server's secondary servers (host names or IP addresses), replaced as a whole. Unset: not managed. */
  secondaryKeyServers?: string[];
}

/** OntapKmipSpec is one SVM's (or the cluster's) external key manager on KMIP key servers. */
export interface OntapKmipSpec extends KeyManagerSpec {
  servers: KmipServer[];
  /** clientCertificateSecretRef names a kubernetes.io/tls Secret: tls.crt and tls.key. */
  clientCertificateSecretRef: { name: string };
  /** serverCASecretRef names the Secret key of the CA certificates (PEM, one or more) the key servers' certificates chain to. */
  serverCASecretRef: SecretKeySelector;
}

/** Reachability mirrors ONTAP's `{reachable, code, message}`. */
export interface Reachability {
  reachable: boolean;
  code: string;
  message: string;
}

/** NodeReachability is one node's `ekmip_reachability`. */
export interface NodeReachability extends Reachability {
  node: string;
}

/** AppliedSecret records which version of a Secret was last sent to ONTAP; never its data. */
export interface AppliedSecret {
  name: string;
  resourceVersion: string;
  /** keys lists the keys of the Secret that were sent at that version (names only). */
  keys?: string[];
}

/** KeyManagerState is ONTAP's `state` of a cloud key manager: is key protection available on all nodes. */
export interface KeyManagerState {
  clusterState: boolean;
  code: string;
  message: string;
}

/**
 * PendingWrite is a create or rekey-external this operator sent and has not seen the end of (it
 * stopped while the write was in flight): recorded before the write is sent, dropped once its
 * outcome is known.
 */
export interface PendingWrite {
  operation: 'create' | 'rekey-external' | 'restore' | 'rekey-internal';
  /** sentAt is when it was sent (RFC 3339). */
  sentAt: string;
  /** job is ONTAP's job uuid, once ONTAP answered 202. */
  job?: string;
  /** keyId is the key a rekey-external moves to. */
  keyId?: string;
  /** token is the restore annotation's value a restore was sent for. */
  token?: string;
}

/** RestoreResult is how the last restore asked for by the restore annotation went. */
export interface RestoreResult {
  /** token is the annotation's value it ran for. */
  token: string;
  /** time is when it ended (RFC 3339). */
  time: string;
  /** result: Succeeded, Failed (ONTAP refused: see reason and message), Unknown (the operator stopped while it was in flight and ONTAP no longer knows its job), or Skipped (not run: see message). */
  result: 'Succeeded' | 'Failed' | 'Unknown' | 'Skipped';
  reason?: string;
  message?: string;
}

/** KeyManagerStatus is what every cloud key-manager kind reports: the ONTAP record and how the last reconcile went. */
export interface KeyManagerStatus {
  observedGeneration?: number;
  uuid?: string;
  scope?: string;
  svm?: { name: string; uuid: string };
  state?: KeyManagerState;
  ekmipReachability?: NodeReachability[];
  appliedSecrets?: AppliedSecret[];
  drift?: string[];
  pendingWrite?: PendingWrite;
  lastRestore?: RestoreResult;
  keyRotation?: KeyRotationStatus;
  conditions?: Condition[];
}

/** OntapAwsKmsStatus reports the ONTAP record and how the last reconcile went. */
export interface OntapAwsKmsStatus extends KeyManagerStatus {
  keyId?: string;
  amazonReachability?: Reachability;
}

/** OntapAzureKeyVaultStatus reports the ONTAP azure-key-vaults record and how the last reconcile went. */
export interface OntapAzureKeyVaultStatus extends KeyManagerStatus {
  keyId?: string;
  vaultName?: string;
  /** ONTAP's `authentication_method`: client_secret or certificate. */
  authenticationMethod?: string;
  azureReachability?: Reachability;
}

/** OntapGcpKmsStatus reports the ONTAP gcp-kms record and how the last reconcile went. */
export interface OntapGcpKmsStatus extends KeyManagerStatus {
  projectId?: string;
  keyRingName?: string;
  keyRingLocation?: string;
  keyName?: string;
  /** ONTAP's read-only `caller_account`. */
  callerAccount?: string;
  googleReachability?: Reachability;
}

/** KeyBackupStatus says where the key backup was last written (never the backup itself). */
export interface KeyBackupStatus {
  secretName: string;
  /** lastWriteTime is when the operator last wrote a new backup to the Secret. */
  lastWriteTime?: string;
}

/** OntapOnboardKeyManagerStatus reports ONTAP's onboard key manager and how the last reconcile went. */
export interface OntapOnboardKeyManagerStatus extends KeyManagerStatus {
  /** enabled is ONTAP's onboard.enabled. */
  enabled?: boolean;
  /** ontapStatus is ONTAP's advanced status {code, message}: code 0 when the setup is complete. */
  ontapStatus?: { code: string; message: string };
  keyBackup?: KeyBackupStatus;
}

/** KeyServerStatus is one key server as ONTAP reports it, with each node's connectivity. */
export interface KeyServerStatus {
  server: string;
  timeout?: number;
  username?: string;
  secondaryKeyServers?: string[];
  /** available is ONTAP's connectivity.cluster_availability: every node reaches the server. */
  available?: boolean;
  nodes?: Array<{ node: string; state: string }>;
}

/** InstalledCertificate is a certificate the operator installed on ONTAP for the key manager. */
export interface InstalledCertificate {
  name: string;
  uuid?: string;
  /** expiryTime is when the certificate expires (RFC 3339). */
  expiryTime?: string;
}

/** OntapKmipStatus reports ONTAP's external key manager, its key servers and certificates. */
export interface OntapKmipStatus extends KeyManagerStatus {
  keyServers?: KeyServerStatus[];
  clientCertificate?: InstalledCertificate;
  serverCaCertificates?: InstalledCertificate[];
  ontapStatus?: { code: string; message: string };
}

/** OntapKmip is the OntapKmip custom resource. */
export interface OntapKmip {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: OntapKmipSpec;
  status?: OntapKmipStatus;
}

/** OntapAwsKms is the OntapAwsKms custom resource. */
export interface OntapAwsKms {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: OntapAwsKmsSpec;
  status?: OntapAwsKmsStatus;
}

/** OntapAzureKeyVault is the OntapAzureKeyVault custom resource. */
export interface OntapAzureKeyVault {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: OntapAzureKeyVaultSpec;
  status?: OntapAzureKeyVaultStatus;
}

/** OntapOnboardKeyManager is the OntapOnboardKeyManager custom resource. */
export interface OntapOnboardKeyManager {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: OntapOnboardKeyManagerSpec;
  status?: OntapOnboardKeyManagerStatus;
}

/** OntapGcpKms is the OntapGcpKms custom resource. */
export interface OntapGcpKms {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: OntapGcpKmsSpec;
  status?: OntapGcpKmsStatus;
}
