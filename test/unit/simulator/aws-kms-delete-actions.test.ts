import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { createKms, expectOntapError, KMS } from './helpers.js';

describe('ontap-sim: DELETE and the rekey/restore actions', () => {
  let sim: SimulatorHandle;
  let uuid: string;
  before(async () => {
    sim = await startTestSim();
  });
  after(() => sim.close());
  beforeEach(async () => {
    sim.control.reset();
    uuid = await createKms(sim);
  });

  it('deletes a record: 200, then 404', async () => {
    expect((await simRequest(sim, 'DELETE', `${KMS}/${uuid}`)).status).to.equal(200);
    expectOntapError(await simRequest(sim, 'GET', `${KMS}/${uuid}`), 404, '4');
  });

  it('refuses to delete while the SVM has keys in use (65537106)', async () => {
    await simRequest(sim, 'PUT', '/_sim/svms/svm1/keys-in-use', { body: { inUse: true } });
    expectOntapError(await simRequest(sim, 'DELETE', `${KMS}/${uuid}`), 400, '65537106');
    await simRequest(sim, 'PUT', '/_sim/svms/svm1/keys-in-use', { body: { inUse: false } });
    expect((await simRequest(sim, 'DELETE', `${KMS}/${uuid}`)).status).to.equal(200);
  });

  it('answers DELETE of an unknown uuid with 404', async () => {
    expectOntapError(await simRequest(sim, 'DELETE', `${KMS}/00000000-0000-0000-0000-000000000000`), 404, '4');
  });

  it('rekey-external changes key_id (201)', async () => {
    const res = await simRequest(sim, 'POST', `${KMS}/${uuid}/rekey-external`, { body: { key_id: 'arn:new' } });
    expect(res.status).to.equal(201);
    expect((await simRequest(sim, 'GET', `${KMS}/${uuid}?fields=key_id`)).json['key_id']).to.equal('arn:new');
  });

  it('rekey-external needs key_id', async () => {
    expectOntapError(await simRequest(sim, 'POST', `${KMS}/${uuid}/rekey-external`, { body: {} }), 400, '2', 'key_id');
  });

  it('rekey-external fails with 65537919 while AWS is unreachable', async () => {
    sim.control.setAws({ reachable: false });
    expectOntapError(await simRequest(sim, 'POST', `${KMS}/${uuid}/rekey-external`, { body: { key_id: 'arn:new' } }), 400, '65537919');
  });

  it('rekey-internal answers 201, and 65537559 can be injected', async () => {
    expect((await simRequest(sim, 'POST', `${KMS}/${uuid}/rekey-internal`)).status).to.equal(201);
    sim.control.addFault({ path: '^/api/security/aws-kms/[^/]+/rekey-internal$', code: '65537559', message: 'No internal keys exist.', count: 1 });
    expectOntapError(await simRequest(sim, 'POST', `${KMS}/${uuid}/rekey-internal`), 400, '65537559');
  });

  it('restore answers 201, and 65536082 while AWS is unreachable', async () => {
    expect((await simRequest(sim, 'POST', `${KMS}/${uuid}/restore`)).status).to.equal(201);
    sim.control.setAws({ reachable: false });
    expectOntapError(await simRequest(sim, 'POST', `${KMS}/${uuid}/restore`), 400, '65536082');
  });

  it('actions on an unknown uuid answer 404', async () => {
    expectOntapError(await simRequest(sim, 'POST', `${KMS}/00000000-0000-0000-0000-000000000000/restore`), 404, '4');
  });
});
