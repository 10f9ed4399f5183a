import { expect } from 'chai';
import type { OntapClient } from '../../../src/ontap/client.js';
import { isNotFound, OntapApiError, OntapCode, OntapProtocolError, OntapTimeoutError, OntapTransportError } from '../../../src/ontap/errors.js';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { createBody, newClient, rejection, SECRETS, startSim } from './fixtures.js';

describe('OntapClient against ontap-sim: typed errors', () => {
  let sim: SimulatorHandle;
  let client: OntapClient;
  before(async () => {
    sim = await startSim();
    client = newClient(sim);
  });
  after(async () => {
    client.close();
    await sim.close();
  });
  beforeEach(() => sim.control.reset());

  it('turns an ONTAP error into OntapApiError with status, code, message and context', async () => {
    await client.createAwsKms(createBody('svm1'));
    const err = await rejection(client.createAwsKms(createBody('svm1')));
    expect(err).to.be.instanceOf(OntapApiError);
    const api = err as OntapApiError;
    expect(api.httpStatus).to.equal(400);
    expect(api.code).to.equal(OntapCode.AlreadyConfigured);
    expect(api.message).to.match(/^create aws-kms for svm1: ONTAP error 65537910: A key manager/);
    expect(api.method).to.equal('POST');
  });

  it('carries the target ONTAP blames', async () => {
    const uuid = await client.createAwsKms(createBody('svm1'));
    // The wire type does not allow key_id in a PATCH; send it anyway to see ONTAP's answer.
    const err = (await rejection(client.patchAwsKms(uuid, { key_id: 'x' } as never))) as OntapApiError;
    expect(err.code).to.equal(OntapCode.UnexpectedArgument);
    expect(err.target).to.equal('key_id');
  });

  it('reports a missing record as 404 for which isNotFound holds', async () => {
    const err = await rejection(client.getAwsKms('1cd8a442-86d1-11e0-ae1c-123478563412'));
    expect(err).to.be.instanceOf(OntapApiError);
    expect((err as OntapApiError).httpStatus).to.equal(404);
    expect((err as OntapApiError).code).to.equal(OntapCode.EntryNotFound);
    expect(isNotFound(err)).to.equal(true);
    expect(err.message).to.include('get aws-kms 1cd8a442-86d1-11e0-ae1c-123478563412: ONTAP error 4');
  });

  it('types a failed job exactly like the same failure answered synchronously', async () => {
    const uuid = await client.createAwsKms(createBody('svm1'));
    sim.control.setAws({ acceptedCredentials: [] });
    const sync = (await rejection(client.patchAwsKms(uuid, { access_key_id: 'A', secret_access_key: SECRETS.awsSecret }))) as OntapApiError;
    sim.control.setAsync({ enabled: true, delayMs: 50 });
    const viaJob = await rejection(client.patchAwsKms(uuid, { access_key_id: 'A', secret_access_key: SECRETS.awsSecret }));
    expect(viaJob).to.be.instanceOf(OntapApiError);
    const job = viaJob as OntapApiError;
    expect(job.code).to.equal(OntapCode.InvalidCredentials).and.equal(sync.code);
    expect(job.ontapMessage).to.equal(sync.ontapMessage);
    expect(job.jobUuid).to.be.a('string');
    expect(job.message).to.equal(sync.message);
  });

  it('a job ONTAP has forgotten is an unknown outcome (OntapProtocolError), never a not-found', async () => {
    const uuid = await client.createAwsKms(createBody('svm1'));
    sim.control.setAsync({ enabled: true, delayMs: 50 });
    sim.control.addFault({ method: 'GET', path: '/api/cluster/jobs/', status: 404, code: '4', message: "entry doesn't exist" });
    const err = await rejection(client.deleteAwsKms(uuid));
    expect(err).to.be.instanceOf(OntapProtocolError);
    expect(isNotFound(err)).to.equal(false);
    expect((err).message).to.contain('outcome of the write is unknown');
  });

  it('fails a create whose job fails with the job error', async () => {
    sim.control.setAsync({ enabled: true, delayMs: 30, fail: true });
    const err = await rejection(client.createAwsKms(createBody('svm2')));
    expect(err).to.be.instanceOf(OntapApiError);
    expect((err as OntapApiError).code).to.equal(OntapCode.SecretStoreFailed);
  });

  it('reports a bad password as a 401 OntapApiError', async () => {
    const bad = newClient(sim, { auth: { kind: 'basic', username: 'admin', password: 'wrong-password' } });
    try {
      const err = await rejection(bad.getCluster());
      expect(err).to.be.instanceOf(OntapApiError);
      expect((err as OntapApiError).httpStatus).to.equal(401);
    } finally {
      bad.close();
    }
  });

  it('reports a dropped connection as an OntapTransportError that may have been sent', async () => {
    const uuid = await client.createAwsKms(createBody('svm1'));
    sim.control.addFault({ method: 'PATCH', path: '/api/security/aws-kms', drop: true, count: 1 });
    const err = await rejection(client.patchAwsKms(uuid, { region: 'us-east-2' }));
    expect(err).to.be.instanceOf(OntapTransportError);
    expect((err as OntapTransportError).kind).to.equal('connection');
    expect((err as OntapTransportError).mayHaveBeenSent).to.equal(true);
    expect(err.message).to.match(/^patch aws-kms [0-9a-f-]+: connection error/);
  });

  it('times a slow request out with OntapTimeoutError', async () => {
    const slow = newClient(sim, { requestTimeoutSeconds: 0.2 });
    sim.control.addFault({ path: '/api/cluster', latencyMs: 1500, count: 1 });
    try {
      const err = await rejection(slow.getCluster());
      expect(err).to.be.instanceOf(OntapTimeoutError);
      expect((err as OntapTimeoutError).timeoutMs).to.equal(200);
    } finally {
      slow.close();
    }
  });

  it('gives up on a job that does not finish within jobTimeoutMs', async () => {
    const impatient = newClient(sim, { jobTimeoutMs: 100 });
    sim.control.setAsync({ enabled: true, delayMs: 5000 });
    try {
      const err = await rejection(impatient.createAwsKms(createBody('svm3')));
      expect(err).to.be.instanceOf(OntapTimeoutError);
      expect((err as OntapTimeoutError).jobUuid).to.be.a('string');
    } finally {
      impatient.close();
    }
  });
});
