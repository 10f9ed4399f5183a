import { expect } from 'chai';
import { OntapAwsKmsType } from '../../src/controller/resources.js';
import { SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsKmsWrites, awsSecret, condition, type E2E, getKms, kmsObject, startE2E, waitFor } from '../support/e2e.js';

describe('e2e: ONTAP answering with jobs, and failures between writes', function () {
  this.timeout(60_000);
  let w: E2E;
  const recordOf = (svm: string) => [...w.sim.state.records.values()].find((r) => r.svm?.name === svm);
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E();
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.startOperator();
  });
  after(async () => w?.close());
  beforeEach(() => w.sim.control.clearRequests());

  it('creates, corrects and deletes when every write is answered 202 with a job', async () => {
    w.sim.control.setAsync({ enabled: true, delayMs: 200 });
    try {
      await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'jobs', { svm: { name: 'svm1' }, timeoutSeconds: 20, deletionPolicy: 'Delete' }));
      await waitFor('Ready through jobs', async () => condition(await getKms(w, 'jobs'), 'Ready') === 'True/Available');
      expect(recordOf('svm1')?.timeout).to.equal(20);
      expect(awsKmsWrites(w.sim).map((r) => `${r.method} ${r.status}`)).to.deep.equal(['POST 202', 'PATCH 202']);
      await w.api.delete(OntapAwsKmsType, w.ns, 'jobs');
      await waitFor('deleted through a job', async () => (await getKms(w, 'jobs')) === undefined);
      expect(recordOf('svm1')).to.equal(undefined);
    } finally {
      w.sim.control.setAsync({ enabled: false });
    }
  });

  it('a PATCH that fails after a rekey does not re-key again: the retry reads ONTAP first', async () => {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'rekey', { svm: { name: 'svm2' } }));
    await waitFor('in sync', async () => condition(await getKms(w, 'rekey'), 'Synced') === 'True/ReconcileSuccess');
    w.sim.control.clearRequests();
    w.sim.control.addFault({ method: 'PATCH', path: '/api/security/aws-kms/', status: 500, code: '1', message: 'Internal error', count: 1 });
    await w.api.mergePatch(OntapAwsKmsType, w.ns, 'rekey', { spec: { keyId: 'arn:aws:kms:us-east-1:111122223333:key/e2e-2', region: 'eu-west-1' } });
    await waitFor('region applied after the retry', () => recordOf('svm2')?.region === 'eu-west-1', 20_000);
    const writes = awsKmsWrites(w.sim).map((r) => `${r.method} ${r.path.endsWith('/rekey-external') ? 'rekey-external' : 'record'} ${r.status}`);
    expect(writes).to.deep.equal(['POST rekey-external 201', 'PATCH record 500', 'PATCH record 200']);
    expect(recordOf('svm2')?.key_id).to.equal('arn:aws:kms:us-east-1:111122223333:key/e2e-2');
    await waitFor('Synced again', async () => condition(await getKms(w, 'rekey'), 'Synced') === 'True/ReconcileSuccess');
  });
});
