/**
 * The simulator's in-memory world: the cluster, its nodes and SVMs, the aws-kms records, and the
 * test knobs (what "AWS" accepts, ekmip reachability, keys in use, async answers). Everything a
 * handler or the control API reads or changes lives here.
 */
import { randomUUID } from 'node:crypto';
import { fingerprint } from './fingerprint.js';
import { FaultSet } from './faults.js';
import { JobStore } from './jobs.js';

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
}

/** StoredAwsKms is an aws-kms record as the cluster keeps it, write-only values included. */
export interface StoredAwsKms {
  uuid: string;
  svm: SimSvm | undefined;
  scope: 'svm' | 'cluster';
  key_id: string;
  region: string;
  access_key_id: string;
  secret_access_key: string;
  service: string;
  default_domain: string;
  host: string;
  port: number;
  proxy_type?: string;
  proxy_host?: string;
  proxy_port?: number;
  proxy_username?: string;
  proxy_password?: string;
  polling_period: number;
  encryption_context?: string;
  timeout: number;
  verify: boolean;
  verify_host: boolean;
  verify_ip: boolean;
  skip_verify: boolean;
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
  readonly records = new Map<string, StoredAwsKms>();
  readonly keysInUse = new Set<string>();
  aws: AwsSettings = { acceptedCredentials: undefined, reachable: true };
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
    this.nodes = Array.from({ length: n }, (_, i) => ({ name: `node${i + 1}`, uuid: randomUUID(), ekmipReachable: true }));
    this.records.clear();
    this.keysInUse.clear();
    this.aws = { acceptedCredentials: undefined, reachable: true };
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

  /** recordFor returns the record configured for an SVM (undefined svm = cluster scope). */
  recordFor(svm: SimSvm | undefined): StoredAwsKms | undefined {
    for (const r of this.records.values()) {
      if (svm === undefined ? r.scope === 'cluster' : r.svm?.uuid === svm.uuid) return r;
    }
    return undefined;
  }

  /** credentialsAccepted tells whether "AWS" takes this key pair. */
  credentialsAccepted(accessKeyId: string, secretAccessKey: string): boolean {
    if (accessKeyId === '' || secretAccessKey === '') return false;
    const list = this.aws.acceptedCredentials;
    if (list === undefined) return true;
    return list.some((c) => c.accessKeyId === accessKeyId && c.secretAccessKey === secretAccessKey);
  }

  /** keysInUseFor tells whether DELETE must refuse: keys stored for the record's SVM (cluster scope: the cluster name). */
  keysInUseFor(record: StoredAwsKms): boolean {
    return this.keysInUse.has(record.svm?.name ?? this.clusterName);
  }

  /** dump is the state for GET /_sim/state: write-only values as fingerprints. */
  dump(): Record<string, unknown> {
    return {
      cluster: { name: this.clusterName, uuid: this.clusterUuid },
      svms: this.svms,
      nodes: this.nodes,
      records: [...this.records.values()].map((r) => ({
        ...r,
        secret_access_key: fingerprint(r.secret_access_key),
        ...(r.proxy_password !== undefined ? { proxy_password: fingerprint(r.proxy_password) } : {}),
      })),
      keysInUse: [...this.keysInUse],
      aws: {
        reachable: this.aws.reachable,
        acceptedCredentials: this.aws.acceptedCredentials?.map((c) => ({
          accessKeyId: c.accessKeyId,
          secretAccessKey: fingerprint(c.secretAccessKey),
        })),
      },
      async: this.async,
      faults: this.faults.list(),
      jobs: this.jobs.list().map((j) => ({ uuid: j.uuid, state: j.state, description: j.description })),
      jobRetentionMs: this.jobRetentionMs,
      stats: { inFlight: this.inFlight, maxInFlight: this.maxInFlight, requests: this.requestLog.length },
    };
  }
}
