/**
 * The key-manager engine with a fake adapter, a fake ONTAP client and a fake Kubernetes writer,
 * the way cert-manager tests its controllers: every test states the object and ONTAP as they
 * are, runs one reconcile, and checks the calls made, in order, and the status written.
 */
import { expect } from 'chai';
import { EventReason, FINALIZER, Reason, RESTORE_ANNOTATION } from '../../../src/api/v1alpha1/constants.js';
import type { AppliedSecret, ClusterOntapCluster, KeyManagerSpec, KeyManagerStatus, OntapCluster } from '../../../src/api/v1alpha1/types.js';
import { ReconcileError } from '../../../src/controller/errors.js';
import type { KeyManagerAdapter, KeyManagerObject } from '../../../src/controller/key-manager/adapter.js';
import { markSent, sentState } from '../../../src/controller/key-manager/applied.js';
import { KeyManagerReconciler, type KeyManagerDeps } from '../../../src/controller/key-manager/engine.js';
import { EXPORT_ANNOTATION, type SecretStore } from '../../../src/controller/key-manager/export.js';
import { ClusterObserver } from '../../../src/controller/key-manager/observer.js';
import type { NamespaceMeta } from '../../../src/controller/key-manager/tenancy.js';
import { keyManagerStatus } from '../../../src/controller/key-manager/status.js';
import type { Connection } from '../../../src/controller/ontap-cluster/connections.js';
import { OntapApiError, OntapCode } from '../../../src/ontap/errors.js';
import type { KeyManagerFamily } from '../../../src/ontap/key-manager-family.js';
import type { OntapClient } from '../../../src/ontap/client.js';
import { type KubeObject, type ResourceType } from '../../../src/runtime/kube.js';
import { nullLogger } from '../../../src/runtime/logger.js';

// ---- the fake kind: one setting, one key (rekeyed), one credential from a Secret ----

interface FakeSpec extends KeyManagerSpec {
  key: string;
  setting: string;
  secretName: string;
}
interface FakeStatus extends KeyManagerStatus {
  key?: string;
}
interface FakeObject extends KeyManagerObject {
  spec: FakeSpec;
  status?: FakeStatus;
}
interface FakeRecord {
  uuid?: string;
  svm?: { name: string; uuid: string };
  key?: string;
  setting?: string;
  /** login is what ONTAP shows of the credential (like AWS's access key id). */
  login?: string;
  state?: { cluster_state: boolean };
}
interface FakeSecrets {
  name: string;
  resourceVersion: string;
  login: string;
  password: string;
}

const FAMILY: KeyManagerFamily<FakeRecord> = { noun: 'fake-kms', path: '/api/security/fake-kms', parse: (v) => v as FakeRecord, writeOnly: ['secret'] };
const TYPE: ResourceType = { group: 'ontap.example', version: 'v1', plural: 'fakekms', kind: 'FakeKms' };
const PASSWORD = 'never-shown-password-1234';

const fakeAdapter: KeyManagerAdapter<FakeObject, FakeRecord, FakeSecrets> = {
  type: TYPE,
  family: FAMILY,
  observedFields: ['uuid', 'key', 'setting', 'login', 'state'],
  label: 'fake configuration',
  keyName: 'key',
  reachability: { metric: 'fake_reachable', ontapField: 'fake_reachability', service: 'Fake', read: () => undefined },
  alreadyConfiguredCodes: [OntapCode.AlreadyConfigured],
  secretRefs: (spec) => [{ name: spec.secretName, keys: ['login', 'password'] }],
  credentialsRef: (spec) => ({ name: spec.secretName, keys: ['login', 'password'] }),
  readSecrets: async (reader, namespace, spec) => {
    const s = await reader.getSecret(namespace, spec.secretName);
    if (!s) throw new ReconcileError(Reason.SecretNotFound, `Secret ${namespace}/${spec.secretName} not found`, 'wait');
    return { name: s.name, resourceVersion: s.resourceVersion, login: s.data.get('login')?.toString() ?? '', password: s.data.get('password')?.toString() ?? '' };
  },
  fingerprint: { ofSecrets: (s) => ({ resourceVersion: s.resourceVersion, fingerprint: s.login }), ofRecord: (r) => r.login },
  createBody: (spec, s) => ({ svm: spec.svm, key: spec.key, setting: spec.setting, login: s.login, password: s.password }),
  afterCreate: () => undefined,
  delta: (spec, record, secrets, applied) => {
    const fields = record.setting !== spec.setting ? [{ path: 'spec.setting', desired: spec.setting, observed: record.setting }] : [];
    const state = secrets ? sentState(applied, secrets.name, secrets.resourceVersion, ['login', 'password']) : 'sent';
    const credentials = state === 'never' ? 'never-applied' : state === 'changed' ? 'secret-changed' : secrets && record.login !== secrets.login ? 'login-differs' : undefined;
    return {
      fields,
      rekey: record.key !== spec.key ? { body: { key: spec.key }, to: spec.key } : undefined,
      configPatch: fields.length > 0 ? { setting: spec.setting } : undefined,
      credentialsPatch: credentials && secrets ? { login: secrets.login, password: secrets.password } : undefined,
      credentials,
      proxyPassword: false,
      drift: [...fields.map((f) => f.path), ...(record.key !== spec.key ? ['spec.key'] : []), ...(secrets && record.login !== secrets.login ? ['spec.secretName'] : [])],
    };
  },
  appliedAfter: (applied, s, sent) => markSent(applied, sent.credentials ? [{ name: s.name, resourceVersion: s.resourceVersion, keys: ['login', 'password'] }] : [], [s.name]),
  describeSent: (s) => `sent the credentials from Secret ${s.name}`,
  status: (obj, outcome, now) =>
    keyManagerStatus(obj, outcome, now, {
      label: 'Fake',
      recordFields: (r) => ({ uuid: r.uuid, key: r.key, state: r.state ? { clusterState: r.state.cluster_state, code: '', message: '' } : undefined }),
      recordKeys: ['uuid', 'key', 'state'],
      reachability: () => [],
    }),
};

// ---- fake ONTAP (one SVM's record), client, Kubernetes writer and recorder ----

interface Call {
  readonly op: string;
  readonly body?: unknown;
}

class FakeOntap {
  record: FakeRecord | undefined;
  /** others are records of other SVMs on the same cluster, read only by uuid. */
  others: FakeRecord[] = [];
  readonly calls: Call[] = [];
  /** failures makes the next call of an op fail with this error (or the error a function returns, after its side effects). */
  readonly failures = new Map<string, Error | (() => Error)>();

  private fail(op: string): void {
    const e = this.failures.get(op);
    if (e) {
      this.failures.delete(op);
      throw e instanceof Error ? e : e();
    }
  }

  client(): OntapClient {
    const fake = {
      listKeyManagers: (_f: unknown, opts: { filters?: Record<string, string> }) => {
        this.calls.push({ op: 'list', body: opts.filters });
        return Promise.resolve(this.record ? [{ ...this.record }] : []);
      },
      getKeyManager: (_f: unknown, uuid: string) => {
        this.calls.push({ op: 'get' });
        this.fail('get');
        const found = [this.record, ...this.others].find((r) => r?.uuid === uuid);
        return found ? Promise.resolve({ ...found }) : Promise.reject(new OntapApiError({ context: 'test', message: 'entry not found', code: OntapCode.EntryNotFound, httpStatus: 404, method: 'GET', path: FAMILY.path }));
      },
      createKeyManager: (_f: unknown, body: Record<string, unknown>) => {
        this.calls.push({ op: 'create', body });
        this.fail('create');
        this.record = { uuid: 'u-1', svm: { name: 'svm1', uuid: 's-1' }, key: body['key'] as string, setting: body['setting'] as string, login: body['login'] as string, state: { cluster_state: true } };
        return Promise.resolve('u-1');
      },
      patchKeyManager: (_f: unknown, uuid: string, body: Record<string, unknown>) => {
        const op = 'login' in body ? 'patch-credentials' : 'patch-config';
        this.calls.push({ op, body });
        this.fail(op);
        if (this.record?.uuid === uuid) this.record = { ...this.record, ...(body as FakeRecord) };
        return Promise.resolve();
      },
      keyManagerAction: (_f: unknown, _uuid: string, action: string, body: Record<string, unknown>) => {
        this.calls.push({ op: action, body });
        this.fail(action);
        if (this.record) this.record = { ...this.record, key: body['key'] as string };
        return Promise.resolve();
      },
      deleteKeyManager: (_f: unknown, uuid: string) => {
        this.calls.push({ op: 'delete', body: uuid });
        this.fail('delete');
        if (this.record?.uuid === uuid) this.record = undefined;
        this.others = this.others.filter((r) => r.uuid !== uuid);
        return Promise.resolve();
      },
    };
    return fake as unknown as OntapClient;
  }

  /** ops lists the ONTAP calls made, in order, without the reads. */
  writes(): string[] {
    return this.calls.map((c) => c.op).filter((op) => op !== 'list' && op !== 'get');
  }
}

interface Patch {
  readonly name: string;
  readonly patch: Record<string, unknown>;
  readonly subresource: string | undefined;
}

function harness(
  opts: { record?: FakeRecord; secretVersion?: string; peers?: FakeObject[]; login?: string; adapter?: typeof fakeAdapter; clusterScoped?: ClusterOntapCluster; namespace?: NamespaceMeta; secretStore?: SecretStore } = {},
) {
  const ontap = new FakeOntap();
  ontap.record = opts.record;
  const patches: Patch[] = [];
  const events: { reason: string; message: string }[] = [];
  const observer = new ClusterObserver<FakeRecord>(() => Promise.resolve(ontap.record ? [{ ...ontap.record }] : []), () => ['svm1']);
  const client = ontap.client();
  const conn: Connection = { client, fingerprint: 'fp', observer: () => observer as unknown as ClusterObserver<never> };
  const secretVersion = opts.secretVersion ?? '7';
  let secretReads = 0;
  const deps: KeyManagerDeps<FakeObject> = {
    kube: {
      mergePatch: (_type, _ns, name, patch, options) => {
        patches.push({ name, patch: patch as Record<string, unknown>, subresource: options?.subresource });
        return Promise.resolve({ apiVersion: 'v1', kind: 'FakeKms', metadata: { name, namespace: 'team-a', resourceVersion: String(patches.length + 100) } } as KubeObject);
      },
    },
    secrets: {
      getSecret: (_ns, name) => {
        secretReads++;
        return Promise.resolve({ name, resourceVersion: secretVersion, type: 'Opaque', data: new Map([['login', Buffer.from(opts.login ?? 'AKIA1')], ['password', Buffer.from(PASSWORD)]]) });
      },
    },
    connections: { get: () => Promise.resolve(conn) },
    cluster: (ns, name) => ({ metadata: { namespace: ns, name } }) as OntapCluster,
    clusterScoped: () => opts.clusterScoped,
    namespace: () => opts.namespace,
    peers: () => opts.peers ?? [],
    recorder: { event: (_o, _t, reason, message) => events.push({ reason, message }) },
    secretVersion: () => secretVersion,
    ...(opts.secretStore ? { secretStore: opts.secretStore } : {}),
  };
  const engine = new KeyManagerReconciler(opts.adapter ?? fakeAdapter, deps);
  return {
    ontap,
    patches,
    events,
    engine,
    secretReads: () => secretReads,
    observer,
    /** status is the last status written. */
    status: (): FakeStatus | undefined => [...patches].reverse().find((p) => p.subresource === 'status')?.patch['status'] as FakeStatus | undefined,
  };
}

function resource(spec: Partial<FakeSpec> = {}, status?: FakeStatus, meta: Partial<FakeObject['metadata']> = {}): FakeObject {
  return {
    apiVersion: 'ontap.example/v1',
    kind: 'FakeKms',
    metadata: { name: 'kms', namespace: 'team-a', uid: 'uid-kms', generation: 1, resourceVersion: '1', creationTimestamp: '2026-01-02T00:00:00Z', finalizers: [FINALIZER], ...meta },
    spec: {
      clusterRef: { kind: 'OntapCluster', name: 'prod' },
      svm: { name: 'svm1' },
      managementPolicy: 'Manage',
      deletionPolicy: 'Retain',
      driftCheckIntervalSeconds: 600,
      suspend: false,
      key: 'key-1',
      setting: 'on',
      secretName: 'creds',
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

const sentAt7: AppliedSecret[] = [{ name: 'creds', resourceVersion: '7', keys: ['login', 'password'] }];
const ours: FakeRecord = { uuid: 'u-1', svm: { name: 'svm1', uuid: 's-1' }, key: 'key-1', setting: 'on', login: 'AKIA1', state: { cluster_state: true } };

function condition(status: FakeStatus | undefined, type: string): { status: string; reason: string; message: string } | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

describe('key-manager engine (fake adapter, fake ONTAP, fake Kubernetes)', () => {
  it('creates a missing record with the Secret, then records what was sent', async () => {
    const h = harness();
    await h.engine.reconcile(resource(), nullLogger);
    expect(h.ontap.writes()).to.deep.equal(['create']);
    expect(h.ontap.calls.find((c) => c.op === 'create')?.body).to.include({ key: 'key-1', setting: 'on', login: 'AKIA1' });
    expect(h.status()?.uuid).to.equal('u-1');
    expect(h.status()?.appliedSecrets).to.deep.equal(sentAt7);
    expect(condition(h.status(), 'Ready')?.status).to.equal('True');
    expect(h.events.map((e) => e.reason)).to.deep.equal([EventReason.Created]);
  });

  it('adds its finalizer before anything is sent to ONTAP', async () => {
    const h = harness();
    await h.engine.reconcile(resource({}, undefined, { finalizers: [] }), nullLogger);
    const first = h.patches[0];
    expect(first?.subresource).to.equal(undefined);
    expect((first?.patch['metadata'] as { finalizers: string[] }).finalizers).to.deep.equal([FINALIZER]);
    expect(h.ontap.writes()).to.deep.equal(['create']);
  });

  it('adopts a record it did not create: sends the credentials once, says so, and owns it', async () => {
    const h = harness({ record: { ...ours, uuid: 'u-9' } });
    await h.engine.reconcile(resource(), nullLogger);
    expect(h.ontap.writes()).to.deep.equal(['patch-credentials']);
    expect(h.events.map((e) => e.reason)).to.deep.equal([EventReason.Adopted, EventReason.CredentialsApplied]);
    expect(h.status()?.uuid).to.equal('u-9');
    expect(h.status()?.appliedSecrets).to.deep.equal(sentAt7);
  });

  it('a spec that references no Secret (a GCP attached service account) is not re-adopted on every pass', async () => {
    // Nothing to send, so appliedSecrets stays empty: only the uuid tells whether the record is ours.
    const secretless: typeof fakeAdapter = {
      ...fakeAdapter,
      secretRefs: () => [],
      credentialsRef: () => undefined,
      readSecrets: () => Promise.resolve({ name: '', resourceVersion: '', login: 'AKIA1', password: '' }),
      delta: (spec, record, _secrets, applied) => fakeAdapter.delta(spec, record, undefined, applied),
      appliedAfter: () => [],
    };
    const h = harness({ record: ours, adapter: secretless });
    await h.engine.reconcile(resource({}, { uuid: 'u-1', appliedSecrets: [] }), nullLogger);
    expect(h.ontap.writes()).to.deep.equal([]);
    expect(h.events).to.deep.equal([]);
  });

  it('re-keys first, then PATCHes the drifted setting, each once', async () => {
    const h = harness({ record: { ...ours, key: 'key-0', setting: 'off' } });
    await h.engine.reconcile(resource({}, { uuid: 'u-1', appliedSecrets: sentAt7 }), nullLogger);
    expect(h.ontap.writes()).to.deep.equal(['rekey-external', 'patch-config']);
    expect(h.ontap.calls.find((c) => c.op === 'rekey-external')?.body).to.deep.equal({ key: 'key-1' });
    expect(h.ontap.calls.find((c) => c.op === 'patch-config')?.body).to.deep.equal({ setting: 'on' });
    expect(h.events.map((e) => e.reason)).to.deep.equal([EventReason.Rekeyed, EventReason.DriftCorrected]);
    expect(h.status()?.drift).to.deep.equal([]);
    expect(condition(h.status(), 'Synced')?.reason).to.equal(Reason.ReconcileSuccess);
  });

  it('a credentials PATCH failing after a config PATCH succeeded: the config stays corrected, the Secret is not marked sent, and it waits for a change', async () => {
    const h = harness({ record: { ...ours, setting: 'off' } });
    h.ontap.failures.set('patch-credentials', new OntapApiError({ context: 'test', message: 'unable to connect with these credentials', code: OntapCode.InvalidCredentials, httpStatus: 400, method: 'PATCH', path: FAMILY.path }));
    // The Secret moved on (version 8): the new credentials must be sent.
    const obj = resource({}, { uuid: 'u-1', appliedSecrets: [{ name: 'creds', resourceVersion: '6', keys: ['login', 'password'] }] });
    // ONTAP refused the credentials (a 4xx): no backoff loop; a new Secret or the next drift check tries again.
    const result = await h.engine.reconcile(obj, nullLogger);
    expect(result.requeueAfterMs).to.be.a('number');
    expect(h.ontap.writes()).to.deep.equal(['patch-config', 'patch-credentials']);
    expect(h.ontap.record?.setting).to.equal('on');
    const status = h.status();
    expect(condition(status, 'Synced')?.status).to.equal('False');
    expect(condition(status, 'Synced')?.reason).to.equal(Reason.InvalidCredentials);
    // What was sent before stays the record of what was sent: the next pass sends the Secret again.
    expect(status?.appliedSecrets).to.deep.equal([{ name: 'creds', resourceVersion: '6', keys: ['login', 'password'] }]);
    expect(JSON.stringify(h.patches)).not.to.contain(PASSWORD);
    expect(JSON.stringify(h.events)).not.to.contain(PASSWORD);
  });

  /** statusAfter is `obj` with the status its last pass wrote (a merge patch: nulls drop a field). */
  function statusAfter(h: ReturnType<typeof harness>, obj: FakeObject): FakeObject {
    const written = Object.entries(h.status() ?? {}).filter(([, v]) => v !== null);
    return { ...obj, status: Object.fromEntries(written) };
  }
  const ontapFailing = (): OntapApiError => new OntapApiError({ context: 'test', message: 'internal error', code: '', httpStatus: 500, method: 'GET', path: FAMILY.path });

  it('credentials that reached ONTAP are not sent again when the read after the PATCH fails', async () => {
    // The soak saw it: a burst of 500s between a credentials PATCH and the read that follows it,
    // then the next pass sent the same Secret version again.
    const h = harness({ record: { ...ours, login: 'AKIA0' } });
    h.ontap.failures.set('get', ontapFailing);
    const obj = resource({}, { uuid: 'u-1', appliedSecrets: [{ name: 'creds', resourceVersion: '6', keys: ['login', 'password'] }] });
    await h.engine.reconcile(obj, nullLogger).then(
      () => expect.fail('should back off'),
      (e: unknown) => expect(e).to.be.instanceOf(ReconcileError),
    );
    expect(h.ontap.writes()).to.deep.equal(['patch-credentials']);
    expect(condition(h.status(), 'Synced')?.status).to.equal('False');
    expect(h.status()?.appliedSecrets).to.deep.equal(sentAt7);
    await h.engine.reconcile(statusAfter(h, obj), nullLogger);
    expect(h.ontap.writes()).to.deep.equal(['patch-credentials']);
    expect(condition(h.status(), 'Synced')?.status).to.equal('True');
  });

  it('a create that reached ONTAP is neither adopted nor its credentials sent again when the read after it fails', async () => {
    const h = harness();
    h.ontap.failures.set('get', ontapFailing);
    const obj = resource();
    await h.engine.reconcile(obj, nullLogger).then(
      () => expect.fail('should back off'),
      (e: unknown) => expect(e).to.be.instanceOf(ReconcileError),
    );
    expect(h.ontap.writes()).to.deep.equal(['create']);
    // The record is known as this resource's own: a delete with deletionPolicy Delete finds it.
    expect(h.status()?.uuid).to.equal('u-1');
    expect(h.status()?.appliedSecrets).to.deep.equal(sentAt7);
    expect(h.status()?.pendingWrite).to.equal(null);
    await h.engine.reconcile(statusAfter(h, obj), nullLogger);
    expect(h.ontap.writes()).to.deep.equal(['create']);
    expect(h.events.map((e) => e.reason)).not.to.include(EventReason.Adopted);
    expect(condition(h.status(), 'Ready')?.status).to.equal('True');
  });

  it('Observe writes nothing to ONTAP and reports the drift', async () => {
    const h = harness({ record: { ...ours, setting: 'off', key: 'key-0' } });
    await h.engine.reconcile(resource({ managementPolicy: 'Observe' }), nullLogger);
    expect(h.ontap.writes()).to.deep.equal([]);
    expect(h.status()?.drift).to.have.members(['spec.setting', 'spec.key']);
    expect(condition(h.status(), 'Synced')?.reason).to.equal(Reason.Observed);
  });

  it('Observe does not create a missing record', async () => {
    const h = harness();
    await h.engine.reconcile(resource({ managementPolicy: 'Observe' }), nullLogger);
    expect(h.ontap.writes()).to.deep.equal([]);
    expect(condition(h.status(), 'Ready')?.reason).to.equal(Reason.NotConfigured);
  });

  it('an older resource on the same connection wins: the younger reports Conflict and sends nothing', async () => {
    const older = resource({}, undefined, { name: 'first', uid: 'uid-first', creationTimestamp: '2026-01-01T00:00:00Z' });
    const h = harness({ peers: [older] });
    await h.engine.reconcile(resource(), nullLogger);
    expect(h.ontap.calls).to.deep.equal([]);
    expect(condition(h.status(), 'Synced')?.reason).to.equal(Reason.Conflict);
    expect(condition(h.status(), 'Synced')?.message).to.contain('FakeKms team-a/first');
  });

  it('reads no Secret when it is at the version last sent and ONTAP shows the same login', async () => {
    const h = harness({ record: ours });
    const obj = resource({}, { uuid: 'u-1', appliedSecrets: sentAt7 });
    await h.engine.reconcile(obj, nullLogger);
    const reads = h.secretReads();
    await h.engine.reconcile(obj, nullLogger);
    expect(h.secretReads(), 'the second pass reads no Secret').to.equal(reads);
    expect(h.ontap.writes()).to.deep.equal([]);
  });

  it('reads the Secret again when ONTAP shows another login, and sends the credentials', async () => {
    const h = harness({ record: ours });
    const obj = resource({}, { uuid: 'u-1', appliedSecrets: sentAt7 });
    await h.engine.reconcile(obj, nullLogger);
    h.ontap.record = { ...ours, login: 'AKIA-OTHER' };
    h.observer.forget('svm1');
    const reads = h.secretReads();
    await h.engine.reconcile(obj, nullLogger, undefined, 'change');
    expect(h.secretReads()).to.equal(reads + 1);
    expect(h.ontap.writes()).to.deep.equal(['patch-credentials']);
  });

  it('another key manager on the SVM (ONTAP says "already configured" and this family has none) is a clear condition, not a retry loop', async () => {
    const h = harness();
    h.ontap.failures.set('create', new OntapApiError({ context: 'test', message: 'A key manager is already configured for this SVM.', code: OntapCode.AlreadyConfigured, httpStatus: 400, method: 'POST', path: FAMILY.path }));
    const result = await h.engine.reconcile(resource(), nullLogger);
    expect(result.requeueAfterMs, 'looks again at the next drift check').to.be.a('number');
    expect(condition(h.status(), 'Synced')?.reason).to.equal(Reason.AnotherKeyManager);
    expect(condition(h.status(), 'Synced')?.message).to.contain('SVM svm1 already has another key manager enabled');
  });

  it('"already configured" with a record of this family there backs off to adopt it', async () => {
    const h = harness();
    // Someone configured it between our read and our create.
    h.ontap.failures.set('create', () => {
      h.ontap.record = { ...ours, uuid: 'u-2' };
      return new OntapApiError({ context: 'test', message: 'A key manager is already configured for this SVM.', code: OntapCode.AlreadyConfigured, httpStatus: 400, method: 'POST', path: FAMILY.path });
    });
    await h.engine.reconcile(resource(), nullLogger).then(
      () => expect.fail('should back off'),
      (e: unknown) => expect((e as ReconcileError).reason).to.equal(Reason.AlreadyConfigured),
    );
  });

  describe('finalize', () => {
    const deleting = (policy: 'Retain' | 'Delete'): FakeObject =>
      resource({ deletionPolicy: policy }, { uuid: 'u-1', appliedSecrets: sentAt7 }, { deletionTimestamp: '2026-01-03T00:00:00Z' });
    const finalizersOf = (p: Patch | undefined): unknown => (p?.patch['metadata'] as { finalizers?: unknown } | undefined)?.finalizers;

    it('Retain leaves the record on ONTAP and releases the finalizer', async () => {
      const h = harness({ record: ours });
      await h.engine.reconcile(deleting('Retain'), nullLogger);
      expect(h.ontap.writes()).to.deep.equal([]);
      expect(h.ontap.record).to.not.equal(undefined);
      expect(finalizersOf(h.patches.at(-1))).to.deep.equal([]);
      expect(h.events.map((e) => e.reason)).to.deep.equal([EventReason.Orphaned]);
    });

    it('Delete deletes the record it owns, then releases the finalizer', async () => {
      const h = harness({ record: ours });
      await h.engine.reconcile(deleting('Delete'), nullLogger);
      expect(h.ontap.writes()).to.deep.equal(['delete']);
      expect(finalizersOf(h.patches.at(-1))).to.deep.equal([]);
      expect(h.events.map((e) => e.reason)).to.deep.equal([EventReason.Deleted]);
    });

    it('Delete of a record already gone sends no DELETE and releases the finalizer', async () => {
      const h = harness();
      await h.engine.reconcile(deleting('Delete'), nullLogger);
      expect(h.ontap.calls.map((c) => c.op)).to.deep.equal(['get']);
      expect(finalizersOf(h.patches.at(-1))).to.deep.equal([]);
    });

    it('Delete of a record gone between the read and the DELETE releases the finalizer', async () => {
      const h = harness({ record: ours });
      h.ontap.failures.set('delete', new OntapApiError({ context: 'test', message: 'entry not found', code: OntapCode.EntryNotFound, httpStatus: 404, method: 'DELETE', path: FAMILY.path }));
      await h.engine.reconcile(deleting('Delete'), nullLogger);
      expect(h.ontap.writes()).to.deep.equal(['delete']);
      expect(finalizersOf(h.patches.at(-1))).to.deep.equal([]);
    });

    it('a status.uuid written to name another SVM\'s record: nothing is deleted, the finalizer goes, a Warning says why', async () => {
      // The tenant granted svm1 writes svm-a's record uuid into its own status, then deletes.
      const h = harness({ record: ours });
      h.ontap.others = [{ uuid: 'u-victim', svm: { name: 'svm-a', uuid: 's-a' }, key: 'key-a', setting: 'on' }];
      const obj = resource({ deletionPolicy: 'Delete' }, { uuid: 'u-victim', appliedSecrets: sentAt7 }, { deletionTimestamp: '2026-01-03T00:00:00Z' });
      await h.engine.reconcile(obj, nullLogger);
      expect(h.ontap.writes(), 'no write to ONTAP').to.deep.equal([]);
      expect(h.ontap.others.map((r) => r.uuid)).to.deep.equal(['u-victim']);
      expect(h.ontap.record?.uuid, 'its own SVM\'s record is not deleted either: status named another').to.equal('u-1');
      expect(finalizersOf(h.patches.at(-1))).to.deep.equal([]);
      expect(h.events).to.have.length(1);
      expect(h.events[0]?.reason).to.equal(EventReason.Orphaned);
      expect(h.events[0]?.message).to.contain('ONTAP shows u-victim on SVM svm-a, not on SVM svm1');
    });

    it('Delete through a ClusterOntapCluster whose grant was revoked: nothing is sent, the finalizer goes, a Warning says why', async () => {
      // The policy admits namespaces labelled tenant=yes; team-a's label was taken away.
      const shared = { kind: 'ClusterOntapCluster', metadata: { name: 'shared', namespace: '' }, spec: { tenancy: { namespaceSelector: { matchLabels: { tenant: 'yes' } }, svms: [] } } } as unknown as ClusterOntapCluster;
      const h = harness({ record: ours, clusterScoped: shared, namespace: { name: 'team-a', labels: {}, annotations: {} } });
      const obj = resource({ deletionPolicy: 'Delete', clusterRef: { kind: 'ClusterOntapCluster', name: 'shared' } }, { uuid: 'u-1', appliedSecrets: sentAt7 }, { deletionTimestamp: '2026-01-03T00:00:00Z' });
      await h.engine.reconcile(obj, nullLogger);
      expect(h.ontap.calls, 'not even a read').to.deep.equal([]);
      expect(finalizersOf(h.patches.at(-1))).to.deep.equal([]);
      expect(h.events.map((e) => e.reason)).to.deep.equal([EventReason.Orphaned]);
      expect(h.events[0]?.message).to.match(/ClusterOntapCluster shared no longer permits it/);
    });

    it('Delete answered "not configured for the SVM" (the record went another way) releases the finalizer', async () => {
      const h = harness({ record: ours });
      h.ontap.failures.set('delete', new OntapApiError({ context: 'test', message: 'Google Cloud KMS is not configured for the given SVM.', code: OntapCode.GcpNotConfigured, httpStatus: 400, method: 'DELETE', path: FAMILY.path }));
      await h.engine.reconcile(deleting('Delete'), nullLogger);
      expect(finalizersOf(h.patches.at(-1))).to.deep.equal([]);
      expect(h.events.map((e) => e.reason)).to.deep.equal([EventReason.Deleted]);
    });

    it('Delete refused by ONTAP (keys in use) keeps the finalizer, says why, and backs off', async () => {
      const h = harness({ record: ours });
      h.ontap.failures.set('delete', new OntapApiError({ context: 'test', message: 'Volume encryption keys are still stored', code: OntapCode.KeysInUse, httpStatus: 400, method: 'DELETE', path: FAMILY.path }));
      await h.engine.reconcile(deleting('Delete'), nullLogger).then(
        () => expect.fail('should back off'),
        (e: unknown) => expect(e).to.be.instanceOf(ReconcileError),
      );
      expect(h.patches.some((p) => finalizersOf(p) !== undefined)).to.equal(false);
      expect(h.events.map((e) => e.reason)).to.deep.equal([EventReason.DeletionBlocked]);
      expect(condition(h.status(), 'Synced')?.status).to.equal('False');
    });

    it('Delete under Observe never deletes', async () => {
      const h = harness({ record: ours });
      const obj = deleting('Delete');
      obj.spec.managementPolicy = 'Observe';
      await h.engine.reconcile(obj, nullLogger);
      expect(h.ontap.writes()).to.deep.equal([]);
      expect(finalizersOf(h.patches.at(-1))).to.deep.equal([]);
    });
  });

  it('suspend writes nothing to ONTAP', async () => {
    const h = harness({ record: { ...ours, setting: 'off' } });
    await h.engine.reconcile(resource({ suspend: true }), nullLogger);
    expect(h.ontap.calls).to.deep.equal([]);
    expect(condition(h.status(), 'Synced')?.reason).to.equal(Reason.Suspended);
  });
});

describe('key-manager engine: the optional capabilities (fallback credentials, no restore, Secrets needed, export)', () => {
  const refused = (): OntapApiError =>
    new OntapApiError({ context: 'test', message: 'Cluster-wide passphrase is incorrect.', code: OntapCode.PassphraseIncorrect, httpStatus: 400, method: 'PATCH', path: FAMILY.path });
  /** withFallback sends {login: 'check'} first and {login: 'change'} when ONTAP refuses it with 65536139. */
  const withFallback: typeof fakeAdapter = {
    ...fakeAdapter,
    delta: (spec, record, secrets, applied) => {
      const d = fakeAdapter.delta(spec, record, secrets, applied);
      return d.credentialsPatch
        ? { ...d, credentialsPatch: { login: 'check' }, credentialsFallback: { codes: [OntapCode.PassphraseIncorrect], body: { login: 'change' }, cause: 'changed' } }
        : d;
    },
  };

  it('sends the fallback when ONTAP refuses the credentials with one of its codes, and records the Secret as sent', async () => {
    const h = harness({ record: ours, adapter: withFallback });
    h.ontap.failures.set('patch-credentials', refused());
    await h.engine.reconcile(resource({}, { uuid: 'u-1', appliedSecrets: [] }), nullLogger);
    expect(h.ontap.calls.filter((c) => c.op === 'patch-credentials').map((c) => c.body)).to.deep.equal([{ login: 'check' }, { login: 'change' }]);
    expect(h.status()?.appliedSecrets).to.deep.equal(sentAt7);
    expect(condition(h.status(), 'Synced')?.status).to.equal('True');
  });

  it('without a fallback, or refused with another code, the refusal stands and nothing is recorded as sent', async () => {
    const h = harness({ record: ours, adapter: withFallback });
    h.ontap.failures.set('patch-credentials', new OntapApiError({ context: 'test', message: 'no', code: OntapCode.InvalidCredentials, httpStatus: 400, method: 'PATCH', path: FAMILY.path }));
    await h.engine.reconcile(resource({}, { uuid: 'u-1', appliedSecrets: [] }), nullLogger);
    expect(h.ontap.calls.filter((c) => c.op === 'patch-credentials')).to.have.length(1);
    expect(condition(h.status(), 'Synced')?.reason).to.equal(Reason.InvalidCredentials);
    expect(h.status()?.appliedSecrets ?? []).to.deep.equal([]);
  });

  it('a refused fallback is the error: PassphraseIncorrect', async () => {
    const h = harness({ record: ours, adapter: withFallback });
    h.ontap.failures.set('patch-credentials', () => {
      h.ontap.failures.set('patch-credentials', refused());
      return refused();
    });
    await h.engine.reconcile(resource({}, { uuid: 'u-1', appliedSecrets: [] }), nullLogger);
    expect(h.ontap.calls.filter((c) => c.op === 'patch-credentials')).to.have.length(2);
    expect(condition(h.status(), 'Synced')?.reason).to.equal(Reason.PassphraseIncorrect);
  });

  it('a family without restore answers the annotation with Skipped and sends nothing', async () => {
    const h = harness({ record: ours, adapter: { ...fakeAdapter, noRestore: 'no restore here' } });
    await h.engine.reconcile(resource({}, { uuid: 'u-1', appliedSecrets: sentAt7 }, { annotations: { [RESTORE_ANNOTATION]: 't1' } }), nullLogger);
    expect(h.ontap.writes()).to.deep.equal([]);
    expect(h.status()?.lastRestore).to.include({ token: 't1', result: 'Skipped', message: 'no restore here' });
  });

  it('reads the Secrets although they are as last sent when the record asks for them (secretsNeeded)', async () => {
    const needs = { ...fakeAdapter, fingerprint: undefined, secretsNeeded: (r: FakeRecord) => r.setting === 'needs' };
    const h = harness({ record: ours, adapter: needs });
    const obj = resource({}, { uuid: 'u-1', appliedSecrets: sentAt7 });
    await h.engine.reconcile(obj, nullLogger);
    expect(h.secretReads(), 'not needed: not read').to.equal(0);
    h.ontap.record = { ...ours, setting: 'needs' };
    h.observer.forget('svm1');
    await h.engine.reconcile(resource({ setting: 'needs' }, { uuid: 'u-1', appliedSecrets: sentAt7 }), nullLogger, undefined, 'change');
    expect(h.secretReads()).to.equal(1);
  });

  describe('export', () => {
    const BACKUP = 'BEGIN BACKUP never-in-a-message END';
    const exporting: typeof fakeAdapter = { ...fakeAdapter, export: { target: () => ({ name: 'backup', key: 'backup' }), value: (r) => (r.setting === 'none' ? undefined : BACKUP) } };
    function store(existing?: KubeObject) {
      const writes: { op: string; body: KubeObject }[] = [];
      let current = existing;
      const s: SecretStore = {
        get: () => Promise.resolve(current),
        create: (_ns, body) => {
          writes.push({ op: 'create', body });
          current = { ...body, metadata: { ...body.metadata, resourceVersion: '1' } };
          return Promise.resolve(current);
        },
        replace: (_ns, _name, body) => {
          writes.push({ op: 'replace', body });
          current = body;
          return Promise.resolve(body);
        },
      };
      return { s, writes };
    }

    it('creates the Secret with the value, annotated for this resource, and says so in status and an event (never the value)', async () => {
      const { s, writes } = store();
      const h = harness({ record: ours, adapter: exporting, secretStore: s });
      await h.engine.reconcile(resource({}, { uuid: 'u-1', appliedSecrets: sentAt7 }), nullLogger);
      expect(writes.map((w) => w.op)).to.deep.equal(['create']);
      const body = writes[0]!.body as KubeObject & { data: Record<string, string> };
      expect(body.metadata.annotations?.[EXPORT_ANNOTATION]).to.equal('team-a/kms/uid-kms');
      expect(Buffer.from(body.data['backup']!, 'base64').toString()).to.equal(BACKUP);
      expect(JSON.stringify([h.patches, h.events])).to.not.contain('never-in-a-message');
      expect(h.events.map((e) => e.reason)).to.include(EventReason.KeyBackupSaved);
    });

    it('leaves a Secret it did not create untouched, with a Warning', async () => {
      const foreign = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'backup', namespace: 'team-a', resourceVersion: '5' }, data: { token: 'eA==' } } as KubeObject;
      const { s, writes } = store(foreign);
      const h = harness({ record: ours, adapter: exporting, secretStore: s });
      await h.engine.reconcile(resource({}, { uuid: 'u-1', appliedSecrets: sentAt7 }), nullLogger);
      expect(writes).to.deep.equal([]);
      expect(h.events.find((e) => e.reason === EventReason.KeyBackupNotSaved)?.message).to.contain('left untouched');
    });

    it('exports nothing while ONTAP shows no value, nor when the pass failed', async () => {
      const { s: st, writes } = store();
      const h = harness({ record: { ...ours, setting: 'none' }, adapter: exporting, secretStore: st });
      await h.engine.reconcile(resource({ setting: 'none' }, { uuid: 'u-1', appliedSecrets: sentAt7 }), nullLogger);
      expect(writes, 'no value').to.deep.equal([]);
      const failing = harness({ record: ours, adapter: exporting, secretStore: st });
      failing.ontap.failures.set('patch-config', new OntapApiError({ context: 'test', message: 'no', code: OntapCode.InvalidField, httpStatus: 400, method: 'PATCH', path: FAMILY.path }));
      await failing.engine.reconcile(resource({ setting: 'off' }, { uuid: 'u-1', appliedSecrets: sentAt7 }), nullLogger);
      expect(writes, 'failed pass').to.deep.equal([]);
    });
  });
});
