/**
 * The simulator's in-memory world: the cluster, its nodes and SVMs, the key-manager records, the
 * test knobs (what "AWS" accepts, ekmip reachability, nodes online, keys in use, blocked key
 * managers, async answers) and what tests count (key generations, actions per record). Everything
 * a handler or the control API reads or changes lives here.
 */
import { randomUUID } from 'node:crypto';
import { fingerprint, maskWriteOnly } from './fingerprint.js';
import { FaultSet } from './faults.js';
import { JobStore } from './jobs.js';
import type { StoredKeyManager } from './key-manager-family.js';
import type { StoredAwsKms, StoredAzureKeyVault, StoredGcpKms } from './key-manager-records.js';
import type { StoredCertificate, StoredSecurityKeyManager } from './security-records.js';

export type { StoredAwsKms, StoredAzureKeyVault, StoredGcpKms } from './key-manager-records.js';

/** SimSvm is one SVM. */
export interface SimSvm {
  readonly name: string;
  readonly uuid: string;
}

/** SimNode is one cluster node. */
export interface SimNode {
  readonly name: string;
  readonly uuid: string;
  ekmipReachable: boolean;
  /** online is false for a node that is down: rekey-internal then answers 65537566. */
  online: boolean;
}

/** KeyManagerFamilyName names a cloud key-manager family by its collection. */
export type KeyManagerFamilyName = 'aws-kms' | 'azure-key-vaults' | 'gcp-kms';

/**
 * KeyActionCount is what one key-manager record has been through: successful rekey-internal and
 * restore calls (a job's, once it succeeded). Kept after the record is deleted, until reset.
 */
export interface KeyActionCount {
  readonly family: KeyManagerFamilyName;
  readonly uuid: string;
  /** svm is the SVM's name, or the cluster's name for the cluster scope (the admin SVM). */
  readonly svm: string;
  rekeyInternal: number;
  restore: number;
}

/** AwsCredentials is an access key pair "AWS" accepts. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** AwsSettings describe simulated AWS: which credentials it accepts and whether it is reachable. */
export interface AwsSettings {
  /** acceptedCredentials: when undefined, any non-empty pair is accepted. */
  acceptedCredentials: AwsCredentials[] | undefined;
  reachable: boolean;
}

/**
 * CloudSettings describe simulated Azure or Google Cloud: which credentials (an Azure client
 * secret or certificate, a Google application-credentials JSON) it accepts, and whether it is reachable.
 */
export interface CloudSettings {
  /** accepted: when undefined, any non-empty credential is accepted. */
  accepted: string[] | undefined;
  reachable: boolean;
}

/** AsyncSettings make writes answer 202 with a job. */
export interface AsyncSettings {
  enabled: boolean;
  delayMs: number;
  /** fail makes every job fail with this ONTAP error. */
  fail: { code: string; message: string } | undefined;
}

/** RequestLogEntry is one /api request as the simulator saw it; write-only values are fingerprints. */
export interface RequestLogEntry {
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** status answered, 0 when the connection was dropped. */
  readonly status: number;
  readonly body?: unknown;
  readonly dropped?: boolean;
  /** bodyBytesSent: for a streamed body fault, the bytes handed to the socket. */
  readonly bodyBytesSent?: number;
  /** clientClosed: for a streamed body fault, the client went away before the body's end. */
  readonly clientClosed?: boolean;
}

/** SimStateOptions shape the initial world. */
export interface SimStateOptions {
  readonly clusterName?: string;
  /** clusterUuid is what GET /api/cluster reports; tests set it to impersonate another cluster. @default a random uuid */
  readonly clusterUuid?: string;
  readonly svms?: readonly string[];
  readonly nodes?: number;
  readonly jobRetentionMs?: number;
}

/** SimState holds everything the simulator knows. */
export class SimState {
  readonly clusterName: string;
  readonly clusterUuid: string;
  svms: SimSvm[] = [];
  nodes: SimNode[] = [];
  /** records are the aws-kms records (the name predates the other families). */
  readonly records = new Map<string, StoredAwsKms>();
  readonly azureKeyVaults = new Map<string, StoredAzureKeyVault>();
  readonly gcpKms = new Map<string, StoredGcpKms>();
  /** kmip names the SVMs (the cluster name: the admin SVM) with a KMIP or onboard key manager configured. */
  readonly kmip = new Set<string>();
  readonly keysInUse = new Set<string>();
  /** blocked names the SVMs (the cluster name: the admin SVM) whose external key manager is blocked: rekey-internal answers 65537556. */
  readonly blocked = new Set<string>();
  /**
   * keysLost names the SVMs (the cluster name: the admin SVM) whose keys ONTAP holds unavailable
   * though the key manager is reachable (as after an outage): `state` shows key protection
   * unavailable until a restore of that SVM's key manager succeeds.
   */
  readonly keysLost = new Set<string>();
  /**
   * keyGenerations counts, per SVM name (the cluster name: the admin SVM / cluster scope), the
   * successful rekey-internal calls: each one makes a new SVM key encryption key.
   */
  readonly keyGenerations = new Map<string, number>();
  /** keyActions counts rekey-internal and restore per record uuid. */
  readonly keyActions = new Map<string, KeyActionCount>();
  /** securityKeyManagers are the `/api/security/key-managers` records: onboard and external (KMIP). */
  readonly securityKeyManagers = new Map<string, StoredSecurityKeyManager>();
  /** certificates are the `/api/security/certificates` records the simulator installed. */
  readonly certificates = new Map<string, StoredCertificate>();
  /** keyServerDown maps a key server (`host:port`) to the nodes it does not answer (not_responding). */
  readonly keyServerDown = new Map<string, Set<string>>();
  /** keysOnlyOn names key servers (`host:port`) holding keys available nowhere else: their DELETE answers 65536700. */
  readonly keysOnlyOn = new Set<string>();
  aws: AwsSettings = { acceptedCredentials: undefined, reachable: true };
  azure: CloudSettings = { accepted: undefined, reachable: true };
  gcp: CloudSettings = { accepted: undefined, reachable: true };
  async: AsyncSettings = { enabled: false, delayMs: 200, fail: undefined };
  readonly faults = new FaultSet();
  readonly requestLog: RequestLogEntry[] = [];
  jobRetentionMs: number;
  readonly jobs: JobStore;
  /** inFlight and maxInFlight count /api requests being served, for concurrency tests. */
  inFlight = 0;
  maxInFlight = 0;

  /** SimState builds the initial world. */
  constructor(private readonly options: SimStateOptions = {}) {
    this.clusterName = options.clusterName ?? 'sim-cluster';
    this.clusterUuid = options.clusterUuid ?? randomUUID();
    this.jobRetentionMs = options.jobRetentionMs ?? 300_000;
    this.jobs = new JobStore(() => this.jobRetentionMs);
    this.reset();
  }

  /** reset returns the world to its initial shape: no records, default knobs, empty logs. */
  reset(): void {
    const svmNames = this.options.svms ?? ['svm1'];
    this.svms = svmNames.map((name) => ({ name, uuid: randomUUID() }));
    const n = this.options.nodes ?? 2;
    this.nodes = Array.from({ length: n }, (_, i) => ({ name: `node${i + 1}`, uuid: randomUUID(), ekmipReachable: true, online: true }));
    this.records.clear();
    this.azureKeyVaults.clear();
    this.gcpKms.clear();
    this.kmip.clear();
    this.keysInUse.clear();
    this.blocked.clear();
    this.keysLost.clear();
    this.keyGenerations.clear();
    this.keyActions.clear();
    this.securityKeyManagers.clear();
    this.certificates.clear();
    this.keyServerDown.clear();
    this.keysOnlyOn.clear();
    this.aws = { acceptedCredentials: undefined, reachable: true };
    this.azure = { accepted: undefined, reachable: true };
    this.gcp = { accepted: undefined, reachable: true };
    this.async = { enabled: false, delayMs: 200, fail: undefined };
    this.faults.clear();
    this.requestLog.length = 0;
    this.jobs.clear();
    this.jobRetentionMs = this.options.jobRetentionMs ?? 300_000;
    this.inFlight = 0;
    this.maxInFlight = 0;
  }

  /** findSvm looks an SVM up by name or uuid. */
  findSvm(ref: { name?: string | undefined; uuid?: string | undefined }): SimSvm | undefined {
    return this.svms.find((s) => (ref.name === undefined || s.name === ref.name) && (ref.uuid === undefined || s.uuid === ref.uuid));
  }

  /**
   * keyManagerFor names the enabled key manager of an SVM (undefined svm = cluster scope) in any
   * family, onboard or external (`/api/security/key-managers`), or the KMIP knob, or returns
   * undefined when there is none: ONTAP allows one per SVM.
   */
  keyManagerFor(svm: SimSvm | undefined): string | undefined {
    const families: ReadonlyArray<readonly [string, ReadonlyMap<string, StoredKeyManager>]> = [
      ['aws-kms', this.records],
      ['azure-key-vault', this.azureKeyVaults],
      ['gcp-kms', this.gcpKms],
    ];
    for (const [noun, records] of families) {
      for (const r of records.values()) {
        if (r.enabled && (svm === undefined ? r.scope === 'cluster' : r.svm?.uuid === svm.uuid)) return noun;
      }
    }
    for (const r of this.securityKeyManagers.values()) {
      if (svm === undefined ? r.scope === 'cluster' : r.svm?.uuid === svm.uuid) return r.kind;
    }
    return this.kmip.has(svm?.name ?? this.clusterName) ? 'kmip' : undefined;
  }

  /** cloudAccepts tells whether simulated Azure or Google Cloud takes this credential. */
  cloudAccepts(cloud: CloudSettings, credential: string | undefined): boolean {
    if (!cloud.reachable || credential === undefined || credential === '') return false;
    return cloud.accepted === undefined || cloud.accepted.includes(credential);
  }

  /** credentialsAccepted tells whether "AWS" takes this key pair. */
  credentialsAccepted(accessKeyId: string, secretAccessKey: string): boolean {
    if (accessKeyId === '' || secretAccessKey === '') return false;
    const list = this.aws.acceptedCredentials;
    if (list === undefined) return true;
    return list.some((c) => c.accessKeyId === accessKeyId && c.secretAccessKey === secretAccessKey);
  }

  /** svmKey names a record's SVM as the knobs and counters do: its name, or the cluster's name for the cluster scope. */
  svmKey(record: StoredKeyManager): string {
    return record.svm?.name ?? this.clusterName;
  }

  /** countKeyAction records a successful rekey-internal (a new key generation for the SVM) or restore. */
  countKeyAction(family: KeyManagerFamilyName, record: StoredKeyManager, action: 'rekey-internal' | 'restore'): void {
    const svm = this.svmKey(record);
    const count = this.keyActions.get(record.uuid) ?? { family, uuid: record.uuid, svm, rekeyInternal: 0, restore: 0 };
    this.keyActions.set(record.uuid, count);
    if (action === 'restore') {
      count.restore++;
      return;
    }
    count.rekeyInternal++;
    this.keyGenerations.set(svm, (this.keyGenerations.get(svm) ?? 0) + 1);
  }

  /** keysInUseFor tells whether DELETE must refuse: keys stored for the record's SVM (cluster scope: the cluster name). */
  keysInUseFor(record: StoredKeyManager): boolean {
    return this.keysInUse.has(record.svm?.name ?? this.clusterName);
  }

  /** dump is the state for GET /_sim/state: write-only values as fingerprints. */
  dump(): Record<string, unknown> {
    return {
      cluster: { name: this.clusterName, uuid: this.clusterUuid },
      svms: this.svms,
      nodes: this.nodes,
      records: [...this.records.values()].map((r) => maskWriteOnly(r)),
      azureKeyVaults: [...this.azureKeyVaults.values()].map((r) => maskWriteOnly(r)),
      gcpKms: [...this.gcpKms.values()].map((r) => maskWriteOnly(r)),
      kmip: [...this.kmip],
      securityKeyManagers: [...this.securityKeyManagers.values()].map((r) => maskWriteOnly(r)),
      certificates: [...this.certificates.values()].map((c) => maskWriteOnly(c)),
      keyServerDown: Object.fromEntries([...this.keyServerDown].map(([server, nodes]) => [server, [...nodes]])),
      keysOnlyOn: [...this.keysOnlyOn],
      keysInUse: [...this.keysInUse],
      blocked: [...this.blocked],
      keyGenerations: Object.fromEntries(this.keyGenerations),
      keyActions: [...this.keyActions.values()].map((c) => ({ ...c })),
      aws: {
        reachable: this.aws.reachable,
        acceptedCredentials: this.aws.acceptedCredentials?.map((c) => ({
          accessKeyId: c.accessKeyId,
          secretAccessKey: fingerprint(c.secretAccessKey),
        })),
      },
      azure: { reachable: this.azure.reachable, accepted: this.azure.accepted?.map(fingerprint) },
      gcp: { reachable: this.gcp.reachable, accepted: this.gcp.accepted?.map(fingerprint) },
      async: this.async,
      faults: this.faults.list(),
      jobs: this.jobs.list().map((j) => ({ uuid: j.uuid, state: j.state, description: j.description })),
      jobRetentionMs: this.jobRetentionMs,
      stats: { inFlight: this.inFlight, maxInFlight: this.maxInFlight, requests: this.requestLog.length },
    };
  }
}
