/**
 * The operator's command-line flags and environment, parsed and validated once. Flag names follow
 * controller-runtime's (`--metrics-bind-address`, `--health-probe-bind-address`, `--leader-elect`).
 */
import { parseArgs } from 'node:util';
import { EndpointAllowList } from './ontap/endpoint-policy.js';
import type { LogFormat, LogLevel } from './runtime/logger.js';

/** Config is the validated configuration of one operator process. */
export interface Config {
  /** kubeconfig path; undefined: in-cluster, then $KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfig: string | undefined;
  /** namespaces to watch; undefined: all. */
  readonly namespaces: string[] | undefined;
  /** @default ':8080' */
  readonly metricsBindAddress: string;
  /** @default ':8081' */
  readonly healthProbeBindAddress: string;
  /** @default false */
  readonly leaderElect: boolean;
  /** Lease namespace; @default $POD_NAMESPACE or 'default' */
  readonly leaderElectionNamespace: string;
  /** @default 'ontap-kms-operator' */
  readonly leaderElectionId: string;
  /** @default 4 */
  readonly maxConcurrentReconciles: number;
  /** @default 'info' */
  readonly logLevel: LogLevel;
  /** @default 'json' */
  readonly logFormat: LogFormat;
  /** cacheSyncTimeoutSeconds: caches not filled by then make /healthz fail (the pod restarts). @default 120 */
  readonly cacheSyncTimeoutSeconds: number;
  /** reconcileTimeoutSeconds aborts one reconcile that runs longer. @default 180 */
  readonly reconcileTimeoutSeconds: number;
  /**
   * gracefulShutdownTimeoutSeconds bounds how long a stopping operator waits for the ONTAP writes
   * it has already sent (and the rest of their reconcile) before it aborts them. @default 20
   */
  readonly gracefulShutdownTimeoutSeconds: number;
  /** maxConcurrentRekeysPerCluster bounds the scheduled rekey-internals running at once on one ONTAP cluster. @default 1 */
  readonly maxConcurrentRekeysPerCluster: number;
  /**
   * allowedOntapEndpoints are CIDRs, IPs, host names and *.domains, each with an optional :PORT
   * or :* (none: 443). Empty allows no endpoint; only --allow-any-ontap-endpoint allows every one.
   * @default [] (nothing allowed)
   */
  readonly allowedOntapEndpoints: EndpointAllowList;
  /** clusterResourceNamespace holds the Secrets of ClusterOntapClusters. @default $POD_NAMESPACE or 'default' */
  readonly clusterResourceNamespace: string;
  /** metricsSecure serves /metrics over HTTPS with TokenReview and SubjectAccessReview. @default true */
  readonly metricsSecure: boolean;
  /** metricsCertDir holds tls.crt and tls.key for /metrics; unset: a self-signed pair made at start-up. */
  readonly metricsCertDir: string | undefined;
}

/** USAGE is printed by --help and on a flag error. */
export const USAGE = `Usage: ontap-kms-operator [flags]

  --kubeconfig PATH                  kubeconfig to use (default: in-cluster, then $KUBECONFIG)
  --namespace NS                     namespace to watch; repeatable (default: all namespaces)
  --metrics-bind-address ADDR        where /metrics listens, "0" to disable (default :8443)
  --metrics-secure true|false        HTTPS with TokenReview authentication and SubjectAccessReview
                                     authorization (get on /metrics); false: plain HTTP, open to
                                     anyone who reaches it, for local runs (default true)
  --metrics-cert-dir DIR             tls.crt and tls.key for /metrics (default: a self-signed
                                     certificate made at start-up)
  --health-probe-bind-address ADDR   where /healthz and /readyz listen (default :8081)
  --leader-elect                     run leader election; only the leader reconciles
  --leader-election-namespace NS     namespace of the Lease (default $POD_NAMESPACE or default)
  --leader-election-id NAME          name of the Lease (default ontap-kms-operator)
  --max-concurrent-reconciles N      workers per controller (default 4); one ONTAP cluster's
                                     resources take at most half of them, and its drift checks
                                     leave one of those to changes; one namespace's take half
                                     too, and more only while another worker stays idle
  --cache-sync-timeout SECONDS       caches not filled by then fail /healthz (default 120)
  --reconcile-timeout SECONDS        abort a reconcile that runs longer (default 180)
  --max-concurrent-rekeys-per-cluster N
                                     scheduled rekey-internals (spec.keyRotation) running at
                                     once on one ONTAP cluster; the others wait (default 1)
  --graceful-shutdown-timeout SECONDS
                                     on SIGTERM, wait this long for ONTAP writes already sent
                                     (reads and unsent work stop at once) before aborting them
                                     and releasing the lease (default 20; keep it below the
                                     pod's terminationGracePeriodSeconds)
  --allowed-ontap-endpoints LIST     ONTAP endpoints the operator may contact: CIDRs, IPs, host
                                     names, *.domains, each with an optional :PORT or :* (any
                                     port); without one, 443. IPv6 in brackets before a port:
                                     [fd20::/64]:8443. Comma-separated, repeatable. Outside it
                                     nothing is sent (EndpointNotAllowed). Default: empty, and
                                     empty allows NO endpoint
  --allow-any-ontap-endpoint         allow every host and port instead (any OntapCluster may
                                     then make the operator connect anywhere, with any Secret it
                                     names); logged as a warning at every start
  --cluster-resource-namespace NS    where ClusterOntapCluster Secrets live (default
                                     $POD_NAMESPACE or default)
  --log-level error|warn|info|debug  (default info)
  --log-format json|text             (default json)
  --help`;

/** ConfigError names the flag that is wrong. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function positiveInt(flag: string, raw: string, max = 1_000): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ConfigError(`--${flag}: expected an integer from 1 to ${max}, got "${raw}"`);
  return n;
}

function oneOf<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`--${flag}: expected one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** parseConfig reads argv (without node and script) and the environment; it throws ConfigError. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        kubeconfig: { type: 'string' },
        namespace: { type: 'string', multiple: true },
        'metrics-bind-address': { type: 'string', default: ':8443' },
        'metrics-secure': { type: 'string', default: 'true' },
        'metrics-cert-dir': { type: 'string' },
        'allowed-ontap-endpoints': { type: 'string', multiple: true },
        'allow-any-ontap-endpoint': { type: 'boolean', default: false },
        'cluster-resource-namespace': { type: 'string' },
        'health-probe-bind-address': { type: 'string', default: ':8081' },
        'leader-elect': { type: 'boolean', default: false },
        'leader-election-namespace': { type: 'string' },
        'leader-election-id': { type: 'string', default: 'ontap-kms-operator' },
        'max-concurrent-reconciles': { type: 'string', default: '4' },
        'cache-sync-timeout': { type: 'string', default: '120' },
        'reconcile-timeout': { type: 'string', default: '180' },
        'graceful-shutdown-timeout': { type: 'string', default: '20' },
        'max-concurrent-rekeys-per-cluster': { type: 'string', default: '1' },
        'log-level': { type: 'string', default: 'info' },
        'log-format': { type: 'string', default: 'json' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    throw new ConfigError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) return 'help';
  let allowList: EndpointAllowList;
  try {
    const entries = (values['allowed-ontap-endpoints'] ?? []).flatMap((e) => e.split(',')).map((e) => e.trim()).filter((e) => e !== '');
    if (values['allow-any-ontap-endpoint'] && entries.length > 0) {
      throw new ConfigError('--allow-any-ontap-endpoint and --allowed-ontap-endpoints contradict each other: give one or the other');
    }
    allowList = EndpointAllowList.parse(entries, { allowAny: values['allow-any-ontap-endpoint'] });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`--allowed-ontap-endpoints: ${e instanceof Error ? e.message : String(e)}`);
  }
  const namespaces = values.namespace?.flatMap((n) => n.split(',')).map((n) => n.trim()).filter((n) => n !== '');
  return {
    kubeconfig: values.kubeconfig ?? undefined,
    namespaces: namespaces && namespaces.length > 0 ? [...new Set(namespaces)] : undefined,
    metricsBindAddress: values['metrics-bind-address'],
    healthProbeBindAddress: values['health-probe-bind-address'],
    leaderElect: values['leader-elect'],
    leaderElectionNamespace: values['leader-election-namespace'] ?? env.POD_NAMESPACE ?? 'default',
    leaderElectionId: values['leader-election-id'],
    maxConcurrentReconciles: positiveInt('max-concurrent-reconciles', values['max-concurrent-reconciles']),
    logLevel: oneOf('log-level', values['log-level'], ['error', 'warn', 'info', 'debug'] as const),
    logFormat: oneOf('log-format', values['log-format'], ['json', 'text'] as const),
    cacheSyncTimeoutSeconds: positiveInt('cache-sync-timeout', values['cache-sync-timeout'], 86_400),
    reconcileTimeoutSeconds: positiveInt('reconcile-timeout', values['reconcile-timeout'], 3_600),
    gracefulShutdownTimeoutSeconds: positiveInt('graceful-shutdown-timeout', values['graceful-shutdown-timeout'], 3_600),
    maxConcurrentRekeysPerCluster: positiveInt('max-concurrent-rekeys-per-cluster', values['max-concurrent-rekeys-per-cluster'], 64),
    allowedOntapEndpoints: allowList,
    clusterResourceNamespace: values['cluster-resource-namespace'] ?? env.POD_NAMESPACE ?? 'default',
    metricsSecure: oneOf('metrics-secure', values['metrics-secure'], ['true', 'false'] as const) === 'true',
    metricsCertDir: values['metrics-cert-dir'],
  };
}
