import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { sleep } from '../../../src/runtime/backoff.js';
import { simRequest, type SimResponse, startTestSim } from '../../support/sim.js';
import { createBody, createKms, expectOntapError, KMS } from './helpers.js';

/** waitJob polls a job until it leaves queued/running. */
async function waitJob(sim: SimulatorHandle, href: string): Promise<SimResponse> {
  for (let i = 0; i < 200; i++) {
    const res = await simRequest(sim, 'GET', href);
    const state = res.json['state'];
    if (state !== 'queued' && state !== 'running') return res;
    await sleep(20);
  }
  throw new Error('job did not finish');
}

function jobHref(res: SimResponse): string {
  expect(res.status, JSON.stringify(res.json)).to.equal(202);
  const job = res.json['job'] as { uuid: string; _links: { self: { href: string } } };
  expect(job._links.self.href).to.equal(`/api/cluster/jobs/${job.uuid}`);
  return job._links.self.href;
}

describe('ontap-sim: writes answered with 202 and a job', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startTestSim({ jobRetentionMs: 60_000 });
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  it('answers POST with 202 and a job that goes queued → success, then the record exists', async () => {
    await simRequest(sim, 'PUT', '/_sim/async', { body: { enabled: true, delayMs: 150 } });
    const posted = await simRequest(sim, 'POST', KMS, { body: createBody() });
    const href = jobHref(posted);
    // As ONTAP: no uuid exists yet, so Location is a query that finds the record once made.
    expect(posted.headers['location']).to.equal(`${KMS}?svm.name=svm1`);
    const early = await simRequest(sim, 'GET', href);
    expect(['queued', 'running']).to.include(early.json['state']);
    expect((await simRequest(sim, 'GET', `${KMS}?svm.name=svm1`)).json['num_records']).to.equal(0);
    const done = await waitJob(sim, href);
    expect(done.json).to.include({ state: 'success' });
    const found = await simRequest(sim, 'GET', String(posted.headers['location']));
    const records = found.json['records'] as { uuid: string; _links: { self: { href: string } } }[];
    expect(records.map((r) => r._links.self.href)).to.deep.equal([`${KMS}/${records[0]?.uuid ?? '?'}`]);
  });

  it('puts a query by svm uuid, or by scope for the cluster, in the 202 Location', async () => {
    sim.control.setAsync({ enabled: true, delayMs: 20 });
    const svm = sim.state.findSvm({ name: 'svm1' });
    const byUuid = await simRequest(sim, 'POST', KMS, { body: { ...createBody(), svm: { uuid: svm?.uuid } } });
    expect(byUuid.headers['location']).to.equal(`${KMS}?svm.uuid=${svm?.uuid ?? '?'}`);
    const body: Record<string, unknown> = { ...createBody() };
    delete body['svm'];
    expect((await simRequest(sim, 'POST', KMS, { body })).headers['location']).to.equal(`${KMS}?scope=cluster`);
  });

  it('fails the job with the operation error (error{code,message} and code/message)', async () => {
    const uuid = await createKms(sim);
    sim.control.setAws({ acceptedCredentials: [] });
    sim.control.setAsync({ enabled: true, delayMs: 50 });
    const href = jobHref(await simRequest(sim, 'PATCH', `${KMS}/${uuid}`, { body: { access_key_id: 'A', secret_access_key: 'B' } }));
    const done = await waitJob(sim, href);
    expect(done.json).to.include({ state: 'failure', code: 65537921 });
    expect(done.json['error']).to.include({ code: '65537921' });
    expect(done.json['message']).to.be.a('string').and.include('Unable to connect');
  });

  it('fails every job with the configured error when fail is set', async () => {
    await simRequest(sim, 'PUT', '/_sim/async', { body: { enabled: true, delayMs: 30, fail: { code: '65537906', message: 'Failed to store the secret access key.' } } });
    const done = await waitJob(sim, jobHref(await simRequest(sim, 'POST', KMS, { body: createBody() })));
    expect(done.json['error']).to.deep.include({ code: '65537906' });
    expect((await simRequest(sim, 'GET', KMS)).json['num_records']).to.equal(0);
  });

  it('still validates the body synchronously', async () => {
    sim.control.setAsync({ enabled: true, delayMs: 30 });
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: createBody('svm1', { timeout: 5 }) }), 400, '262179');
  });

  it('waits for the job within return_timeout and answers synchronously', async () => {
    sim.control.setAsync({ enabled: true, delayMs: 50 });
    const res = await simRequest(sim, 'POST', `${KMS}?return_timeout=5`, { body: createBody() });
    expect(res.status).to.equal(201);
    expect(res.headers['location']).to.be.a('string');
  });

  it('answers DELETE and the actions with jobs too', async () => {
    const uuid = await createKms(sim);
    sim.control.setAsync({ enabled: true, delayMs: 30 });
    expect((await waitJob(sim, jobHref(await simRequest(sim, 'POST', `${KMS}/${uuid}/rekey-external`, { body: { key_id: 'k9' } })))).json['state']).to.equal('success');
    expect((await waitJob(sim, jobHref(await simRequest(sim, 'DELETE', `${KMS}/${uuid}`)))).json['state']).to.equal('success');
  });

  it('forgets a finished job after the retention time (then 404)', async () => {
    await simRequest(sim, 'PUT', '/_sim/jobs', { body: { retentionMs: 50 } });
    sim.control.setAsync({ enabled: true, delayMs: 10 });
    const href = jobHref(await simRequest(sim, 'POST', KMS, { body: createBody() }));
    expect((await waitJob(sim, href)).json['state']).to.equal('success');
    await sleep(200);
    expectOntapError(await simRequest(sim, 'GET', href), 404, '4');
  });
});
