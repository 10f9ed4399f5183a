import { expect } from 'chai';
import { OntapAwsKmsType } from '../../src/controller/resources.js';
import { SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsKmsReads, awsKmsWrites, awsSecret, condition, type E2E, getKms, kmsObject, startE2E, waitFor } from '../support/e2e.js';

const N = 20;
const INTERVAL_S = 10;
const svms = Array.from({ length: N }, (_, i) => `svm${i + 1}`);

async function versions(w: E2E): Promise<Map<string, string>> {
  const list = await w.api.list(OntapAwsKmsType, w.ns);
  return new Map(list.items.map((o) => [o.metadata.name, o.metadata.resourceVersion ?? '']));
}

async function statuses(w: E2E): Promise<Record<string, unknown>> {
  const list = await w.api.list(OntapAwsKmsType, w.ns);
  return Object.fromEntries(list.items.map((o) => [o.metadata.name, o.status]));
}

async function reconcileCount(w: E2E): Promise<number> {
  const text = (await w.operator?.metrics.renderText()) ?? '';
  return text
    .split('\n')
    .filter((l) => l.startsWith('controller_runtime_reconcile_total{') && l.includes('controller="ontapawskms"'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe(`e2e: restart and steady state with ${N} resources on one cluster`, function () {
  this.timeout(120_000);
  let w: E2E;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms });
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    for (const svm of svms) await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, svm, { svm: { name: svm }, driftCheckIntervalSeconds: INTERVAL_S }));
    await w.startOperator();
    await waitFor('all Ready', async () => {
      for (const svm of svms) if (condition(await getKms(w, svm), 'Ready') !== 'True/Available') return false;
      return true;
    }, 60_000, 250);
  });
  after(async () => w?.close());

  it('9. a restarted operator creates nothing, PATCHes nothing and writes no status when nothing changed', async () => {
    await w.stopOperator();
    const before = await versions(w);
    const beforeStatus = await statuses(w);
    const posts = w.sim.state.records.size;
    w.sim.control.clearRequests();
    await w.startOperator();
    await waitFor('every resource reconciled after the restart', async () => (await reconcileCount(w)) >= N, 30_000, 100);
    expect(awsKmsWrites(w.sim)).to.deep.equal([]);
    expect(w.sim.state.records.size).to.equal(posts);
    // On failure the diff shows which status changed, and how.
    expect(await statuses(w)).to.deep.equal(beforeStatus);
    expect(await versions(w)).to.deep.equal(before);
  });

  it(`10. steady state: about one ONTAP GET per cluster per drift interval, and no status writes`, async () => {
    const intervals = 3;
    // Start counting on an interval boundary, so each window holds exactly one drift check.
    const ms = INTERVAL_S * 1000;
    await new Promise((r) => setTimeout(r, ms - (Date.now() % ms) + 1000));
    w.sim.control.clearRequests();
    const before = await versions(w);
    const reconcilesBefore = await reconcileCount(w);
    await new Promise((r) => setTimeout(r, intervals * ms));
    const gets = awsKmsReads(w.sim).length;
    const all = w.sim.control.requests().length;
    const after = await versions(w);
    const statusWrites = [...after].filter(([k, v]) => before.get(k) !== v).length;
    const reconciles = (await reconcileCount(w)) - reconcilesBefore;
    console.log(`      steady state, ${N} OntapAwsKms on 1 cluster, ${intervals} intervals of ${INTERVAL_S} s: ` +
      `${reconciles} reconciles, ${gets} aws-kms GETs (${(gets / intervals).toFixed(2)}/interval), ${all} ONTAP requests in all, ${statusWrites} status writes`);
    expect(reconciles).to.be.at.least(N * (intervals - 1));
    expect(gets / intervals).to.be.at.most(1.5);
    expect(awsKmsWrites(w.sim)).to.deep.equal([]);
    expect(statusWrites).to.equal(0);
  });
});
