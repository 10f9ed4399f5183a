/**
 * rekey-internal and restore in every family, answered at once and with a job: the key-generation
 * counter (one per successful rekey-internal, per SVM) and the per-record action counts, the
 * conditions the simulator decides from its state (not configured, a node down, a blocked key
 * manager, the cloud unreachable), and ONTAP's other codes injected as faults.
 */
import { expect } from 'chai';
import { sleep } from '../../../src/runtime/backoff.js';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { simRequest, type SimResponse, startTestSim } from '../../support/sim.js';
import { AKV, azureBody, createAt, createBody, expectOntapError, GCKMS, gcpBody, KMS } from './helpers.js';

interface Family {
  readonly name: 'aws-kms' | 'azure-key-vaults' | 'gcp-kms';
  readonly base: string;
  readonly body: (svm?: string) => Record<string, unknown>;
  readonly unreach: (sim: SimulatorHandle) => void;
  /** the codes ONTAP's pages give this family (see docs/ontap-sim.md). */
  readonly codes: { readonly rekeyNotConfigured: string; readonly restoreNotConfigured: string; readonly restoreFailed: string };
}

const FAMILIES: readonly Family[] = [
  {
    name: 'aws-kms',
    base: KMS,
    body: (svm = 'svm1') => createBody(svm),
    unreach: (sim) => sim.control.setAws({ reachable: false }),
    codes: { rekeyNotConfigured: '65537926', restoreNotConfigured: '65537926', restoreFailed: '65536082' },
  },
  {
    name: 'azure-key-vaults',
    base: AKV,
    body: (svm = 'svm1') => azureBody(svm),
    unreach: (sim) => sim.control.setAzure({ reachable: false }),
    codes: { rekeyNotConfigured: '65537120', restoreNotConfigured: '65537120', restoreFailed: '65537515' },
  },
  {
    name: 'gcp-kms',
    base: GCKMS,
    body: (svm = 'svm1') => gcpBody(svm),
    unreach: (sim) => sim.control.setGcp({ reachable: false }),
    codes: { rekeyNotConfigured: '65537721', restoreNotConfigured: '65537721', restoreFailed: '65537722' },
  },
];

/** jobOf checks a 202 with a job link and returns the link. */
function jobOf(res: SimResponse): string {
  expect(res.status, JSON.stringify(res.json)).to.equal(202);
  const job = res.json['job'] as { uuid: string; _links: { self: { href: string } } };
  return job._links.self.href;
}

/** waitJob polls a job until it leaves queued/running. */
async function waitJob(sim: SimulatorHandle, href: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const res = await simRequest(sim, 'GET', href);
    const state = res.json['state'];
    if (state !== 'queued' && state !== 'running') return res.json;
    await sleep(20);
  }
  throw new Error('job did not finish');
}

describe('ontap-sim: rekey-internal and restore', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startTestSim({ svms: ['svm1', 'svm2'], jobRetentionMs: 60_000 });
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  const generation = (svm = 'svm1'): number => sim.control.keyGenerations()[svm] ?? 0;

  for (const f of FAMILIES) {
    describe(f.name, () => {
      let uuid: string;
      beforeEach(async () => {
        uuid = await createAt(sim, f.base, f.body());
      });
      const post = (action: string, query = '', body?: unknown): Promise<SimResponse> =>
        simRequest(sim, 'POST', `${f.base}/${uuid}/${action}${query}`, body === undefined ? {} : { body });

      it('answers 201 at once; each rekey-internal is one key generation of the SVM, restores are counted per record', async () => {
        expect(sim.control.keyGenerations()).to.deep.equal({});
        expect((await post('rekey-internal')).status).to.equal(201);
        expect(sim.control.keyGenerations()).to.deep.equal({ svm1: 1 });
        expect((await post('restore', '', {})).status).to.equal(201);
        expect((await post('rekey-internal', '?return_timeout=0')).status).to.equal(201);
        expect(sim.control.keyGenerations()).to.deep.equal({ svm1: 2 });
        expect(sim.control.keyActions()).to.deep.equal([{ family: f.name, uuid, svm: 'svm1', rekeyInternal: 2, restore: 1 }]);
      });

      it('with a job: 202, and the counter moves only when the job succeeds', async () => {
        sim.control.setAsync({ enabled: true, delayMs: 150 });
        const href = jobOf(await post('rekey-internal'));
        expect(generation(), 'not before the job has run').to.equal(0);
        expect(await waitJob(sim, href)).to.include({ state: 'success' });
        expect(generation()).to.equal(1);
        const restore = jobOf(await post('restore'));
        expect(await waitJob(sim, restore)).to.include({ state: 'success' });
        expect(sim.control.keyActions()[0]).to.include({ rekeyInternal: 1, restore: 1 });
      });

      it('with a job and return_timeout at least the job delay: 201, counted', async () => {
        sim.control.setAsync({ enabled: true, delayMs: 50 });
        expect((await post('rekey-internal', '?return_timeout=5')).status).to.equal(201);
        expect(generation()).to.equal(1);
      });

      it('a failed job does not count', async () => {
        sim.control.setAsync({ enabled: true, delayMs: 50, fail: { code: '65537559', message: 'There are no existing internal keys for the SVM.' } });
        const job = await waitJob(sim, jobOf(await post('rekey-internal')));
        expect(job).to.deep.include({ state: 'failure', code: 65537559 });
        expect(await waitJob(sim, jobOf(await post('restore')))).to.include({ state: 'failure' });
        expect(sim.control.keyGenerations()).to.deep.equal({});
        expect(sim.control.keyActions()).to.deep.equal([]);
      });

      it('refuses a body member (262179), a bad return_timeout (2) and an unknown uuid (404), without counting', async () => {
        expectOntapError(await post('rekey-internal', '', { key_id: 'x' }), 400, '262179', 'key_id');
        expectOntapError(await post('restore', '?return_timeout=121'), 400, '2', 'return_timeout');
        expectOntapError(await post('rekey-internal', '?fields=uuid'), 400, '262179', 'fields');
        expectOntapError(await simRequest(sim, 'POST', `${f.base}/00000000-0000-0000-0000-000000000000/rekey-internal`), 404, '4');
        expect(sim.control.keyGenerations()).to.deep.equal({});
      });

      it('a node down: rekey-internal answers 65537566 (a failed job in async mode); restore is not refused for it', async () => {
        expect(sim.control.setNodeOnline('node2', false)).to.equal(true);
        expectOntapError(await post('rekey-internal'), 400, '65537566');
        expect((await post('restore')).status).to.equal(201);
        sim.control.setAsync({ enabled: true, delayMs: 20 });
        const job = await waitJob(sim, jobOf(await post('rekey-internal')));
        expect(job).to.deep.include({ state: 'failure', code: 65537566 });
        expect(job['error']).to.deep.include({ code: '65537566' });
        expect(generation()).to.equal(0);
        sim.control.setNodeOnline('node2', true);
        expect(await waitJob(sim, jobOf(await post('rekey-internal')))).to.include({ state: 'success' });
        expect(generation()).to.equal(1);
      });

      it('the SVM\'s key manager blocked: rekey-internal answers 65537556; another SVM is not', async () => {
        const other = await createAt(sim, f.base, f.body('svm2'));
        sim.control.setKeyManagerBlocked('svm1', true);
        expectOntapError(await post('rekey-internal'), 400, '65537556');
        expect((await simRequest(sim, 'POST', `${f.base}/${other}/rekey-internal`)).status).to.equal(201);
        expect(sim.control.keyGenerations()).to.deep.equal({ svm2: 1 });
        sim.control.setKeyManagerBlocked('svm1', false);
        expect((await post('rekey-internal')).status).to.equal(201);
        expect(sim.control.keyGenerations()).to.deep.equal({ svm1: 1, svm2: 1 });
      });

      it(`restore while the cloud is unreachable: ${f.codes.restoreFailed}, not counted`, async () => {
        f.unreach(sim);
        expectOntapError(await post('restore'), 400, f.codes.restoreFailed);
        expect(sim.control.keyActions()).to.deep.equal([]);
      });

      it(`a job that runs after the record was deleted fails as not configured (${f.codes.rekeyNotConfigured} / ${f.codes.restoreNotConfigured})`, async () => {
        sim.control.setAsync({ enabled: true, delayMs: 150 });
        const rekey = jobOf(await post('rekey-internal'));
        const restore = jobOf(await post('restore'));
        sim.control.setAsync({ enabled: false });
        expect((await simRequest(sim, 'DELETE', `${f.base}/${uuid}`)).status).to.equal(200);
        expect(await waitJob(sim, rekey)).to.deep.include({ state: 'failure', code: Number(f.codes.rekeyNotConfigured) });
        expect(await waitJob(sim, restore)).to.deep.include({ state: 'failure', code: Number(f.codes.restoreNotConfigured) });
        expect(sim.control.keyGenerations()).to.deep.equal({});
      });

      it('a fault with a code on the action path answers ONTAP\'s error envelope, and nothing is counted', async () => {
        const message = 'One or more volume encryption keys for encrypted volumes of this data SVM are stored in the key manager configured for the admin SVM.';
        sim.control.addFault({ method: 'POST', path: `^${f.base}/[^/]+/rekey-internal$`, code: '65537547', message, count: 1 });
        const res = await post('rekey-internal');
        expect(res.status).to.equal(400);
        expect(res.json).to.deep.equal({ error: { code: '65537547', message } });
        sim.control.addFault({ method: 'POST', path: `^${f.base}/[^/]+/restore$`, status: 400, code: '65537544', count: 1 });
        expectOntapError(await post('restore'), 400, '65537544');
        expect(sim.control.keyActions()).to.deep.equal([]);
        expect((await post('rekey-internal')).status, 'count: 1 is used up').to.equal(201);
      });

      it('a fault with job: true fails the job (async) or the request (sync) with its code', async () => {
        sim.control.addFault({ method: 'POST', path: `${f.base}/${uuid}/rekey-internal`, code: '65537559', message: 'There are no existing internal keys for the SVM.', job: true, count: 2 });
        expectOntapError(await post('rekey-internal'), 400, '65537559');
        sim.control.setAsync({ enabled: true, delayMs: 20 });
        const job = await waitJob(sim, jobOf(await post('rekey-internal')));
        expect(job).to.deep.include({ state: 'failure', code: 65537559, message: 'There are no existing internal keys for the SVM.' });
        expect(await waitJob(sim, jobOf(await post('rekey-internal')))).to.include({ state: 'success' });
        expect(generation()).to.equal(1);
      });
    });
  }

  it('an inactive Azure configuration is not configured for either action (65537120)', async () => {
    const uuid = await createAt(sim, AKV, azureBody('svm1', { configuration: { name: 'next' } }), '?create_inactive=true');
    expectOntapError(await simRequest(sim, 'POST', `${AKV}/${uuid}/rekey-internal`), 400, '65537120');
    expectOntapError(await simRequest(sim, 'POST', `${AKV}/${uuid}/restore`), 400, '65537120');
  });

  it('counts a cluster-scoped key manager under the cluster\'s name, and keeps counts after a DELETE until reset', async () => {
    const body = { ...gcpBody() };
    delete body['svm'];
    const uuid = await createAt(sim, GCKMS, body);
    expect((await simRequest(sim, 'POST', `${GCKMS}/${uuid}/rekey-internal`)).status).to.equal(201);
    expect((await simRequest(sim, 'DELETE', `${GCKMS}/${uuid}`)).status).to.equal(200);
    expect(sim.control.keyGenerations()).to.deep.equal({ 'sim-cluster': 1 });
    expect(sim.control.keyActions()).to.deep.equal([{ family: 'gcp-kms', uuid, svm: 'sim-cluster', rekeyInternal: 1, restore: 0 }]);
    sim.control.reset();
    expect(sim.control.keyGenerations()).to.deep.equal({});
    expect(sim.control.keyActions()).to.deep.equal([]);
  });

  it('a job fault on a GET is its answer', async () => {
    sim.control.addFault({ method: 'GET', path: KMS, code: '65537551', job: true, count: 1 });
    expectOntapError(await simRequest(sim, 'GET', KMS), 400, '65537551');
    expect((await simRequest(sim, 'GET', KMS)).status).to.equal(200);
  });

  describe('over the HTTP control API', () => {
    it('GET /_sim/key-generations and /_sim/key-actions read the counters; /_sim/state has them too', async () => {
      const uuid = await createAt(sim, KMS, createBody());
      await simRequest(sim, 'POST', `${KMS}/${uuid}/rekey-internal`);
      await simRequest(sim, 'POST', `${KMS}/${uuid}/restore`);
      expect((await simRequest(sim, 'GET', '/_sim/key-generations')).json).to.deep.equal({ generations: { svm1: 1 } });
      expect((await simRequest(sim, 'GET', '/_sim/key-actions')).json).to.deep.equal({
        actions: [{ family: 'aws-kms', uuid, svm: 'svm1', rekeyInternal: 1, restore: 1 }],
      });
      const state = (await simRequest(sim, 'GET', '/_sim/state')).json;
      expect(state['keyGenerations']).to.deep.equal({ svm1: 1 });
      expect(state['keyActions']).to.have.length(1);
      await simRequest(sim, 'POST', '/_sim/reset');
      expect((await simRequest(sim, 'GET', '/_sim/key-generations')).json).to.deep.equal({ generations: {} });
    });

    it('PUT /_sim/nodes/{name}/online takes a node down (GET /api/cluster/nodes shows state down)', async () => {
      const uuid = await createAt(sim, KMS, createBody());
      expect((await simRequest(sim, 'PUT', '/_sim/nodes/node1/online', { body: { online: false } })).status).to.equal(200);
      const nodes = await simRequest(sim, 'GET', '/api/cluster/nodes?fields=state');
      expect((nodes.json['records'] as Array<Record<string, unknown>>).map((n) => n['state'])).to.deep.equal(['down', 'up']);
      expectOntapError(await simRequest(sim, 'POST', `${KMS}/${uuid}/rekey-internal`), 400, '65537566');
      expect((await simRequest(sim, 'PUT', '/_sim/nodes/node9/online', { body: { online: false } })).status).to.equal(404);
      expect((await simRequest(sim, 'PUT', '/_sim/nodes/node1/online', { body: { online: 'no' } })).status).to.equal(400);
    });

    it('PUT /_sim/svms/{name}/blocked blocks the SVM\'s key manager', async () => {
      const uuid = await createAt(sim, KMS, createBody());
      expect((await simRequest(sim, 'PUT', '/_sim/svms/svm1/blocked', { body: { blocked: true } })).status).to.equal(200);
      expectOntapError(await simRequest(sim, 'POST', `${KMS}/${uuid}/rekey-internal`), 400, '65537556');
      await simRequest(sim, 'PUT', '/_sim/svms/svm1/blocked', { body: { blocked: false } });
      expect((await simRequest(sim, 'POST', `${KMS}/${uuid}/rekey-internal`)).status).to.equal(201);
    });

    it('POST /_sim/faults takes job: true, and refuses it without status or code', async () => {
      expect((await simRequest(sim, 'POST', '/_sim/faults', { body: { path: KMS, code: '65537559', job: true } })).status).to.equal(201);
      expect((await simRequest(sim, 'POST', '/_sim/faults', { body: { path: KMS, latencyMs: 5, job: true } })).status).to.equal(400);
      expect((await simRequest(sim, 'POST', '/_sim/faults', { body: { path: KMS, code: '1', job: 'yes' } })).status).to.equal(400);
    });
  });
});
