import { expect } from 'chai';
import { OntapTransportError } from '../../../src/ontap/errors.js';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { createBody, newClient, rejection, startSim } from './fixtures.js';

describe('OntapClient against ontap-sim: concurrency bound and retries', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  it('keeps at most maxConcurrentRequests in flight', async () => {
    const client = newClient(sim, { maxConcurrentRequests: 2 });
    let maxClientSide = 0;
    try {
      sim.control.addFault({ path: '/api/cluster', latencyMs: 80 });
      const calls = Array.from({ length: 8 }, () => client.getCluster().then(() => {
        maxClientSide = Math.max(maxClientSide, client.inFlight);
      }));
      await Promise.all(calls);
      expect(sim.control.stats().maxInFlight).to.equal(2);
      expect(maxClientSide).to.be.at.most(2);
      expect(sim.control.requests()).to.have.length(8);
    } finally {
      client.close();
    }
  });

  it('defaults to 4 in flight', async () => {
    const client = newClient(sim);
    try {
      sim.control.addFault({ path: '/api/cluster', latencyMs: 80 });
      await Promise.all(Array.from({ length: 10 }, () => client.getCluster()));
      expect(sim.control.stats().maxInFlight).to.equal(4);
    } finally {
      client.close();
    }
  });

  it('retries a GET after a dropped connection', async () => {
    const client = newClient(sim);
    try {
      sim.control.addFault({ method: 'GET', path: '/api/cluster', drop: true, count: 1 });
      expect((await client.getCluster()).name).to.equal('sim-cluster');
      expect(sim.control.requests().map((r) => r.status)).to.deep.equal([0, 200]);
    } finally {
      client.close();
    }
  });

  it('gives up on a GET after its retries', async () => {
    const client = newClient(sim, { getRetries: 1 });
    try {
      sim.control.addFault({ method: 'GET', path: '/api/cluster', drop: true });
      expect(await rejection(client.getCluster())).to.be.instanceOf(OntapTransportError);
      expect(sim.control.requests()).to.have.length(2);
    } finally {
      client.close();
    }
  });

  it('does not retry a PATCH or a POST after a dropped connection', async () => {
    const client = newClient(sim);
    try {
      const uuid = await client.createAwsKms(createBody('svm1'));
      sim.control.clearRequests();
      sim.control.addFault({ method: 'PATCH', path: '/api/security/aws-kms', drop: true, count: 1 });
      expect(await rejection(client.patchAwsKms(uuid, { region: 'us-west-1' }))).to.be.instanceOf(OntapTransportError);
      sim.control.addFault({ method: 'POST', path: '/api/security/aws-kms', drop: true, count: 1 });
      expect(await rejection(client.createAwsKms(createBody('svm2')))).to.be.instanceOf(OntapTransportError);
      expect(sim.control.requests().map((r) => `${r.method} ${r.status}`)).to.deep.equal(['PATCH 0', 'POST 0']);
    } finally {
      client.close();
    }
  });
});
