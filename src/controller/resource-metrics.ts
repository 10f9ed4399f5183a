/**
 * Per-resource metrics platform teams alert on, in the manner of cert-manager's
 * `certmanager_certificate_ready_status`: one gauge series per condition and status of every
 * OntapAwsKms and OntapCluster, AWS and per-node EKMIP reachability, whether ONTAP's key
 * protection is available, and when each OntapAwsKms last synced.
 *
 * The values are read from the informer caches at scrape time, so a deleted resource's series
 * are gone at the next scrape and nothing has to be remembered or cleaned up. Every replica
 * exports them (a standby's caches are as warm as the leader's), so queries aggregate with
 * `max by (namespace, name, ...)`; the last sync time is known only to the replica that synced.
 * Labels are namespaces, names, condition types and ONTAP node names: never a secret.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Condition, OntapAwsKms, OntapCluster } from '../api/v1alpha1/types.js';

/** ResourceSource is what the metrics read at scrape time. */
export interface ResourceSource {
  /** awsKms lists the cached OntapAwsKms (those that parse). */
  awsKms(): readonly OntapAwsKms[];
  /** clusters lists the cached OntapClusters (those that parse). */
  clusters(): readonly OntapCluster[];
}

/** CONDITION_STATUSES are the statuses a condition gauge has a series for (one of them is 1). */
const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

function setConditions(gauge: Gauge<'namespace' | 'name' | 'condition' | 'status'>, namespace: string, name: string, conditions: readonly Condition[] | undefined): void {
  for (const c of conditions ?? []) {
    for (const status of CONDITION_STATUSES) gauge.set({ namespace, name, condition: c.type, status }, c.status === status ? 1 : 0);
  }
}

/** SyncTimes remembers when each OntapAwsKms last synced (ms since the epoch), by `namespace/name`. */
export class SyncTimes {
  private readonly times = new Map<string, number>();

  /** record notes a successful sync of namespace/name at `atMs`. */
  record(namespace: string, name: string, atMs: number): void {
    this.times.set(`${namespace}/${name}`, atMs);
  }

  /** get returns the last successful sync of namespace/name, if this process saw one. */
  get(namespace: string, name: string): number | undefined {
    return this.times.get(`${namespace}/${name}`);
  }

  /** retain forgets every key not in `keys`: a deleted resource's time is not kept forever. */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.times.keys()) if (!keys.has(k)) this.times.delete(k);
  }
}

/** registerResourceMetrics adds the per-resource gauges to `registry`, read from `source` and `syncs`. */
export function registerResourceMetrics(registry: Registry, source: ResourceSource, syncs: SyncTimes): void {
  // Each gauge fills itself from the caches when scraped, and is emptied again once its values
  // are handed over: a filled gauge keeps a hash key and a labels object per series until the
  // next scrape (at 10,000 resources, 120,000 condition series: 17 MB held for nothing). No
  // gauge depends on another's.
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>) => void): void => {
    const g = new Gauge<L>({ name, help, labelNames, registers: [registry] });
    const collected = g.get.bind(g);
    g.get = async () => {
      g.reset();
      fill(g);
      try {
        return await collected();
      } finally {
        g.reset();
      }
    };
  };
  const kmsLabels = ['namespace', 'name'] as const;
  const conditionLabels = ['namespace', 'name', 'condition', 'status'] as const;

  gauge('ontap_kms_awskms_condition', 'The status of each OntapAwsKms condition: 1 for the current status, 0 for the others', conditionLabels, (g) => {
    for (const k of source.awsKms()) setConditions(g, k.metadata.namespace, k.metadata.name, k.status?.conditions);
  });
  gauge('ontap_kms_ontapcluster_condition', 'The status of each OntapCluster condition: 1 for the current status, 0 for the others', conditionLabels, (g) => {
    for (const c of source.clusters()) setConditions(g, c.metadata.namespace, c.metadata.name, c.status?.conditions);
  });
  gauge('ontap_kms_awskms_amazon_reachable', "Whether ONTAP last reached AWS KMS for this OntapAwsKms (ONTAP's amazon_reachability): 1 or 0", kmsLabels, (g) => {
    for (const k of source.awsKms()) {
      const r = k.status?.amazonReachability;
      if (r !== undefined) g.set({ namespace: k.metadata.namespace, name: k.metadata.name }, r.reachable ? 1 : 0);
    }
  });
  gauge('ontap_kms_awskms_ekmip_reachable', "Whether each ONTAP node last reached the key manager (ONTAP's ekmip_reachability): 1 or 0", [...kmsLabels, 'node'], (g) => {
    for (const k of source.awsKms()) {
      for (const n of k.status?.ekmipReachability ?? []) g.set({ namespace: k.metadata.namespace, name: k.metadata.name, node: n.node }, n.reachable ? 1 : 0);
    }
  });
  gauge('ontap_kms_awskms_key_protection_available', "Whether ONTAP reports key protection available for this OntapAwsKms (ONTAP's state.cluster_state): 1 or 0", kmsLabels, (g) => {
    for (const k of source.awsKms()) {
      const state = k.status?.state;
      if (state !== undefined) g.set({ namespace: k.metadata.namespace, name: k.metadata.name }, state.clusterState ? 1 : 0);
    }
  });
  gauge('ontap_kms_awskms_last_sync_timestamp_seconds', 'When this replica last reconciled the OntapAwsKms without error, in seconds since the epoch', kmsLabels, (g) => {
    const present = new Set<string>();
    for (const k of source.awsKms()) {
      const { namespace, name } = k.metadata;
      present.add(`${namespace}/${name}`);
      const at = syncs.get(namespace, name);
      if (at !== undefined) g.set({ namespace, name }, at / 1000);
    }
    syncs.retain(present);
  });
}
