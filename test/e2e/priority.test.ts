import { expect } from 'chai';
import { OntapAwsKmsType } from '../../src/controller/resources.js';
import { SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsSecret, condition, type E2E, getKms, kmsObject, startE2E, waitFor } from '../support/e2e.js';
import { capturedLines } from '../support/log-capture.js';

/** sixSvms starts a world with six SVMs, the Secret 'aws' and the Secret 'aws-rotated'. */
async function sixSvms(): Promise<E2E> {
  const w = await startE2E({ svms: ['svm1', 'svm2', 'svm3', 'svm4', 'svm5', 'svm6'] });
  await w.api.create(SecretType, w.ns, awsSecret(w.ns));
  await w.api.create(SecretType, w.ns, awsSecret(w.ns, 'aws-rotated'));
  return w;
}

/** createSix creates a..f on svm1..svm6, f (the last) on 'aws-rotated', and waits until all are Ready. */
async function createSix(w: E2E): Promise<void> {
  const names = ['a', 'b', 'c', 'd', 'e', 'f'];
  for (const [i, n] of names.entries()) {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, n, { svm: { name: `svm${i + 1}` }, ...(n === 'f' ? { credentialsSecretRef: { name: 'aws-rotated' } } : {}) }));
  }
  for (const n of names) await waitFor(`${n} Ready`, async () => condition(await getKms(w, n), 'Ready') === 'True/Available');
}

describe('e2e: a change does not wait for a drift pass', function () {
  this.timeout(90_000);
  let w: E2E;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await sixSvms();
  });
  after(async () => w?.close());

  it('a Secret rotated while a boundary re-reads a slow cluster reaches ONTAP before that read ends', async () => {
    await w.startOperator();
    // Five resources and, created last, the one whose Secret rotates: at a boundary its drift
    // check waits in the low lane behind theirs (one at a time: the other slot is for changes).
    await createSix(w);
    // From now on the collection read of a drift check takes 6 s (a cluster with many SVMs).
    w.sim.control.addFault({ method: 'GET', path: '^/api/security/aws-kms$', latencyMs: 6000 });
    w.sim.control.clearRequests();
    await waitFor('a drift-check read in flight', () => w.sim.control.stats().inFlight > 0, 15_000, 20);
    const rotatedAt = Date.now();
    await w.api.mergePatch(SecretType, w.ns, 'aws-rotated', { stringData: { secret_access_key: 'rotated-during-a-pass' } });
    await waitFor('the rotation PATCHed', () => w.sim.control.requests().some((r) => r.method === 'PATCH'), 10_000, 20);
    const latency = Date.now() - rotatedAt;
    const slowRead = w.sim.control.requests().find((r) => r.method === 'GET' && r.path === '/api/security/aws-kms');
    console.log(`      rotation -> PATCH ${latency} ms while the drift-check read took 6 s`);
    expect(slowRead, 'the PATCH went out before the slow read came back').to.equal(undefined);
    w.sim.control.clearFaults();
    await w.stopOperator();
  });
});

describe('e2e: a change cuts short the drift check of its own resource', function () {
  this.timeout(90_000);
  let w: E2E;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: ['svm1'] });
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
  });
  after(async () => w?.close());

  it('a Secret rotated while its own resource waits on a slow drift-check read reaches ONTAP at once, and writes no failure', async () => {
    await w.startOperator();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'solo', { svm: { name: 'svm1' } }));
    await waitFor('Ready', async () => condition(await getKms(w, 'solo'), 'Ready') === 'True/Available');
    w.sim.control.addFault({ method: 'GET', path: '^/api/security/aws-kms$', latencyMs: 6000 });
    w.sim.control.clearRequests();
    // The only resource: the drift check in flight is its own.
    await waitFor('its drift-check read in flight', () => w.sim.control.stats().inFlight > 0, 15_000, 20);
    const rotatedAt = Date.now();
    await w.api.mergePatch(SecretType, w.ns, 'aws', { stringData: { secret_access_key: 'rotated-mid-check' } });
    await waitFor('the rotation PATCHed', () => w.sim.control.requests().some((r) => r.method === 'PATCH'), 10_000, 20);
    console.log(`      rotation -> PATCH ${Date.now() - rotatedAt} ms, its own drift check cut short`);
    expect(w.sim.control.requests().find((r) => r.method === 'GET' && r.path === '/api/security/aws-kms'), 'before the slow read came back').to.equal(undefined);
    expect(condition(await getKms(w, 'solo'), 'Synced'), 'the cut-short check wrote no failure').to.equal('True/ReconcileSuccess');
    w.sim.control.clearFaults();
    await w.stopOperator();
  });
});

describe('e2e: a change made while no operator ran goes ahead of the restart re-checks', function () {
  this.timeout(90_000);
  let w: E2E;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await sixSvms();
  });
  after(async () => w?.close());

  it('a Secret rotated during the downtime is reconciled first, and is the only ONTAP write', async () => {
    await w.startOperator();
    await createSix(w);
    await w.stopOperator();
    // Rotated while no operator runs (an upgrade, a failover): the first list sees it as the
    // Secret's current state, not as an event, and queues f with every other re-check.
    await w.api.mergePatch(SecretType, w.ns, 'aws-rotated', { stringData: { secret_access_key: 'rotated-while-down' } });
    w.sim.control.clearRequests();
    const mark = capturedLines.length;
    await w.startOperator(['--max-concurrent-reconciles', '1']);
    await waitFor('the rotation PATCHed', () => w.sim.control.requests().some((r) => r.method === 'PATCH'), 20_000, 20);
    const ours = capturedLines.slice(mark).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['namespace'] === w.ns && l['controller'] === 'ontapawskms');
    const first = ours.find((l) => l['message'] === 'reconcile');
    if (first?.['name'] !== 'f') console.log(capturedLines.slice(mark).filter((l) => /no operator led|controllers started|"reconcile"/.test(l)).slice(0, 8).join('\n'));
    expect(first?.['name'], 'the first resource reconciled after the restart').to.equal('f');
    expect(w.sim.control.requests().filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`), 'ONTAP writes after the restart').to.have.length(1);
    await w.stopOperator();
  });
});
