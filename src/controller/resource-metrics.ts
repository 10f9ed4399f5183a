/**
 * Per-resource metrics platform teams alert on, in the manner of cert-manager's
 * `certmanager_certificate_ready_status`: one gauge series per condition and status of every
 * OntapCluster, ClusterOntapCluster and key-manager resource, and per key-manager kind (`ontap_kms_awskms_*`,
 * `ontap_kms_azurekeyvault_*`, `ontap_kms_gcpkms_*`) the cloud service's and every node's EKMIP
 * reachability, whether ONTAP's key protection is available, and when each resource last synced.
 *
 * The values are read from the informer caches at scrape time, so a deleted resource's series
 * are gone at the next scrape and nothing has to be remembered or cleaned up. Every replica
 * exports them (a standby's caches are as warm as the leader's), so queries aggregate with
 * `max by (namespace, name, ...)`; the last sync time is known only to the replica that synced.
 * Labels are namespaces, names, condition types and ONTAP node names: never a secret.
 */
import type { ClusterOntapCluster, Condition, KeyManagerStatus, KeyRotationSpec, ObjectMeta, OntapCluster, Reachability } from '../api/v1alpha1/types.js';
import { periodMs } from './key-manager/rotation.js';
import { objectKey } from '../runtime/keys.js';
import type { TextSource } from '../runtime/metrics.js';

/** KindMetrics says how one key-manager kind is exported. */
export interface KindMetrics {
  /** prefix is the metric name's kind part: `awskms` gives `ontap_kms_awskms_condition`. */
  readonly prefix: string;
  /** kind is the resource kind, for help texts. */
  readonly kind: string;
  /**
   * reachability names the cloud service's reachability: metric `amazon_reachable`, ONTAP field,
   * service. Unset for a key manager that reaches no cloud (the Onboard Key Manager): then only
   * the condition and last-sync gauges are exported, not the cloud's, EKMIP, key-protection or
   * rotation gauges.
   */
  readonly reachability?: { readonly metric: string; readonly ontapField: string; readonly service: string; read(status: KeyManagerStatus): Reachability | undefined };
  /** gauges are the kind's own per-resource gauges (KMIP: each key server's availability, the client certificate's expiry). */
  readonly gauges?: readonly KindGauge[];
  /** list lists the cached resources (those that parse). */
  list(): readonly { readonly metadata: ObjectMeta; readonly spec?: { readonly keyRotation?: KeyRotationSpec | undefined }; readonly status?: KeyManagerStatus | undefined }[];
  /** syncs holds when each resource last synced on this replica. */
  readonly syncs: SyncTimes;
}

/** KindGauge is one gauge a kind exports of its resources' status: `ontap_kms_<prefix>_<name>`. */
export interface KindGauge {
  readonly name: string;
  readonly help: string;
  /** samples are the gauge's values of one resource: extra labels (name → value) and the value. */
  samples(status: KeyManagerStatus): ReadonlyArray<{ readonly labels: Readonly<Record<string, string>>; readonly value: number }>;
}

/** ResourceSource is what the metrics read at scrape time. */
export interface ResourceSource {
  /** keyManagers are the key-manager kinds. */
  readonly keyManagers: readonly KindMetrics[];
  /** clusters lists the cached OntapClusters (those that parse). */
  clusters(): readonly OntapCluster[];
  /** sharedClusters lists the cached ClusterOntapClusters (those that parse). @default none */
  sharedClusters?(): readonly ClusterOntapCluster[];
}

/** CONDITION_STATUSES are the statuses a condition gauge has a series for (one of them is 1). */
const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** CHUNK is about how much text is handed to the response at a time. */
const CHUNK = 64 * 1024;

/** Family is one gauge: its name, help, and the sample lines of one item, appended to a string. */
interface Family<T> {
  readonly name: string;
  readonly help: string;
  items(): Iterable<T>;
  /** lines returns `text` with the item's sample lines appended (see `sample`). */
  lines(text: string, item: T): string;
}

/** label escapes a label value as the text format requires: backslash, double quote, newline. */
function label(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/**
 * sample is one line: `name{namespace="…",name="…"<more>} value`; `more` is pre-escaped `,k="v"`
 * pairs. A cluster-scoped object (namespace undefined) has no namespace label.
 */
function sample(metric: string, namespace: string | undefined, name: string, more: string, value: number): string {
  const ns = namespace === undefined ? '' : `namespace="${label(namespace)}",`;
  return `${metric}{${ns}name="${label(name)}"${more}} ${value}\n`;
}

function conditionLines(text: string, metric: string, namespace: string | undefined, name: string, conditions: readonly Condition[] | undefined): string {
  for (const c of conditions ?? []) {
    const type = label(c.type);
    for (const status of CONDITION_STATUSES) text += sample(metric, namespace, name, `,condition="${type}",status="${status}"`, c.status === status ? 1 : 0);
  }
  return text;
}

/** chunksOf writes each family's HELP, TYPE and samples, handing text on about every CHUNK characters. */
function* chunksOf(families: readonly Family<never>[]): Generator<string> {
  for (const f of families as readonly Family<unknown>[]) {
    let text = `# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${f.name} gauge\n`;
    for (const item of f.items()) {
      text = f.lines(text, item);
      if (text.length >= CHUNK) {
        yield text;
        text = '';
      }
    }
    if (text !== '') yield text;
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

/**
 * registerResourceMetrics exports the per-resource gauges through `metrics`, read from `source`
 * when /metrics is read and written as text a chunk at a time: nothing is kept between scrapes,
 * and a scrape holds one chunk, not a table of every series (prom-client collectors built one,
 * 120,000 series at 10,000 resources, a 47 MB spike per scrape beside the 13 MB of text).
 */
export function registerResourceMetrics(metrics: { addTextSource(source: TextSource): void }, source: ResourceSource): void {
  const families: Family<never>[] = [];
  const add = <T>(f: Family<T>): void => {
    families.push(f as unknown as Family<never>);
  };
  type Listed = ReturnType<KindMetrics['list']>[number];

  add<OntapCluster>({
    name: 'ontap_kms_ontapcluster_condition',
    help: 'The status of each OntapCluster condition: 1 for the current status, 0 for the others',
    items: () => source.clusters(),
    lines: (text, c) => conditionLines(text, 'ontap_kms_ontapcluster_condition', c.metadata.namespace, c.metadata.name, c.status?.conditions),
  });
  // Cluster-scoped: the series have no namespace label (a scrape adds the operator's own).
  add<ClusterOntapCluster>({
    name: 'ontap_kms_clusterontapcluster_condition',
    help: 'The status of each ClusterOntapCluster condition: 1 for the current status, 0 for the others',
    items: () => source.sharedClusters?.() ?? [],
    lines: (text, c) => conditionLines(text, 'ontap_kms_clusterontapcluster_condition', undefined, c.metadata.name, c.status?.conditions),
  });
  for (const kind of source.keyManagers) {
    const name = (what: string): string => `ontap_kms_${kind.prefix}_${what}`;
    const { reachability } = kind;
    const condition = name('condition');
    add<Listed>({
      name: condition,
      help: `The status of each ${kind.kind} condition: 1 for the current status, 0 for the others`,
      items: () => kind.list(),
      lines: (text, k) => conditionLines(text, condition, k.metadata.namespace, k.metadata.name, k.status?.conditions),
    });
    if (reachability) {
      const reachable = name(reachability.metric);
      add<Listed>({
        name: reachable,
        help: `Whether ONTAP last reached ${reachability.service} for this ${kind.kind} (ONTAP's ${reachability.ontapField}): 1 or 0`,
        items: () => kind.list(),
        lines: (text, k) => {
          const r = k.status ? reachability.read(k.status) : undefined;
          return r === undefined ? text : text + sample(reachable, k.metadata.namespace, k.metadata.name, '', r.reachable ? 1 : 0);
        },
      });
      const ekmip = name('ekmip_reachable');
      add<Listed>({
        name: ekmip,
        help: "Whether each ONTAP node last reached the key manager (ONTAP's ekmip_reachability): 1 or 0",
        items: () => kind.list(),
        lines: (text, k) => {
          for (const n of k.status?.ekmipReachability ?? []) text += sample(ekmip, k.metadata.namespace, k.metadata.name, `,node="${label(n.node)}"`, n.reachable ? 1 : 0);
          return text;
        },
      });
      const available = name('key_protection_available');
      add<Listed>({
        name: available,
        help: `Whether ONTAP reports key protection available for this ${kind.kind} (ONTAP's state.cluster_state): 1 or 0`,
        items: () => kind.list(),
        lines: (text, k) => {
          const state = k.status?.state;
          return state === undefined ? text : text + sample(available, k.metadata.namespace, k.metadata.name, '', state.clusterState ? 1 : 0);
        },
      });
      // Key rotation (spec.keyRotation): when the key was last rotated, when next, and the period,
      // so that key age is time() - the first, and an alert compares it with the last.
      const rotated = name('key_rotation_timestamp_seconds');
      add<Listed>({
        name: rotated,
        help: `When the ${kind.kind}'s internal keys were last rotated by this operator (rekey-internal), or, before its first rotation, when spec.keyRotation was first applied; in seconds since the epoch (key age: time() minus this)`,
        items: () => kind.list(),
        lines: (text, k) => {
          const r = k.spec?.keyRotation ? k.status?.keyRotation : undefined;
          const at = Date.parse(r?.lastRekeyTime ?? r?.since ?? '');
          return Number.isNaN(at) ? text : text + sample(rotated, k.metadata.namespace, k.metadata.name, '', at / 1000);
        },
      });
      const nextRotation = name('key_next_rotation_timestamp_seconds');
      add<Listed>({
        name: nextRotation,
        help: `When the ${kind.kind}'s next scheduled rekey-internal is due (spec.keyRotation, inside its window), in seconds since the epoch`,
        items: () => kind.list(),
        lines: (text, k) => {
          const at = Date.parse((k.spec?.keyRotation ? k.status?.keyRotation?.nextRekeyTime : undefined) ?? '');
          return Number.isNaN(at) ? text : text + sample(nextRotation, k.metadata.namespace, k.metadata.name, '', at / 1000);
        },
      });
      const period = name('key_rotation_period_seconds');
      add<Listed>({
        name: period,
        help: `The ${kind.kind}'s spec.keyRotation.rotateEvery, in seconds`,
        items: () => kind.list(),
        lines: (text, k) => {
          const policy = k.spec?.keyRotation;
          return policy === undefined ? text : text + sample(period, k.metadata.namespace, k.metadata.name, '', periodMs(policy) / 1000);
        },
      });
    }
        for (const g of kind.gauges ?? []) {
      const metric = name(g.name);
      add<Listed>({
        name: metric,
        help: g.help,
        items: () => kind.list(),
        lines: (text, k) => {
          if (!k.status) return text;
          for (const smp of g.samples(k.status)) {
            const more = Object.entries(smp.labels).map(([l, v]) => `,${l}="${label(v)}"`).join('');
            text += sample(metric, k.metadata.namespace, k.metadata.name, more, smp.value);
          }
          return text;
        },
      });
    }
    const lastSync = name('last_sync_timestamp_seconds');
    add<Listed>({
      name: lastSync,
      help: `When this replica last reconciled the ${kind.kind} without error, in seconds since the epoch`,
      items: () => {
        // Each scrape forgets the times of resources no longer listed, from its own list: scrapes
        // are sent a chunk at a time, so two may be under way at once and share nothing.
        const listed = kind.list();
        kind.syncs.retain(new Set(listed.map((k) => objectKey(k.metadata.namespace, k.metadata.name))));
        return listed;
      },
      lines: (text, k) => {
        const { namespace, name: n } = k.metadata;
        const at = kind.syncs.get(namespace, n);
        return at === undefined ? text : text + sample(lastSync, namespace, n, '', at / 1000);
      },
    });
  }
  metrics.addTextSource({ names: families.map((f) => f.name), chunks: () => chunksOf(families) });
}
