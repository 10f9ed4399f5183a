/**
 * KeyManagerKind wires one key-manager kind into the operator: its informer (trimmed objects),
 * its indexes (Secret → resources, SVM → resources, connection → resources), its mutation cache,
 * its engine and its controller, and what queues its resources (their own changes, a Secret's, a
 * cluster's health or policy). The manager makes one per adapter; every kind behaves the same.
 */
import { ConditionType, Reason } from '../../api/v1alpha1/constants.js';
import type { ClusterOntapCluster, OntapCluster } from '../../api/v1alpha1/types.js';
import type { KeyManagerRecord } from '../../ontap/key-manager-family.js';
import { Informer } from '../../runtime/informer.js';
import type { KubeApi, KubeObject } from '../../runtime/kube.js';
import type { Logger } from '../../runtime/logger.js';
import type { Metrics } from '../../runtime/metrics.js';
import { MutationCache } from '../../runtime/mutation-cache.js';
import type { Priority } from '../../runtime/queue.js';
import { changed, Controller } from '../controller.js';
import type { KubeWriter } from '../kube-writes.js';
import type { ClusterConnections } from '../ontap-cluster/connections.js';
import type { KeyManagerAdapter, KeyManagerObject } from './adapter.js';
import { connectionKey } from './conflicts.js';
import { KeyManagerReconciler, type Recorder, type RekeySlots } from './engine.js';
import { dueCause } from './due.js';
import { secretStore } from './export.js';
import { scopeKey } from './observer.js';
import { type NamespaceMeta, permitted } from './tenancy.js';
import { conditionOf } from '../conditions.js';
import { type KindMetrics, SyncTimes } from '../resource-metrics.js';
import { internKeyManager, typedCache } from '../typed-cache.js';
import { keyOf, objectKey, splitKey } from '../../runtime/keys.js';

const SECRET_REFS = 'secretRefs';
const CLUSTER_REF = 'clusterRef';
const SCOPE = 'scope';
const RECORD = 'record';

/** scopeOn keys the SCOPE index: a resource's connection and SVM (or the cluster scope). */
const scopeOn = (k: KeyManagerObject): string => `${connectionKey(k)} ${scopeKey(k.spec.svm)}`;

/** kindMetrics says how a kind's resources are exported: `ontap_kms_<kind without "Ontap">_*`. */
export function kindMetrics<O extends KeyManagerObject>(
  adapter: Pick<KeyManagerAdapter<O, KeyManagerRecord, unknown>, 'type' | 'reachability' | 'gauges'>,
  list: () => readonly O[],
  syncs = new SyncTimes(),
): KindMetrics {
  return {
    prefix: adapter.type.kind.toLowerCase().replace(/^ontap/, ''),
    kind: adapter.type.kind,
    reachability: adapter.reachability,
    gauges: adapter.gauges,
    list,
    syncs,
  };
}

/** KindContext is what every kind shares: the API, caches of clusters and namespaces, events, metrics. */
export interface KindContext {
  readonly api: KubeApi;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly namespaces: string[] | undefined;
  readonly connections: ClusterConnections;
  readonly recorder: Recorder;
  /** writer wraps a mutation cache into the kind's writer (nothing is written once stopping). */
  readonly writer: (writes: MutationCache) => KubeWriter;
  readonly cluster: (namespace: string, name: string) => OntapCluster | undefined;
  readonly shared: (name: string) => ClusterOntapCluster | undefined;
  readonly namespaceMeta: (name: string) => NamespaceMeta | undefined;
  readonly secretVersion: (namespace: string, name: string) => string | undefined;
  readonly workers: number;
  readonly baseDelayMs?: number | undefined;
  readonly maxDelayMs?: number | undefined;
  readonly reconcileTimeoutMs?: number | undefined;
  /** rekeys bounds the scheduled rekey-internals per ONTAP cluster, across every kind. */
  readonly rekeys?: RekeySlots | undefined;
}

/** KeyManagerKind is one kind's informer, engine and controller; see the file comment. */
export class KeyManagerKind<O extends KeyManagerObject, R extends KeyManagerRecord, S> implements KindHandle {
  readonly informer: Informer;
  readonly controller: Controller<O>;
  /** typed returns the cached object's typed form (parsed once). */
  readonly typed: (o: KubeObject) => O | undefined;
  /** noun is the ONTAP family's name, e.g. `aws-kms`. */
  readonly noun: string;
  /** metrics is how the kind's resources are exported (see resource-metrics.ts). */
  readonly metrics: KindMetrics;
  /** reconciler is the kind's engine. */
  readonly reconciler: KeyManagerReconciler<O, R, S>;

  constructor(
    readonly adapter: KeyManagerAdapter<O, R, S>,
    parse: (o: KubeObject) => O,
    private readonly ctx: KindContext,
  ) {
    const { api, logger, namespaces, metrics } = ctx;
    this.noun = adapter.family.noun;
    // Thousands of objects: each is cached once, typed and interned (see typed-cache.ts).
    const cache = typedCache(parse, adapter.intern ?? ((o, i) => internKeyManager(o, i, o.status ? adapter.reachability?.read(o.status) : undefined)));
    const typed = cache.of;
    this.typed = typed;
    this.metrics = kindMetrics(adapter, () => this.list());
    const name = adapter.type.kind.toLowerCase();
    this.informer = new Informer(api, { type: adapter.type, namespaces, logger, transform: cache.transform });
    const writes = new MutationCache();

    this.informer.addIndex(SECRET_REFS, (o) => {
      const k = typed(o);
      return k ? adapter.secretRefs(k.spec).map((r) => objectKey(k.metadata.namespace, r.name)) : [];
    });
    // Conflict detection's two ways to a rival (see conflicts.ts): the same SVM through the same
    // connection, or the same ONTAP record. Keyed by SVM name alone, a fleet of 1,000 clusters
    // with the same 10 SVM names each gave every reconcile 1,000 peers to look through.
    this.informer.addIndex(SCOPE, (o) => {
      const k = typed(o);
      return k ? [scopeOn(k)] : [];
    });
    this.informer.addIndex(RECORD, (o) => {
      const uuid = typed(o)?.status?.uuid;
      return uuid ? [uuid] : [];
    });
    this.informer.addIndex(CLUSTER_REF, (o) => {
      const k = typed(o);
      return k ? [connectionKey(k)] : [];
    });

    const reconciler = (this.reconciler = new KeyManagerReconciler<O, R, S>(adapter, {
      kube: ctx.writer(writes),
      secrets: api,
      // Only a kind that exports a value of its record (the Onboard Key Manager's key backup) writes a Secret.
      ...(adapter.export ? { secretStore: secretStore(api) } : {}),
      connections: ctx.connections,
      cluster: ctx.cluster,
      // Only resources naming the same SVM on the same connection, or holding the record seen,
      // can conflict: indexes, not a scan of every resource on every reconcile (that made a
      // drift pass quadratic).
      peers: (obj, recordUuid) => {
        const same = this.informer.byIndex(SCOPE, scopeOn(obj));
        const holders = recordUuid === undefined ? [] : this.informer.byIndex(RECORD, recordUuid).filter((o) => !same.includes(o));
        return this.typedAll(holders.length === 0 ? same : [...same, ...holders]);
      },
      clusterScoped: ctx.shared,
      namespace: ctx.namespaceMeta,
      recorder: ctx.recorder,
      onDriftCorrected: (field) => metrics.driftCorrections.inc({ field }),
      secretVersion: ctx.secretVersion,
      onSynced: (ns, n) => this.metrics.syncs.record(ns, n, Date.now()),
      ...(ctx.rekeys ? { rekeys: ctx.rekeys } : {}),
    }));
    this.controller = new Controller<O>({
      name,
      informer: this.informer,
      writes,
      // The cached object is already typed: a reconcile reads it as it is (the engine never
      // mutates it); only an object that does not parse is parsed again, for its error.
      parse: (o) => typed(o) ?? parse(o),
      reconcile: (obj, log, signal, trigger, cutShort, gate) => reconciler.reconcile(obj, log, signal, trigger, cutShort, gate),
      logger: logger.child({ controller: name }),
      metrics,
      baseDelayMs: ctx.baseDelayMs,
      maxDelayMs: ctx.maxDelayMs,
      reconcileTimeoutMs: ctx.reconcileTimeoutMs,
      // Resources of one ONTAP cluster take at most half the workers: a slow or dead cluster
      // cannot stall the other clusters' (other tenants') resources.
      groupOf: (key) => {
        const { namespace, name } = splitKey(key);
        const o = this.informer.get(namespace, name);
        const k = o ? typed(o) : undefined;
        return k ? connectionKey(k) : undefined;
      },
      maxPerGroup: Math.max(1, Math.floor(ctx.workers / 2)),
    });

    this.informer.on((e) => {
      // The first list is a re-check of everything, not a change: it waits behind real changes.
      // Our own writes (the finalizer, status) were acted on by the reconcile that made them.
      const key = keyOf(e.object);
      const priority = this.informer.hasSynced() ? 'high' : 'low';
      const enqueue = changed(e) ? () => this.controller.enqueue(key, priority) : undefined;
      // A deleted object's versions are of no more use to the mutation cache.
      if (e.type === 'delete') writes.deleted(e.object);
      // What was read of a Secret no resource references any more (the last one deleted, or
      // edited to name another) is of no more use: kept, every deleted resource left it behind.
      if (e.type !== 'add') this.forgetUnreferencedSecrets(e.old ?? e.object, e.type === 'delete' ? undefined : e.object);
      const seen = e.type === 'delete' ? 'foreign' : writes.observed(e.object, enqueue);
      if (seen === 'foreign') enqueue?.();
      // A deleted resource may have held a Conflict: let the resources it blocked look again
      // (only those: re-queueing every resource of the cluster made deleting N of them O(N^2)).
      if (e.type === 'delete') {
        for (const o of this.informer.list()) if (conditionOf(o, ConditionType.Synced)?.reason === Reason.Conflict) this.controller.enqueue(keyOf(o));
      }
    });
  }

  /**
   * forgetUnreferencedSecrets makes the engine forget the Secrets `before` referenced that `after`
   * (undefined: deleted) does not, once no cached resource of the kind references them (the
   * informer's index already shows the change).
   */
  private forgetUnreferencedSecrets(before: KubeObject | undefined, after: KubeObject | undefined): void {
    const was = before ? this.typed(before) : undefined;
    if (was === undefined) return;
    const is = after ? this.typed(after) : undefined;
    const still = new Set(is ? this.adapter.secretRefs(is.spec).map((r) => r.name) : []);
    const { namespace } = was.metadata;
    for (const { name } of this.adapter.secretRefs(was.spec)) {
      if (still.has(name) || this.informer.byIndex(SECRET_REFS, objectKey(namespace, name)).length > 0) continue;
      this.reconciler.fingerprints.forget(namespace, name);
    }
  }

  private typedAll(objects: readonly KubeObject[]): O[] {
    return objects.map(this.typed).filter((k): k is O => k !== undefined);
  }

  /** list returns every cached resource of the kind, typed. */
  list(): O[] {
    return this.typedAll(this.informer.list());
  }

  /**
   * managedKeys lists the scope keys of the kind's resources on one connection that a shared
   * read may name: not suspended, and (on a ClusterOntapCluster) allowed by its tenancy policy.
   */
  managedKeys(namespace: string, cluster: string): string[] {
    return this.typedAll(this.informer.byIndex(CLUSTER_REF, objectKey(namespace, cluster)))
      .filter((k) => !k.spec.suspend && this.allowedHere(k))
      .map((k) => scopeKey(k.spec.svm));
  }

  /** allowedHere tells whether a resource may use its connection: always for an OntapCluster, per policy for a ClusterOntapCluster. */
  private allowedHere(k: O): boolean {
    if (k.spec.clusterRef.kind !== 'ClusterOntapCluster') return true;
    const c = this.ctx.shared(k.spec.clusterRef.name);
    return c !== undefined && permitted(c.metadata.name, c.spec.tenancy, this.ctx.namespaceMeta(k.metadata.namespace), k.spec.svm).allowed;
  }

  /** enqueueOfCluster queues every resource on a connection (namespace/name; '' for a ClusterOntapCluster). */
  enqueueOfCluster(namespace: string, name: string, priority: Priority = 'high'): void {
    for (const o of this.informer.byIndex(CLUSTER_REF, objectKey(namespace, name))) this.controller.enqueue(keyOf(o), priority);
  }

  /** enqueueOfSecret queues the resources that reference a Secret (namespace/name). */
  enqueueOfSecret(secretKey: string): void {
    for (const o of this.informer.byIndex(SECRET_REFS, secretKey)) this.controller.enqueue(keyOf(o));
  }

  /** enqueueSharedIn queues a namespace's resources on a ClusterOntapCluster (its labels decide tenancy). */
  enqueueSharedIn(namespace: string): void {
    for (const o of this.informer.list(namespace)) {
      if (this.typed(o)?.spec.clusterRef.kind === 'ClusterOntapCluster') this.controller.enqueue(keyOf(o));
    }
  }

  /** enqueueAll queues every cached resource as a re-check (low priority). */
  enqueueAll(): void {
    for (const o of this.informer.list()) this.controller.enqueue(keyOf(o), 'low');
  }

  /**
   * enqueueDue queues as changes (high priority) the resources whose cached object shows work
   * no operator did yet (see due.ts), and returns how many: the first list queued every resource
   * as a re-check, so a Secret rotated while no operator led would wait behind all of them.
   */
  enqueueDue(): number {
    let due = 0;
    for (const o of this.informer.list()) {
      const k = this.typed(o);
      if (k === undefined) continue;
      const { namespace } = k.metadata;
      if (dueCause(k, this.adapter.secretRefs(k.spec), (name) => this.ctx.secretVersion(namespace, name)) === undefined) continue;
      this.controller.enqueue(keyOf(o), 'high');
      due++;
    }
    return due;
  }
}

/** KindHandle is what the manager needs of a kind, whatever its adapter's types. */
export interface KindHandle {
  readonly noun: string;
  readonly metrics: KindMetrics;
  readonly informer: Informer;
  readonly controller: { start(workers: number): void; stop(): Promise<void>; halt(reason: Error): void };
  managedKeys(namespace: string, cluster: string): string[];
  enqueueOfCluster(namespace: string, name: string, priority?: Priority): void;
  enqueueOfSecret(secretKey: string): void;
  enqueueSharedIn(namespace: string): void;
  enqueueAll(): void;
  enqueueDue(): number;
}
