/**
 * Restore on request: the kms.ontap.dev/restore annotation runs ONTAP's restore of the key
 * manager's keys once for each new token, and status.lastRestore says how it went.
 */
import { expect } from 'chai';
import { OntapAwsKmsType } from '../../src/controller/resources.js';
import { EventType, SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsSecret, condition, type E2E, getKms, kmsObject, startE2E, waitFor } from '../support/e2e.js';

describe('e2e: restore on request', function () {
  this.timeout(60_000);
  let w: E2E;
  const restores = (): string[] => w.sim.control.requests().filter((r) => r.path.endsWith('/restore')).map((r) => `POST restore ${r.status}`);
  const annotate = (name: string, token: string): Promise<unknown> => w.api.mergePatch(OntapAwsKmsType, w.ns, name, { metadata: { annotations: { 'kms.ontap.dev/restore': token } } });
  const lastRestore = async (name: string): Promise<{ token: string; result: string; reason?: string; message?: string } | undefined> =>
    ((await getKms(w, name))?.status as { lastRestore?: { token: string; result: string; reason?: string; message?: string } } | undefined)?.lastRestore;
  /** nudge makes the operator reconcile `name` again (an unrelated annotation), and waits for it to have. */
  const nudge = async (name: string, n: number): Promise<void> => {
    await w.api.mergePatch(OntapAwsKmsType, w.ns, name, { metadata: { annotations: { 'e2e/nudge': String(n) } } });
    await new Promise((r) => setTimeout(r, 1500));
  };

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: ['svm1', 'svm2', 'svm3', 'svm4'] });
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.startOperator();
  });
  after(async () => w?.close());
  beforeEach(() => w.sim.control.clearRequests());
  afterEach(() => w.sim.control.clearFaults());

  it('runs once per token: a new token runs it again, the same token never', async () => {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'r1', { svm: { name: 'svm1' }, driftCheckIntervalSeconds: 86_400 }));
    await waitFor('Ready', async () => condition(await getKms(w, 'r1'), 'Ready') === 'True/Available');
    await annotate('r1', '2026-12-02T15:00:00Z');
    await waitFor('restored', async () => (await lastRestore('r1'))?.result === 'Succeeded');
    expect((await lastRestore('r1'))?.token).to.equal('2026-12-02T15:00:00Z');
    await nudge('r1', 1);
    await nudge('r1', 2);
    expect(restores(), 'once for the token, however often it reconciles').to.deep.equal(['POST restore 201']);
    await annotate('r1', 'again');
    await waitFor('restored again', async () => (await lastRestore('r1'))?.token === 'again');
    expect(restores()).to.deep.equal(['POST restore 201', 'POST restore 201']);
    const events = (await w.api.list(EventType, w.ns)).items.filter((e) => (e as { reason?: string }).reason === 'Restored');
    expect(events.length, 'a Restored event').to.be.greaterThan(0);
  });

  it('a restore ONTAP refuses is recorded with its code and reason, and not retried for that token', async () => {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'r2', { svm: { name: 'svm2' }, driftCheckIntervalSeconds: 86_400 }));
    await waitFor('Ready', async () => condition(await getKms(w, 'r2'), 'Ready') === 'True/Available');
    const refusals = [
      { code: '65536082', message: 'Unable to restore all keys.', reason: 'RestoreIncomplete' },
      { code: '65537544', message: 'Missing wrapped top-level internal key protection key (KEK).', reason: 'TopLevelKeyMissing' },
    ];
    for (const [i, r] of refusals.entries()) {
      w.sim.control.clearFaults();
      w.sim.control.addFault({ method: 'POST', path: '/api/security/aws-kms/', status: 400, code: r.code, message: r.message });
      await annotate('r2', `t${i}`);
      await waitFor(`${r.code} recorded`, async () => (await lastRestore('r2'))?.token === `t${i}` && (await lastRestore('r2'))?.result === 'Failed');
      const last = await lastRestore('r2');
      expect(last?.message).to.contain(r.code).and.to.contain(r.message.slice(0, 20));
      expect(last?.reason).to.equal(r.reason);
    }
    await nudge('r2', 1);
    expect(restores(), 'not retried for the same token').to.deep.equal(['POST restore 400', 'POST restore 400']);
    expect(condition(await getKms(w, 'r2'), 'Synced'), 'the resource itself stays in sync').to.equal('True/ReconcileSuccess');
  });

  it('runs by itself, once, when ONTAP reports keys unavailable though the key manager is reachable', async () => {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'r4', { svm: { name: 'svm4' } }));
    await waitFor('Ready', async () => condition(await getKms(w, 'r4'), 'Ready') === 'True/Available');
    // After an outage ONTAP reaches AWS and every node again, but the keys stay unavailable.
    w.sim.control.setKeysLost('svm4', true);
    await waitFor('shown unavailable', async () => condition(await getKms(w, 'r4'), 'Ready') === 'False/Unavailable', 30_000);
    await waitFor('restored by itself', async () => (await lastRestore('r4'))?.result === 'Succeeded', 30_000);
    expect((await lastRestore('r4'))?.token).to.match(/^auto:\d{4}-/);
    await waitFor('Ready again', async () => condition(await getKms(w, 'r4'), 'Ready') === 'True/Available', 30_000);
    await new Promise((r) => setTimeout(r, 11_000));
    expect(restores(), 'once').to.deep.equal(['POST restore 201']);
  });

  it('Observe never restores: the token is recorded as skipped', async () => {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'r3', { svm: { name: 'svm3' }, driftCheckIntervalSeconds: 86_400 }));
    await waitFor('Ready', async () => condition(await getKms(w, 'r3'), 'Ready') === 'True/Available');
    await w.api.mergePatch(OntapAwsKmsType, w.ns, 'r3', { spec: { managementPolicy: 'Observe' } });
    await annotate('r3', 't1');
    await waitFor('skipped', async () => (await lastRestore('r3'))?.result === 'Skipped');
    expect((await lastRestore('r3'))?.message).to.contain('Observe');
    expect(restores()).to.deep.equal([]);
  });
});
