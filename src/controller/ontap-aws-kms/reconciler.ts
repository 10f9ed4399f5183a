/**
 * AwsKmsReconciler drives one OntapAwsKms towards its spec: finalizer, conflict check, cluster
 * connection, Secrets, observe, then create | adopt | rekey | PATCH what drifted, or delete, and
 * last the status, written once and only when it changed. Level-based: every run starts from the
 * object and ONTAP as they are, never from the event that queued it.
 */
import { EventReason, FINALIZER, Reason } from '../../api/v1alpha1/constants.js';
import type { AppliedSecret, ClusterOntapCluster, OntapAwsKms, OntapCluster } from '../../api/v1alpha1/types.js';
import { OntapApiError, OntapCode } from '../../ontap/errors.js';
import type { AwsKmsRecord } from '../../ontap/wire.js';
import { abortable } from '../../runtime/backoff.js';
import type { Logger } from '../../runtime/logger.js';
import { classifyError, ontapMessage, ReconcileError, SupersededError } from '../errors.js';
import { setFinalizer, writeStatus, type KubeWriter } from '../kube-writes.js';
import type { Trigger } from '../controller.js';
import type { ClusterConnections, Connection } from '../ontap-cluster/connections.js';
import { OntapAwsKmsType } from '../resources.js';
import { appliedAfter, computeDelta, createBody, patchOnlyBody, sentState } from './delta.js';
import { OBSERVED_FIELDS } from './fields.js';
import { lastBoundary, nextDriftCheck, scopeKey } from './observer.js';
import { conflictMessage, conflictWinner, describeScope } from './conflicts.js';
import { type NamespaceMeta, permitted } from './tenancy.js';
import { referencedSecrets, resolveSecrets, type ResolvedSecrets, type SecretReader } from './secrets.js';
import { computeStatus, type Outcome } from './status.js';

/** Recorder is the event sink (runtime/events.ts's EventRecorder fits). */
export interface Recorder {
  event(obj: OntapAwsKms, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** AwsKmsReconcilerDeps are the reconciler's collaborators, narrow so tests can see what it uses. */
export interface AwsKmsReconcilerDeps {
  readonly kube: KubeWriter;
  readonly secrets: SecretReader;
  readonly connections: ClusterConnections;
  /** cluster returns the OntapCluster from the cache. */
  readonly cluster: (namespace: string, name: string) => OntapCluster | undefined;
  /** clusterScoped returns the ClusterOntapCluster from the cache. @default none */
  readonly clusterScoped?: (name: string) => ClusterOntapCluster | undefined;
  /** namespace returns a namespace's labels and annotations from the cache, for tenancy. @default none */
  readonly namespace?: (name: string) => NamespaceMeta | undefined;
  /**
   * peers returns the cached OntapAwsKms that may configure the same target as `obj` (at least
   * every one with the same SVM name, in any namespace), for conflict detection.
   */
  readonly peers: (obj: OntapAwsKms) => readonly OntapAwsKms[];
  readonly recorder: Recorder;
  readonly onDriftCorrected?: (field: string) => void;
  /** secretVersion returns a Secret's resourceVersion from the metadata cache; without it Secrets are read on every reconcile. */
  readonly secretVersion?: (namespace: string, name: string) => string | undefined;
  /** onSynced is told of every reconcile that ended without error (the last-sync metric). */
  readonly onSynced?: (namespace: string, name: string) => void;
  readonly now?: () => number;
}

/** ReconcileResult tells the queue when to look again; an error thrown means "back off". */
export interface ReconcileResult {
  /** requeueAfterMs schedules the next drift check; undefined: only on the next event. */
  readonly requeueAfterMs: number | undefined;
}

/** AwsKmsReconciler reconciles OntapAwsKms objects. */
export class AwsKmsReconciler {
  private readonly now: () => number;
  /**
   * accessKeyIds remembers, per AWS Secret key, the access key id last read and the Secret
   * version it came from: an identifier ONTAP itself shows, never the secret access key, so
   * an unchanged Secret need not be read again to compare it with ONTAP's.
   */
  private readonly accessKeyIds = new Map<string, { resourceVersion: string; accessKeyId: string }>();

  constructor(private readonly deps: AwsKmsReconcilerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * reconcile runs one pass for `obj`; it throws a ReconcileError when the queue must back off.
   * `signal` aborts every ONTAP call of the pass (the operator stopping, or the reconcile deadline).
   */
  async reconcile(obj: OntapAwsKms, log: Logger, signal?: AbortSignal, trigger: Trigger = 'periodic', cutShort?: AbortSignal): Promise<ReconcileResult> {
    if (obj.spec.suspend) {
      await this.writeOutcome(obj, { owned: false, drift: obj.status?.drift ?? [], observeOnly: false, error: new ReconcileError(Reason.Suspended, 'reconcile suspended by spec.suspend', 'wait') });
      return { requeueAfterMs: undefined };
    }
    if (obj.metadata.deletionTimestamp) return this.finalize(obj, log, signal);
    if (!obj.metadata.finalizers?.includes(FINALIZER)) {
      obj.metadata.resourceVersion = await setFinalizer(this.deps.kube, OntapAwsKmsType, obj.metadata, FINALIZER, true);
    }

    const observeOnly = obj.spec.managementPolicy === 'Observe';
    let outcome: Outcome;
    try {
      outcome = await this.sync(obj, observeOnly, log, signal, trigger, cutShort);
    } catch (e) {
      if (e instanceof SupersededError) throw e;
      const error = classifyError(e, this.action(obj), signal);
      outcome = { owned: false, drift: obj.status?.drift ?? [], observeOnly, error };
    }
    await this.writeOutcome(obj, outcome);
    if (!outcome.error) this.deps.onSynced?.(obj.metadata.namespace, obj.metadata.name);
    const requeueAfterMs = nextDriftCheck(this.now(), obj.spec.driftCheckIntervalSeconds * 1000);
    if (outcome.error) {
      log.info('reconcile failed', { reason: outcome.error.reason, error: outcome.error.message });
      this.deps.recorder.event(obj, 'Warning', EventReason.ReconcileError, `${outcome.error.reason}: ${outcome.error.message}`);
      if (outcome.error.retry === 'backoff') throw outcome.error;
    }
    return { requeueAfterMs };
  }

  private action(obj: OntapAwsKms): string {
    return `aws-kms for ${describeScope(obj.spec.svm)} on ${obj.spec.clusterRef.kind} ${obj.spec.clusterRef.name}`;
  }

  private async writeOutcome(obj: OntapAwsKms, outcome: Outcome): Promise<void> {
    const next = computeStatus(obj, outcome, new Date(this.now()));
    await writeStatus(this.deps.kube, OntapAwsKmsType, obj.metadata, obj.status, next);
  }

  /**
   * connect finds the OntapCluster or ClusterOntapCluster and its connection, or says why not.
   * A ClusterOntapCluster's tenancy policy is checked first: a reference it does not allow is
   * NotPermitted, and nothing is built or sent. Its failures are told without their details,
   * which name the platform's Secrets and namespace: its own status has them.
   */
  private async connect(obj: OntapAwsKms): Promise<Connection> {
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

  private async sync(obj: OntapAwsKms, observeOnly: boolean, log: Logger, signal: AbortSignal | undefined, trigger: Trigger, cutShort: AbortSignal | undefined): Promise<Outcome> {
    const { spec } = obj;
    // A refused reference learns nothing more, not even whether another resource holds its SVM.
    if (spec.clusterRef.kind === 'ClusterOntapCluster') this.checkPermitted(obj);
    // Rivals on this very connection are known before ONTAP is read: the younger does nothing.
    this.checkConflict(obj, undefined);
    const conn = await this.connect(obj);
    // Secrets before any ONTAP call: with a missing or empty one, nothing is written (Manage).
    // Observe never sends them; it only compares the access key id when it can read it. When
    // every referenced Secret is at the version last sent, they are not read at all (a drift
    // pass over thousands of resources reads no Secret), unless ONTAP's access key differs.
    const unchanged = observeOnly ? undefined : this.unchangedSecrets(obj);
    let secrets = unchanged !== undefined ? undefined : await this.readSecrets(obj, observeOnly);
    const key = scopeKey(spec.svm);
    // A drift check reads ONTAP as of this interval. A change (a rotated Secret, a spec edit) may
    // use the last interval's snapshot: it must not wait for the whole cluster's read that a
    // drift-check boundary has just started. A key written since is read afresh either way.
    const intervalMs = spec.driftCheckIntervalSeconds * 1000;
    const notBefore = lastBoundary(this.now(), intervalMs) - (trigger === 'change' ? intervalMs : 0);
    // Only this wait may be cut short by a change: a write once sent is seen through.
    const record = await abortable(conn.observer.observe(key, notBefore, signal), cutShort, () => cutShort?.reason as Error);
    // A record first seen by another resource, or only observed until now (nothing ever sent to
    // it), is taken over here.
    const neverManaged = !observeOnly && (obj.status?.appliedSecrets ?? []).length === 0;
    const adopted = record !== undefined && (record.uuid !== obj.status?.uuid || neverManaged);
    if (unchanged !== undefined && (record === undefined || adopted || record.access_key_id !== unchanged)) {
      secrets = await this.readSecrets(obj, false);
    }

    // Rivals over other connections count only when they hold the record this connection sees.
    if (record?.uuid !== undefined) this.checkConflict(obj, record.uuid);
    if (!record) {
      if (observeOnly || !secrets) return { owned: false, drift: [], observeOnly };
      return this.create(obj, conn, secrets, log, signal);
    }
    const applied = adopted ? [] : (obj.status?.appliedSecrets ?? []);
    const delta = computeDelta(spec, record, secrets, applied);
    if (observeOnly || (!secrets && unchanged === undefined)) return { record, owned: true, drift: delta.drift, observeOnly, applied: obj.status?.appliedSecrets ?? [] };

    const uuid = requireUuid(record);
    if (delta.rekeyTo || delta.configPatch || delta.credentialsPatch) {
      // From here ONTAP may change under us: if any step fails, the next pass reads it again.
      conn.observer.forget(key);
    }
    if (adopted) {
      log.info('adopting existing ONTAP record', { uuid });
      this.deps.recorder.event(obj, 'Normal', EventReason.Adopted, `adopted the existing AWS KMS configuration ${uuid} of ${describeScope(spec.svm)}`);
    }
    let wrote = false;
    if (delta.rekeyTo) {
      await conn.client.rekeyExternal(uuid, delta.rekeyTo, signal);
      wrote = true;
      this.deps.recorder.event(obj, 'Normal', EventReason.Rekeyed, `re-keyed ${uuid} to keyId ${delta.rekeyTo}`);
    }
    if (delta.configPatch) {
      await conn.client.patchAwsKms(uuid, delta.configPatch, signal);
      wrote = true;
      const names = delta.fields.map((f) => f.path);
      if (names.length > 0) {
        log.info('corrected drift', { uuid, fields: names });
        this.deps.recorder.event(obj, 'Normal', EventReason.DriftCorrected, `corrected ${names.join(', ')}`);
        for (const n of names) this.deps.onDriftCorrected?.(n);
      }
      if (delta.proxyPassword) this.deps.recorder.event(obj, 'Normal', EventReason.CredentialsApplied, `sent the proxy password from Secret ${secrets?.proxyPassword?.name ?? ''}`);
    }
    // Unread Secrets (all as last sent) leave the record of what was sent as it is.
    let applyResult = secrets ? appliedAfter(applied, secrets, { credentials: false, proxyPassword: delta.proxyPassword }) : stillReferenced(applied, spec);
    if (delta.credentialsPatch && secrets) {
      await conn.client.patchAwsKms(uuid, delta.credentialsPatch, signal);
      wrote = true;
      applyResult = appliedAfter(applied, secrets, { credentials: true, proxyPassword: delta.proxyPassword });
      this.deps.recorder.event(obj, 'Normal', EventReason.CredentialsApplied, `sent the AWS credentials from Secret ${secrets.aws.name} (${delta.credentials ?? ''})`);
    }
    const current = wrote ? await this.reread(conn, key, uuid, signal) : record;
    return { record: current, owned: true, drift: computeDelta(spec, current, secrets, applyResult).drift, observeOnly, applied: applyResult };
  }

  /** readSecrets reads every referenced Secret; in Observe mode an unreadable one is no error. */
  private async readSecrets(obj: OntapAwsKms, observeOnly: boolean): Promise<ResolvedSecrets | undefined> {
    const read = resolveSecrets(this.deps.secrets, obj.metadata.namespace, obj.spec);
    const secrets = observeOnly ? await read.catch(() => undefined) : await read;
    if (secrets) {
      const ref = obj.spec.credentialsSecretRef;
      this.accessKeyIds.set(`${obj.metadata.namespace}/${ref.name}#${ref.accessKeyIdKey}`, { resourceVersion: secrets.aws.resourceVersion, accessKeyId: secrets.aws.accessKeyId });
    }
    return secrets;
  }

  /**
   * unchangedSecrets returns the access key id of the AWS Secret when every Secret the spec
   * references is, by the metadata cache, at the version last sent to ONTAP (so nothing needs
   * sending unless ONTAP's access key differs); undefined when they must be read.
   */
  private unchangedSecrets(obj: OntapAwsKms): string | undefined {
    const { namespace } = obj.metadata;
    const applied = obj.status?.appliedSecrets ?? [];
    const version = this.deps.secretVersion;
    if (version === undefined) return undefined;
    const ref = obj.spec.credentialsSecretRef;
    const rv = version(namespace, ref.name);
    if (rv === undefined || sentState(applied, ref.name, rv, [ref.accessKeyIdKey, ref.secretAccessKeyKey]) !== 'sent') return undefined;
    const proxy = obj.spec.proxy?.passwordSecretRef;
    if (proxy) {
      const prv = version(namespace, proxy.name);
      if (prv === undefined || sentState(applied, proxy.name, prv, [proxy.key]) !== 'sent') return undefined;
    }
    const known = this.accessKeyIds.get(`${namespace}/${ref.name}#${ref.accessKeyIdKey}`);
    return known?.resourceVersion === rv ? known.accessKeyId : undefined;
  }

  /** checkPermitted returns the ClusterOntapCluster `obj` names, or throws ClusterNotFound or NotPermitted. */
  private checkPermitted(obj: OntapAwsKms): ClusterOntapCluster {
    const name = obj.spec.clusterRef.name;
    const shared = this.deps.clusterScoped?.(name);
    if (!shared) throw new ReconcileError(Reason.ClusterNotFound, `ClusterOntapCluster ${name} not found`, 'wait');
    const verdict = permitted(name, shared.spec.tenancy, this.deps.namespace?.(obj.metadata.namespace), obj.spec.svm);
    if (!verdict.allowed) throw new ReconcileError(Reason.NotPermitted, verdict.why, 'wait');
    return shared;
  }

  /** checkConflict throws Conflict when a confirmed rival is older; see conflicts.ts. */
  private checkConflict(obj: OntapAwsKms, recordUuid: string | undefined): void {
    const winner = conflictWinner(obj, this.deps.peers(obj), recordUuid, (p) => this.mayUse(p));
    if (winner.metadata.uid !== obj.metadata.uid) throw new ReconcileError(Reason.Conflict, conflictMessage(obj, winner), 'wait');
  }

  /** mayUse tells whether a resource may use its connection: always an OntapCluster's, a ClusterOntapCluster's per its policy. */
  private mayUse(obj: OntapAwsKms): boolean {
    const ref = obj.spec.clusterRef;
    if (ref.kind !== 'ClusterOntapCluster') return true;
    const shared = this.deps.clusterScoped?.(ref.name);
    return shared !== undefined && permitted(ref.name, shared.spec.tenancy, this.deps.namespace?.(obj.metadata.namespace), obj.spec.svm).allowed;
  }

  private async create(obj: OntapAwsKms, conn: Connection, secrets: ResolvedSecrets, log: Logger, signal: AbortSignal | undefined): Promise<Outcome> {
    const key = scopeKey(obj.spec.svm);
    let uuid: string;
    conn.observer.forget(key);
    try {
      uuid = await conn.client.createAwsKms(createBody(obj.spec, secrets), signal);
    } catch (e) {
      // Configured since we looked (by someone else, or by a create of ours whose answer was
      // lost): read again soon and adopt, rather than wait a whole drift interval.
      if (e instanceof OntapApiError && e.code === OntapCode.AlreadyConfigured) {
        throw new ReconcileError(Reason.AlreadyConfigured, `${this.action(obj)}: ${ontapMessage(e)}`, 'backoff', { cause: e });
      }
      throw e;
    }
    log.info('created ONTAP record', { uuid });
    this.deps.recorder.event(obj, 'Normal', EventReason.Created, `created AWS KMS configuration ${uuid} for ${describeScope(obj.spec.svm)}`);
    const patchOnly = patchOnlyBody(obj.spec);
    if (patchOnly) await conn.client.patchAwsKms(uuid, patchOnly, signal);
    const record = await this.reread(conn, key, uuid, signal);
    const applied = appliedAfter([], secrets, { credentials: true, proxyPassword: true });
    return { record, owned: true, drift: computeDelta(obj.spec, record, secrets, applied).drift, observeOnly: false, applied };
  }

  private async reread(conn: Connection, key: string, uuid: string, signal: AbortSignal | undefined): Promise<AwsKmsRecord> {
    const record = await conn.client.getAwsKms(uuid, OBSERVED_FIELDS, signal);
    conn.observer.remember(key, record);
    return record;
  }

  /** finalize handles deletion per deletionPolicy, then releases the finalizer. */
  private async finalize(obj: OntapAwsKms, log: Logger, signal: AbortSignal | undefined): Promise<ReconcileResult> {
    if (!obj.metadata.finalizers?.includes(FINALIZER)) return { requeueAfterMs: undefined };
    const { spec } = obj;
    const uuid = obj.status?.uuid;
    const winner = conflictWinner(obj, this.deps.peers(obj), uuid, (p) => this.mayUse(p));
    // Only a record this resource created or adopted is ever deleted, and only when asked.
    const mayDelete = spec.deletionPolicy === 'Delete' && spec.managementPolicy === 'Manage' && uuid !== undefined && winner.metadata.uid === obj.metadata.uid;
    if (mayDelete) {
      try {
        const conn = await this.connect(obj);
        await conn.client.deleteAwsKms(uuid, signal);
        conn.observer.forget(scopeKey(spec.svm));
      } catch (e) {
        if (!(e instanceof OntapApiError && (e.code === OntapCode.EntryNotFound || e.httpStatus === 404))) {
          const err = classifyError(e, `delete ${this.action(obj)}`, signal);
          // Deletion is retried with backoff whatever the cause: the finalizer stays until it succeeds.
          const blocked = new ReconcileError(err.reason, err.message, 'backoff', { cause: e });
          await this.writeOutcome(obj, { owned: false, drift: obj.status?.drift ?? [], observeOnly: false, error: blocked });
          this.deps.recorder.event(obj, 'Warning', EventReason.DeletionBlocked, blocked.message);
          throw blocked;
        }
      }
      log.info('deleted ONTAP record', { uuid });
      this.deps.recorder.event(obj, 'Normal', EventReason.Deleted, `deleted AWS KMS configuration ${uuid}`);
    } else if (uuid !== undefined) {
      this.deps.recorder.event(obj, 'Normal', EventReason.Orphaned, `left AWS KMS configuration ${uuid} on ONTAP (deletionPolicy ${spec.deletionPolicy}, managementPolicy ${spec.managementPolicy})`);
    }
    await setFinalizer(this.deps.kube, OntapAwsKmsType, obj.metadata, FINALIZER, false);
    return { requeueAfterMs: undefined };
  }
}

function requireUuid(record: AwsKmsRecord): string {
  if (!record.uuid) throw new ReconcileError(Reason.OntapError, 'ONTAP returned an aws-kms record without a uuid', 'backoff');
  return record.uuid;
}

/** stillReferenced keeps the appliedSecrets entries of the Secrets the spec still references. */
function stillReferenced(applied: readonly AppliedSecret[], spec: OntapAwsKms['spec']): AppliedSecret[] {
  const names = new Set(referencedSecrets(spec));
  return applied.filter((a) => names.has(a.name));
}
