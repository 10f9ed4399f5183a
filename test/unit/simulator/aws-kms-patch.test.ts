import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { createKms, expectOntapError, KMS } from './helpers.js';

describe('ontap-sim: PATCH /api/security/aws-kms/{uuid}', () => {
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
  const patch = (body: unknown) => simRequest(sim, 'PATCH', `${KMS}/${uuid}`, { body });

  it('updates fields and answers 200 with an empty body', async () => {
    const res = await patch({ region: 'us-west-1', polling_period: 30, timeout: 20, verify_ip: true });
    expect(res.status).to.equal(200);
    expect(res.json).to.deep.equal({});
    const get = await simRequest(sim, 'GET', `${KMS}/${uuid}`);
    expect(get.json).to.include({ region: 'us-west-1', polling_period: 30, timeout: 20, verify_ip: true });
  });

  for (const [field, value] of [['key_id', 'k2'], ['svm', { name: 'svm1' }], ['uuid', 'x'], ['scope', 'svm']] as const) {
    it(`refuses the create-only field ${field}`, async () => {
      expectOntapError(await patch({ [field]: value }), 400, '262179', field);
    });
  }

  it('refuses an empty body with 65537541', async () => {
    expectOntapError(await patch({}), 400, '65537541');
  });

  it('refuses an empty secret_access_key with 65537920', async () => {
    expectOntapError(await patch({ access_key_id: 'AKIANEW', secret_access_key: '' }), 400, '65537920');
  });

  it('refuses an empty access_key_id with 65537924', async () => {
    expectOntapError(await patch({ access_key_id: '', secret_access_key: 'x' }), 400, '65537924');
  });

  it('refuses skip_verify without access_key_id', async () => {
    const res = await patch({ skip_verify: true, region: 'us-east-2' });
    expectOntapError(res, 400, '2', 'skip_verify');
    expect(JSON.stringify(res.json)).to.include('skip_verify');
  });

  it('validates new credentials against AWS (65537921) unless skip_verify is true', async () => {
    sim.control.setAws({ acceptedCredentials: [{ accessKeyId: 'AKIAGOOD', secretAccessKey: 'good' }] });
    expectOntapError(await patch({ access_key_id: 'AKIABAD', secret_access_key: 'bad' }), 400, '65537921');
    expect((await patch({ access_key_id: 'AKIAGOOD', secret_access_key: 'good' })).status).to.equal(200);
    expect((await patch({ access_key_id: 'AKIABAD', secret_access_key: 'bad', skip_verify: true })).status).to.equal(200);
    const get = await simRequest(sim, 'GET', `${KMS}/${uuid}?fields=access_key_id,skip_verify`);
    expect(get.json).to.include({ access_key_id: 'AKIABAD', skip_verify: true });
  });

  it('can be made to fail with 65537906 through a fault rule', async () => {
    sim.control.addFault({ method: 'PATCH', path: KMS, code: '65537906', message: 'Failed to store the secret access key.', count: 1 });
    expectOntapError(await patch({ secret_access_key: 'x', access_key_id: 'y' }), 400, '65537906');
    expect((await patch({ region: 'us-east-2' })).status).to.equal(200);
  });

  it('answers an unknown uuid with 404 code 4', async () => {
    expectOntapError(await simRequest(sim, 'PATCH', `${KMS}/00000000-0000-0000-0000-000000000000`, { body: { region: 'x' } }), 404, '4', 'uuid');
  });

  it('logs a rotation with a fingerprint instead of the secret', async () => {
    await simRequest(sim, 'DELETE', '/_sim/requests');
    await patch({ access_key_id: 'AKIANEW', secret_access_key: 'rotated-secret-1', proxy_password: 'pp-1' });
    const log = await simRequest(sim, 'GET', '/_sim/requests');
    const text = JSON.stringify(log.json);
    expect(text).to.not.include('rotated-secret-1').and.not.include('pp-1"');
    const entry = (log.json['requests'] as Array<Record<string, unknown>>).find((r) => r['method'] === 'PATCH');
    expect(entry?.['body']).to.deep.include({ secret_access_key: fingerprint('rotated-secret-1'), proxy_password: fingerprint('pp-1') });
    expect(fingerprint('rotated-secret-1')).to.match(/^sha256:[0-9a-f]{12}$/);
  });
});
