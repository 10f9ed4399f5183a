import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { createBody, expectOntapError, KMS, records, SECRET } from './helpers.js';

describe('ontap-sim: POST /api/security/aws-kms', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startTestSim({ svms: ['svm1', 'svm2'] });
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  it('creates a record: 201, Location of the new uuid, empty body', async () => {
    const res = await simRequest(sim, 'POST', KMS, { body: createBody() });
    expect(res.status).to.equal(201);
    expect(res.headers['location']).to.match(/^\/api\/security\/aws-kms\/[0-9a-f-]{36}$/);
    expect(res.json).to.deep.equal({});
    const get = await simRequest(sim, 'GET', String(res.headers['location']));
    expect(get.json).to.deep.include({ scope: 'svm', key_id: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd' });
  });

  it('returns the record only with return_records=true', async () => {
    const res = await simRequest(sim, 'POST', `${KMS}?return_records=true`, { body: createBody() });
    expect(res.status).to.equal(201);
    expect(records(res)[0]).to.include({ region: 'us-east-1' });
    expect(JSON.stringify(res.json)).to.not.include(SECRET);
  });

  it('fills in ONTAP defaults for what the body left out', async () => {
    const res = await simRequest(sim, 'POST', `${KMS}?return_records=true`, { body: createBody('svm1', { region: 'eu-central-1' }) });
    expect(records(res)[0]).to.include({
      service: 'kms',
      default_domain: 'amazonaws.com',
      host: 'kms.eu-central-1.amazonaws.com',
      port: 443,
      polling_period: 60,
      timeout: 10,
      verify: true,
      verify_host: true,
      verify_ip: false,
    });
  });

  for (const field of ['svm', 'key_id', 'region', 'access_key_id', 'secret_access_key']) {
    if (field === 'svm') continue;
    it(`requires ${field}`, async () => {
      const body = createBody();
      delete body[field];
      expectOntapError(await simRequest(sim, 'POST', KMS, { body }), 400, '2', field);
    });
  }

  for (const field of ['timeout', 'verify', 'verify_host', 'verify_ip', 'skip_verify']) {
    it(`refuses the PATCH-only field ${field} with 262179`, async () => {
      const value = field === 'timeout' ? 20 : true;
      expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody('svm1', { [field]: value }) }), 400, '262179', field);
    });
  }

  it('refuses an unknown field with 262179 naming it', async () => {
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody('svm1', { bogus: 1 }) }), 400, '262179', 'bogus');
  });

  it('refuses a second configuration for the same SVM with 65537910', async () => {
    expect((await simRequest(sim, 'POST', KMS, { body: createBody() })).status).to.equal(201);
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody() }), 400, '65537910');
    expect((await simRequest(sim, 'POST', KMS, { body: createBody('svm2') })).status).to.equal(201);
  });

  it('refuses an unknown SVM with 2621462', async () => {
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody('nope') }), 400, '2621462', 'svm.name');
  });

  it('accepts svm.uuid instead of svm.name', async () => {
    const svms = records(await simRequest(sim, 'GET', '/api/svm/svms?name=svm2'));
    const body = { ...createBody(), svm: { uuid: svms[0]?.['uuid'] } };
    const res = await simRequest(sim, 'POST', `${KMS}?return_records=true`, { body });
    expect(res.status).to.equal(201);
    expect(records(res)[0]).to.have.nested.property('svm.name', 'svm2');
  });

  it('creates a cluster-scoped record when svm is omitted', async () => {
    const body = createBody();
    delete body['svm'];
    const res = await simRequest(sim, 'POST', `${KMS}?return_records=true`, { body });
    expect(res.status).to.equal(201);
    expect(records(res)[0]).to.include({ scope: 'cluster' });
    expect(records(res)[0]).to.not.have.property('svm');
  });

  it('refuses credentials AWS does not accept with 65537921', async () => {
    sim.control.setAws({ acceptedCredentials: [{ accessKeyId: 'AKIAGOOD', secretAccessKey: 'good-secret' }] });
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody() }), 400, '65537921');
    const ok = await simRequest(sim, 'POST', KMS, { body: createBody('svm1', { access_key_id: 'AKIAGOOD', secret_access_key: 'good-secret' }) });
    expect(ok.status).to.equal(201);
  });

  it('refuses to create while AWS is unreachable with 65537921', async () => {
    sim.control.setAws({ reachable: false });
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody() }), 400, '65537921');
  });

  it('refuses a value of the wrong type', async () => {
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody('svm1', { port: 'https' }) }), 400, '2', 'port');
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody('svm1', { proxy_type: 'socks' }) }), 400, '2', 'proxy_type');
  });

  it('refuses return_timeout above 120', async () => {
    expectOntapError(await simRequest(sim, 'POST', `${KMS}?return_timeout=500`, { body: createBody() }), 400, '2', 'return_timeout');
  });
});
