/**
 * The schema every cloud key-manager kind (KEY_MANAGER_KINDS in ./kinds.ts) shares:
 * where the ONTAP record lives (clusterRef, svm), its proxy, how the operator treats it
 * (deletionPolicy, managementPolicy, driftCheckIntervalSeconds, suspend) and the status ONTAP's
 * record and the last reconcile produce. Each kind adds only its own fields, so they all keep
 * the same guarantees by construction.
 */
import { Defaults, Limits } from './constants.js';
import { DURATION_PATTERN } from './duration.js';
import type { JSONSchema, ValidationRule } from './schema-builders.js';
import { arr, bool, conditionsSchema, DNS_SUBDOMAIN, generation, immutable, int, name, obj, secretKey, str } from './schema-builders.js';

/** UNMANAGED ends the description of an optional field the operator leaves alone while unset. */
const UNMANAGED = 'Unset: not managed.';

/** target is clusterRef and svm: which cluster and SVM hold the record. Both are immutable. */
function target(): Record<string, JSONSchema> {
  return {
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
  };
}

/** policies are the fields that say how the operator treats the record, not what ONTAP holds. */
function policies(rotation: boolean): Record<string, JSONSchema> {
  const all: Record<string, JSONSchema> = {
    deletionPolicy: str(
      'DeletionPolicy: Retain keeps the ONTAP record when this resource is deleted; Delete removes it (and waits while ONTAP refuses because keys are in use), once this connection reads that record (status.uuid) on this SVM. A record ONTAP shows elsewhere, or a ClusterOntapCluster grant since revoked, leaves the record in place with a Warning event, and the resource goes.',
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
    keyRotation: obj(
      `KeyRotation rotates the SVM's internal keys (ONTAP's rekey-internal) once per period: when rotateEvery has passed since the last rotation this operator ran (or since the policy was first applied), at the first time the window is open. Exactly once per period across restarts and leader changes (status.keyRotation and status.pendingWrite record it); never while suspended, in Observe, or while the key manager is not Ready; at most --max-concurrent-rekeys-per-cluster SVMs of one ONTAP cluster at once. ${UNMANAGED}`,
      {
        rotateEvery: str(
          `RotateEvery is the period: hours, minutes and seconds as Kubernetes writes durations, e.g. 2160h (90 days) or 8760h (a year); from ${Limits.minRotateEverySeconds}s (periods under a day are for tests) to 87600h; at most 32 characters.`,
          { pattern: DURATION_PATTERN, minLength: 2, maxLength: 32 },
        ),
        window: obj(
          'Window is when a rotation may start, in UTC: from startHour to endHour on the given days. Unset: any time.',
          {
            days: arr('Days the window opens; empty or unset: every day.', str('A day of the week.', { enum: [...WEEKDAYS] }), { maxItems: 7 }),
            startHour: int('StartHour is the first hour of the window, UTC: 0..23.', { minimum: 0, maximum: 23 }),
            endHour: int('EndHour is the hour the window closes, UTC: 1..24, after startHour (a window past midnight is not supported: end it at 24 and start the next day at 0).', { minimum: 1, maximum: 24 }),
          },
          { required: ['startHour', 'endHour'], 'x-kubernetes-validations': [{ rule: 'self.startHour < self.endHour', message: 'startHour must be before endHour' }] },
        ),
      },
      {
        required: ['rotateEvery'],
        'x-kubernetes-validations': [
          {
            rule: `duration(self.rotateEvery) >= duration('${Limits.minRotateEverySeconds}s') && duration(self.rotateEvery) <= duration('87600h')`,
            message: `rotateEvery must be from ${Limits.minRotateEverySeconds}s to 87600h`,
            fieldPath: '.rotateEvery',
          },
        ],
      },
    ),
  };
  if (!rotation) delete all['keyRotation'];
  return all;
}

/** WEEKDAYS are the days a maintenance window may name. */
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** KeyManagerSpecOptions are what a kind adds to the shared spec. */
export interface KeyManagerSpecOptions {
  /** fields are the kind's own fields; they stand between svm and the policies. */
  fields: Record<string, JSONSchema>;
  /** required lists the kind's own required fields (clusterRef is always required). */
  required: string[];
  /** rules are the kind's own CEL rules on the whole spec. */
  rules?: ValidationRule[];
  /** clusterOnly leaves svm out: the record lives on the cluster scope only (the Onboard Key Manager). */
  clusterOnly?: boolean;
  /** keyRotation: false leaves spec.keyRotation out (no rekey-internal on ONTAP). @default true */
  keyRotation?: boolean;
}

/** keyManagerSpec is a key-manager kind's spec schema: clusterRef, svm, the kind's fields, then the policies. */
export function keyManagerSpec(description: string, options: KeyManagerSpecOptions): JSONSchema {
  const { svm, ...clusterRef } = target();
  return obj(
    `${description} Optional fields that are unset are not managed: never sent to ONTAP and never compared.`,
    { ...clusterRef, ...(options.clusterOnly ? {} : { svm: svm! }), ...options.fields, ...policies(options.keyRotation ?? true) },
    {
      required: ['clusterRef', ...options.required],
      'x-kubernetes-validations': [
        // The field-level rule on svm cannot see svm being added or removed; this one can.
        ...(options.clusterOnly ? [] : [{ rule: 'has(self.svm) == has(oldSelf.svm)', message: 'svm is immutable', fieldPath: '.svm' }]),
        ...(options.rules ?? []),
      ],
    },
  );
}

/** optionalName is an optional host, domain or service name of at most 253 characters; `what` ends without a period. */
export function optionalName(what: string): JSONSchema {
  return str(`${what}, at most ${Limits.maxNameLength} characters. ${UNMANAGED}`, { maxLength: Limits.maxNameLength });
}

/** port is an optional TCP port; `what` ends without a period. */
export function port(what: string): JSONSchema {
  return int(`${what}: ${Limits.minPort}..${Limits.maxPort}. ${UNMANAGED}`, { minimum: Limits.minPort, maximum: Limits.maxPort });
}

/** verifyFlag is an optional boolean verify setting; `what` is a sentence. */
export function verifyFlag(what: string): JSONSchema {
  return bool(`${what} ${UNMANAGED}`);
}

/** proxy is the optional proxy between ONTAP and `service`; its password is write-only on ONTAP. */
export function proxy(service: string): JSONSchema {
  return obj(
    `Proxy between ONTAP and ${service}. ${UNMANAGED}`,
    {
      type: str('Type of the proxy.', { enum: ['http', 'https'] }),
      host: str(`Host name of the proxy, at most ${Limits.maxNameLength} characters.`, { minLength: 1, maxLength: Limits.maxNameLength }),
      port: int(`Port of the proxy: ${Limits.minPort}..${Limits.maxPort}.`, { minimum: Limits.minPort, maximum: Limits.maxPort }),
      username: str(`Username for the proxy, at most ${Limits.maxProxyUsernameLength} characters.`, {
        maxLength: Limits.maxProxyUsernameLength,
      }),
      passwordSecretRef: obj(
        'PasswordSecretRef names the Secret key holding the proxy password; the Secret must be of type Opaque (any other type is SecretInvalid and nothing of it is read). Write-only on ONTAP: sent on create and whenever that Secret changes.',
        {
          name: name('Secret holding the proxy password'),
          key: secretKey('Key of the password in the Secret.'),
        },
        { required: ['name', 'key'] },
      ),
    },
    { required: ['host'] },
  );
}

/** secretKeyRef is a reference to one key of a Secret, the key defaulting to `defaultKey`. */
export function secretKeyRef(description: string, what: string, defaultKey: string): JSONSchema {
  return obj(
    description,
    {
      name: name(`Secret holding the ${what}`),
      key: secretKey(`Key of the ${what} in the Secret.`, { default: defaultKey }),
    },
    { required: ['name'] },
  );
}

/** reachability is ONTAP's `{reachable, code, message}` for the key manager's cloud service. */
export function reachability(what: string): JSONSchema {
  return obj(`${what}, as ONTAP reports it.`, {
    reachable: bool('Reachable is true when ONTAP reports the service reachable.'),
    code: str('Code is ONTAP\'s code for the message; "0" when reachable.'),
    message: str('Message is ONTAP\'s explanation when not reachable.'),
  });
}

/** KeyManagerStatusOptions are what a kind adds to the shared status. */
export interface KeyManagerStatusOptions {
  /** record is ONTAP's name for the record, e.g. aws-kms. */
  record: string;
  /** service is the cloud service, e.g. AWS KMS. */
  service: string;
  /** keys are the kind's key fields as ONTAP reports them; they stand after svm. */
  keys: Record<string, JSONSchema>;
  /** reachability is the kind's `<cloud>Reachability` field and its schema. */
  reachability: Record<string, JSONSchema>;
  /** conditions lists the kind's condition types, for the description. */
  conditions: string;
  /**
   * cloud: false leaves out what only a cloud key manager has: state (key protection), the EKMIP
   * reachability and keyRotation. @default true
   */
  cloud?: boolean;
}

/** keyManagerStatus is a key-manager kind's status schema. */
export function keyManagerStatus(description: string, options: KeyManagerStatusOptions): JSONSchema {
  const fields: Record<string, JSONSchema> = {
    observedGeneration: generation('ObservedGeneration is the spec generation this status was computed for.'),
    uuid: str(`UUID of the ONTAP ${options.record} record.`),
    scope: str('Scope of the record on ONTAP: svm or cluster.'),
    svm: obj('SVM of the record, as ONTAP reports it.', {
      name: str('Name of the SVM.'),
      uuid: str('UUID of the SVM.'),
    }),
    ...options.keys,
    state: obj('State is ONTAP\'s key-protection state.', {
      clusterState: bool(`ClusterState is true when ${options.service} key protection is available on all nodes.`),
      code: str('Code is ONTAP\'s code; "0" when available.'),
      message: str('Message is ONTAP\'s explanation when not available.'),
    }),
    ...options.reachability,
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
    drift: arr('Drift lists the spec fields that differ from ONTAP right now (in Observe mode they stay).', str('A spec field path, e.g. spec.port.')),
    pendingWrite: obj(
      'PendingWrite is a create or rekey-external the operator sent and has not seen the end of (it stopped, or lost its connection, while the write was in flight). It is recorded before the write is sent and dropped once the outcome is known; while it is here the write is not sent again until ONTAP shows it took effect, its job ends, or the request timeout has passed since it was sent (Synced=False/WritePending meanwhile).',
      {
        operation: str('Operation that was sent.', { enum: ['create', 'rekey-external', 'restore', 'rekey-internal'] }),
        sentAt: str('SentAt is when it was sent (RFC 3339).', { format: 'date-time' }),
        job: str('Job is the uuid of the ONTAP job that runs it, once ONTAP answered with one.'),
        keyId: str('KeyId is the key a rekey-external moves to.'),
        token: str('Token is the kms.ontap.dev/restore annotation value a restore was sent for.'),
      },
      { required: ['operation', 'sentAt'] },
    ),
    keyRotation: obj('KeyRotation is what the operator knows of the rotations spec.keyRotation asks for.', {
      since: str('Since is when the policy was first applied: the first period counts from it.', { format: 'date-time' }),
      lastRekeyTime: str('LastRekeyTime is when the last rekey-internal this operator ran was sent (RFC 3339).', { format: 'date-time' }),
      nextRekeyTime: str('NextRekeyTime is when the next one is due, inside the window (RFC 3339).', { format: 'date-time' }),
      lastResult: obj(
        'LastResult is how the last rekey-internal went.',
        {
          time: str('Time is when it ended (RFC 3339).', { format: 'date-time' }),
          result: str('Result: Succeeded; Failed (see reason and message: KeysInAdminSvm, KeyManagerBlocked, NoInternalKeys, NodesOffline, NotConfigured, OntapError); Unknown (the operator stopped while it was in flight and could not learn how it ended: counted as a rotation, never sent twice).', { enum: ['Succeeded', 'Failed', 'Unknown'] }),
          reason: str('Reason of a failure.'),
          message: str('Message: ONTAP\'s code and message, and what happens next.'),
          generation: generation('Generation of the resource when it failed: a failure that needs a change (KeysInAdminSvm, NoInternalKeys) is retried after the next one.'),
        },
        { required: ['time', 'result'] },
      ),
    }),
    lastRestore: obj(
      'LastRestore is how the last restore asked for with the kms.ontap.dev/restore annotation went. Each new value of the annotation (any token, e.g. a timestamp, at most 128 characters) runs ONTAP\'s restore of the key manager\'s keys once, in managementPolicy Manage, once ONTAP shows the key manager; a failed restore is not retried for the same token: set a new one.',
      {
        token: str('Token is the annotation value it ran for.'),
        time: str('Time is when it ended (RFC 3339).', { format: 'date-time' }),
        result: str('Result: Succeeded; Failed (ONTAP refused it: see reason and message); Unknown (the operator stopped while it was in flight and its outcome could not be learnt); Skipped (not run: see message).', { enum: ['Succeeded', 'Failed', 'Unknown', 'Skipped'] }),
        reason: str('Reason is the condition reason of a failure, e.g. OntapError.'),
        message: str('Message is ONTAP\'s code and message for a failure, or why it was skipped.'),
      },
      { required: ['token', 'time', 'result'] },
    ),
    conditions: conditionsSchema(`Conditions: ${options.conditions}.`),
  };
  if (options.cloud === false) {
    for (const f of ['state', 'ekmipReachability', 'keyRotation']) delete fields[f];
  }
  return obj(description, fields);
}
