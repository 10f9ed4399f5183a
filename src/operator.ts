/**
 * startOperator runs the whole operator in this process: caches, controllers (on the leader only
 * when leader election is on), /metrics, /healthz and /readyz. main.ts wires it to argv and
 * signals; tests start it directly.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Config } from './config.js';
import { Manager } from './controller/manager.js';
import type { OntapClientOptions } from './ontap/client.js';
import { startHttpServer, type HttpServer } from './runtime/http-server.js';
import { KubeApi } from './runtime/kube.js';
import { LeaderElector } from './runtime/leader-election.js';
import type { Logger } from './runtime/logger.js';
import { Metrics } from './runtime/metrics.js';
import { MetricsAuth } from './runtime/metrics-auth.js';
import { selfSignedCertificate } from './runtime/self-signed.js';

/** OperatorOptions are what a test may set beyond the flags. */
export interface OperatorOptions {
  readonly logger: Logger;
  readonly clientOptions?: Partial<OntapClientOptions>;
  /** leaseTimings shortens leader election in tests. */
  readonly leaseTimings?: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  /** onLostLeadership is called when this leader loses its lease; main exits the process. */
  readonly onLostLeadership?: () => void;
}

/** Operator is a running operator. */
export interface Operator {
  readonly manager: Manager;
  readonly metrics: Metrics;
  readonly metricsUrl: string | undefined;
  readonly healthUrl: string | undefined;
  isLeader(): boolean;
  /**
   * stop stops taking work and aborts reads at once, sees the ONTAP writes already sent through
   * (at most --graceful-shutdown-timeout), then releases the lease and closes servers. Calling it
   * again returns the same promise.
   */
  stop(): Promise<void>;
}

/**
 * metricsCertificate reads tls.crt and tls.key from `dir`, or without one makes a self-signed
 * pair (as controller-runtime does): scrapers then skip verification or pin it, the ServiceMonitor
 * says which.
 */
async function metricsCertificate(dir: string | undefined, logger: Logger): Promise<{ cert: string; key: string }> {
  if (dir !== undefined) {
    const [cert, key] = await Promise.all([readFile(join(dir, 'tls.crt'), 'utf8'), readFile(join(dir, 'tls.key'), 'utf8')]).catch((err: unknown) => {
      throw new Error(`--metrics-cert-dir ${dir}: read tls.crt and tls.key`, { cause: err });
    });
    return { cert, key };
  }
  logger.info('serving /metrics with a self-signed certificate (no --metrics-cert-dir)');
  return selfSignedCertificate({ commonName: 'ontap-kms-operator-metrics', dnsNames: ['localhost', hostname()], ipAddresses: ['127.0.0.1', '::1'] });
}

/** startOperator starts everything and resolves once the servers listen (caches fill in the background). */
export async function startOperator(config: Config, options: OperatorOptions): Promise<Operator> {
  const logger = options.logger;
  const metrics = new Metrics({ collectDefaults: true });
  const api = await KubeApi.fromKubeconfig(config.kubeconfig, {
    logger,
    userAgent: 'ontap-kms-operator',
    onRequest: ({ method, status }) => metrics.restClientRequests.inc({ method, code: String(status) }),
  });
  const manager = new Manager({
    api,
    logger,
    metrics,
    namespaces: config.namespaces,
    maxConcurrentReconciles: config.maxConcurrentReconciles,
    reconcileTimeoutMs: config.reconcileTimeoutSeconds * 1000,
    clientOptions: options.clientOptions,
    allowList: config.allowedOntapEndpoints,
    clusterResourceNamespace: config.clusterResourceNamespace,
    maxConcurrentRekeysPerCluster: config.maxConcurrentRekeysPerCluster,
  });
  if (config.allowedOntapEndpoints.allowsAny) {
    logger.warn('WARNING: --allow-any-ontap-endpoint: every ONTAP endpoint is allowed, so anyone who may create an OntapCluster can make the operator connect to any host and port and send it the credentials and key-manager Secrets the resources name; list your ONTAP management addresses with --allowed-ontap-endpoints instead');
  } else if (config.allowedOntapEndpoints.empty) {
    logger.warn('no --allowed-ontap-endpoints: no ONTAP endpoint is allowed, so every OntapCluster and ClusterOntapCluster will be Ready=False/EndpointNotAllowed; set --allowed-ontap-endpoints (chart value allowedOntapEndpoints) to your ONTAP management addresses');
  } else {
    logger.info('allowed ONTAP endpoints', { allowedOntapEndpoints: config.allowedOntapEndpoints.entries });
  }
  const startedAt = Date.now();
  let syncStuckLogged = false;
  /** cacheSyncStuck tells whether the caches missed their deadline: /healthz fails so the pod restarts. */
  const cacheSyncStuck = (): boolean => {
    if (manager.synced() || Date.now() - startedAt < config.cacheSyncTimeoutSeconds * 1000) return false;
    if (!syncStuckLogged) {
      syncStuckLogged = true;
      logger.error('caches did not sync in time; failing /healthz', { cacheSyncTimeoutSeconds: config.cacheSyncTimeoutSeconds });
    }
    return true;
  };

  const servers: HttpServer[] = [];
  let metricsUrl: string | undefined;
  let healthUrl: string | undefined;
  if (config.metricsBindAddress !== '0') {
    const auth = config.metricsSecure ? new MetricsAuth({ api, logger }) : undefined;
    const s = await startHttpServer({
      address: config.metricsBindAddress,
      logger,
      ...(config.metricsSecure ? { tls: await metricsCertificate(config.metricsCertDir, logger), authorize: (req) => auth?.check(req) ?? Promise.resolve(undefined) } : {}),
      routes: {
        '/metrics': async () => {
          const { contentType, body } = await metrics.render();
          return { status: 200, body, contentType };
        },
      },
    });
    servers.push(s);
    metricsUrl = s.url;
  }
  let leading = !config.leaderElect;
  if (config.healthProbeBindAddress !== '0') {
    const s = await startHttpServer({
      address: config.healthProbeBindAddress,
      logger,
      routes: {
        // A process whose caches never fill (RBAC, an API server it cannot list) is not healthy:
        // its restart says so, and a leader stuck that way gives up the lease when it is killed.
        '/healthz': () =>
          Promise.resolve(
            cacheSyncStuck()
              ? { status: 503, body: `caches not synced after ${config.cacheSyncTimeoutSeconds} s\n` }
              : { status: 200, body: 'ok' },
          ),
        // Ready once the caches are filled; a standby replica is ready too (it serves as a warm spare).
        '/readyz': () => Promise.resolve(manager.synced() ? { status: 200, body: 'ok' } : { status: 503, body: 'caches not synced' }),
      },
    });
    servers.push(s);
    healthUrl = s.url;
  }

  const informers = manager.startInformers().catch((e: unknown) => {
    logger.error('informers failed to start', { error: e instanceof Error ? e.message : String(e) });
  });
  let elector: LeaderElector | undefined;
  let stopping = false;
  const startControllers = async (): Promise<void> => {
    await informers;
    if (stopping) return;
    manager.startControllers();
    logger.info('controllers started', { namespaces: config.namespaces ?? 'all' });
  };
  if (config.leaderElect) {
    const identity = `${hostname()}_${randomBytes(4).toString('hex')}`;
    metrics.leaderStatus.set({ name: config.leaderElectionId }, 0);
    elector = new LeaderElector(api, {
      namespace: config.leaderElectionNamespace,
      name: config.leaderElectionId,
      identity,
      logger,
      ...options.leaseTimings,
    });
    const e = elector;
    void e.run({
      onStartedLeading: () => {
        leading = true;
        metrics.leaderStatus.set({ name: config.leaderElectionId }, 1);
        void startControllers();
      },
      onStoppedLeading: () => {
        const wasLeading = leading;
        leading = false;
        metrics.leaderStatus.set({ name: config.leaderElectionId }, 0);
        if (!wasLeading) return;
        // Never write without the lease, whatever the embedder does next: not even the writes a
        // graceful stop is seeing through (stop() releases the lease only after they are done).
        manager.halt(new Error('lost the lease'));
        // Releasing the lease on stop() ends leadership too; only a loss is an error.
        if (!stopping) {
          logger.warn('lost leadership', { identity });
          void manager.stop();
          options.onLostLeadership?.();
        }
      },
    });
  } else {
    void startControllers();
  }

  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    stopping = true;
    // Writes already sent are seen through before the lease is given up, so the next leader
    // never sends them again; reads and work not begun stop at once.
    const graceMs = config.gracefulShutdownTimeoutSeconds * 1000;
    await manager.stop(graceMs);
    await elector?.stop();
    await Promise.all(servers.map((s) => s.close()));
  };
  return {
    manager,
    metrics,
    metricsUrl,
    healthUrl,
    isLeader: () => leading,
    stop: () => (stopped ??= stop()),
  };
}
