/**
 * Manager wires the operator together: informers for OntapAwsKms, OntapCluster and Secret
 * metadata (no Secret data is cached), the indexes that map a Secret or an OntapCluster back to
 * the resources that use it, the two controllers, and the events and metrics they share.
 */
import { parseOntapAwsKms, parseOntapCluster } from '../api/v1alpha1/parse.js';
import type { OntapAwsKms, OntapCluster } from '../api/v1alpha1/types.js';
import { EventRecorder } from '../runtime/events.js';
import { Informer, type InformerEvent } from '../runtime/informer.js';
import { isRecord, type KubeApi, type KubeObject, SecretType } from '../runtime/kube.js';
import { ConditionType, Reason } from '../api/v1alpha1/constants.js';
import type { Logger } from '../runtime/logger.js';
import type { Metrics } from '../runtime/metrics.js';
import { MutationCache } from '../runtime/mutation-cache.js';
import { Controller, keyOf } from './controller.js';
import type { KubeWriter } from './kube-writes.js';
import { scopeKey } from './ontap-aws-kms/observer.js';
import { AwsKmsReconciler } from './ontap-aws-kms/reconciler.js';
import { referencedSecrets } from './ontap-aws-kms/secrets.js';
import { ClusterConnections, clusterSecretNames } from './ontap-cluster/connections.js';
import { ClusterReconciler } from './ontap-cluster/reconciler.js';
import { OntapAwsKmsType, OntapClusterType } from './resources.js';
import { registerResourceMetrics, SyncTimes } from './resource-metrics.js';
import type { OntapClientOptions } from '../ontap/client.js';

/** ManagerOptions configure the operator's controllers. */
export interface ManagerOptions {
  readonly api: KubeApi;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** namespaces to watch; undefined watches all. */
  readonly namespaces: string[] | undefined;
  /** maxConcurrentReconciles bounds each controller's workers. @default 2 */
  readonly maxConcurrentReconciles?: number;
  /** clientOptions adjusts every ONTAP client (tests shorten job polling). */
  readonly clientOptions?: Partial<OntapClientOptions>;
  /** backoff bounds per-key error backoff. @default 1 s .. 300 s */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** reconcileTimeoutMs aborts a reconcile that runs longer. @default DEFAULT_RECONCILE_TIMEOUT_MS */
  readonly reconcileTimeoutMs?: number;
}

const SECRET_REFS = 'secretRefs';
const CLUSTER_REF = 'clusterRef';

/**
 * memoParse returns a parser that reads each cached object once: peers, indexes and the observer
 * ask for the typed form of every object on each reconcile, and the informer replaces (never
 * mutates) an object when it changes, so the object itself is the cache key. It returns
 * undefined for an object the controller cannot read (the controller logs that when reconciling).
 */
function memoParse<T extends object>(parse: (o: KubeObject) => T): (o: KubeObject) => T | undefined {
  const parsed = new WeakMap<KubeObject, T | null>();
  return (o) => {
    let v = parsed.get(o);
    if (v === undefined) {
      try {
        v = parse(o);
      } catch {
        v = null;
      }
      parsed.set(o, v);
    }
    return v ?? undefined;
  };
}

/** generationOrMetaChanged is true for an update a reconcile must see: not our own status writes. */
function changed(e: InformerEvent): boolean {
  if (e.type !== 'update' || !e.old) return true;
  const a = e.old.metadata;
  const b = e.object.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? []) ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {})
  );
}

/** conditionOf returns the status and reason of condition `type` of a cached object. */
function conditionOf(o: KubeObject | undefined, type: string): { status: string; reason: string } | undefined {
  const conditions = isRecord(o?.status) && Array.isArray(o.status.conditions) ? o.status.conditions : [];
  for (const c of conditions) {
    if (isRecord(c) && c.type === type) return { status: String(c.status), reason: String(c.reason) };
  }
  return undefined;
}

/** inConflict tells whether a cached OntapAwsKms waits on another one (Synced=False/Conflict). */
function inConflict(o: KubeObject): boolean {
  return conditionOf(o, ConditionType.Synced)?.reason === Reason.Conflict;
}

/** Manager owns the informers and controllers; start() runs them, stop() drains them. */
export class Manager {
  readonly kmsInformer: Informer;
  readonly clusterInformer: Informer;
  readonly secretInformer: Informer;
  readonly kmsController: Controller<OntapAwsKms>;
  readonly clusterController: Controller<OntapCluster>;
  readonly connections: ClusterConnections;
  private readonly recorder: EventRecorder;
  /** stopping aborts on stop(): ONTAP calls in flight end, and nothing is written after it. */
  private readonly stopping = new AbortController();

  constructor(private readonly opts: ManagerOptions) {
    const { api, logger, namespaces, metrics } = opts;
    const kmsOf = memoParse(parseOntapAwsKms);
    const clusterOf = memoParse(parseOntapCluster);
    this.kmsInformer = new Informer(api, { type: OntapAwsKmsType, namespaces, logger });
    this.clusterInformer = new Informer(api, { type: OntapClusterType, namespaces, logger });
    this.secretInformer = new Informer(api, { type: SecretType, namespaces, logger, metadataOnly: true });
    this.recorder = new EventRecorder(api, { component: 'ontap-kms-operator', logger });
    // Every write to our own objects goes through a mutation cache, one per kind, so the next
    // reconcile of that object sees the write at once.
    const kmsWrites = new MutationCache();
    const clusterWrites = new MutationCache();
    const writerFor = (writes: MutationCache): KubeWriter => ({
      mergePatch: async (...args) => {
        // A stopped manager (shutdown, or a leader that lost its lease) writes nothing more.
        if (this.stopping.signal.aborted) throw new Error('not writing: the operator is stopping or lost its lease');
        const updated = await api.mergePatch(...args);
        writes.remember(updated);
        return updated;
      },
    });

    this.kmsInformer.addIndex(SECRET_REFS, (o) => {
      const kms = kmsOf(o);
      return kms ? referencedSecrets(kms.spec).map((n) => `${kms.metadata.namespace}/${n}`) : [];
    });
    this.kmsInformer.addIndex(CLUSTER_REF, (o) => {
      const kms = kmsOf(o);
      return kms ? [`${kms.metadata.namespace}/${kms.spec.clusterRef.name}`] : [];
    });
    this.clusterInformer.addIndex(SECRET_REFS, (o) => {
      const c = clusterOf(o);
      return c ? clusterSecretNames(c).map((n) => `${c.metadata.namespace}/${n}`) : [];
    });

    const cluster = (ns: string, name: string): OntapCluster | undefined => {
      const o = this.clusterInformer.get(ns, name);
      return o ? clusterOf(o) : undefined;
    };
    this.connections = new ClusterConnections({
      secrets: api,
      secretVersion: (ns, name) => this.secretInformer.get(ns, name)?.metadata.resourceVersion,
      managedKeys: (ns, name) =>
        this.kmsInformer
          .byIndex(CLUSTER_REF, `${ns}/${name}`)
          .map(kmsOf)
          .filter((k): k is OntapAwsKms => k !== undefined && !k.spec.suspend)
          .map((k) => scopeKey(k.spec.svm)),
      logger,
      clientOptions: opts.clientOptions,
      signal: this.stopping.signal,
      onRequest: (clusterKey, info) => {
        metrics.ontapRequests.inc({ cluster: clusterKey, method: info.method, status: String(info.status) });
        metrics.ontapRequestDuration.observe({ cluster: clusterKey, method: info.method }, info.durationMs / 1000);
        // No answer, or ONTAP failing: probe the cluster now rather than at the next interval.
        if (info.status === 0 || info.status >= 500) this.reprobeIfReady(clusterKey);
      },
      onHealth: (ns, name, healthy) => {
        // Every resource of the cluster shows the failure (or the recovery) now, not at its next drift check.
        this.enqueueKmsOfCluster(ns, name);
        this.clusterController.enqueue(`${ns}/${name}`);
        logger.info(healthy ? 'ONTAP cluster answers again' : 'ONTAP cluster reads failing', { namespace: ns, name });
      },
    });

    const syncTimes = new SyncTimes();
    registerResourceMetrics(
      metrics.registry,
      {
        awsKms: () => this.kmsInformer.list().map(kmsOf).filter((k): k is OntapAwsKms => k !== undefined),
        clusters: () => this.clusterInformer.list().map(clusterOf).filter((c): c is OntapCluster => c !== undefined),
      },
      syncTimes,
    );
    const kmsReconciler = new AwsKmsReconciler({
      kube: writerFor(kmsWrites),
      secrets: api,
      connections: this.connections,
      cluster,
      peers: () => this.kmsInformer.list().map(kmsOf).filter((k): k is OntapAwsKms => k !== undefined),
      recorder: this.recorder,
      onDriftCorrected: (field) => metrics.driftCorrections.inc({ field }),
      onSynced: (ns, name) => syncTimes.record(ns, name, Date.now()),
    });
    const clusterReconciler = new ClusterReconciler({
      kube: writerFor(clusterWrites),
      connections: this.connections,
      recorder: this.recorder,
      onChanged: (c) => this.enqueueKmsOfCluster(c.metadata.namespace, c.metadata.name),
    });
    const common = { logger, metrics, baseDelayMs: opts.baseDelayMs, maxDelayMs: opts.maxDelayMs, reconcileTimeoutMs: opts.reconcileTimeoutMs };
    const workers = opts.maxConcurrentReconciles ?? 2;
    this.kmsController = new Controller<OntapAwsKms>({
      ...common,
      name: 'ontapawskms',
      informer: this.kmsInformer,
      writes: kmsWrites,
      parse: parseOntapAwsKms,
      reconcile: (obj, log, signal) => kmsReconciler.reconcile(obj, log, signal),
      logger: logger.child({ controller: 'ontapawskms' }),
      // Resources of one ONTAP cluster take at most half the workers: a slow or dead cluster
      // cannot stall the other clusters' (other tenants') resources.
      groupOf: (key) => {
        const slash = key.indexOf('/');
        const o = this.kmsInformer.get(key.slice(0, slash), key.slice(slash + 1));
        const kms = o ? kmsOf(o) : undefined;
        return kms ? `${kms.metadata.namespace}/${kms.spec.clusterRef.name}` : undefined;
      },
      maxPerGroup: Math.max(1, Math.floor(workers / 2)),
    });
    this.clusterController = new Controller<OntapCluster>({
      ...common,
      name: 'ontapcluster',
      informer: this.clusterInformer,
      writes: clusterWrites,
      parse: parseOntapCluster,
      reconcile: (obj, log, signal) => clusterReconciler.reconcile(obj, log, signal),
      logger: logger.child({ controller: 'ontapcluster' }),
    });

    this.kmsInformer.on((e) => {
      if (changed(e)) this.kmsController.enqueue(keyOf(e.object));
      // A deleted resource may have held a Conflict: let the resources it blocked look again
      // (only those: re-queueing every resource of the cluster made deleting N of them O(N^2)).
      if (e.type === 'delete') {
        for (const o of this.kmsInformer.list()) if (inConflict(o)) this.kmsController.enqueue(keyOf(o));
      }
    });
    this.clusterInformer.on((e) => {
      if (e.type === 'delete') this.connections.drop(e.object.metadata.namespace ?? '', e.object.metadata.name);
      if (changed(e)) this.clusterController.enqueue(keyOf(e.object));
    });
    this.secretInformer.on((e) => {
      // Metadata only: an update means the Secret's data or metadata changed (a new resourceVersion).
      const key = keyOf(e.object);
      for (const o of this.kmsInformer.byIndex(SECRET_REFS, key)) this.kmsController.enqueue(keyOf(o));
      for (const o of this.clusterInformer.byIndex(SECRET_REFS, key)) this.clusterController.enqueue(keyOf(o));
    });
  }

  /** reprobeIfReady queues the probe of an OntapCluster that still says Ready=True. */
  private reprobeIfReady(clusterKey: string): void {
    if (this.stopping.signal.aborted) return;
    const slash = clusterKey.indexOf('/');
    const o = this.clusterInformer.get(clusterKey.slice(0, slash), clusterKey.slice(slash + 1));
    if (conditionOf(o, ConditionType.Ready)?.status === 'True') this.clusterController.enqueue(clusterKey);
  }

  private enqueueKmsOfCluster(namespace: string, name: string): void {
    for (const o of this.kmsInformer.byIndex(CLUSTER_REF, `${namespace}/${name}`)) this.kmsController.enqueue(keyOf(o));
  }

  /** startInformers fills the caches; safe to run on standby replicas (they stay warm). */
  async startInformers(): Promise<void> {
    await Promise.all([this.secretInformer.start(), this.clusterInformer.start(), this.kmsInformer.start()]);
  }

  /** synced says whether every cache holds its first list. */
  synced(): boolean {
    return this.kmsInformer.hasSynced() && this.clusterInformer.hasSynced() && this.secretInformer.hasSynced();
  }

  /** startControllers starts the workers (on the leader only) and queues every cached object. */
  startControllers(): void {
    if (this.stopping.signal.aborted) return;
    const workers = this.opts.maxConcurrentReconciles ?? 2;
    this.clusterController.start(workers);
    this.kmsController.start(workers);
    for (const o of this.clusterInformer.list()) this.clusterController.enqueue(keyOf(o));
    for (const o of this.kmsInformer.list()) this.kmsController.enqueue(keyOf(o));
  }

  /** stop stops taking work, waits for reconciles in flight, then stops the informers. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('the operator is stopping'));
    await Promise.all([this.kmsController.stop(), this.clusterController.stop()]);
    await Promise.all([this.kmsInformer.stop(), this.clusterInformer.stop(), this.secretInformer.stop()]);
    await this.recorder.flush?.();
    this.connections.close();
  }
}
