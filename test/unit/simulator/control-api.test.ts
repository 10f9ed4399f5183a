import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { AKV, AZURE_SECRET, azureBody, createBody, createKms, expectOntapError, GCKMS, GCP_CREDENTIALS, gcpBody, KMS, SECRET } from './helpers.js';

describe('ontap-sim: control API under /_sim/', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startTestSim();
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  it('POST /_sim/faults injects an ONTAP error for the next N matching requests', async () => {
    const add = await simRequest(sim, 'POST', '/_sim/faults', { body: { method: 'GET', path: '/api/cluster', status: 503, code: '1', message: 'busy', count: 2 } });
    expect(add.status).to.equal(201);
    expectOntapError(await simRequest(sim, 'GET', '/api/cluster'), 503, '1');
    expectOntapError(await simRequest(sim, 'GET', '/api/cluster'), 503, '1');
    expect((await simRequest(sim, 'GET', '/api/cluster')).status).to.equal(200);
  });

  it('matches only the given method', async () => {
    await simRequest(sim, 'POST', '/_sim/faults', { body: { method: 'POST', path: KMS, code: '65537906' } });
    expect((await simRequest(sim, 'GET', KMS)).status).to.equal(200);
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody() }), 400, '65537906');
  });

  it('drops the connection without an answer', async () => {
    await simRequest(sim, 'POST', '/_sim/faults', { body: { path: '/api/cluster', drop: true, count: 1 } });
    let failed: unknown;
    try {
      await simRequest(sim, 'GET', '/api/cluster');
    } catch (err) {
      failed = err;
    }
    expect(failed).to.be.instanceOf(Error);
    const log = (await simRequest(sim, 'GET', '/_sim/requests')).json['requests'] as Array<Record<string, unknown>>;
    expect(log[0]).to.include({ path: '/api/cluster', status: 0, dropped: true });
  });

  it('delays a request with latencyMs and then answers normally', async () => {
    await simRequest(sim, 'POST', '/_sim/faults', { body: { path: '/api/cluster', latencyMs: 50, count: 1 } });
    expect((await simRequest(sim, 'GET', '/api/cluster')).status).to.equal(200);
  });

  it('never applies a rule with probability 0', async () => {
    await simRequest(sim, 'POST', '/_sim/faults', { body: { path: '/api/', code: '1', status: 500, probability: 0 } });
    expect((await simRequest(sim, 'GET', '/api/cluster')).status).to.equal(200);
  });

  it('DELETE /_sim/faults removes every rule', async () => {
    await simRequest(sim, 'POST', '/_sim/faults', { body: { path: '/api/', code: '1', status: 500 } });
    expect((await simRequest(sim, 'DELETE', '/_sim/faults')).status).to.equal(200);
    expect((await simRequest(sim, 'GET', '/api/cluster')).status).to.equal(200);
  });

  it('refuses a malformed fault rule with 400', async () => {
    expect((await simRequest(sim, 'POST', '/_sim/faults', { body: { path: '/api/' } })).status).to.equal(400);
    expect((await simRequest(sim, 'POST', '/_sim/faults', { body: { path: '/api/', latencyMs: 'slow' } })).status).to.equal(400);
  });

  it('PUT /_sim/aws sets the accepted credentials; null accepts any again', async () => {
    await simRequest(sim, 'PUT', '/_sim/aws', { body: { acceptedCredentials: [{ accessKeyId: 'A1', secretAccessKey: 'S1' }] } });
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody() }), 400, '65537921');
    await simRequest(sim, 'PUT', '/_sim/aws', { body: { acceptedCredentials: null } });
    expect((await simRequest(sim, 'POST', KMS, { body: createBody() })).status).to.equal(201);
  });

  it('PUT /_sim/azure and /_sim/gcp set the accepted credentials and reachability; null accepts any again', async () => {
    await simRequest(sim, 'PUT', '/_sim/azure', { body: { accepted: ['other-secret'] } });
    await simRequest(sim, 'PUT', '/_sim/gcp', { body: { reachable: false } });
    expectOntapError(await simRequest(sim, 'POST', AKV, { body: azureBody() }), 400, '65537921');
    expectOntapError(await simRequest(sim, 'POST', GCKMS, { body: gcpBody('svm1') }), 400, '65537921');
    await simRequest(sim, 'PUT', '/_sim/azure', { body: { accepted: null } });
    expect((await simRequest(sim, 'POST', AKV, { body: azureBody() })).status).to.equal(201);
    const state = (await simRequest(sim, 'GET', '/_sim/state')).json;
    expect(state['gcp']).to.deep.include({ reachable: false });
    expect(JSON.stringify(state)).to.not.include(AZURE_SECRET).and.not.include(GCP_CREDENTIALS);
  });

  it('refuses a malformed PUT /_sim/azure with 400', async () => {
    expect((await simRequest(sim, 'PUT', '/_sim/azure', { body: { accepted: 'one' } })).status).to.equal(400);
    expect((await simRequest(sim, 'PUT', '/_sim/svms/svm1/kmip', { body: {} })).status).to.equal(400);
  });

  it('PUT /_sim/svms/{name}/kmip gives the SVM a KMIP key manager, so cloud ones are refused', async () => {
    await simRequest(sim, 'PUT', '/_sim/svms/svm1/kmip', { body: { configured: true } });
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody() }), 400, '65537910');
    await simRequest(sim, 'PUT', '/_sim/svms/svm1/kmip', { body: { configured: false } });
    expect((await simRequest(sim, 'POST', KMS, { body: createBody() })).status).to.equal(201);
  });

  it('PUT /_sim/nodes/{name}/ekmip answers 404 for an unknown node', async () => {
    expect((await simRequest(sim, 'PUT', '/_sim/nodes/node9/ekmip', { body: { reachable: false } })).status).to.equal(404);
  });

  it('GET /_sim/requests logs method, path, query, status, and fingerprints secrets; DELETE clears it', async () => {
    await createKms(sim);
    await simRequest(sim, 'GET', `${KMS}?fields=region`);
    const log = await simRequest(sim, 'GET', '/_sim/requests');
    const entries = log.json['requests'] as Array<Record<string, unknown>>;
    expect(entries.map((e) => [e['method'], e['path'], e['status']])).to.deep.equal([
      ['POST', KMS, 201],
      ['GET', KMS, 200],
    ]);
    expect(entries[1]?.['query']).to.equal('fields=region');
    expect(JSON.stringify(log.json)).to.not.include(SECRET);
    expect(entries[0]).to.have.nested.property('body.secret_access_key').that.matches(/^sha256:[0-9a-f]{12}$/);
    await simRequest(sim, 'DELETE', '/_sim/requests');
    expect((await simRequest(sim, 'GET', '/_sim/requests')).json['requests']).to.deep.equal([]);
  });

  it('GET /_sim/state dumps records without secret values', async () => {
    await createKms(sim, 'svm1', { proxy_password: 'state-proxy-pw' });
    const dump = await simRequest(sim, 'GET', '/_sim/state');
    const text = JSON.stringify(dump.json);
    expect(text).to.not.include(SECRET).and.not.include('state-proxy-pw');
    expect(dump.json['records']).to.have.length(1);
  });

  it('POST /_sim/reset forgets records and knobs', async () => {
    await createKms(sim);
    await simRequest(sim, 'PUT', '/_sim/aws', { body: { reachable: false } });
    await simRequest(sim, 'POST', '/_sim/reset');
    expect((await simRequest(sim, 'GET', KMS)).json['num_records']).to.equal(0);
    expect((await simRequest(sim, 'POST', KMS, { body: createBody() })).status).to.equal(201);
  });

  it('GET /_sim/stats reports the highest concurrency seen', async () => {
    await simRequest(sim, 'POST', '/_sim/faults', { body: { path: '/api/cluster', latencyMs: 100, count: 3 } });
    await Promise.all([1, 2, 3].map(() => simRequest(sim, 'GET', '/api/cluster')));
    expect((await simRequest(sim, 'GET', '/_sim/stats')).json['maxInFlight']).to.equal(3);
  });
});
