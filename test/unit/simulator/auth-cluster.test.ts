import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { expectOntapError, records } from './helpers.js';

describe('ontap-sim: authentication, cluster, SVMs', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startTestSim({ svms: ['svm1', 'svm2', 'other'], nodes: 3, clusterName: 'c1' });
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  it('refuses /api requests without credentials with 401 and the error envelope', async () => {
    const res = await simRequest(sim, 'GET', '/api/cluster', { auth: 'none' });
    expectOntapError(res, 401, '6');
    expect(res.headers['www-authenticate']).to.match(/^Basic/);
  });

  it('refuses a wrong password with 401', async () => {
    const res = await simRequest(sim, 'GET', '/api/security/aws-kms', { auth: { username: 'admin', password: 'wrong' } });
    expectOntapError(res, 401, '6');
  });

  it('accepts a client certificate signed by its CA instead of Basic auth', async () => {
    const https = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(new URL('/api/cluster', sim.url), { ca: sim.caPem, cert: sim.clientCertPem, key: sim.clientKeyPem, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(status).to.equal(200);
  });

  it('serves the control API under /_sim/ without credentials', async () => {
    const res = await simRequest(sim, 'GET', '/_sim/state', { auth: 'none' });
    expect(res.status).to.equal(200);
  });

  it('GET /api/cluster returns name, uuid and the 9.15.1 version', async () => {
    const res = await simRequest(sim, 'GET', '/api/cluster');
    expect(res.status).to.equal(200);
    expect(res.json['name']).to.equal('c1');
    expect(res.json['uuid']).to.match(/^[0-9a-f-]{36}$/);
    expect(res.json['version']).to.deep.include({ generation: 9, major: 15, minor: 1 });
    expect((res.json['version'] as Record<string, unknown>)['full']).to.match(/^NetApp Release 9\.15\.1/);
  });

  it('GET /api/svm/svms lists the SVMs and filters them by name with OR', async () => {
    const all = await simRequest(sim, 'GET', '/api/svm/svms');
    expect(records(all).map((r) => r['name'])).to.deep.equal(['svm1', 'svm2', 'other']);
    expect(records(all)[0]?.['uuid']).to.be.a('string');
    const some = await simRequest(sim, 'GET', '/api/svm/svms?name=svm1|other');
    expect(records(some).map((r) => r['name'])).to.deep.equal(['svm1', 'other']);
    expect(some.json['num_records']).to.equal(2);
  });

  it('lists the configured number of nodes', async () => {
    const res = await simRequest(sim, 'GET', '/api/cluster/nodes');
    expect(records(res).map((r) => r['name'])).to.deep.equal(['node1', 'node2', 'node3']);
  });

  it('answers an unknown job with 404 code 4', async () => {
    expectOntapError(await simRequest(sim, 'GET', '/api/cluster/jobs/00000000-0000-0000-0000-000000000000'), 404, '4');
  });

  it('answers an unknown API path with 404 and the envelope', async () => {
    const res = await simRequest(sim, 'GET', '/api/storage/nothing-here');
    expect(res.status).to.equal(404);
    expect(res.json).to.have.nested.property('error.code');
  });
});
