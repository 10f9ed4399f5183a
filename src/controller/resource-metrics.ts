/**
 * Per-resource metrics platform teams alert on, in the manner of cert-manager's
 * `certmanager_certificate_ready_status`: one gauge series per condition and status of every
 * OntapCluster and key-manager resource, and per key-manager kind (`ontap_kms_awskms_*`,
 * `ontap_kms_azurekeyvault_*`, `ontap_kms_gcpkms_*`) the cloud service's and every node's EKMIP
 * reachability, whether ONTAP's key protection is available, and when each resource last synced.
 *
 * The values are read from the informer caches at scrape time, so a deleted resource's series
 * are gone at the next scrape and nothing has to be remembered or cleaned up. Every replica
 * exports them (a standby's caches are as warm as the leader's), so queries aggregate with
 * `max by (namespace, name, ...)`; the last sync time is known only to the replica that synced.
 * Labels are namespaces, names, condition types and ONTAP node names: never a secret.
 */
import type { Gauge, Registry } from 'prom-client';
import type { Condition, KeyManagerStatus, ObjectMeta, OntapCluster, Reachability } from '../api/v1alpha1/types.js';
import { objectKey } from '../runtime/keys.js';

/** KindMetrics says how one key-manager kind is exported. */
export interface KindMetrics {
  /** prefix is the metric name's kind part: `awskms` gives `ontap_kms_awskms_condition`. */
  readonly prefix: string;
  /** kind is the resource kind, for help texts. */
  readonly kind: string;
  /** reachability names the cloud service's reachability: metric `amazon_reachable`, ONTAP field, service. */
  readonly reachability: { readonly metric: string; readonly ontapField: string; readonly service: string; read(status: KeyManagerStatus): Reachability | undefined };
  /** list lists the cached resources (those that parse). */
  list(): readonly { readonly metadata: ObjectMeta; readonly status?: KeyManagerStatus | undefined }[];
  /** syncs holds when each resource last synced on this replica. */
  readonly syncs: SyncTimes;
}

/** ResourceSource is what the metrics read at scrape time. */
export interface ResourceSource {
  /** keyManagers are the key-manager kinds. */
  readonly keyManagers: readonly KindMetrics[];
  /** clusters lists the cached OntapClusters (those that parse). */
  clusters(): readonly OntapCluster[];
}

/** Sink takes one series' value at scrape time. */
interface Sink<L extends string> {
  set(labels: Record<L, string>, value: number): void;
}

/** CONDITION_STATUSES are the statuses a condition gauge has a series for (one of them is 1). */
const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

function setConditions(gauge: Sink<'namespace' | 'name' | 'condition' | 'status'>, namespace: string, name: string, conditions: readonly Condition[] | undefined): void {
  for (const c of conditions ?? []) {
    for (const status of CONDITION_STATUSES) gauge.set({ namespace, name, condition: c.type, status }, c.status === status ? 1 : 0);
  }
}

/** SyncTimes remembers when each resource of one kind last synced (ms since the epoch), by `namespace/name`. */
export class SyncTimes {
  private readonly times = new Map<string, number>();

  /** record notes a successful sync of namespace/name at `atMs`. */
  record(namespace: string, name: string, atMs: number): void {
    this.times.set(objectKey(namespace, name), atMs);
  }

  /** get returns the last successful sync of namespace/name, if this process saw one. */
  get(namespace: string, name: string): number | undefined {
    return this.times.get(objectKey(namespace, name));
  }

  /** retain forgets every key not in `keys`: a deleted resource's time is not kept forever. */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.times.keys()) if (!keys.has(k)) this.times.delete(k);
  }
}

/** registerResourceMetrics adds the per-resource gauges to `registry`, read from `source` at scrape time. */
export function registerResourceMetrics(registry: Registry, source: ResourceSource): void {
  // Each gauge is a collector: at scrape time it reads the caches and hands prom-client the
  // values, and keeps nothing. A prom-client Gauge filled per scrape kept a hash key and a labels
  // object per series (120,000 condition series at 10,000 resources: 17 MB between scrapes) and,
  // emptied after each, still built that table on every scrape, beside the values and the text,
  // a spike that put a 10,000-resource operator over its heap cap. No gauge depends on another's.
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Sink<L>) => void): void => {
    const collector = {
      name,
      help,
      type: 'gauge',
      labelNames,
      aggregator: 'sum',
      get: () => {
        const values: { labels: Record<L, string>; value: number }[] = [];
        fill({ set: (labels, value) => values.push({ labels, value }) });
        return Promise.resolve({ name, help, type: 'gauge', aggregator: 'sum', values });
      },
      reset: () => undefined,
    };
    // prom-client types a registered metric as one of its own classes; a registry only calls
    // get() (and reset() on clear), which the collector has.
    registry.registerMetric(collector as unknown as Gauge<L>);
  };
  const labels = ['namespace', 'name'] as const;
  const conditionLabels = ['namespace', 'name', 'condition', 'status'] as const;

  gauge('ontap_kms_ontapcluster_condition', 'The status of each OntapCluster condition: 1 for the current status, 0 for the others', conditionLabels, (g) => {
    for (const c of source.clusters()) setConditions(g, c.metadata.namespace, c.metadata.name, c.status?.conditions);
  });
  for (const kind of source.keyManagers) {
    const name = (what: string): string => `ontap_kms_${kind.prefix}_${what}`;
    const { reachability } = kind;
    gauge(name('condition'), `The status of each ${kind.kind} condition: 1 for the current status, 0 for the others`, conditionLabels, (g) => {
      for (const k of kind.list()) setConditions(g, k.metadata.namespace, k.metadata.name, k.status?.conditions);
    });
    gauge(name(reachability.metric), `Whether ONTAP last reached ${reachability.service} for this ${kind.kind} (ONTAP's ${reachability.ontapField}): 1 or 0`, labels, (g) => {
      for (const k of kind.list()) {
        const r = k.status ? reachability.read(k.status) : undefined;
        if (r !== undefined) g.set({ namespace: k.metadata.namespace, name: k.metadata.name }, r.reachable ? 1 : 0);
      }
    });
    gauge(name('ekmip_reachable'), "Whether each ONTAP node last reached the key manager (ONTAP's ekmip_reachability): 1 or 0", [...labels, 'node'], (g) => {
      for (const k of kind.list()) {
        for (const n of k.status?.ekmipReachability ?? []) g.set({ namespace: k.metadata.namespace, name: k.metadata.name, node: n.node }, n.reachable ? 1 : 0);
      }
    });
    gauge(name('key_protection_available'), `Whether ONTAP reports key protection available for this ${kind.kind} (ONTAP's state.cluster_state): 1 or 0`, labels, (g) => {
      for (const k of kind.list()) {
        const state = k.status?.state;
        if (state !== undefined) g.set({ namespace: k.metadata.namespace, name: k.metadata.name }, state.clusterState ? 1 : 0);
      }
    });
    gauge(name('last_sync_timestamp_seconds'), `When this replica last reconciled the ${kind.kind} without error, in seconds since the epoch`, labels, (g) => {
      const present = new Set<string>();
      for (const k of kind.list()) {
        const { namespace, name: n } = k.metadata;
        present.add(objectKey(namespace, n));
        const at = kind.syncs.get(namespace, n);
        if (at !== undefined) g.set({ namespace, name: n }, at / 1000);
      }
      kind.syncs.retain(present);
    });
  }
}
