import { expect } from 'chai';
import { OntapAwsKmsType, OntapClusterType } from '../../src/controller/resources.js';
import { SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsSecret, condition, type E2E, getKms, kmsObject, startE2E, waitFor } from '../support/e2e.js';

/** metricSum adds the samples of one metric whose labels contain `filter`. */
function metricSum(body: string, name: string, filter: string): number {
  return body
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(filter))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('e2e: what a new resource costs', function () {
  this.timeout(60_000);
  let w: E2E;
  const N = 20;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: Array.from({ length: N }, (_, i) => `svm${i + 1}`) });
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
  });
  after(async () => w?.close());

  it('one reconcile and three Kubernetes PATCHes (finalizer, the create recorded before it is sent, status) per new resource', async () => {
    const op = await w.startOperator();
    await waitFor('OntapCluster Ready', async () => {
      const c = await w.api.get(OntapClusterType, w.ns, 'sim');
      return JSON.stringify(c?.status ?? {}).includes('"Connected"');
    });
    const before = await op.metrics.renderText();
    // No drift check during the test: every reconcile counted is caused by the creates.
    for (let i = 1; i <= N; i++) await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, `k${i}`, { svm: { name: `svm${i}` }, driftCheckIntervalSeconds: 86_400 }));
    for (let i = 1; i <= N; i++) await waitFor(`k${i} Ready`, async () => condition(await getKms(w, `k${i}`), 'Ready') === 'True/Available');
    await new Promise((r) => setTimeout(r, 1000)); // the informer delivers the operator's own writes
    const after = await op.metrics.renderText();
    const delta = (name: string, filter: string): number => metricSum(after, name, filter) - metricSum(before, name, filter);
    expect(delta('controller_runtime_reconcile_total', 'controller="ontapawskms"'), 'reconciles').to.equal(N);
    // status.pendingWrite is written before the POST, so a crash mid-create never sends it twice.
    expect(delta('rest_client_requests_total', 'method="PATCH"'), 'PATCHes: finalizer, pendingWrite and status').to.equal(3 * N);
    await w.stopOperator();
  });
});
