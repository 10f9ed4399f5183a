/**
 * ClusterConnections holds one ONTAP connection per OntapCluster: a client (keep-alive agent,
 * TLS trust, credentials, concurrency bound) and the cluster's coalescing observers, one per
 * key-manager family. A connection
 * is rebuilt only when its settings change: the OntapCluster's generation or the resourceVersion
 * of a Secret it references, so Secret data is read when it changed, not on every reconcile.
 */
import { ClusterOntapClusterKind, Limits, Reason } from '../../api/v1alpha1/constants.js';
import type { OntapCluster } from '../../api/v1alpha1/types.js';
import { OntapClient, type OntapClientOptions } from '../../ontap/client.js';
import type { EndpointAllowList, Verdict } from '../../ontap/endpoint-policy.js';
import type { OntapAuth, RequestInfo } from '../../ontap/transport.js';
import type { KeyManagerFamily, KeyManagerRecord } from '../../ontap/key-manager-family.js';
import type { Logger } from '../../runtime/logger.js';
import { ReconcileError, type TrustContext } from '../errors.js';
import { CLUSTER_SCOPE, ClusterObserver } from '../key-manager/observer.js';
import { certificates, mustGet, ontapCredentials, PEM_VALUE_MAX_BYTES, readCertificates, readKey, type SecretReader } from '../secrets.js';
import { keyOf, objectKey } from '../../runtime/keys.js';

/** AllowedVerdict is what the allow-list said of an endpoint a connection may be built to. */
type AllowedVerdict = Exclude<Verdict, { kind: 'denied' }>;

/** RETIRE_AFTER_MS is how long a replaced client lives on: beyond the longest request timeout (120 s) plus a job's wait (120 s). */
const RETIRE_AFTER_MS = 5 * 60_000;

/** Watched names what an observer reads: a key-manager family and the fields its GET names. */
export interface Watched<R extends KeyManagerRecord> {
  readonly family: KeyManagerFamily<R>;
  readonly fields: readonly string[];
}

/** Connection is a live client for one OntapCluster and its observers. */
export interface Connection {
  readonly client: OntapClient;
  /** observer returns the cluster's observer of one family: the same one across rebuilds. */
  observer<R extends KeyManagerRecord>(watched: Watched<R>): ClusterObserver<R>;
  /** fingerprint identifies the settings the client was built from. */
  readonly fingerprint: string;
}

/** ConnectionsOptions are ClusterConnections' collaborators. */
export interface ConnectionsOptions {
  readonly secrets: SecretReader;
  /** secretVersion returns a Secret's current resourceVersion from the metadata cache. */
  readonly secretVersion: (namespace: string, name: string) => string | undefined;
  /** managedKeys lists the scope keys of the resources of a family (its noun) that use a cluster (namespace, cluster name). */
  readonly managedKeys: (namespace: string, cluster: string, family: string) => Iterable<string>;
  readonly logger: Logger;
  readonly onRequest?: (cluster: string, info: RequestInfo) => void;
  /** clientOptions lets tests shorten job polling and retries. */
  readonly clientOptions?: Partial<OntapClientOptions>;
  /** onHealth is told when reads of a cluster (namespace, name) start failing and work again. */
  readonly onHealth?: (namespace: string, name: string, healthy: boolean) => void;
  /** onStall is told when a read of a cluster has had no answer for a resource's drift interval (true), and when that read ends (false). */
  readonly onStall?: (namespace: string, name: string, stalled: boolean) => void;
  /** signal aborts the shared reads when the operator stops. */
  readonly signal?: AbortSignal;
  /** allowList says which endpoints may be contacted at all; required, so that no caller gets an open list by leaving it out. */
  readonly allowList: EndpointAllowList;
  /** clusterResourceNamespace holds the Secrets of every ClusterOntapCluster. @default 'default' */
  readonly clusterResourceNamespace?: string;
}

/**
 * secretNamespace is where a cluster's Secrets live: its own namespace, or for a
 * ClusterOntapCluster (cluster-scoped) the operator's cluster resource namespace.
 */
export function secretNamespace(cluster: OntapCluster, clusterResourceNamespace: string): string {
  return cluster.kind === ClusterOntapClusterKind.kind ? clusterResourceNamespace : cluster.metadata.namespace;
}

/** clusterSecretNames lists the Secrets an OntapCluster references. */
export function clusterSecretNames(cluster: OntapCluster): string[] {
  const s = cluster.spec;
  return [s.credentialsSecretRef?.name, s.clientCertificateSecretRef?.name, s.caBundleSecretRef?.name].filter(
    (n): n is string => n !== undefined,
  );
}

/**
 * ClusterConnections builds and caches connections, keyed by namespace/name. The observer of a
 * cluster outlives its clients: a rebuild marks its snapshot stale instead of starting another,
 * so what a reconcile on the old client wrote is never lost to one on the new.
 */
export class ClusterConnections {
  private readonly byKey = new Map<string, Connection>();
  /** observers holds, per cluster key, one observer per family noun. */
  private readonly observers = new Map<string, Map<string, ClusterObserver>>();
  private readonly building = new Map<string, { fingerprint: string; promise: Promise<Connection> }>();
  /** latest holds the newest build ticket per cluster; a build superseded or dropped is not installed. */
  private readonly latest = new Map<string, number>();
  private tickets = 0;
  private readonly retiring = new Set<{ client: OntapClient; timer: NodeJS.Timeout }>();

  constructor(private readonly opts: ConnectionsOptions) {}

  private secretNs(cluster: OntapCluster): string {
    return secretNamespace(cluster, this.opts.clusterResourceNamespace ?? 'default');
  }

  private fingerprint(cluster: OntapCluster): string {
    const ns = this.secretNs(cluster);
    const versions = clusterSecretNames(cluster).map((n) => `${n}@${this.opts.secretVersion(ns, n) ?? '?'}`);
    return [cluster.metadata.uid, cluster.metadata.generation, ...versions].join('|');
  }

  /**
   * stalledSince is when the oldest read of the cluster still unanswered was sent, if a resource
   * reported it stalled (no answer for its drift interval); undefined otherwise.
   */
  stalledSince(namespace: string, name: string): number | undefined {
    let oldest: number | undefined;
    for (const o of this.observers.get(objectKey(namespace, name))?.values() ?? []) {
      const since = o.stalledSince();
      if (since !== undefined && (oldest === undefined || since < oldest)) oldest = since;
    }
    return oldest;
  }

  /**
   * trust says where `cluster`'s TLS trust comes from, for the message of a certificate that did
   * not verify. A tenant of a ClusterOntapCluster (`tenant`) is not told the platform's Secret.
   */
  trust(cluster: OntapCluster, tenant = false): TrustContext {
    const { namespace, name } = cluster.metadata;
    const label = cluster.kind === ClusterOntapClusterKind.kind ? `ClusterOntapCluster ${name}` : `OntapCluster ${namespace}/${name}`;
    const ref = cluster.spec.caBundleSecretRef;
    if (ref === undefined) return { cluster: label, caBundle: undefined };
    if (tenant) return { cluster: label, caBundle: 'hidden' };
    return { cluster: label, caBundle: { secret: `${this.secretNs(cluster)}/${ref.name}`, key: ref.key } };
  }

  /** peek returns the current connection without building one. */
  peek(namespace: string, name: string): Connection | undefined {
    return this.byKey.get(objectKey(namespace, name));
  }

  /**
   * get returns the connection for `cluster`, building it when its settings changed. A missing
   * or invalid Secret is a ReconcileError; nothing is contacted here. Keys are namespace/name,
   * and /name for a ClusterOntapCluster (no namespace), so the two kinds never share one. An
   * endpoint outside the allow-list gets no connection at all: EndpointNotAllowed.
   */
  async get(cluster: OntapCluster): Promise<Connection> {
    const key = keyOf(cluster);
    const fp = this.fingerprint(cluster);
    // A connection (or a build) of these very settings passed the allow-list when it was made: the
    // list is fixed for the process, and the endpoint is in the generation the fingerprint holds.
    const existing = this.byKey.get(key);
    // An unknown Secret version ('?') means the cache has not seen it yet: rebuild to be safe.
    if (existing && existing.fingerprint === fp && !fp.includes('@?')) return existing;
    // Reconciles of several resources of one cluster ask at once: build once, for all of them.
    const pending = this.building.get(key);
    if (pending && pending.fingerprint === fp) return pending.promise;
    const verdict = this.opts.allowList.verdict(cluster.spec.endpoint);
    if (verdict.kind === 'denied') {
      // Drop a connection built before the endpoint changed: nothing more goes there.
      if (this.byKey.has(key)) this.drop(cluster.metadata.namespace, cluster.metadata.name);
      throw new ReconcileError(
        Reason.EndpointNotAllowed,
        `endpoint ${cluster.spec.endpoint} is not among the operator's allowed ONTAP endpoints (${verdict.why}); nothing was sent to it`,
        'wait',
      );
    }
    const ticket = ++this.tickets;
    this.latest.set(key, ticket);
    const promise = this.build(cluster, key, fp, ticket, verdict).finally(() => {
      if (this.building.get(key)?.promise === promise) this.building.delete(key);
    });
    this.building.set(key, { fingerprint: fp, promise });
    return promise;
  }

  private observerFor<R extends KeyManagerRecord>(key: string, cluster: OntapCluster, watched: Watched<R>): ClusterObserver<R> {
    let byFamily = this.observers.get(key);
    if (!byFamily) {
      byFamily = new Map();
      this.observers.set(key, byFamily);
    }
    const { family, fields } = watched;
    const known = byFamily.get(family.noun);
    // One family noun is one record type: the map holds each observer under its own family.
    if (known) return known as unknown as ClusterObserver<R>;
    const { namespace: ns, name } = cluster.metadata;
    const observer = new ClusterObserver<R>(
      (keys) => {
        const conn = this.byKey.get(key);
        if (!conn) return Promise.reject(new Error(`OntapCluster ${key}: no connection`));
        const { filters, maxRecords } = collectionQuery(keys);
        return conn.client.listKeyManagers(family, { filters, fields, maxRecords }, this.opts.signal);
      },
      () => this.opts.managedKeys(ns, name, family.noun),
      Date.now,
      (healthy) => this.opts.onHealth?.(ns, name, healthy),
      family,
      (stalled) => this.opts.onStall?.(ns, name, stalled),
    );
    byFamily.set(family.noun, observer);
    return observer;
  }

  private async build(cluster: OntapCluster, key: string, fp: string, ticket: number, verdict: AllowedVerdict): Promise<Connection> {
    const options = await this.clientOptions(cluster, verdict);
    const client = new OntapClient(options);
    const conn: Connection = { client, observer: (watched) => this.observerFor(key, cluster, watched), fingerprint: fp };
    if (this.latest.get(key) !== ticket) {
      // Superseded by a newer build, or the cluster was dropped: serve this caller, install nothing.
      this.retire(client);
      return this.byKey.get(key) ?? conn;
    }
    const previous = this.byKey.get(key);
    this.byKey.set(key, conn);
    if (previous) {
      this.retire(previous.client);
      // New settings may reach another cluster (a changed endpoint): read it afresh.
      for (const o of this.observers.get(key)?.values() ?? []) o.forgetAll();
    }
    const { namespace: ns, name } = cluster.metadata;
    this.opts.logger.info('built ONTAP connection', { namespace: ns, name, endpoint: cluster.spec.endpoint });
    return conn;
  }

  /**
   * retire closes a replaced client once the requests it may still have in flight are done (they
   * are bounded by the request timeout), so a Secret rotation does not abort a running write.
   */
  private retire(client: OntapClient): void {
    const entry = {
      client,
      timer: setTimeout(() => {
        client.close();
        this.retiring.delete(entry);
      }, RETIRE_AFTER_MS),
    };
    entry.timer.unref();
    this.retiring.add(entry);
  }

  /** drop closes and forgets the connection of a deleted OntapCluster. */
  drop(namespace: string, name: string): void {
    const key = objectKey(namespace, name);
    this.byKey.get(key)?.client.close();
    this.byKey.delete(key);
    this.observers.delete(key);
    this.latest.delete(key);
  }

  /** close closes every connection (shutdown). */
  close(): void {
    for (const c of this.byKey.values()) c.client.close();
    for (const r of this.retiring) {
      clearTimeout(r.timer);
      r.client.close();
    }
    this.byKey.clear();
    this.observers.clear();
    this.retiring.clear();
  }

  /**
   * requestTimeoutSeconds is the cluster's request timeout, a namespace's own OntapCluster's
   * clamped to what admission allows it now: one stored before the bound was lowered (or past
   * admission some other way) must not hold a worker every namespace shares any longer.
   */
  private requestTimeoutSeconds(cluster: OntapCluster): number {
    const asked = cluster.spec.requestTimeoutSeconds;
    const max = cluster.kind === ClusterOntapClusterKind.kind ? Limits.maxRequestTimeoutSeconds : Limits.maxTenantRequestTimeoutSeconds;
    if (asked <= max) return asked;
    const { namespace, name } = cluster.metadata;
    this.opts.logger.warn('requestTimeoutSeconds above the bound of its kind: using the bound', { namespace, name, requestTimeoutSeconds: asked, used: max });
    return max;
  }

  private async clientOptions(cluster: OntapCluster, verdict: AllowedVerdict): Promise<OntapClientOptions> {
    const { namespace: ownNs, name } = cluster.metadata;
    const ns = this.secretNs(cluster);
    const label = ownNs === '' ? `${cluster.kind}/${name}` : `${ownNs}/${name}`;
    const spec = cluster.spec;
    let auth: OntapAuth;
    if (spec.credentialsSecretRef) {
      const s = await mustGet(this.opts.secrets, ns, spec.credentialsSecretRef.name, ontapCredentials('spec.credentialsSecretRef'));
      auth = { kind: 'basic', username: readKey(s, ns, 'username'), password: readKey(s, ns, 'password') };
    } else if (spec.clientCertificateSecretRef) {
      const s = await mustGet(this.opts.secrets, ns, spec.clientCertificateSecretRef.name, certificates('spec.clientCertificateSecretRef'));
      auth = { kind: 'cert', cert: readKey(s, ns, 'tls.crt', PEM_VALUE_MAX_BYTES), key: readKey(s, ns, 'tls.key', PEM_VALUE_MAX_BYTES) };
    } else {
      throw new ReconcileError(Reason.SecretInvalid, `${label} names no credentials Secret`, 'wait');
    }
    let caBundle: string | undefined;
    if (spec.caBundleSecretRef) {
      const s = await mustGet(this.opts.secrets, ns, spec.caBundleSecretRef.name, certificates('spec.caBundleSecretRef'));
      caBundle = readCertificates(s, ns, spec.caBundleSecretRef.key);
    }
    const onRequest = this.opts.onRequest;
    return {
      endpoint: spec.endpoint,
      // A host name allowed only by address: every connection dials only the addresses it resolves to that are allowed on its port.
      lookup: verdict.kind === 'resolve' ? this.opts.allowList.lookup(verdict.port) : undefined,
      auth,
      caBundle,
      insecureSkipTLSVerify: spec.insecureSkipTLSVerify,
      requestTimeoutSeconds: this.requestTimeoutSeconds(cluster),
      maxConcurrentRequests: spec.maxConcurrentRequests,
      logger: this.opts.logger.child({ cluster: label }),
      onRequest: onRequest ? (info) => onRequest(objectKey(ownNs, name), info) : undefined,
      ...this.opts.clientOptions,
    };
  }
}

/**
 * MAX_SVM_FILTER_CHARS bounds the `svm.name=a|b|...` filter: past it the request line would
 * outgrow what proxies and ONTAP's web server take (4 KB), so the whole collection is read in
 * pages instead and the records are matched here.
 */
export const MAX_SVM_FILTER_CHARS = 2048;

/** COLLECTION_PAGE is the page size of an unfiltered read of the collection. */
export const COLLECTION_PAGE = 500;

/** collectionQuery is the filter (and page size) of the one collection GET for a set of scope keys. */
export function collectionQuery(keys: readonly string[]): { filters: Record<string, string>; maxRecords?: number } {
  const svms = keys.filter((k) => k !== CLUSTER_SCOPE);
  const filter = svms.join('|');
  // The cluster-scoped record has no svm.name to filter on: then read the whole collection.
  if (keys.includes(CLUSTER_SCOPE) || svms.length === 0 || filter.length > MAX_SVM_FILTER_CHARS) {
    return { filters: {}, maxRecords: COLLECTION_PAGE };
  }
  return { filters: { 'svm.name': filter } };
}
