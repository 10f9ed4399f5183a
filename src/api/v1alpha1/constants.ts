/**
 * Stable names of the kms.ontap.dev/v1alpha1 API: group, kinds, finalizer, condition types,
 * reasons and event reasons. Users, dashboards and alerts match on these strings, so they change
 * only on purpose (docs/api.md documents the fields; README.md the conditions and reasons).
 */

/** GROUP is the API group of every kind this operator serves. */
export const GROUP = 'kms.ontap.dev';
/** VERSION is the only served and stored version. */
export const VERSION = 'v1alpha1';
/** API_VERSION is what a manifest's `apiVersion` says. */
export const API_VERSION = `${GROUP}/${VERSION}`;

/** The kinds' names, plurals and short names: declared in the kinds table (./kinds.ts). */
export { ClusterOntapClusterKind, OntapAwsKmsKind, OntapAzureKeyVaultKind, OntapClusterKind, OntapGcpKmsKind, OntapKmipKind, OntapOnboardKeyManagerKind } from './kinds.js';

/**
 * RESTORE_ANNOTATION asks for ONTAP's `restore` of the key manager's keys: each new value (a
 * token, like `kubectl rollout restart`'s timestamp) runs it once; status.lastRestore says how it went.
 */
export const RESTORE_ANNOTATION = `${GROUP}/restore`;

/** MAX_RESTORE_TOKEN_LENGTH bounds the restore annotation's value; a longer one is refused (never run). */
export const MAX_RESTORE_TOKEN_LENGTH = 128;

/** FINALIZER guards the ONTAP record until deletion has been handled per `deletionPolicy`. */
export const FINALIZER = `${GROUP}/finalizer`;

/** Condition types written to `status.conditions`. */
export const ConditionType = {
  /** OntapCluster: connected; a key manager (OntapAwsKms, OntapAzureKeyVault, OntapGcpKms): Synced and ONTAP reports key protection available. */
  Ready: 'Ready',
  /** The last reconcile applied the spec without error. */
  Synced: 'Synced',
  /** From ONTAP's `amazon_reachability`. */
  AmazonReachable: 'AmazonReachable',
  /** From ONTAP's `azure_reachability` (OntapAzureKeyVault). */
  AzureReachable: 'AzureReachable',
  /** From ONTAP's `google_reachability` (OntapGcpKms). */
  GoogleReachable: 'GoogleReachable',
  /** Every node's `ekmip_reachability`. */
  EkmipReachable: 'EkmipReachable',
  /** OntapOnboardKeyManager with backupSecretRef: the Secret holds ONTAP's current key backup. */
  KeyBackupSaved: 'KeyBackupSaved',
  /** OntapKmip: every key server is reachable from every node (ONTAP's connectivity). */
  KeyServersReachable: 'KeyServersReachable',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Reason is the machine-readable cause on a condition; the set is closed and documented. */
export const Reason = {
  // Failures (Synced=False / Ready=False)
  SecretNotFound: 'SecretNotFound',
  SecretInvalid: 'SecretInvalid',
  ClusterNotFound: 'ClusterNotFound',
  ClusterNotReady: 'ClusterNotReady',
  InvalidCredentials: 'InvalidCredentials',
  NotConfigured: 'NotConfigured',
  AlreadyConfigured: 'AlreadyConfigured',
  /** The SVM already has another key manager enabled (another cloud's, KMIP or Onboard): ONTAP allows one. */
  AnotherKeyManager: 'AnotherKeyManager',
  Conflict: 'Conflict',
  DeletionBlocked: 'DeletionBlocked',
  OntapError: 'OntapError',
  Unreachable: 'Unreachable',
  /**
   * TLS verification of ONTAP's certificate failed (not signed by a trusted CA, expired, or not for
   * the endpoint's host): the trust settings (spec.caBundleSecretRef) or the certificate need fixing, not the network.
   */
  CertificateUntrusted: 'CertificateUntrusted',
  Suspended: 'Suspended',
  /** The cluster's endpoint is outside the operator's allowed ONTAP endpoints: nothing is sent. */
  EndpointNotAllowed: 'EndpointNotAllowed',
  /** A ClusterOntapCluster's tenancy policy does not let this namespace manage this SVM. */
  NotPermitted: 'NotPermitted',
  /** OntapOnboardKeyManager: ONTAP has neither the passphrase nor the existing passphrase of the Secret. */
  PassphraseIncorrect: 'PassphraseIncorrect',
  /** OntapOnboardKeyManager: ONTAP reports a node without the onboard keys (it joined): synchronized with the passphrase. */
  SynchronizeNeeded: 'SynchronizeNeeded',
  /** OntapKmip: ONTAP refused a fifth primary key server (65536038): at most four. */
  KeyServerLimit: 'KeyServerLimit',
  /** OntapKmip: ONTAP refused to remove a key server that holds keys no other configured server has (65536700). */
  KeysOnlyOnServer: 'KeysOnlyOnServer',
  /** KeyBackupSaved=False: the backup Secret exists and was not created by the operator for this resource; it is left untouched. */
  BackupSecretNotOwned: 'BackupSecretNotOwned',
  /** KeyBackupSaved=False: the API server refused the write of the backup Secret (see the message). */
  BackupNotSaved: 'BackupNotSaved',
  // rekey-internal and restore answers (status.keyRotation.lastResult, status.lastRestore)
  /** 65537547: the data SVM's keys still live in the admin SVM's key manager: migrate them first. */
  KeysInAdminSvm: 'KeysInAdminSvm',
  /** 65537556: the key manager is blocked; not retried until ONTAP shows it available again. */
  KeyManagerBlocked: 'KeyManagerBlocked',
  /** 65537559: the SVM has no internal keys to rotate. */
  NoInternalKeys: 'NoInternalKeys',
  /** 65537566: not all nodes are online; retried at each drift check until they are. */
  NodesOffline: 'NodesOffline',
  /** 65536082: ONTAP could not restore all keys. */
  RestoreIncomplete: 'RestoreIncomplete',
  /** 65537544: the wrapped top-level key-encryption key is missing. */
  TopLevelKeyMissing: 'TopLevelKeyMissing',
  /**
   * A create or rekey this operator sent was in flight when it stopped (crash, kill) and ONTAP does
   * not show it yet: it is not sent again until ONTAP shows it, its job ends, or its request timeout passed.
   */
  WritePending: 'WritePending',
  // Successes and observations
  Connected: 'Connected',
  ReconcileSuccess: 'ReconcileSuccess',
  Observed: 'Observed',
  Available: 'Available',
  Unavailable: 'Unavailable',
  Reachable: 'Reachable',
  /** KeyBackupSaved=True: the backup Secret holds ONTAP's current key backup. */
  Saved: 'Saved',
  NotReachable: 'NotReachable',
  Unknown: 'Unknown',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** EventReason is the `reason` of a Kubernetes Event this operator emits. */
export const EventReason = {
  Created: 'Created',
  Adopted: 'Adopted',
  DriftCorrected: 'DriftCorrected',
  CredentialsApplied: 'CredentialsApplied',
  Rekeyed: 'Rekeyed',
  /** ONTAP rotated the SVM's internal keys (rekey-internal) on the spec.keyRotation schedule. */
  KeyRotated: 'KeyRotated',
  KeyRotationFailed: 'KeyRotationFailed',
  /** ONTAP restored the key manager's keys, on request (the restore annotation). */
  Restored: 'Restored',
  RestoreFailed: 'RestoreFailed',
  Deleted: 'Deleted',
  Orphaned: 'Orphaned',
  DeletionBlocked: 'DeletionBlocked',
  ReconcileError: 'ReconcileError',
  Conflict: 'Conflict',
  Connected: 'Connected',
  ConnectionFailed: 'ConnectionFailed',
  InsecureTLS: 'InsecureTLS',
  /** OntapOnboardKeyManager: the key backup Secret was written with ONTAP's current backup. */
  KeyBackupSaved: 'KeyBackupSaved',
  /** OntapOnboardKeyManager: the key backup could not be written (see KeyBackupSaved's reason). */
  KeyBackupNotSaved: 'KeyBackupNotSaved',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

/** Defaults applied by the CRD schema; the operator applies the same ones to objects it parses. */
export const Defaults = {
  accessKeyIdKey: 'access_key_id',
  secretAccessKeyKey: 'secret_access_key',
  /** OntapAzureKeyVault: the Secret keys are ONTAP's field names, like the AWS ones. */
  clientSecretKey: 'client_secret',
  clientCertificateKey: 'client_certificate',
  /** OntapGcpKms: the service account's JSON key. */
  applicationCredentialsKey: 'application_credentials',
  /** OntapOnboardKeyManager: the passphrase, the one ONTAP has during a change, and the key backup. */
  passphraseKey: 'passphrase',
  existingPassphraseKey: 'existingPassphrase',
  keyBackupKey: 'backup',
  caBundleKey: 'ca.crt',
  /** OntapKmip: ONTAP's default KMIP port. */
  kmipPort: 5696,
  requestTimeoutSeconds: 30,
  maxConcurrentRequests: 4,
  driftCheckIntervalSeconds: 300,
  minDriftCheckIntervalSeconds: 10,
  deletionPolicy: 'Retain',
  managementPolicy: 'Manage',
} as const;

/**
 * Limits are the bounds the CRD schema enforces at admission, each stated in the field's
 * description. ONTAP's own limit where it documents one; otherwise a generous bound that still
 * keeps a typo (1e15 minutes, a 100,000-character region) out of ONTAP and out of the queue.
 */
export const Limits = {
  /** ONTAP's REST `return_timeout` tops out at 120 s; a dead cluster must not hold a worker longer. A ClusterOntapCluster's bound. */
  maxRequestTimeoutSeconds: 120,
  /**
   * A namespace's own OntapCluster: a tenant chooses its endpoint, and each call to it holds one
   * of the workers every namespace shares, so a tenant may make one wait at most the default.
   */
  maxTenantRequestTimeoutSeconds: 30,
  minMaxConcurrentRequests: 1,
  maxMaxConcurrentRequests: 64,
  /** One day: ONTAP documents no maximum for `polling_period`. */
  maxPollingPeriodMinutes: 1440,
  /** Five minutes: ONTAP documents no maximum for the AWS connection `timeout` (default 10). */
  maxTimeoutSeconds: 300,
  /** One day: a resource is re-read at least daily. */
  maxDriftCheckIntervalSeconds: 86400,
  /** spec.keyRotation.rotateEvery: from 10 s (for tests: a real period is days) to ten years. */
  minRotateEverySeconds: 10,
  maxRotateEverySeconds: 87600 * 3600,
  minPort: 1,
  maxPort: 65535,
  /** Generations are int64; the operator holds them as JavaScript numbers, exact to 2^53-1. */
  maxGeneration: Number.MAX_SAFE_INTEGER,
  /** A DNS subdomain: the longest Kubernetes object name, and the longest host name. */
  maxNameLength: 253,
  /** A Secret data key is a config map key: at most 253 characters of [-._a-zA-Z0-9]. */
  maxSecretKeyLength: 253,
  /** ONTAP: an SVM name has at most 47 characters (`vserver create -vserver`). */
  maxSvmNameLength: 47,
  /** AWS: a KMS key ARN or alias ARN is at most 2048 characters. */
  maxKeyIdLength: 2048,
  /** Longer than any AWS region name (the longest today are under 20 characters). */
  maxRegionLength: 64,
  maxProxyUsernameLength: 256,
  maxEncryptionContextLength: 2048,
  maxEndpointLength: 2048,
  /** Azure: a key identifier is https://<vault>.<host>/keys/<name>/<version>; 2048 bounds it generously. */
  maxAzureKeyIdLength: 2048,
  /** Azure: a vault URL, https://<name>.vault.azure.net/ (a vault name has 3..24 characters). */
  maxAzureVaultNameLength: 2048,
  /** Google: a project id has 6..30 characters; a domain-scoped one (example.com:proj) adds a domain of at most 253 and a colon. */
  maxGcpProjectIdLength: 284,
  /** Google Cloud KMS: key ring and key ids have at most 63 characters of [a-zA-Z0-9_-]. */
  maxGcpResourceIdLength: 63,
  /** Google: a location id, e.g. global, us-east1, europe-west3, nam-eur-asia1. */
  maxGcpLocationLength: 64,
  /** RFC 5321: an e-mail address (a service account) has at most 254 characters. */
  maxEmailLength: 254,
  /** A URL ONTAP calls (OAuth token URL, GCE metadata server). */
  maxUrlLength: 2048,
} as const;
