/**
 * ClusterReconciler keeps an OntapCluster's connection current and probes it with
 * GET /api/cluster: Ready says whether ONTAP answered with these settings, and why not when it
 * did not (Secret missing, credentials refused, TLS trust, unreachable).
 */
import { ConditionType, EventReason, Reason } from '../../api/v1alpha1/constants.js';
import type { OntapCluster, OntapClusterStatus } from '../../api/v1alpha1/types.js';
import type { Logger } from '../../runtime/logger.js';
import { noticeLate } from '../../runtime/timers.js';
import { type ConditionInput, findCondition, setConditions } from '../conditions.js';
import { classifyError, isStopping } from '../errors.js';
import { type KubeWriter, writeStatus } from '../kube-writes.js';
import type { ResourceType } from '../../runtime/kube.js';
import { OntapClusterType } from '../resources.js';
import type { ClusterConnections } from './connections.js';

/** PROBE_INTERVAL_MS is how often a healthy cluster is probed again. */
export const PROBE_INTERVAL_MS = 300_000;

/**
 * PROBE_STALL_MS is how long a probe may go unanswered before Ready turns Unknown (it still waits
 * for the answer, up to the request timeout); a read of the cluster's key managers reported
 * stalled by a resource turns it Unknown at once.
 */
export const PROBE_STALL_MS = 10_000;

/** ClusterRecorder is the event sink. */
export interface ClusterRecorder {
  event(obj: OntapCluster, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** ClusterReconcilerDeps are the reconciler's collaborators. */
export interface ClusterReconcilerDeps {
  readonly kube: KubeWriter;
  readonly connections: ClusterConnections;
  readonly recorder: ClusterRecorder;
  /** onChanged is told when Ready or the cluster uuid changes, to requeue the key-manager resources that use the cluster. */
  readonly onChanged?: (cluster: OntapCluster) => void;
  readonly now?: () => number;
  /** type is the kind reconciled: OntapCluster, or the cluster-scoped ClusterOntapCluster. @default OntapClusterType */
  readonly type?: ResourceType;
}

/** ClusterReconciler reconciles OntapCluster objects. */
export class ClusterReconciler {
  constructor(private readonly deps: ClusterReconcilerDeps) {}

  /** reconcile probes the cluster and writes status; it throws to back off after a failure. */
  async reconcile(obj: OntapCluster, log: Logger, signal?: AbortSignal): Promise<{ requeueAfterMs: number | undefined }> {
    const { namespace, name } = obj.metadata;
    if (obj.metadata.deletionTimestamp) {
      this.deps.connections.drop(namespace, name);
      return { requeueAfterMs: undefined };
    }
    const clock = this.deps.now ?? Date.now;
    const now = new Date(clock());
    const prev = obj.status ?? {};
    let shown = obj.status;
    let next: OntapClusterStatus;
    let failure: ReturnType<typeof classifyError> | undefined;
    try {
      const conn = await this.deps.connections.get(obj);
      const started = clock();
      const stalledSince = (): number | undefined => this.deps.connections.stalledSince(namespace, name);
      // No answer yet: Ready says so (Unknown) while the probe still waits, up to the request timeout.
      const info = await noticeLate(
        conn.client.getCluster(signal),
        () => (stalledSince() !== undefined ? clock() : started + PROBE_STALL_MS),
        async () => {
          const since = Math.min(stalledSince() ?? started, started);
          const waited = Math.round((clock() - since) / 1000);
          const unknown: ConditionInput = {
            type: ConditionType.Ready,
            status: 'Unknown',
            reason: Reason.Unreachable,
            message: `no answer from ONTAP for ${waited} s (a request sent at ${new Date(since).toISOString()}); still waiting, up to the request timeout (${obj.spec.requestTimeoutSeconds} s)`,
          };
          const waiting = { ...prev, observedGeneration: obj.metadata.generation, conditions: setConditions(prev.conditions, [unknown], obj.metadata.generation, new Date(clock())) };
          try {
            if (await writeStatus(this.deps.kube, this.deps.type ?? OntapClusterType, obj.metadata, shown, waiting)) this.deps.onChanged?.({ ...obj, status: waiting });
            shown = waiting;
            log.info('no answer from ONTAP yet; still waiting', { waitedSeconds: waited });
          } catch (e) {
            log.debug('could not show the wait', { error: e instanceof Error ? e.message : String(e) });
          }
        },
        clock,
      );
      const version = `${info.version.generation}.${info.version.major}.${info.version.minor}`;
      const insecure = obj.spec.insecureSkipTLSVerify ? '; TLS certificate verification is DISABLED (insecureSkipTLSVerify)' : '';
      const ready: ConditionInput = { type: ConditionType.Ready, status: 'True', reason: Reason.Connected, message: `connected to ${info.name} (ONTAP ${version})${insecure}` };
      next = { observedGeneration: obj.metadata.generation, clusterName: info.name, clusterUUID: info.uuid, version, conditions: setConditions(prev.conditions, [ready], obj.metadata.generation, now) };
      if (findCondition(prev.conditions, ConditionType.Ready)?.status !== 'True') {
        log.info('connected to ONTAP', { cluster: info.name, version });
        this.deps.recorder.event(obj, 'Normal', EventReason.Connected, ready.message);
        if (obj.spec.insecureSkipTLSVerify) this.deps.recorder.event(obj, 'Warning', EventReason.InsecureTLS, 'TLS certificate verification is disabled for this cluster');
      }
    } catch (e) {
      // A probe cut off by the operator stopping says nothing of the cluster: write nothing.
      if (isStopping(e, signal)) throw e;
      failure = classifyError(e, `probe ${obj.spec.endpoint}`, signal, this.deps.connections.trust(obj));
      const ready: ConditionInput = { type: ConditionType.Ready, status: 'False', reason: failure.reason, message: failure.message };
      // Keep what was last learnt of the cluster: a failed probe does not change its identity.
      next = { ...prev, observedGeneration: obj.metadata.generation, conditions: setConditions(prev.conditions, [ready], obj.metadata.generation, now) };
      log.info('probe failed', { reason: failure.reason, error: failure.message });
      this.deps.recorder.event(obj, 'Warning', EventReason.ConnectionFailed, `${failure.reason}: ${failure.message}`);
    }
    const wrote = await writeStatus(this.deps.kube, this.deps.type ?? OntapClusterType, obj.metadata, shown, next);
    if (wrote) this.deps.onChanged?.({ ...obj, status: next });
    if (failure && failure.retry === 'backoff') throw failure;
    return { requeueAfterMs: PROBE_INTERVAL_MS };
  }
}
