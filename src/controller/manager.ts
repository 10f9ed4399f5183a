/**
 * Manager wires the operator together: informers for OntapAwsKms, OntapCluster and Secret
 * metadata (no Secret data is cached), the indexes that map a Secret or an OntapCluster back to
 * the resources that use it, the two controllers, and the events and metrics they share.
 */
import { parseClusterOntapCluster, parseOntapAwsKms, parseOntapCluster } from '../api/v1alpha1/parse.js';
import type { ClusterOntapCluster, OntapAwsKms, OntapCluster } from '../api/v1alpha1/types.js';
import { EventRecorder } from '../runtime/events.js';
import { Informer, type InformerEvent } from '../runtime/informer.js';
import { identityOnly, isRecord, type KubeApi, type KubeObject, NamespaceType, SecretType, trimForCache } from '../runtime/kube.js';
import { ConditionType, Reason } from '../api/v1alpha1/constants.js';
import type { Logger } from '../runtime/logger.js';
import type { Metrics } from '../runtime/metrics.js';
import { MutationCache } from '../runtime/mutation-cache.js';
import type { Priority } from '../runtime/queue.js';
import { Controller, keyOf } from './controller.js';
import type { KubeWriter } from './kube-writes.js';
import { scopeKey } from './ontap-aws-kms/observer.js';
import { AwsKmsReconciler } from './ontap-aws-kms/reconciler.js';
import { referencedSecrets } from './ontap-aws-kms/secrets.js';
import { connectionKey } from './ontap-aws-kms/conflicts.js';
import { type NamespaceMeta, permitted } from './ontap-aws-kms/tenancy.js';
import type { EndpointAllowList } from '../ontap/endpoint-policy.js';
import { ClusterConnections, clusterSecretNames } from './ontap-cluster/connections.js';
import { ClusterReconciler } from './ontap-cluster/reconciler.js';
import { ClusterOntapClusterType, OntapAwsKmsType, OntapClusterType } from './resources.js';
import { registerResourceMetrics, SyncTimes } from './resource-metrics.js';
import { internAwsKms, typedCache } from './typed-cache.js';
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
  /** allowList says which ONTAP endpoints may be contacted at all. @default every endpoint */
  readonly allowList?: EndpointAllowList;
  /** clusterResourceNamespace holds the Secrets of every ClusterOntapCluster. @default 'default' */
  readonly clusterResourceNamespace?: string;
}

const SECRET_REFS = 'secretRefs';
const CLUSTER_REF = 'clusterRef';
const SCOPE = 'scope';

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
  /** sharedInformer caches ClusterOntapClusters; namespaceInformer namespace metadata, for tenancy. */
  readonly sharedInformer: Informer;
  readonly namespaceInformer: Informer;
  readonly kmsController: Controller<OntapAwsKms>;
  readonly clusterController: Controller<OntapCluster>;
  readonly sharedController: Controller<ClusterOntapCluster>;
  readonly connections: ClusterConnections;
  private readonly recorder: EventRecorder;
  /** stopping aborts on stop(): ONTAP calls in flight end, and nothing is written after it. */
  private readonly stopping = new AbortController();

  constructor(private readonly opts: ManagerOptions) {
    const { api, logger, namespaces, metrics } = opts;
    // OntapAwsKms, the kind with thousands of objects, is cached once, typed (see typedCache).
    const kmsCache = typedCache(parseOntapAwsKms, internAwsKms);
    const kmsOf = kmsCache.of;
    const clusterOf = memoParse(parseOntapCluster);
    const sharedOf = memoParse(parseClusterOntapCluster);
    const clusterResourceNamespace = opts.clusterResourceNamespace ?? 'default';
    this.kmsInformer = new Informer(api, { type: OntapAwsKmsType, namespaces, logger, transform: kmsCache.transform });
    this.clusterInformer = new Informer(api, { type: OntapClusterType, namespaces, logger, transform: trimForCache });
    // Secrets: metadata only (their data is read on demand), and of that only name and version.
    // The Secrets of ClusterOntapClusters live in the cluster resource namespace, watched or not.
    const secretNamespaces = namespaces && !namespaces.includes(clusterResourceNamespace) ? [...namespaces, clusterResourceNamespace] : namespaces;
    this.secretInformer = new Informer(api, { type: SecretType, namespaces: secretNamespaces, logger, metadataOnly: true, transform: identityOnly, versionsOnly: true });
    this.sharedInformer = new Informer(api, { type: ClusterOntapClusterType, namespaces: undefined, logger, transform: trimForCache });
    this.namespaceInformer = new Informer(api, { type: NamespaceType, namespaces: undefined, logger, metadataOnly: true, transform: trimForCache });
    this.recorder = new EventRecorder(api, { component: 'ontap-kms-operator', logger });
    // Every write to our own objects goes through a mutation cache, one per kind, so the next
    // reconcile of that object sees the write at once.
    const kmsWrites = new MutationCache();
    const clusterWrites = new MutationCache();
    const sharedWrites = new MutationCache();
    const writerFor = (writes: MutationCache): KubeWriter => ({
      mergePatch: async (...args) => {
        // A stopped manager (shutdown, or a leader that lost its lease) writes nothing more.
        if (this.stopping.signal.aborted) throw new Error('not writing: the operator is stopping or lost its lease');
        const key = `${args[1]}/${args[2]}`;
        writes.begin(key);
        try {
          const updated = await api.mergePatch(...args);
          writes.remember(updated);
          return updated;
        } finally {
          writes.end(key);
        }
      },
    });

    this.kmsInformer.addIndex(SECRET_REFS, (o) => {
      const kms = kmsOf(o);
      return kms ? referencedSecrets(kms.spec).map((n) => `${kms.metadata.namespace}/${n}`) : [];
    });
    this.kmsInformer.addIndex(SCOPE, (o) => {
      const kms = kmsOf(o);
      return kms ? [scopeKey(kms.spec.svm)] : [];
    });
    this.kmsInformer.addIndex(CLUSTER_REF, (o) => {
      const kms = kmsOf(o);
      return kms ? [connectionKey(kms)] : [];
    });
    this.clusterInformer.addIndex(SECRET_REFS, (o) => {
      const c = clusterOf(o);
      return c ? clusterSecretNames(c).map((n) => `${c.metadata.namespace}/${n}`) : [];
    });
    this.sharedInformer.addIndex(SECRET_REFS, (o) => {
      const c = sharedOf(o);
      return c ? clusterSecretNames(c).map((n) => `${clusterResourceNamespace}/${n}`) : [];
    });

    const cluster = (ns: string, name: string): OntapCluster | undefined => {
      const o = this.clusterInformer.get(ns, name);
      return o ? clusterOf(o) : undefined;
    };
    const shared = (name: string): ClusterOntapCluster | undefined => {
      const o = this.sharedInformer.get('', name);
      return o ? sharedOf(o) : undefined;
    };
    const namespaceMeta = (name: string): NamespaceMeta | undefined => {
      const o = this.namespaceInformer.get('', name);
      return o ? { name, labels: o.metadata.labels ?? {}, annotations: o.metadata.annotations ?? {} } : undefined;
    };
    /** allowedHere tells whether a resource may use its connection: always for an OntapCluster, per policy for a ClusterOntapCluster. */
    const allowedHere = (k: OntapAwsKms): boolean => {
      if (k.spec.clusterRef.kind !== 'ClusterOntapCluster') return true;
      const c = shared(k.spec.clusterRef.name);
      return c !== undefined && permitted(c.metadata.name, c.spec.tenancy, namespaceMeta(k.metadata.namespace), k.spec.svm).allowed;
    };
    this.connections = new ClusterConnections({
      secrets: api,
      secretVersion: (ns, name) => this.secretInformer.get(ns, name)?.metadata.resourceVersion,
      managedKeys: (ns, name) =>
        this.kmsInformer
          .byIndex(CLUSTER_REF, `${ns}/${name}`)
          .map(kmsOf)
          // A shared read names only the SVMs of resources the tenancy policy allows.
          .filter((k): k is OntapAwsKms => k !== undefined && !k.spec.suspend && allowedHere(k))
          .map((k) => scopeKey(k.spec.svm)),
      logger,
      allowList: opts.allowList,
      clusterResourceNamespace,
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
        this.enqueueKmsOfCluster(ns, name, 'low');
        this.controllerFor(ns).enqueue(`${ns}/${name}`);
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
      // Only resources naming the same SVM can conflict: an index, not a scan of every resource
      // on every reconcile (that made a drift pass quadratic).
      peers: (obj) =>
        this.kmsInformer
          .byIndex(SCOPE, scopeKey(obj.spec.svm))
          .map(kmsOf)
          .filter((k): k is OntapAwsKms => k !== undefined),
      clusterScoped: shared,
      namespace: namespaceMeta,
      recorder: this.recorder,
      onDriftCorrected: (field) => metrics.driftCorrections.inc({ field }),
      secretVersion: (ns, name) => this.secretInformer.get(ns, name)?.metadata.resourceVersion,
      onSynced: (ns, name) => syncTimes.record(ns, name, Date.now()),
    });
    const clusterReconciler = new ClusterReconciler({
      kube: writerFor(clusterWrites),
      connections: this.connections,
      recorder: this.recorder,
      onChanged: (c) => this.enqueueKmsOfCluster(c.metadata.namespace, c.metadata.name),
    });
    const sharedReconciler = new ClusterReconciler({
      kube: writerFor(sharedWrites),
      connections: this.connections,
      recorder: this.recorder,
      onChanged: (c) => this.enqueueKmsOfCluster('', c.metadata.name),
      type: ClusterOntapClusterType,
    });
    const common = { logger, metrics, baseDelayMs: opts.baseDelayMs, maxDelayMs: opts.maxDelayMs, reconcileTimeoutMs: opts.reconcileTimeoutMs };
    const workers = opts.maxConcurrentReconciles ?? 4;
    this.kmsController = new Controller<OntapAwsKms>({
      ...common,
      name: 'ontapawskms',
      informer: this.kmsInformer,
      writes: kmsWrites,
      parse: parseOntapAwsKms,
      reconcile: (obj, log, signal, trigger, cutShort) => kmsReconciler.reconcile(obj, log, signal, trigger, cutShort),
      logger: logger.child({ controller: 'ontapawskms' }),
      // Resources of one ONTAP cluster take at most half the workers: a slow or dead cluster
      // cannot stall the other clusters' (other tenants') resources.
      groupOf: (key) => {
        const slash = key.indexOf('/');
        const o = this.kmsInformer.get(key.slice(0, slash), key.slice(slash + 1));
        const kms = o ? kmsOf(o) : undefined;
        return kms ? connectionKey(kms) : undefined;
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
    this.sharedController = new Controller<ClusterOntapCluster>({
      ...common,
      name: 'clusterontapcluster',
      informer: this.sharedInformer,
      writes: sharedWrites,
      parse: parseClusterOntapCluster,
      reconcile: (obj, log, signal) => sharedReconciler.reconcile(obj, log, signal),
      logger: logger.child({ controller: 'clusterontapcluster' }),
    });

    this.kmsInformer.on((e) => {
      // The first list is a re-check of everything, not a change: it waits behind real changes.
      // Our own writes (the finalizer, status) were acted on by the reconcile that made them.
      const key = keyOf(e.object);
      const priority = this.kmsInformer.hasSynced() ? 'high' : 'low';
      const enqueue = changed(e) ? () => this.kmsController.enqueue(key, priority) : undefined;
      const seen = e.type === 'delete' ? 'foreign' : kmsWrites.observed(e.object, enqueue);
      if (seen === 'foreign') enqueue?.();
      // A deleted resource may have held a Conflict: let the resources it blocked look again
      // (only those: re-queueing every resource of the cluster made deleting N of them O(N^2)).
      if (e.type === 'delete') {
        for (const o of this.kmsInformer.list()) if (inConflict(o)) this.kmsController.enqueue(keyOf(o));
      }
    });
    this.clusterInformer.on((e) => {
      if (e.type === 'delete') this.connections.drop(e.object.metadata.namespace ?? '', e.object.metadata.name);
      const key = keyOf(e.object);
      const enqueue = changed(e) ? () => this.clusterController.enqueue(key) : undefined;
      const seen = e.type === 'delete' ? 'foreign' : clusterWrites.observed(e.object, enqueue);
      if (seen === 'foreign') enqueue?.();
    });
    this.secretInformer.on((e) => {
      // Metadata only: an update means the Secret's data or metadata changed (a new resourceVersion).
      const key = keyOf(e.object);
      for (const o of this.kmsInformer.byIndex(SECRET_REFS, key)) this.kmsController.enqueue(keyOf(o));
      for (const o of this.clusterInformer.byIndex(SECRET_REFS, key)) this.clusterController.enqueue(keyOf(o));
      for (const o of this.sharedInformer.byIndex(SECRET_REFS, key)) this.sharedController.enqueue(keyOf(o));
    });
    this.sharedInformer.on((e) => {
      if (e.type === 'delete') this.connections.drop('', e.object.metadata.name);
      if (changed(e)) this.sharedController.enqueue(keyOf(e.object));
      // A changed tenancy policy may allow or refuse its resources: they look again.
      if (e.type !== 'update' || e.old?.metadata.generation !== e.object.metadata.generation) this.enqueueKmsOfCluster('', e.object.metadata.name);
    });
    this.namespaceInformer.on((e) => {
      // Labels and annotations decide tenancy: the namespace's shared-cluster resources look again.
      for (const o of this.kmsInformer.list(e.object.metadata.name)) {
        if (kmsOf(o)?.spec.clusterRef.kind === 'ClusterOntapCluster') this.kmsController.enqueue(keyOf(o));
      }
    });
  }

  /** reprobeIfReady queues the probe of an OntapCluster that still says Ready=True. */
  private reprobeIfReady(clusterKey: string): void {
    if (this.stopping.signal.aborted) return;
    const slash = clusterKey.indexOf('/');
    const ns = clusterKey.slice(0, slash);
    const o = (ns === '' ? this.sharedInformer : this.clusterInformer).get(ns, clusterKey.slice(slash + 1));
    if (conditionOf(o, ConditionType.Ready)?.status === 'True') this.controllerFor(ns).enqueue(clusterKey);
  }

  /** controllerFor picks the controller of a connection key's kind: '' is a ClusterOntapCluster. */
  private controllerFor(namespace: string): Controller<OntapCluster> | Controller<ClusterOntapCluster> {
    return namespace === '' ? this.sharedController : this.clusterController;
  }

  private enqueueKmsOfCluster(namespace: string, name: string, priority: Priority = 'high'): void {
    for (const o of this.kmsInformer.byIndex(CLUSTER_REF, `${namespace}/${name}`)) this.kmsController.enqueue(keyOf(o), priority);
  }

  /** startInformers fills the caches; safe to run on standby replicas (they stay warm). */
  async startInformers(): Promise<void> {
    await Promise.all([this.secretInformer.start(), this.namespaceInformer.start(), this.sharedInformer.start(), this.clusterInformer.start(), this.kmsInformer.start()]);
  }

  /** synced says whether every cache holds its first list. */
  synced(): boolean {
    return (
      this.kmsInformer.hasSynced() &&
      this.clusterInformer.hasSynced() &&
      this.secretInformer.hasSynced() &&
      this.sharedInformer.hasSynced() &&
      this.namespaceInformer.hasSynced()
    );
  }

  /** startControllers starts the workers (on the leader only) and queues every cached object. */
  startControllers(): void {
    if (this.stopping.signal.aborted) return;
    const workers = this.opts.maxConcurrentReconciles ?? 4;
    this.clusterController.start(workers);
    this.sharedController.start(workers);
    this.kmsController.start(workers);
    for (const o of this.clusterInformer.list()) this.clusterController.enqueue(keyOf(o));
    for (const o of this.sharedInformer.list()) this.sharedController.enqueue(keyOf(o));
    for (const o of this.kmsInformer.list()) this.kmsController.enqueue(keyOf(o), 'low');
  }

  /** stop stops taking work, waits for reconciles in flight, then stops the informers. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('the operator is stopping'));
    await Promise.all([this.kmsController.stop(), this.clusterController.stop(), this.sharedController.stop()]);
    await Promise.all([
      this.kmsInformer.stop(),
      this.clusterInformer.stop(),
      this.secretInformer.stop(),
      this.sharedInformer.stop(),
      this.namespaceInformer.stop(),
    ]);
    await this.recorder.flush?.();
    this.connections.close();
  }
}
