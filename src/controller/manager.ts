/**
 * Manager wires the operator together: informers for the key-manager kinds (one KeyManagerKind
 * per adapter), OntapCluster, ClusterOntapCluster, namespaces and Secret metadata (no Secret data
 * is cached), the indexes that map a Secret or a cluster back to the resources that use it, the
 * controllers, and the events and metrics they share.
 */
import { parseClusterOntapCluster, parseOntapAwsKms, parseOntapAzureKeyVault, parseOntapCluster, parseOntapGcpKms, parseOntapKmip, parseOntapOnboardKeyManager } from '../api/v1alpha1/parse.js';
import type { ClusterOntapCluster, OntapAwsKms, OntapCluster } from '../api/v1alpha1/types.js';
import { EventRecorder } from '../runtime/events.js';
import { Informer } from '../runtime/informer.js';
import { identityOnly, type KubeApi, NamespaceType, SecretType, trimForCache } from '../runtime/kube.js';
import { ConditionType } from '../api/v1alpha1/constants.js';
import type { Logger } from '../runtime/logger.js';
import type { Metrics } from '../runtime/metrics.js';
import { MutationCache } from '../runtime/mutation-cache.js';
import type { Priority } from '../runtime/queue.js';
import { conditionOf } from './conditions.js';
import { changed, Controller } from './controller.js';
import { StoppingError } from './errors.js';
import { safeTimeout } from '../runtime/timers.js';
import type { KubeWriter } from './kube-writes.js';
import { type KindHandle, KeyManagerKind } from './key-manager/kind.js';
import { rekeySlots } from './key-manager/engine.js';
import { typedCache } from './typed-cache.js';
import type { NamespaceMeta } from './key-manager/tenancy.js';
import { awsKmsAdapter } from './ontap-aws-kms/adapter.js';
import { azureKeyVaultAdapter } from './ontap-azure-key-vault/adapter.js';
import { gcpKmsAdapter } from './ontap-gcp-kms/adapter.js';
import { kmipAdapter } from './ontap-kmip/adapter.js';
import { onboardKeyManagerAdapter } from './ontap-onboard-key-manager/adapter.js';
import type { EndpointAllowList } from '../ontap/endpoint-policy.js';
import { ClusterConnections, clusterSecretNames } from './ontap-cluster/connections.js';
import { ClusterReconciler } from './ontap-cluster/reconciler.js';
import { ClusterOntapClusterType, OntapClusterType } from './resources.js';
import { registerResourceMetrics } from './resource-metrics.js';
import type { OntapClientOptions } from '../ontap/client.js';
import type { AwsKmsRecord } from '../ontap/wire.js';
import type { ResolvedSecrets } from './ontap-aws-kms/secrets.js';
import { keyOf, objectKey, splitKey } from '../runtime/keys.js';

/** ManagerOptions configure the operator's controllers. */
export interface ManagerOptions {
  readonly api: KubeApi;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** namespaces to watch; undefined watches all. */
  readonly namespaces: string[] | undefined;
  /** maxConcurrentReconciles bounds each controller's workers. @default 4 */
  readonly maxConcurrentReconciles?: number;
  /** clientOptions adjusts every ONTAP client (tests shorten job polling). */
  readonly clientOptions?: Partial<OntapClientOptions>;
  /** backoff bounds per-key error backoff. @default 1 s .. 300 s */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** reconcileTimeoutMs aborts a reconcile that runs longer. @default DEFAULT_RECONCILE_TIMEOUT_MS */
  readonly reconcileTimeoutMs?: number;
  /** allowList says which ONTAP endpoints may be contacted at all; required, so that no caller gets an open list by leaving it out. */
  readonly allowList: EndpointAllowList;
  /** clusterResourceNamespace holds the Secrets of every ClusterOntapCluster. @default 'default' */
  readonly clusterResourceNamespace?: string;
  /** maxConcurrentRekeysPerCluster bounds the scheduled rekey-internals per ONTAP cluster. @default 1 */
  readonly maxConcurrentRekeysPerCluster?: number;
}

const SECRET_REFS = 'secretRefs';

/** Manager owns the informers and controllers; start() runs them, stop() drains them. */
export class Manager {
  /** kinds are the key-manager kinds, one per adapter; `kms` is OntapAwsKms's. */
  readonly kinds: readonly KindHandle[];
  readonly kms: KeyManagerKind<OntapAwsKms, AwsKmsRecord, ResolvedSecrets>;
  readonly clusterInformer: Informer;
  readonly secretInformer: Informer;
  /** sharedInformer caches ClusterOntapClusters; namespaceInformer namespace metadata, for tenancy. */
  readonly sharedInformer: Informer;
  readonly namespaceInformer: Informer;
  readonly clusterController: Controller<OntapCluster>;
  readonly sharedController: Controller<ClusterOntapCluster>;
  readonly connections: ClusterConnections;
  private readonly recorder: EventRecorder;
  /** stopping aborts on stop(): shared ONTAP reads end, and no reconcile starts a write. */
  private readonly stopping = new AbortController();
  /** halted aborts on halt() (a lost lease, or a stop out of time): every ONTAP call ends, and nothing more is written anywhere. */
  private readonly halted = new AbortController();

  constructor(private readonly opts: ManagerOptions) {
    const { api, logger, namespaces, metrics } = opts;
    const clusterCache = typedCache(parseOntapCluster);
    const sharedCache = typedCache(parseClusterOntapCluster);
    const clusterOf = clusterCache.of;
    const sharedOf = sharedCache.of;
    const clusterResourceNamespace = opts.clusterResourceNamespace ?? 'default';
    this.clusterInformer = new Informer(api, { type: OntapClusterType, namespaces, logger, transform: clusterCache.transform });
    // Secrets: metadata only (their data is read on demand), and of that only name and version.
    // The Secrets of ClusterOntapClusters live in the cluster resource namespace, watched or not.
    const secretNamespaces = namespaces && !namespaces.includes(clusterResourceNamespace) ? [...namespaces, clusterResourceNamespace] : namespaces;
    this.secretInformer = new Informer(api, { type: SecretType, namespaces: secretNamespaces, logger, metadataOnly: true, transform: identityOnly, versionsOnly: true });
    this.sharedInformer = new Informer(api, { type: ClusterOntapClusterType, namespaces: undefined, logger, transform: sharedCache.transform });
    this.namespaceInformer = new Informer(api, { type: NamespaceType, namespaces: undefined, logger, metadataOnly: true, transform: trimForCache });
    this.recorder = new EventRecorder(api, { component: 'ontap-kms-operator', logger });
    // Every write to our own objects goes through a mutation cache, one per kind, so the next
    // reconcile of that object sees the write at once.
    const clusterWrites = new MutationCache();
    const sharedWrites = new MutationCache();
    const writerFor = (writes: MutationCache): KubeWriter => ({
      mergePatch: async (...args) => {
        // A halted manager (a leader that lost its lease, or a stop out of time) writes nothing
        // more. A stopping one still records what the writes it saw through did.
        if (this.halted.signal.aborted) throw new Error('not writing: the operator lost its lease or ran out of shutdown time');
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

    this.clusterInformer.addIndex(SECRET_REFS, (o) => {
      const c = clusterOf(o);
      return c ? clusterSecretNames(c).map((n) => objectKey(c.metadata.namespace, n)) : [];
    });
    this.sharedInformer.addIndex(SECRET_REFS, (o) => {
      const c = sharedOf(o);
      return c ? clusterSecretNames(c).map((n) => objectKey(clusterResourceNamespace, n)) : [];
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
      return o ? { name, labels: o.metadata.labels ?? {}, annotations: o.metadata.annotations ?? {}, deleting: o.metadata.deletionTimestamp !== undefined } : undefined;
    };
    const secretVersion = (ns: string, name: string): string | undefined => this.secretInformer.get(ns, name)?.metadata.resourceVersion;
    this.connections = new ClusterConnections({
      secrets: api,
      secretVersion,
      // A shared read names only the SVMs of resources the tenancy policy allows.
      managedKeys: (ns, name, family) => this.kinds.find((k) => k.noun === family)?.managedKeys(ns, name) ?? [],
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
      // A read of the cluster had no answer for a resource's drift interval: its OntapCluster shows
      // it now. When that read ends, its resources (shown Unknown meanwhile) take its answer.
      onStall: (ns, name, stalled) => {
        this.probeSoon(objectKey(ns, name));
        if (!stalled) this.enqueueOfCluster(ns, name);
      },
      onHealth: (ns, name, healthy) => {
        // Every resource of the cluster shows the failure (or the recovery) now, not at its next drift check.
        this.enqueueOfCluster(ns, name, 'low');
        // A read that works again is news the OntapCluster's backoff may not wait for: probe now.
        // One that fails is not: its probe runs, or waits out its backoff, already.
        if (healthy) this.controllerFor(ns).enqueue(objectKey(ns, name));
        else this.probeSoon(objectKey(ns, name));
        logger.info(healthy ? 'ONTAP cluster answers again' : 'ONTAP cluster reads failing', { namespace: ns, name });
      },
    });

    const workers = opts.maxConcurrentReconciles ?? 4;
    const context = {
      api,
      logger,
      metrics,
      namespaces,
      connections: this.connections,
      recorder: this.recorder,
      writer: writerFor,
      cluster,
      shared,
      namespaceMeta,
      secretVersion,
      workers,
      baseDelayMs: opts.baseDelayMs,
      maxDelayMs: opts.maxDelayMs,
      reconcileTimeoutMs: opts.reconcileTimeoutMs,
      rekeys: rekeySlots(opts.maxConcurrentRekeysPerCluster ?? 1),
    };
    this.kms = new KeyManagerKind(awsKmsAdapter, parseOntapAwsKms, context);
    this.kinds = [this.kms, new KeyManagerKind(azureKeyVaultAdapter, parseOntapAzureKeyVault, context), new KeyManagerKind(gcpKmsAdapter, parseOntapGcpKms, context), new KeyManagerKind(kmipAdapter, parseOntapKmip, context), new KeyManagerKind(onboardKeyManagerAdapter, parseOntapOnboardKeyManager, context)];
    registerResourceMetrics(metrics, {
      keyManagers: this.kinds.map((k) => k.metrics),
      clusters: () => this.clusterInformer.list().map(clusterOf).filter((c): c is OntapCluster => c !== undefined),
      sharedClusters: () => this.sharedInformer.list().map(sharedOf).filter((c): c is ClusterOntapCluster => c !== undefined),
    });
    const clusterReconciler = new ClusterReconciler({
      kube: writerFor(clusterWrites),
      connections: this.connections,
      recorder: this.recorder,
      onChanged: (c) => this.enqueueOfCluster(c.metadata.namespace, c.metadata.name),
    });
    const sharedReconciler = new ClusterReconciler({
      kube: writerFor(sharedWrites),
      connections: this.connections,
      recorder: this.recorder,
      onChanged: (c) => this.enqueueOfCluster('', c.metadata.name),
      type: ClusterOntapClusterType,
    });
    const common = { logger, metrics, baseDelayMs: opts.baseDelayMs, maxDelayMs: opts.maxDelayMs, reconcileTimeoutMs: opts.reconcileTimeoutMs };
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

    this.clusterInformer.on((e) => {
      if (e.type === 'delete') this.connections.drop(e.object.metadata.namespace ?? '', e.object.metadata.name);
      const key = keyOf(e.object);
      const enqueue = changed(e) ? () => this.clusterController.enqueue(key) : undefined;
      if (e.type === 'delete') clusterWrites.deleted(e.object);
      const seen = e.type === 'delete' ? 'foreign' : clusterWrites.observed(e.object, enqueue);
      if (seen === 'foreign') enqueue?.();
    });
    // The first list of Secrets, namespaces and ClusterOntapClusters is no change: every resource
    // is queued by its own kind's first list, as a re-check, and startControllers puts the ones
    // that do have work first (see due.ts). Fanned out as changes, whichever list came after a
    // kind's would have queued its resources in the high lane, all 10,000 of them ahead of the
    // one Secret rotated while no operator ran.
    this.secretInformer.on((e) => {
      if (!this.secretInformer.hasSynced()) return;
      // Metadata only: an update means the Secret's data or metadata changed (a new resourceVersion).
      const key = keyOf(e.object);
      for (const k of this.kinds) k.enqueueOfSecret(key);
      for (const o of this.clusterInformer.byIndex(SECRET_REFS, key)) this.clusterController.enqueue(keyOf(o));
      for (const o of this.sharedInformer.byIndex(SECRET_REFS, key)) this.sharedController.enqueue(keyOf(o));
    });
    this.sharedInformer.on((e) => {
      if (e.type === 'delete') {
        this.connections.drop('', e.object.metadata.name);
        sharedWrites.deleted(e.object);
      }
      if (changed(e)) this.sharedController.enqueue(keyOf(e.object));
      if (!this.sharedInformer.hasSynced()) return;
      // A changed tenancy policy may allow or refuse its resources: they look again.
      if (e.type !== 'update' || e.old?.metadata.generation !== e.object.metadata.generation) this.enqueueOfCluster('', e.object.metadata.name);
    });
    this.namespaceInformer.on((e) => {
      if (!this.namespaceInformer.hasSynced()) return;
      // Labels and annotations decide tenancy: the namespace's shared-cluster resources look again.
      for (const k of this.kinds) k.enqueueSharedIn(e.object.metadata.name);
    });
  }

  /** halt aborts everything in flight, ONTAP writes included, and refuses every write after it: a lost lease. */
  halt(reason: Error): void {
    if (this.halted.signal.aborted) return;
    this.opts.logger.warn('halting: aborting every ONTAP call in flight', { why: reason.message });
    this.halted.abort(reason);
    if (!this.stopping.signal.aborted) this.stopping.abort(reason);
    for (const c of this.controllers()) c.halt(reason);
  }

  /** reprobeIfReady queues the probe of an OntapCluster that still says Ready=True (see probeSoon). */
  private reprobeIfReady(clusterKey: string): void {
    if (this.stopping.signal.aborted) return;
    const { namespace: ns, name } = splitKey(clusterKey);
    const o = (ns === '' ? this.sharedInformer : this.clusterInformer).get(ns, name);
    if (conditionOf(o, ConditionType.Ready)?.status === 'True') this.probeSoon(clusterKey);
  }

  /**
   * probeSoon queues the probe of an OntapCluster (or ClusterOntapCluster) whose requests fail,
   * unless a probe of it is running or waits out its backoff: that one answers the same question.
   * A failing cluster so gets one probe per backoff step, however many of its requests fail.
   * Queued as a change, as it was, a probe's own 500 (which comes while the informer still shows
   * the Ready=True the probe is about to overwrite) ran the probe again right after itself, and
   * again, until the watch delivered Ready=False: 40 probes in issue 22's two minutes of 500s,
   * over a hundred in 0.6 s behind a watch 500 ms late (the 5xx storm e2e test).
   */
  private probeSoon(clusterKey: string): void {
    this.controllerFor(splitKey(clusterKey).namespace).queue.addIfIdle(clusterKey);
  }

  /** controllerFor picks the controller of a connection key's kind: '' is a ClusterOntapCluster. */
  private controllerFor(namespace: string): Controller<OntapCluster> | Controller<ClusterOntapCluster> {
    return namespace === '' ? this.sharedController : this.clusterController;
  }

  /** enqueueOfCluster queues every key-manager resource on a connection. */
  private enqueueOfCluster(namespace: string, name: string, priority: Priority = 'high'): void {
    for (const k of this.kinds) k.enqueueOfCluster(namespace, name, priority);
  }

  /** startInformers fills the caches; safe to run on standby replicas (they stay warm). */
  async startInformers(): Promise<void> {
    await Promise.all([
      this.secretInformer.start(),
      this.namespaceInformer.start(),
      this.sharedInformer.start(),
      this.clusterInformer.start(),
      ...this.kinds.map((k) => k.informer.start()),
    ]);
  }

  /** synced says whether every cache holds its first list. */
  synced(): boolean {
    return (
      this.kinds.every((k) => k.informer.hasSynced()) &&
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
    // Before any worker runs: what changed while no operator led goes ahead of the re-checks.
    const due = this.kinds.map((k) => [k.noun, k.enqueueDue()] as const).filter(([, n]) => n > 0);
    if (due.length > 0) this.opts.logger.info('changes made while no operator led are queued first', Object.fromEntries(due));
    this.clusterController.start(workers);
    this.sharedController.start(workers);
    for (const k of this.kinds) k.controller.start(workers);
    for (const o of this.clusterInformer.list()) this.clusterController.enqueue(keyOf(o));
    for (const o of this.sharedInformer.list()) this.sharedController.enqueue(keyOf(o));
    for (const k of this.kinds) k.enqueueAll();
  }

  private controllers(): Array<Pick<Controller<OntapCluster>, 'stop' | 'halt'>> {
    return [...this.kinds.map((k) => k.controller), this.clusterController, this.sharedController];
  }

  /**
   * stop stops taking work and aborts every read and every reconcile that has sent no ONTAP
   * write; the reconciles that have sent one are seen through (answer, re-read, status) for at
   * most `graceMs`, then halted. Then it stops the informers and closes the connections.
   */
  async stop(graceMs = 0): Promise<void> {
    if (!this.stopping.signal.aborted) this.stopping.abort(new StoppingError());
    const outOfTime = safeTimeout(() => this.halt(new Error(`graceful shutdown timeout (${graceMs} ms) passed with ONTAP writes in flight`)), graceMs);
    try {
      await Promise.all(this.controllers().map((c) => c.stop()));
    } finally {
      clearTimeout(outOfTime);
    }
    await Promise.all([
      ...this.kinds.map((k) => k.informer.stop()),
      this.clusterInformer.stop(),
      this.secretInformer.stop(),
      this.sharedInformer.stop(),
      this.namespaceInformer.stop(),
    ]);
    await this.recorder.flush?.();
    this.connections.close();
  }
}
