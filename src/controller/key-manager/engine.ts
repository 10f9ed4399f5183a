/**
 * KeyManagerReconciler is the engine every key-manager kind shares: it drives one resource
 * towards its spec through its kind's adapter. Policy lives here and nowhere else: suspend, the
 * finalizer, tenancy and conflicts, the connection, when Secrets are read, Observe and Manage,
 * adoption, the order of writes (rekey, then configuration, then credentials), the bookkeeping of
 * which Secret versions were sent, events, the observer's invalidation around writes, deletion per
 * deletionPolicy, and last the status, written once and only when it changed. Level-based: every
 * run starts from the object and ONTAP as they are, never from the event that queued it.
 */
import { EventReason, FINALIZER, MAX_RESTORE_TOKEN_LENGTH, Reason, RESTORE_ANNOTATION } from '../../api/v1alpha1/constants.js';
import type { AppliedSecret, ClusterOntapCluster, KeyRotationStatus, OntapCluster, PendingWrite, RestoreResult } from '../../api/v1alpha1/types.js';
import { nextOpening, rotationClock } from './rotation.js';
import { connectionKey } from './conflicts.js';
import { isGone, OntapAbortedError, OntapApiError, OntapProtocolError, OntapTimeoutError, OntapTransportError } from '../../ontap/errors.js';
import type { OnJob } from '../../ontap/client.js';
import type { KeyManagerRecord } from '../../ontap/key-manager-family.js';
import { abortable } from '../../runtime/backoff.js';
import { noticeLate } from '../../runtime/timers.js';
import type { Logger } from '../../runtime/logger.js';
import type { Trigger, WriteGate } from '../controller.js';
import { classifyError, isStopping, ontapMessage, ReconcileError, SupersededError, type TrustContext } from '../errors.js';
import { setFinalizer, writeStatus, type KubeWriter } from '../kube-writes.js';
import type { ClusterConnections, Connection, Watched } from '../ontap-cluster/connections.js';
import type { SecretReader } from '../secrets.js';
import type { KeyManagerAdapter, KeyManagerObject, SidePlan, SideReads } from './adapter.js';
import { conflictMessage, conflictWinner, describeScope } from './conflicts.js';
import { type ClusterObserver, lastBoundary, nextDriftCheck, recordSvm, scopeKey } from './observer.js';
import { markSent, sentState } from './applied.js';
import { restoreAsked } from './due.js';
import { type ExportResult, type SecretStore, writeExport } from './export.js';
import { SecretFingerprints } from './fingerprints.js';
import type { Outcome } from './status.js';
import { type NamespaceMeta, permitted } from './tenancy.js';

/** Recorder is the event sink (runtime/events.ts's EventRecorder fits). */
export interface Recorder {
  event(obj: KeyManagerObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** KeyManagerDeps are the engine's collaborators, narrow so tests can see what it uses. */
export interface KeyManagerDeps<O extends KeyManagerObject> {
  readonly kube: KubeWriter;
  readonly secrets: SecretReader;
  /** connections gives the ONTAP connection of an OntapCluster or ClusterOntapCluster. */
  readonly connections: Pick<ClusterConnections, 'get'> & Partial<Pick<ClusterConnections, 'trust'>>;
  /** cluster returns the OntapCluster from the cache. */
  readonly cluster: (namespace: string, name: string) => OntapCluster | undefined;
  /** clusterScoped returns the ClusterOntapCluster from the cache. @default none */
  readonly clusterScoped?: (name: string) => ClusterOntapCluster | undefined;
  /** namespace returns a namespace's labels and annotations from the cache, for tenancy. @default none */
  readonly namespace?: (name: string) => NamespaceMeta | undefined;
  /**
   * peers returns the cached resources of the same kind that may configure the same target as
   * `obj`, for conflict detection: at least every one naming the same SVM through the same
   * connection and, when `recordUuid` (the record `obj`'s connection sees) is known, every one
   * whose status holds that record, in any namespace (see conflicts.ts).
   */
  readonly peers: (obj: O, recordUuid: string | undefined) => readonly O[];
  readonly recorder: Recorder;
  readonly onDriftCorrected?: (field: string) => void;
  /** secretVersion returns a Secret's resourceVersion from the metadata cache; without it Secrets are read on every reconcile. */
  readonly secretVersion?: (namespace: string, name: string) => string | undefined;
  /** onSynced is told of every reconcile that ended without error (the last-sync metric). */
  readonly onSynced?: (namespace: string, name: string) => void;
  readonly now?: () => number;
  /** rekeys bounds the rekey-internals running at once per ONTAP cluster (connection key). @default one at a time */
  readonly rekeys?: RekeySlots;
  /** secretStore writes the Secrets an adapter exports to (export.ts). @default none: nothing is exported */
  readonly secretStore?: SecretStore;
}

/** RekeySlots hands out the right to run a rekey-internal on a cluster: a release function, or undefined when all are taken. */
export interface RekeySlots {
  tryAcquire(clusterKey: string): (() => void) | undefined;
}

/** rekeySlots allows `perCluster` rekey-internals at once on each cluster. */
export function rekeySlots(perCluster: number): RekeySlots {
  const running = new Map<string, number>();
  return {
    tryAcquire(clusterKey) {
      const n = running.get(clusterKey) ?? 0;
      if (n >= perCluster) return undefined;
      running.set(clusterKey, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (running.get(clusterKey) ?? 1) - 1;
        if (left <= 0) running.delete(clusterKey);
        else running.set(clusterKey, left);
      };
    },
  };
}

/** ROTATION_SLOT_RETRY_MS is how soon a due rotation that found its cluster's rekey slots taken looks again. */
const ROTATION_SLOT_RETRY_MS = 5_000;

/** NEEDS_A_CHANGE are rekey-internal failures retried only after the resource changes (its generation). */
const NEEDS_A_CHANGE: readonly string[] = [Reason.KeysInAdminSvm, Reason.NoInternalKeys];

/** ROTATION_ADVICE says what happens after each rekey-internal failure. */
const ROTATION_ADVICE: Readonly<Record<string, string>> = {
  [Reason.KeysInAdminSvm]: "migrate the SVM's keys off the admin SVM's key manager first (ONTAP: security key-manager key migrate); tried again after the next change to this resource",
  [Reason.NoInternalKeys]: 'the SVM has no internal keys to rotate; tried again after the next change to this resource',
  [Reason.NodesOffline]: 'tried again at each drift check until every node is online',
  [Reason.KeyManagerBlocked]: 'not tried again until ONTAP shows the key manager available again (Ready turns True)',
};

/** UnansweredError ends a pass whose read of ONTAP has had no answer for a drift interval: Synced and Ready show Unknown/Unreachable. */
class UnansweredError extends ReconcileError {
  constructor(message: string) {
    super(Reason.Unreachable, message, 'wait');
    this.name = 'UnansweredError';
  }
}

/**
 * SETTLE_MARGIN_MS is added to the request timeout before a create or rekey that was in flight when
 * the operator stopped, with no job to follow, is taken as never having reached ONTAP.
 */
const SETTLE_MARGIN_MS = 5_000;

/**
 * Pass is what one reconcile keeps of its own status writes: the status as last written, and the
 * write whose outcome is unknown (status.pendingWrite) that the status must keep.
 */
interface Pass<O extends KeyManagerObject> {
  readonly obj: O;
  shown: O['status'];
  pending: PendingWrite | undefined;
  /** restored is how a restore asked for by the annotation went, when this pass learnt it. */
  restored?: RestoreResult;
  /** rotation is status.keyRotation as this pass leaves it (spec.keyRotation set). */
  rotation?: KeyRotationStatus;
  /** soonMs asks for the next pass sooner than the drift check (a rotation due, or waiting for a slot). */
  soonMs?: number;
  /**
   * took is what this pass's writes are known to have done on ONTAP: the record they went to and
   * the Secret versions sent. A pass that fails after them (the read that follows, say) still
   * writes it into status, so the next pass neither adopts its own record nor sends them again.
   */
  took?: { uuid: string; applied: AppliedSecret[] };
  /** side are the records read beside the record (adapter.sides), latest first read. */
  side?: SideReads;
}

/** skipped is the RestoreResult of a restore not run, and why. */
function skipped(token: string, why: string, now: number): RestoreResult {
  return { token, time: new Date(now).toISOString(), result: 'Skipped', message: why };
}

/** outcomeUnknown tells whether a failed write may still have taken effect on ONTAP. */
function outcomeUnknown(e: unknown): boolean {
  return (
    e instanceof OntapTimeoutError ||
    (e instanceof OntapAbortedError && e.outcomeUnknown) ||
    (e instanceof OntapTransportError && e.mayHaveBeenSent) ||
    // A job ONTAP no longer knows, or an answer that cannot be read.
    e instanceof OntapProtocolError
  );
}

/** NO_GATE lets every write go: a caller without a controller (a test) never stops. */
const NO_GATE: WriteGate = { begin: () => undefined };

/** ReconcileResult tells the queue when to look again; an error thrown means "back off". */
export interface ReconcileResult {
  /** requeueAfterMs schedules the next drift check; undefined: only on the next event. */
  readonly requeueAfterMs: number | undefined;
}

/** KeyManagerReconciler reconciles the resources of one key-manager kind through its adapter. */
export class KeyManagerReconciler<O extends KeyManagerObject, R extends KeyManagerRecord, S> {
  private readonly now: () => number;
  private readonly watched: Watched<R>;
  /**
   * fingerprints remembers, per credentials Secret and keys, what was last read of it (see
   * fingerprints.ts); the kind forgets a Secret no resource references any more.
   */
  readonly fingerprints = new SecretFingerprints();

  constructor(
    private readonly adapter: KeyManagerAdapter<O, R, S>,
    private readonly deps: KeyManagerDeps<O>,
  ) {
    this.now = deps.now ?? Date.now;
    this.watched = { family: adapter.family, fields: adapter.observedFields };
  }

  /**
   * reconcile runs one pass for `obj`; it throws a ReconcileError when the queue must back off.
   * `signal` aborts every ONTAP call of the pass (the operator stopping, or the reconcile
   * deadline); `cutShort` ends only the wait for an observation (a change superseding a drift check);
   * `gate` is asked before every ONTAP write, and refuses the first one once the operator stops.
   * A pass stopped before its first write writes nothing at all (no status, no event).
   */
  async reconcile(obj: O, log: Logger, signal?: AbortSignal, trigger: Trigger = 'periodic', cutShort?: AbortSignal, gate: WriteGate = NO_GATE): Promise<ReconcileResult> {
    if (obj.spec.suspend) {
      await this.writeOutcome(obj, { owned: false, drift: obj.status?.drift ?? [], observeOnly: false, error: new ReconcileError(Reason.Suspended, 'reconcile suspended by spec.suspend', 'wait') });
      return { requeueAfterMs: undefined };
    }
    if (obj.metadata.deletionTimestamp) return this.finalize(obj, log, signal, gate);
    if (!obj.metadata.finalizers?.includes(FINALIZER)) {
      // `obj` is the cache's own copy: it is read, never written (the write lands in the mutation cache).
      await setFinalizer(this.deps.kube, this.adapter.type, obj.metadata, FINALIZER, true);
    }

    const observeOnly = obj.spec.managementPolicy === 'Observe';
    const pass: Pass<O> = { obj, shown: obj.status, pending: obj.status?.pendingWrite };
    let outcome: Outcome<R>;
    try {
      const synced = await this.sync(obj, observeOnly, log, signal, trigger, cutShort, gate, pass);
      outcome = { ...synced, side: pass.side, exported: await this.exportRecord(obj, synced, log), pendingWrite: pass.pending, lastRestore: pass.restored, keyRotation: obj.spec.keyRotation ? pass.rotation : null };
    } catch (e) {
      if (e instanceof SupersededError || isStopping(e, signal)) throw e;
      const error = classifyError(e, this.action(obj), signal, this.trust(obj));
      outcome = {
        owned: false,
        drift: obj.status?.drift ?? [],
        observeOnly,
        error,
        waiting: e instanceof UnansweredError,
        pendingWrite: pass.pending,
        lastRestore: pass.restored,
        keyRotation: obj.spec.keyRotation ? pass.rotation : null,
        applied: pass.took?.applied,
        uuid: pass.took?.uuid,
        side: pass.side,
      };
    }
    await this.writeOutcome(obj, outcome, pass.shown);
    if (!outcome.error) this.deps.onSynced?.(obj.metadata.namespace, obj.metadata.name);
    const drift = nextDriftCheck(this.now(), obj.spec.driftCheckIntervalSeconds * 1000);
    const requeueAfterMs = pass.soonMs !== undefined ? Math.min(drift, Math.max(pass.soonMs, 0) + 50) : drift;
    if (outcome.waiting === true) {
      // Not a failure yet: the read goes on, and its end (answer or error) queues this resource again.
      log.info('no answer from ONTAP for a drift interval; shown as Unknown', { error: outcome.error?.message });
    } else if (outcome.error) {
      log.info('reconcile failed', { reason: outcome.error.reason, error: outcome.error.message });
      this.deps.recorder.event(obj, 'Warning', EventReason.ReconcileError, `${outcome.error.reason}: ${outcome.error.message}`);
      if (outcome.error.retry === 'backoff') throw outcome.error;
    }
    return { requeueAfterMs };
  }

  /**
   * trust says where the TLS trust of the resource's cluster comes from, for the message of a
   * certificate that did not verify; a ClusterOntapCluster's Secret is not named to its tenants.
   */
  private trust(obj: O): TrustContext | undefined {
    const ref = obj.spec.clusterRef;
    const cluster = ref.kind === 'ClusterOntapCluster' ? this.deps.clusterScoped?.(ref.name) : this.deps.cluster(obj.metadata.namespace, ref.name);
    return cluster && this.deps.connections.trust?.(cluster, ref.kind === 'ClusterOntapCluster');
  }

  private action(obj: O): string {
    return `${this.adapter.family.noun} for ${describeScope(obj.spec.svm)} on ${obj.spec.clusterRef.kind} ${obj.spec.clusterRef.name}`;
  }

  /** writeOutcome writes the status `outcome` makes of `obj`, as a patch from `shown` (what this pass last wrote, else the object's). */
  private async writeOutcome(obj: O, outcome: Outcome<R>, shown: O['status'] = obj.status): Promise<void> {
    const next = this.adapter.status(obj, outcome, new Date(this.now()));
    await writeStatus(this.deps.kube, this.adapter.type, obj.metadata, shown, next);
  }

  /**
   * intend records `write` in status.pendingWrite (with `applied`, the Secret versions it sends)
   * before it is sent, so that a process that dies while it is in flight leaves word of it.
   */
  private async intend(pass: Pass<O>, write: PendingWrite, applied?: readonly AppliedSecret[]): Promise<void> {
    const next = { ...pass.shown, pendingWrite: write, ...(applied ? { appliedSecrets: [...applied] } : {}) } as NonNullable<O['status']>;
    await writeStatus(this.deps.kube, this.adapter.type, pass.obj.metadata, pass.shown, next);
    pass.shown = next;
    pass.pending = write;
  }

  /**
   * send sends one create or rekey-external: recorded first (intend), its job's uuid recorded when
   * ONTAP answers 202, and the record dropped once the outcome is known (success, or an answer).
   */
  private async send<T>(pass: Pass<O>, write: PendingWrite, log: Logger, call: (onJob: OnJob) => Promise<T>, applied?: readonly AppliedSecret[]): Promise<T> {
    await this.intend(pass, write, applied);
    const onJob: OnJob = async (job) => {
      // Best effort: without it a restart waits out the request timeout instead of following the job.
      await this.intend(pass, { ...write, job }).catch((e: unknown) => log.debug('could not record the job', { job, error: e instanceof Error ? e.message : String(e) }));
    };
    try {
      const result = await call(onJob);
      pass.pending = undefined;
      return result;
    } catch (e) {
      if (!outcomeUnknown(e)) pass.pending = undefined;
      throw e;
    }
  }

  /**
   * settle decides what to do about a create or rekey-external that was in flight when an earlier
   * process stopped (status.pendingWrite): ONTAP shows it took effect, or its job has ended (read
   * again), or it cannot still be running (its request timeout has passed): go on from what ONTAP
   * shows; otherwise wait (WritePending), reading ONTAP afresh each time, rather than send it twice.
   */
  private async settle(pending: PendingWrite, record: R | undefined, conn: Connection, observer: ClusterObserver<R>, key: string, pass: Pass<O>, log: Logger, signal: AbortSignal | undefined): Promise<R | undefined> {
    const { spec } = pass.obj;
    if (pending.operation === 'restore') {
      // A restore shows nothing on the record: its job says how it went, or nobody can tell.
      // Either way it is not sent again for this token.
      const ended = pending.job !== undefined ? await conn.client.followJob(pending.job, signal) : 'unknown';
      const result = ended === 'success' ? 'Succeeded' : ended === 'failure' ? 'Failed' : 'Unknown';
      pass.restored = {
        token: pending.token ?? '',
        time: new Date(this.now()).toISOString(),
        result,
        ...(result === 'Failed' ? { reason: Reason.OntapError, message: `ONTAP's job ${pending.job ?? ''} for the restore failed` } : {}),
        ...(result === 'Unknown' ? { message: 'the operator stopped while the restore was in flight and could not learn how it ended; set a new token to run it again' } : {}),
      };
      log.info('a restore sent before a restart', { job: pending.job, result });
      pass.pending = undefined;
      return record;
    }
    if (pending.operation === 'rekey-internal') {
      // A rotation shows nothing on the record either: its job says how it went. One nobody can
      // tell the end of counts as done: a rotation is never sent twice for a period.
      const ended = pending.job !== undefined ? await conn.client.followJob(pending.job, signal) : 'unknown';
      const rot = pass.obj.status?.keyRotation ?? {};
      const time = new Date(this.now()).toISOString();
      pass.rotation =
        ended === 'failure'
          ? { ...rot, lastResult: { time, result: 'Failed', reason: Reason.OntapError, message: `ONTAP's job ${pending.job ?? ''} for the rekey-internal sent at ${pending.sentAt} failed; tried again at the next drift check` } }
          : {
              ...rot,
              lastRekeyTime: pending.sentAt,
              lastResult: ended === 'success' ? { time, result: 'Succeeded' } : { time, result: 'Unknown', message: `the operator stopped while the rekey-internal sent at ${pending.sentAt} was in flight and could not learn how it ended; counted as this period's rotation` },
            };
      log.info('a rekey-internal sent before a restart', { job: pending.job, ended });
      pass.pending = undefined;
      return record;
    }
    const tookEffect = (r: R | undefined): boolean =>
      pending.operation === 'create' ? r !== undefined : r !== undefined && this.adapter.delta(spec, r, undefined, pass.obj.status?.appliedSecrets ?? []).rekey === undefined;
    if (tookEffect(record)) {
      log.info('a write sent before a restart took effect', { operation: pending.operation, sentAt: pending.sentAt });
      pass.pending = undefined;
      return record;
    }
    if (pending.job !== undefined) {
      const ended = await conn.client.followJob(pending.job, signal);
      observer.forget(key);
      const fresh = await observer.observe(key, this.now(), signal);
      log.info('followed the job of a write sent before a restart', { operation: pending.operation, job: pending.job, ended, tookEffect: tookEffect(fresh) });
      pass.pending = undefined;
      return fresh;
    }
    const sent = Date.parse(pending.sentAt);
    const until = (Number.isNaN(sent) ? 0 : sent) + conn.client.requestTimeoutMs + SETTLE_MARGIN_MS;
    if (this.now() < until) {
      // The next pass reads ONTAP, not this one's snapshot.
      observer.forget(key);
      throw new ReconcileError(
        Reason.WritePending,
        `the ${pending.operation} sent at ${pending.sentAt} was in flight when the operator stopped, and ONTAP does not show it yet: not sending it again before ${new Date(until).toISOString()} (its request timeout), unless ONTAP shows it first`,
        'backoff',
      );
    }
    log.info('a write sent before a restart never took effect; sending it again', { operation: pending.operation, sentAt: pending.sentAt });
    pass.pending = undefined;
    return record;
  }

  /**
   * connect finds the OntapCluster or ClusterOntapCluster and its connection, or says why not.
   * A ClusterOntapCluster's tenancy policy is checked first: a reference it does not allow is
   * NotPermitted, and nothing is built or sent. Its failures are told without their details,
   * which name the platform's Secrets and namespace: its own status has them.
   */
  private async connect(obj: O): Promise<Connection> {
    const { namespace } = obj.metadata;
    const name = obj.spec.clusterRef.name;
    if (obj.spec.clusterRef.kind === 'ClusterOntapCluster') {
      const shared = this.checkPermitted(obj);
      try {
        return await this.deps.connections.get(shared);
      } catch (e) {
        const cause = classifyError(e, `ClusterOntapCluster ${name}`);
        throw new ReconcileError(Reason.ClusterNotReady, `ClusterOntapCluster ${name} is not ready (${cause.reason}); its status says why`, cause.retry, { cause: e });
      }
    }
    const cluster = this.deps.cluster(namespace, name);
    if (!cluster) throw new ReconcileError(Reason.ClusterNotFound, `OntapCluster ${namespace}/${name} not found`, 'wait');
    try {
      return await this.deps.connections.get(cluster);
    } catch (e) {
      const cause = classifyError(e, `OntapCluster ${namespace}/${name}`);
      throw new ReconcileError(cause.reason === Reason.EndpointNotAllowed ? cause.reason : Reason.ClusterNotReady, `${cause.message}`, cause.retry, { cause: e });
    }
  }

  private async sync(
    obj: O,
    observeOnly: boolean,
    log: Logger,
    signal: AbortSignal | undefined,
    trigger: Trigger,
    cutShort: AbortSignal | undefined,
    gate: WriteGate,
    pass: Pass<O>,
  ): Promise<Outcome<R>> {
    const { spec } = obj;
    const adapter = this.adapter;
    // A refused reference learns nothing more, not even whether another resource holds its SVM.
    if (spec.clusterRef.kind === 'ClusterOntapCluster') this.checkPermitted(obj);
    // Rivals on this very connection are known before ONTAP is read: the younger does nothing.
    this.checkConflict(obj, undefined);
    const conn = await this.connect(obj);
    const observer = conn.observer(this.watched);
    // Secrets before any ONTAP call: with a missing or empty one, nothing is written (Manage).
    // Observe never sends them; it only compares what ONTAP shows of them when it can read them.
    // When every referenced Secret is at the version last sent, they are not read at all (a drift
    // pass over thousands of resources reads no Secret), unless ONTAP's credentials differ.
    const unchanged = observeOnly ? undefined : this.unchangedSecrets(obj);
    let secrets = unchanged !== undefined ? undefined : await this.readSecrets(obj, observeOnly);
    const key = scopeKey(spec.svm);
    // A drift check reads ONTAP as of this interval. A change (a rotated Secret, a spec edit) may
    // use the last interval's snapshot: it must not wait for the whole cluster's read that a
    // drift-check boundary has just started. A key written since is read afresh either way.
    const intervalMs = spec.driftCheckIntervalSeconds * 1000;
    const notBefore = lastBoundary(this.now(), intervalMs) - (trigger === 'change' ? intervalMs : 0);
    // Only this wait may be cut short by a change: a write once sent is seen through.
    const observation = abortable(observer.observe(key, notBefore, signal), cutShort, () => cutShort?.reason as Error);
    // A read with no answer for a whole drift interval shows on the resource (and its cluster)
    // now, not when the transport gives up: this pass ends as Unknown and frees its worker for
    // the cluster's other resources, and the read's end, answer or error, queues them all again.
    const waitStart = this.now();
    let record = await noticeLate(
      observation,
      () => (observer.pendingSince() ?? waitStart) + intervalMs,
      () => {
        const since = observer.pendingSince() ?? waitStart;
        observer.reportStall();
        return Promise.reject(
          new UnansweredError(
            `no answer from ONTAP for over ${spec.driftCheckIntervalSeconds} s (one drift interval) to the read of ${adapter.family.noun} sent at ${new Date(since).toISOString()}; still waiting for it, up to the request timeout of ${spec.clusterRef.kind} ${spec.clusterRef.name}`,
          ),
        );
      },
      this.now,
    );

    // A create or rekey an earlier process sent and never saw the end of is not sent twice.
    const pending = obj.status?.pendingWrite;
    let createdBefore = false;
    if (pending !== undefined && !observeOnly) {
      record = await this.settle(pending, record, conn, observer, key, pass, log, signal);
      createdBefore = pending.operation === 'create' && record !== undefined;
    }
    // A record first seen by another resource, or only observed until now (nothing ever sent to
    // it), is taken over here. One this resource's own create made before a restart is not. A spec that references no Secret (a GCP attached service account)
    // never sends one, so an empty appliedSecrets says nothing about it: only the uuid counts.
    const neverManaged = !observeOnly && (obj.status?.appliedSecrets ?? []).length === 0 && adapter.secretRefs(spec).length > 0;
    const adopted = record !== undefined && !createdBefore && (record.uuid !== obj.status?.uuid || neverManaged);
    const fingerprintDiffers = record !== undefined && unchanged?.fingerprint !== undefined && adapter.fingerprint?.ofRecord(record) !== unchanged.fingerprint;
    if (unchanged !== undefined && (record === undefined || adopted || fingerprintDiffers || (record !== undefined && adapter.secretsNeeded?.(record) === true))) {
      secrets = await this.readSecrets(obj, false);
    }

    // Rivals over other connections count only when they hold the record this connection sees.
    if (record?.uuid !== undefined) this.checkConflict(obj, record.uuid);
    if (!record) {
      if (observeOnly || !secrets) return { owned: false, drift: [], observeOnly };
      return this.create(obj, conn, observer, secrets, log, signal, gate, pass);
    }
    const applied = adopted ? [] : (obj.status?.appliedSecrets ?? []);
    const delta = adapter.delta(spec, record, secrets, applied);
    if (adapter.sides) pass.side = await this.readSides(obj, conn, record.uuid, signal);
    if (observeOnly || (!secrets && unchanged === undefined)) {
      if (adapter.sides && secrets && pass.side) {
        const plan = adapter.sides.plan(spec, record, secrets, pass.side, applied, obj.metadata);
        return { record, owned: true, drift: [...delta.drift, ...plan.drift], observeOnly, applied: obj.status?.appliedSecrets ?? [] };
      }
      const token = this.restoreAsked(obj, pass);
      if (token !== undefined && observeOnly) pass.restored = skipped(token, 'managementPolicy Observe sends nothing to ONTAP', this.now());
      return { record, owned: true, drift: delta.drift, observeOnly, applied: obj.status?.appliedSecrets ?? [] };
    }

    // Every write below goes by the uuid of the record this connection has just read for spec.svm,
    // never by status.uuid, which anyone who may write the status subresource can set.
    const uuid = confirmTarget(record, spec.svm, adapter.family.noun);
    if (delta.rekey || delta.configPatch || delta.credentialsPatch) {
      // From here ONTAP may change under us: if any step fails, the next pass reads it again.
      observer.forget(key);
    }
    if (adopted) {
      log.info('adopting existing ONTAP record', { uuid });
      this.deps.recorder.event(obj, 'Normal', EventReason.Adopted, `adopted the existing ${adapter.label} ${uuid} of ${describeScope(spec.svm)}`);
    }
    const { client } = conn;
    let wrote = false;
    if (delta.rekey) {
      gate.begin();
      const { body } = delta.rekey;
      await this.send(pass, { operation: 'rekey-external', sentAt: new Date(this.now()).toISOString(), keyId: delta.rekey.to }, log, (onJob) =>
        client.keyManagerAction(adapter.family, uuid, 'rekey-external', body, signal, onJob),
      );
      wrote = true;
      this.deps.recorder.event(obj, 'Normal', EventReason.Rekeyed, `re-keyed ${uuid} to ${adapter.keyName} ${delta.rekey.to}`);
    }
    if (delta.configPatch) {
      gate.begin();
      await client.patchKeyManager(adapter.family, uuid, delta.configPatch, signal);
      wrote = true;
      const names = delta.fields.map((f) => f.path);
      if (names.length > 0) {
        log.info('corrected drift', { uuid, fields: names });
        this.deps.recorder.event(obj, 'Normal', EventReason.DriftCorrected, `corrected ${names.join(', ')}`);
        for (const n of names) this.deps.onDriftCorrected?.(n);
      }
      if (delta.proxyPassword && secrets) this.deps.recorder.event(obj, 'Normal', EventReason.CredentialsApplied, adapter.describeSent(secrets, 'proxyPassword'));
    }
    // Unread Secrets (all as last sent) leave the record of what was sent as it is.
    let applyResult = secrets ? adapter.appliedAfter(applied, secrets, { credentials: false, proxyPassword: delta.proxyPassword }) : this.stillReferenced(applied, spec);
    if (wrote) pass.took = { uuid, applied: applyResult };
    if (delta.credentialsPatch && secrets) {
      gate.begin();
      let cause = delta.credentials;
      try {
        await client.patchKeyManager(adapter.family, uuid, delta.credentialsPatch, signal);
      } catch (e) {
        const fallback = delta.credentialsFallback;
        if (!fallback || !(e instanceof OntapApiError) || e.code === undefined || !fallback.codes.includes(e.code)) throw e;
        log.info('credentials refused; sending the fallback', { uuid, code: e.code });
        await client.patchKeyManager(adapter.family, uuid, fallback.body, signal);
        cause = fallback.cause;
      }
      wrote = true;
      applyResult = adapter.appliedAfter(applied, secrets, { credentials: true, proxyPassword: delta.proxyPassword });
      pass.took = { uuid, applied: applyResult };
      this.deps.recorder.event(obj, 'Normal', EventReason.CredentialsApplied, adapter.describeSent(secrets, 'credentials', cause));
    }
    if (adapter.sides && secrets && pass.side) {
      const plan = adapter.sides.plan(spec, record, secrets, pass.side, applyResult, obj.metadata);
      if (plan.before.length + plan.after.length > 0 || plan.recordPatch) {
        gate.begin();
        observer.forget(key);
        applyResult = await this.runSides(obj, plan, conn, uuid, applyResult, log, signal, pass);
        wrote = true;
      }
    }
    if (spec.keyRotation) wrote = (await this.rotate(obj, record, conn, observer, key, uuid, wrote, pass, gate, log, signal)) || wrote;
    // A restore asked for with the annotation runs once per token, after the writes above (so
    // with the credentials as the spec and its Secrets have them).
    const token = this.restoreAsked(obj, pass) ?? this.restoreNeeded(obj, record, pass);
    if (token !== undefined) {
      if (adapter.noRestore !== undefined) {
        pass.restored = skipped(token.slice(0, MAX_RESTORE_TOKEN_LENGTH), adapter.noRestore, this.now());
      } else if (token.length > MAX_RESTORE_TOKEN_LENGTH) {
        pass.restored = skipped(token.slice(0, MAX_RESTORE_TOKEN_LENGTH), `the ${RESTORE_ANNOTATION} annotation is longer than ${MAX_RESTORE_TOKEN_LENGTH} characters; set a shorter token`, this.now());
      } else {
        gate.begin();
        observer.forget(key);
        try {
          await this.send(pass, { operation: 'restore', sentAt: new Date(this.now()).toISOString(), token }, log, (onJob) =>
            client.keyManagerAction(adapter.family, uuid, 'restore', undefined, signal, onJob),
          );
          pass.restored = { token, time: new Date(this.now()).toISOString(), result: 'Succeeded' };
          log.info('restored keys', { uuid, token });
          const why = token.startsWith('auto:') ? 'ONTAP reported them unavailable though the key manager is reachable' : `${RESTORE_ANNOTATION}: ${token}`;
          this.deps.recorder.event(obj, 'Normal', EventReason.Restored, `restored the keys of ${adapter.label} ${uuid} (${why})`);
        } catch (e) {
          // ONTAP refused it: recorded, not retried for this token. Anything else (no answer, ONTAP
          // failing or busy) is retried with backoff.
          if (!(e instanceof OntapApiError) || e.httpStatus >= 500 || e.httpStatus === 429) throw e;
          const failed = classifyError(e, `restore ${this.action(obj)}`, signal, this.trust(obj));
          pass.restored = { token, time: new Date(this.now()).toISOString(), result: 'Failed', reason: failed.reason, message: ontapMessage(e) };
          log.info('restore refused', { uuid, token, reason: failed.reason });
          this.deps.recorder.event(obj, 'Warning', EventReason.RestoreFailed, `restore of ${adapter.label} ${uuid} (${RESTORE_ANNOTATION}: ${token}): ${ontapMessage(e)}`);
        }
        wrote = true;
      }
    }
    const current = wrote ? await this.reread(conn, observer, key, uuid, signal) : record;
    return { record: current, owned: true, drift: await this.driftAfter(obj, current, secrets, applyResult, wrote, conn, signal, pass), observeOnly, applied: applyResult };
  }

  /** driftAfter is the drift left after this pass's writes: the delta's, and the sides' from a fresh read of them. */
  private async driftAfter(obj: O, current: R, secrets: S | undefined, applied: readonly AppliedSecret[], wrote: boolean, conn: Connection, signal: AbortSignal | undefined, pass: Pass<O>): Promise<string[]> {
    const drift = [...this.adapter.delta(obj.spec, current, secrets, applied).drift];
    const sides = this.adapter.sides;
    if (!sides || !secrets) return drift;
    if (wrote) pass.side = await this.readSides(obj, conn, current.uuid, signal);
    if (pass.side) drift.push(...sides.plan(obj.spec, current, secrets, pass.side, applied, obj.metadata).drift);
    return drift;
  }

  /**
   * cleanupSides removes, once the record is deleted, what the operator put beside it (KMIP: the
   * certificates it installed); a failure keeps the finalizer and is retried like the delete.
   */
  private async cleanupSides(obj: O, conn: Connection, log: Logger, signal: AbortSignal | undefined, gate: WriteGate): Promise<void> {
    const sides = this.adapter.sides;
    if (!sides?.cleanup) return;
    const writes = sides.cleanup(obj.spec, await this.readSides(obj, conn, undefined, signal), obj.metadata);
    for (const w of writes) {
      gate.begin();
      await conn.client.writeAt(w.method, w.path, w.body, `${w.what} (deleting ${this.adapter.family.noun})`, signal);
      log.info('removed beside the deleted record', { what: w.what });
    }
    if (writes.length > 0) this.deps.recorder.event(obj, 'Normal', EventReason.Deleted, writes.map((w) => w.what).join('; '));
  }

  /** readSides reads the collections the adapter keeps beside the record. */
  private async readSides(obj: O, conn: Connection, recordUuid: string | undefined, signal: AbortSignal | undefined): Promise<SideReads> {
    const reads = this.adapter.sides?.reads(obj.spec, recordUuid, obj.metadata) ?? [];
    const out: Record<string, readonly unknown[]> = {};
    for (const r of reads) out[r.key] = await conn.client.listAt(r.path, { ...r.query }, `list ${r.key} of ${this.adapter.family.noun}`, signal);
    return out;
  }

  /**
   * runSides sends a side plan in order: `before`, the record's PATCH, `after`; the first failure
   * stops it (so nothing a failed switch still needs is removed). It returns appliedSecrets with
   * what the writes sent, and records each step in pass.took as it lands.
   */
  private async runSides(obj: O, plan: SidePlan, conn: Connection, uuid: string, applied: AppliedSecret[], log: Logger, signal: AbortSignal | undefined, pass: Pass<O>): Promise<AppliedSecret[]> {
    const referenced = this.adapter.secretRefs(obj.spec).map((r) => r.name);
    let result = applied;
    const send = async (w: SidePlan['before'][number]): Promise<void> => {
      await conn.client.writeAt(w.method, w.path.replaceAll('{uuid}', encodeURIComponent(uuid)), w.body, `${w.what} (${this.adapter.family.noun} ${uuid})`, signal);
      log.info('wrote beside the record', { uuid, what: w.what });
      if (w.sent) result = markSent(result, [w.sent], referenced);
      pass.took = { uuid, applied: result };
    };
    for (const w of plan.before) await send(w);
    if (plan.recordPatch) {
      await conn.client.patchKeyManager(this.adapter.family, uuid, plan.recordPatch, signal);
      pass.took = { uuid, applied: result };
    }
    for (const w of plan.after) await send(w);
    const what = [...plan.before, ...(plan.recordPatch ? [{ what: `switched ${this.adapter.family.noun} ${uuid} to them` }] : []), ...plan.after].map((w) => w.what);
    this.deps.recorder.event(obj, 'Normal', EventReason.DriftCorrected, what.join('; '));
    return result;
  }

  /**
   * rotate runs the rekey-internal spec.keyRotation asks for when it is due: the period has passed
   * since the last rotation (or since the policy was applied), the window is open, ONTAP shows key
   * protection available, nothing else was written in this pass, no failure that needs a change
   * or an unblocked key manager stands, and the cluster has a rekey slot free. It records the
   * schedule in pass.rotation either way, and says whether it wrote.
   */
  private async rotate(
    obj: O,
    record: R,
    conn: Connection,
    observer: ClusterObserver<R>,
    key: string,
    uuid: string,
    wroteBefore: boolean,
    pass: Pass<O>,
    gate: WriteGate,
    log: Logger,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const policy = obj.spec.keyRotation;
    if (!policy) return false;
    const now = this.now();
    const status = pass.rotation ?? obj.status?.keyRotation;
    const clock = rotationClock(policy, status, now);
    // Due and past: the next moment the window is open (now, when it is).
    const startAt = clock.due <= now ? nextOpening(now, policy.window) : clock.due;
    const next = new Date(startAt).toISOString();
    pass.rotation = { ...status, since: clock.since, nextRekeyTime: next };
    if (now < startAt) {
      pass.soonMs = startAt - now;
      return false;
    }
    const last = status?.lastResult;
    const waitsForChange = last?.result === 'Failed' && NEEDS_A_CHANGE.includes(last.reason ?? '') && last.generation === obj.metadata.generation;
    const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
    const waitsForUnblock = last?.result === 'Failed' && last.reason === Reason.KeyManagerBlocked && !(ready?.status === 'True' && ready.lastTransitionTime > last.time);
    if (wroteBefore || record.state?.cluster_state !== true || waitsForChange || waitsForUnblock) return false;
    const slots = this.deps.rekeys;
    const release = slots ? slots.tryAcquire(connectionKey(obj)) : () => undefined;
    if (release === undefined) {
      pass.soonMs = ROTATION_SLOT_RETRY_MS;
      log.debug('rotation due; every rekey slot of the cluster is taken', { next });
      return false;
    }
    try {
      gate.begin();
      observer.forget(key);
      const sentAt = new Date(this.now()).toISOString();
      const adapter = this.adapter;
      try {
        await this.send(pass, { operation: 'rekey-internal', sentAt }, log, (onJob) => conn.client.keyManagerAction(adapter.family, uuid, 'rekey-internal', undefined, signal, onJob));
      } catch (e) {
        // ONTAP refused it: recorded with what happens next. No answer, or ONTAP failing: backoff.
        if (!(e instanceof OntapApiError) || e.httpStatus >= 500 || e.httpStatus === 429) throw e;
        const failed = classifyError(e, `rekey-internal ${this.action(obj)}`, signal, this.trust(obj));
        const advice = ROTATION_ADVICE[failed.reason] ?? 'tried again at the next drift check';
        const message = `${ontapMessage(e)}: ${advice}`;
        pass.rotation = { ...pass.rotation, lastResult: { time: new Date(this.now()).toISOString(), result: 'Failed', reason: failed.reason, message, generation: obj.metadata.generation } };
        log.info('rekey-internal refused', { uuid, reason: failed.reason });
        this.deps.recorder.event(obj, 'Warning', EventReason.KeyRotationFailed, `rekey-internal of ${adapter.label} ${uuid}: ${message}`);
        return true;
      }
      const following = rotationClock(policy, { since: clock.since, lastRekeyTime: sentAt }, this.now());
      pass.rotation = { since: clock.since, lastRekeyTime: sentAt, nextRekeyTime: new Date(following.due).toISOString(), lastResult: { time: new Date(this.now()).toISOString(), result: 'Succeeded' } };
      pass.soonMs = following.due - this.now();
      log.info('rotated internal keys', { uuid, next: pass.rotation.nextRekeyTime });
      this.deps.recorder.event(obj, 'Normal', EventReason.KeyRotated, `rotated the internal keys of ${adapter.label} ${uuid} (rekey-internal); next rotation at ${pass.rotation.nextRekeyTime}`);
      return true;
    } finally {
      release();
    }
  }

  /**
   * exportRecord keeps what the adapter exports of the record (the Onboard Key Manager's key
   * backup) in the Secret the spec names: only a record this resource owns, never a value in a
   * log or an event (export.ts). Undefined when there is nothing to export.
   */
  private async exportRecord(obj: O, outcome: Outcome<R>, log: Logger): Promise<ExportResult | undefined> {
    const exporter = this.adapter.export;
    const target = exporter?.target(obj.spec);
    if (!exporter || !target || !outcome.owned || !outcome.record || !this.deps.secretStore) return undefined;
    const value = exporter.value(outcome.record);
    if (value === undefined || value === '') return undefined;
    const result = await writeExport(this.deps.secretStore, obj.metadata, target, value, new Date(this.now()));
    if (result.written !== undefined) {
      log.info('wrote the key backup', { secret: target.name });
      this.deps.recorder.event(obj, 'Normal', EventReason.KeyBackupSaved, `wrote ONTAP's current key backup to Secret ${target.name}`);
    } else if (result.condition.status === 'False' && obj.status?.conditions?.find((c) => c.type === result.condition.type)?.reason !== result.condition.reason) {
      this.deps.recorder.event(obj, 'Warning', EventReason.KeyBackupNotSaved, result.condition.message);
    }
    return result;
  }

  /** restoreAsked returns the restore annotation's token when it asks for a restore not yet run (nor being settled in this pass). */
  private restoreAsked(obj: O, pass: Pass<O>): string | undefined {
    return restoreAsked(obj.metadata.annotations, pass.restored?.token ?? obj.status?.lastRestore?.token);
  }

  /**
   * restoreNeeded returns a token when ONTAP reports key protection unavailable although the
   * cloud key service and every node's key manager are reachable (keys lost in an outage that is
   * over) and status already shows it (Ready=False/Unavailable): `auto:` and when Ready turned
   * False, so the restore runs once for each such episode, never again while it lasts.
   */
  private restoreNeeded(obj: O, record: R, pass: Pass<O>): string | undefined {
    const reachability = this.adapter.reachability;
    if (record.state?.cluster_state !== false || !reachability) return undefined;
    const cloud = (record as unknown as Record<string, { reachable?: boolean } | undefined>)[reachability.ontapField];
    if (cloud?.reachable !== true || (record.ekmip_reachability ?? []).some((n) => n.reachable !== true)) return undefined;
    const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'False' || ready.reason !== Reason.Unavailable) return undefined;
    const token = `auto:${ready.lastTransitionTime}`;
    return token === (pass.restored?.token ?? obj.status?.lastRestore?.token) ? undefined : token;
  }

  /** readSecrets reads every referenced Secret; in Observe mode an unreadable one is no error. */
  private async readSecrets(obj: O, observeOnly: boolean): Promise<S | undefined> {
    const read = this.adapter.readSecrets(this.deps.secrets, obj.metadata.namespace, obj.spec, obj.metadata.name);
    const secrets = observeOnly ? await read.catch(() => undefined) : await read;
    const fp = this.adapter.fingerprint;
    const credentials = this.adapter.credentialsRef(obj.spec);
    if (secrets !== undefined && fp && credentials) {
      this.fingerprints.set(obj.metadata.namespace, credentials.name, credentials.keys, fp.ofSecrets(secrets));
    }
    return secrets;
  }

  /**
   * unchangedSecrets says whether every Secret the spec references is, by the metadata cache, at
   * the version last sent to ONTAP (so nothing needs sending unless ONTAP's credentials differ),
   * with the fingerprint to compare with ONTAP's; undefined when they must be read.
   */
  private unchangedSecrets(obj: O): { fingerprint: string | undefined } | undefined {
    const { namespace } = obj.metadata;
    const applied = obj.status?.appliedSecrets ?? [];
    const version = this.deps.secretVersion;
    if (version === undefined) return undefined;
    const refs = this.adapter.secretRefs(obj.spec);
    for (const ref of refs) {
      const rv = version(namespace, ref.name);
      if (rv === undefined || sentState(applied, ref.name, rv, ref.keys) !== 'sent') return undefined;
    }
    const credentials = this.adapter.credentialsRef(obj.spec);
    if (!this.adapter.fingerprint || !credentials) return { fingerprint: undefined };
    const known = this.fingerprints.get(namespace, credentials.name, credentials.keys);
    if (known === undefined || known.resourceVersion !== version(namespace, credentials.name)) return undefined;
    return { fingerprint: known.fingerprint };
  }

  /** stillReferenced keeps the appliedSecrets entries of the Secrets the spec still references. */
  private stillReferenced(applied: readonly AppliedSecret[], spec: O['spec']): AppliedSecret[] {
    const names = new Set(this.adapter.secretRefs(spec).map((r) => r.name));
    return applied.filter((a) => names.has(a.name));
  }

  /** checkPermitted returns the ClusterOntapCluster `obj` names, or throws ClusterNotFound or NotPermitted. */
  private checkPermitted(obj: O): ClusterOntapCluster {
    const name = obj.spec.clusterRef.name;
    const shared = this.deps.clusterScoped?.(name);
    if (!shared) throw new ReconcileError(Reason.ClusterNotFound, `ClusterOntapCluster ${name} not found`, 'wait');
    const verdict = permitted(name, shared.spec.tenancy, this.deps.namespace?.(obj.metadata.namespace), obj.spec.svm);
    if (!verdict.allowed) throw new ReconcileError(Reason.NotPermitted, verdict.why, 'wait');
    return shared;
  }

  /** checkConflict throws Conflict when a confirmed rival is older; see conflicts.ts. */
  private checkConflict(obj: O, recordUuid: string | undefined): void {
    const winner = conflictWinner(obj, this.deps.peers(obj, recordUuid), recordUuid, (p) => this.mayUse(p));
    if (winner.metadata.uid !== obj.metadata.uid) throw new ReconcileError(Reason.Conflict, conflictMessage(obj, winner), 'wait');
  }

  /** mayUse tells whether a resource may use its connection: always an OntapCluster's, a ClusterOntapCluster's per its policy. */
  private mayUse(obj: O): boolean {
    const ref = obj.spec.clusterRef;
    if (ref.kind !== 'ClusterOntapCluster') return true;
    const shared = this.deps.clusterScoped?.(ref.name);
    return shared !== undefined && permitted(ref.name, shared.spec.tenancy, this.deps.namespace?.(obj.metadata.namespace), obj.spec.svm).allowed;
  }

  private async create(obj: O, conn: Connection, observer: ClusterObserver<R>, secrets: S, log: Logger, signal: AbortSignal | undefined, gate: WriteGate, pass: Pass<O>): Promise<Outcome<R>> {
    const adapter = this.adapter;
    const key = scopeKey(obj.spec.svm);
    let uuid: string;
    gate.begin();
    observer.forget(key);
    let sending = adapter.appliedAfter([], secrets, { credentials: true, proxyPassword: true });
    let planned: object | undefined;
    if (adapter.sides) {
      // What the record will reference (KMIP: its certificates) is installed first.
      const plan = adapter.sides.plan(obj.spec, undefined, secrets, await this.readSides(obj, conn, undefined, signal), [], obj.metadata);
      planned = plan.createBody;
      for (const w of plan.before) {
        await conn.client.writeAt(w.method, w.path, w.body, `${w.what} (${adapter.family.noun} for ${describeScope(obj.spec.svm)})`, signal);
        log.info('wrote before the create', { what: w.what });
      }
    }
    try {
      const body = planned ?? adapter.createBody(obj.spec, secrets);
      uuid = await this.send(pass, { operation: 'create', sentAt: new Date(this.now()).toISOString() }, log, (onJob) => conn.client.createKeyManager(adapter.family, body, signal, onJob), sending);
    } catch (e) {
      if (e instanceof OntapApiError && e.code !== undefined && adapter.alreadyConfiguredCodes.includes(e.code)) {
        throw await this.alreadyConfigured(obj, conn, e, signal);
      }
      throw e;
    }
    pass.took = { uuid, applied: sending };
    log.info('created ONTAP record', { uuid });
    this.deps.recorder.event(obj, 'Normal', EventReason.Created, `created ${adapter.label} ${uuid} for ${describeScope(obj.spec.svm)}`);
    const after = adapter.afterCreate(obj.spec);
    if (after) await conn.client.patchKeyManager(adapter.family, uuid, after, signal);
    let record = await this.reread(conn, observer, key, uuid, signal);
    if (adapter.sides) {
      // What only exists once the record does (KMIP: the key servers' settings and passwords).
      const side = await this.readSides(obj, conn, uuid, signal);
      const plan = adapter.sides.plan(obj.spec, record, secrets, side, sending, obj.metadata);
      pass.side = side;
      if (plan.before.length + plan.after.length > 0 || plan.recordPatch) {
        sending = await this.runSides(obj, plan, conn, uuid, sending, log, signal, pass);
        record = await this.reread(conn, observer, key, uuid, signal);
      }
    }
    return { record, owned: true, drift: await this.driftAfter(obj, record, secrets, sending, adapter.sides !== undefined, conn, signal, pass), observeOnly: false, applied: sending };
  }

  /**
   * alreadyConfigured explains ONTAP's "a key manager is already configured" answer to a create.
   * A record of this family there was configured since we looked (by someone else, or by a
   * create of ours whose answer was lost): read again soon and adopt it, rather than wait a whole
   * drift interval. No record of this family: another key manager (another cloud's, KMIP or
   * Onboard) holds the SVM, and ONTAP allows one at a time; nothing is retried until the next
   * drift check or a change.
   */
  private async alreadyConfigured(obj: O, conn: Connection, e: OntapApiError, signal: AbortSignal | undefined): Promise<ReconcileError> {
    const svm = obj.spec.svm;
    const filters: Record<string, string> = svm ? { 'svm.name': svm.name } : { scope: 'cluster' };
    const ours = await conn.client.listKeyManagers(this.adapter.family, { filters, fields: ['uuid'] }, signal);
    if (ours.length > 0) return new ReconcileError(Reason.AlreadyConfigured, `${this.action(obj)}: ${ontapMessage(e)}`, 'backoff', { cause: e });
    return new ReconcileError(
      Reason.AnotherKeyManager,
      `${describeScope(svm)} already has another key manager enabled (not ${this.adapter.family.noun}); ONTAP allows one per SVM: remove it first (${ontapMessage(e)})`,
      'wait',
      { cause: e },
    );
  }

  private async reread(conn: Connection, observer: ClusterObserver<R>, key: string, uuid: string, signal: AbortSignal | undefined): Promise<R> {
    const record = await conn.client.getKeyManager(this.adapter.family, uuid, this.adapter.observedFields, signal);
    observer.remember(key, record);
    return record;
  }

  /**
   * finalize handles deletion per deletionPolicy, then releases the finalizer. Only a record this
   * resource created or adopted is ever deleted, only when asked, and only when this connection's
   * own read confirms it: status.uuid says which record that was, but a tenant may write their
   * status (roles with `resources: ["*"]` include it), so the record is read by that uuid first
   * and deleted only when ONTAP shows it on spec.svm (or the cluster scope) and the grant still
   * holds. Otherwise nothing is sent to ONTAP, an event and a log line say why, and the finalizer
   * is released so that the resource (and its namespace) can go: a record is left, never lost.
   */
  private async finalize(obj: O, log: Logger, signal: AbortSignal | undefined, gate: WriteGate): Promise<ReconcileResult> {
    if (!obj.metadata.finalizers?.includes(FINALIZER)) return { requeueAfterMs: undefined };
    const { spec } = obj;
    const adapter = this.adapter;
    const uuid = obj.status?.uuid;
    const asked = spec.deletionPolicy === 'Delete' && spec.managementPolicy === 'Manage' && uuid !== undefined;
    if (!asked) {
      if (uuid !== undefined) this.deps.recorder.event(obj, 'Normal', EventReason.Orphaned, `left ${adapter.label} ${uuid} on ONTAP (deletionPolicy ${spec.deletionPolicy}, managementPolicy ${spec.managementPolicy})`);
      // No record was ever made (ONTAP refused the create, e.g. AnotherKeyManager), but what was
      // installed for it beside (KMIP: its certificates) goes with deletionPolicy Delete.
      if (uuid === undefined && spec.deletionPolicy === 'Delete' && spec.managementPolicy === 'Manage' && adapter.sides?.cleanup) {
        await this.cleanupWithoutRecord(obj, log, signal, gate);
      }
    } else {
      const leftBecause = await this.deleteOwned(obj, uuid, log, signal, gate);
      if (leftBecause === undefined) {
        log.info('deleted ONTAP record', { uuid });
        this.deps.recorder.event(obj, 'Normal', EventReason.Deleted, `deleted ${adapter.label} ${uuid}`);
      } else {
        log.warn('left the ONTAP record and released the finalizer', { uuid, why: leftBecause });
        this.deps.recorder.event(obj, 'Warning', EventReason.Orphaned, `left ${adapter.label} ${uuid} on ONTAP, nothing was sent: ${leftBecause}`);
      }
    }
    await setFinalizer(this.deps.kube, adapter.type, obj.metadata, FINALIZER, false);
    return { requeueAfterMs: undefined };
  }

  /**
   * deleteOwned deletes the record `uuid` once confirmed as this resource's: it returns undefined
   * when the record is gone (deleted now or before), or why it was left alone. A refusal by ONTAP
   * (keys in use) or an unreachable cluster keeps the finalizer: DeletionBlocked, with backoff;
   * but not once the namespace is Terminating and its OntapCluster is gone: the record is left.
   */
  private async deleteOwned(obj: O, uuid: string, log: Logger, signal: AbortSignal | undefined, gate: WriteGate): Promise<string | undefined> {
    const { spec } = obj;
    const adapter = this.adapter;
    try {
      // A revoked grant: the platform team took this SVM away. Deleting with their credentials
      // is no longer this namespace's to ask, and waiting would hold the namespace for ever.
      if (spec.clusterRef.kind === 'ClusterOntapCluster') {
        try {
          this.checkPermitted(obj);
        } catch (e) {
          if (e instanceof ReconcileError && e.reason === Reason.NotPermitted) return `ClusterOntapCluster ${spec.clusterRef.name} no longer permits it (${e.message})`;
          throw e;
        }
      }
      const conn = await this.connect(obj);
      let record: R;
      try {
        record = await conn.client.getKeyManager(adapter.family, uuid, adapter.observedFields, signal);
      } catch (e) {
        if (!isGone(e)) throw e;
        // Gone (perhaps by an earlier attempt of this delete): what it left beside it goes too.
        await this.cleanupSides(obj, conn, log, signal, gate);
        return undefined;
      }
      const where = recordSvm(record);
      if (scopeKey(where) !== scopeKey(spec.svm) || record.uuid !== uuid) {
        return `ONTAP shows ${uuid} on ${describeScope(where)}, not on ${describeScope(spec.svm)}: it is not the record this resource created or adopted`;
      }
      const winner = conflictWinner(obj, this.deps.peers(obj, uuid), uuid, (p) => this.mayUse(p));
      if (winner.metadata.uid !== obj.metadata.uid) return conflictMessage(obj, winner);
      gate.begin();
      try {
        await conn.client.deleteKeyManager(adapter.family, uuid, signal);
      } catch (e) {
        // Already gone (not found, or the family no longer configured for the SVM): nothing to delete.
        if (!isGone(e)) throw e;
      }
      conn.observer(this.watched).forget(scopeKey(spec.svm));
      await this.cleanupSides(obj, conn, log, signal, gate);
      return undefined;
    } catch (e) {
      const r = await this.blockDeletion(obj, uuid, e, log, signal);
      if ('left' in r) return r.left;
      throw r.error;
    }
  }

  /** cleanupWithoutRecord removes what was installed beside a record never made, when this resource may still use its connection. */
  private async cleanupWithoutRecord(obj: O, log: Logger, signal: AbortSignal | undefined, gate: WriteGate): Promise<void> {
    try {
      if (obj.spec.clusterRef.kind === 'ClusterOntapCluster' && !this.mayUse(obj)) return;
      await this.cleanupSides(obj, await this.connect(obj), log, signal, gate);
    } catch (e) {
      const r = await this.blockDeletion(obj, undefined, e, log, signal);
      if ('left' in r) return;
      throw r.error;
    }
  }

  /**
   * blockDeletion turns a failure of a delete into what the finalizer waits on: DeletionBlocked
   * (with backoff) in status and an event; a stop is passed on as it is; a cluster gone with its
   * Terminating namespace is `left` (the finalizer goes).
   */
  private async blockDeletion(obj: O, uuid: string | undefined, e: unknown, log: Logger, signal: AbortSignal | undefined): Promise<{ readonly left: string } | { readonly error: unknown }> {
    if (isStopping(e, signal)) return { error: e };
    // The namespace is being deleted, and its OntapCluster with it: a Terminating namespace takes
    // no new objects, so it cannot come back, and waiting would hold the namespace for ever.
    if (e instanceof ReconcileError && e.reason === Reason.ClusterNotFound && this.deps.namespace?.(obj.metadata.namespace)?.deleting === true) {
      return { left: `${e.message}: it was deleted with namespace ${obj.metadata.namespace}` };
    }
    const err = classifyError(e, `delete ${this.action(obj)}`, signal, this.trust(obj));
    // Deletion is retried with backoff whatever the cause: the finalizer stays until it succeeds.
    const blocked = new ReconcileError(err.reason, err.message, 'backoff', { cause: e });
    log.info('deletion blocked', { uuid, reason: blocked.reason });
    await this.writeOutcome(obj, { owned: false, drift: obj.status?.drift ?? [], observeOnly: false, error: blocked });
    this.deps.recorder.event(obj, 'Warning', EventReason.DeletionBlocked, blocked.message);
    return { error: blocked };
  }
}

/**
 * confirmTarget returns the uuid of a record this connection read, after checking that ONTAP shows
 * it on `svm` (or the cluster scope): the only uuid a write (PATCH, rekey, restore, DELETE) takes.
 */
function confirmTarget(record: KeyManagerRecord, svm: { name: string } | undefined, noun: string): string {
  const uuid = requireUuid(record, noun);
  const where = recordSvm(record);
  if (scopeKey(where) !== scopeKey(svm)) {
    throw new ReconcileError(Reason.OntapError, `ONTAP answered the read of ${describeScope(svm)} with ${noun} ${uuid} of ${describeScope(where)}; nothing was sent to it`, 'backoff');
  }
  return uuid;
}

function requireUuid(record: KeyManagerRecord, noun: string): string {
  if (!record.uuid) throw new ReconcileError(Reason.OntapError, `ONTAP returned a record of ${noun} without a uuid`, 'backoff');
  return record.uuid;
}
