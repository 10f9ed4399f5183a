/**
 * The operator's Prometheus metrics, on a registry of their own (not prom-client's global one,
 * so tests and embedders can create several). Names follow controller-runtime and client-go where
 * a dashboard already expects them. Label values are controller names, queue names, cluster
 * names, HTTP methods and statuses, and field paths: never a secret.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** QueueMetrics is what a WorkQueue reports about itself; see {@link Metrics.queueMetrics}. */
export interface QueueMetrics {
  /** setDepth records how many keys wait to be processed. */
  setDepth(depth: number): void;
  /** incAdds counts one key added (an add de-duplicated against a waiting key does not count). */
  incAdds(): void;
  /** incRetries counts one rate-limited re-add. */
  incRetries(): void;
}

/**
 * TextSource exports metric families the registry does not hold: it writes them in the text
 * exposition format, a chunk at a time, when /metrics is read (see resource-metrics.ts).
 */
export interface TextSource {
  /** names are the metric families it writes. */
  readonly names: readonly string[];
  /** chunks yields the families' text, in pieces of a few tens of KB. */
  chunks(): Iterable<string>;
}

/** ReconcileResult is the `result` label of controller_runtime_reconcile_total. */
export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';

/** MetricsOptions configure {@link Metrics}. */
export interface MetricsOptions {
  /** collectDefaults adds process and Node.js runtime metrics (CPU, memory, event loop). @default false */
  readonly collectDefaults?: boolean;
}

// Reconciles and ONTAP calls take milliseconds to tens of seconds (ONTAP jobs, AWS checks).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Metrics holds every metric the operator exports and the registry that serves them. */
export class Metrics {
  /** registry is what `/metrics` renders. */
  readonly registry: Registry;
  /** reconcileTotal counts reconciles by controller and result. */
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  /** reconcileErrors counts reconciles that returned an error. */
  readonly reconcileErrors: Counter<'controller'>;
  /** reconcileTime is how long each reconcile took, in seconds. */
  readonly reconcileTime: Histogram<'controller'>;
  /** workqueueDepth is the number of keys waiting in each queue. */
  readonly workqueueDepth: Gauge<'name'>;
  /** workqueueAdds counts keys added to each queue. */
  readonly workqueueAdds: Counter<'name'>;
  /** workqueueRetries counts rate-limited re-adds to each queue. */
  readonly workqueueRetries: Counter<'name'>;
  /** ontapRequests counts ONTAP REST calls by cluster, method and HTTP status (0 = no answer). */
  readonly ontapRequests: Counter<'cluster' | 'method' | 'status'>;
  /** ontapRequestDuration is how long each ONTAP REST call took, in seconds. */
  readonly ontapRequestDuration: Histogram<'cluster' | 'method'>;
  /** driftCorrections counts ONTAP fields corrected back to the spec, by field path. */
  readonly driftCorrections: Counter<'field'>;
  /** leaderStatus is 1 while this process leads the named election, else 0. */
  readonly leaderStatus: Gauge<'name'>;
  /** restClientRequests counts requests to the Kubernetes API by method and status code (client-go's name). */
  readonly restClientRequests: Counter<'method' | 'code'>;

  constructor(options: MetricsOptions = {}) {
    this.registry = new Registry();
    const registers = [this.registry];
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.workqueueDepth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'],
      registers,
    });
    this.workqueueAdds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name'],
      registers,
    });
    this.workqueueRetries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name'],
      registers,
    });
    this.ontapRequests = new Counter({
      name: 'ontap_requests_total',
      help: 'ONTAP REST requests by cluster, method and HTTP status (0 when no response arrived)',
      labelNames: ['cluster', 'method', 'status'],
      registers,
    });
    this.ontapRequestDuration = new Histogram({
      name: 'ontap_request_duration_seconds',
      help: 'ONTAP REST request latency by cluster and method',
      labelNames: ['cluster', 'method'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.driftCorrections = new Counter({
      name: 'ontap_kms_drift_corrections_total',
      help: 'ONTAP AWS KMS fields found drifted from the spec and corrected, by field',
      labelNames: ['field'],
      registers,
    });
    this.leaderStatus = new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
      labelNames: ['name'],
      registers,
    });
    this.restClientRequests = new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests to the Kubernetes API, partitioned by method and status code',
      labelNames: ['method', 'code'],
      registers,
    });
    if (options.collectDefaults) collectDefaultMetrics({ register: this.registry });
  }

  /** queueMetrics binds the workqueue metrics to one queue name, for {@link WorkQueueOptions}. */
  queueMetrics(name: string): QueueMetrics {
    const depth = this.workqueueDepth.labels({ name });
    const adds = this.workqueueAdds.labels({ name });
    const retries = this.workqueueRetries.labels({ name });
    // Touch the series so a queue shows up at 0 before its first add.
    depth.set(0);
    adds.inc(0);
    retries.inc(0);
    return {
      setDepth: (n) => depth.set(n),
      incAdds: () => adds.inc(),
      incRetries: () => retries.inc(),
    };
  }

  private readonly textSources: TextSource[] = [];

  /** addTextSource exports `source`'s families after the registry's. */
  addTextSource(source: TextSource): void {
    this.textSources.push(source);
  }

  /** names lists every metric family exported: the registry's and the text sources'. */
  async names(): Promise<string[]> {
    return [...(await this.registry.getMetricsAsJSON()).map((m) => m.name), ...this.textSources.flatMap((s) => s.names)];
  }

  /**
   * render returns the metrics in the Prometheus text exposition format, as chunks to send one
   * after another: the registry's text, then each text source's, made as they are read. At
   * 10,000 resources the per-resource families are 13 MB of text; built whole, with a labels
   * object per series, they were a 47 MB spike in a heap capped at 160 MB.
   */
  async render(): Promise<{ contentType: string; body: Iterable<string> }> {
    const head = await this.registry.metrics();
    const sources = this.textSources;
    return {
      contentType: this.registry.contentType,
      body: (function* () {
        yield head;
        for (const s of sources) yield* s.chunks();
      })(),
    };
  }

  /** renderText is render's text in one string (tests, and registries known to be small). */
  async renderText(): Promise<string> {
    return [...(await this.render()).body].join('');
  }
}
