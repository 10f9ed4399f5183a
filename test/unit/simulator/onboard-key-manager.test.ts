import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { simRequest } from '../../support/sim.js';
import { startTestSim } from '../../support/sim.js';
import { createAt, createBody, expectOntapError, KMS, records } from './helpers.js';

const KM = '/api/security/key-managers';
const PASS = 'onboard-sim-unit-passphrase-0123456789';
const PASS2 = 'onboard-sim-unit-passphrase-abcdefghij-2';

describe('ontap-sim: the Onboard Key Manager (/api/security/key-managers)', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startTestSim({ svms: ['svm1', 'svm2'] });
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  const createOnboard = (extra: Record<string, unknown> = {}): Promise<string> => createAt(sim, KM, { onboard: { passphrase: PASS, ...extra } });
  const get = async (uuid: string, query = ''): Promise<Record<string, unknown>> => {
    const res = await simRequest(sim, 'GET', `${KM}/${uuid}${query}`);
    expect(res.status, JSON.stringify(res.json)).to.equal(200);
    return res.json;
  };
  const backupOf = async (uuid: string): Promise<string> => String(((await get(uuid)).onboard as Record<string, unknown>)['key_backup']);

  it('creates at the cluster scope and shows onboard.enabled and a BEGIN/END BACKUP key_backup without the passphrase', async () => {
    const uuid = await createOnboard();
    const km = await get(uuid);
    expect(km).to.deep.include({ uuid, scope: 'cluster', enabled: true });
    expect(km).to.not.have.property('svm');
    const onboard = km['onboard'] as Record<string, unknown>;
    expect(onboard['enabled']).to.equal(true);
    expect(onboard['key_backup']).to.match(/^-{26}BEGIN BACKUP-{26}\n(?:[A-Za-z0-9+/=]{1,64}\n)+-{27}END BACKUP-{27}\n$/);
    expect(String(onboard['key_backup'])).to.include('TmV0QXBwIEtleSBCbG9i');
    expect(JSON.stringify(km)).to.not.include(PASS);
    expect(JSON.stringify(sim.control.requests())).to.not.include(PASS);
    expect(JSON.stringify(sim.control.dump())).to.not.include(PASS);
  });

  it('refuses an svm (cluster scope only), a short, a long and a non-ASCII passphrase', async () => {
    expectOntapError(await simRequest(sim, 'POST', KM, { body: { svm: { name: 'svm1' }, onboard: { passphrase: PASS } } }), 400, '65536818', 'svm');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: { onboard: { passphrase: 'x'.repeat(31) } } }), 400, '65536806');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: { onboard: { passphrase: 'x'.repeat(257) } } }), 400, '65536806');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: { onboard: { passphrase: `${'x'.repeat(32)}é` } } }), 400, '65536806');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: { onboard: {} } }), 400, '2', 'onboard.passphrase');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: { onboard: { passphrase: PASS, existing_passphrase: PASS } } }), 400, '262179');
    await createAt(sim, KM, { onboard: { passphrase: 'y'.repeat(32) } });
    sim.control.reset();
    await createAt(sim, KM, { onboard: { passphrase: 'z'.repeat(256), synchronize: true } });
  });

  it('shows status.code/message only when named in fields= (not with *), code 0 once set up', async () => {
    const uuid = await createOnboard();
    expect(await get(uuid)).to.not.have.property('status');
    expect(await get(uuid, '?fields=*')).to.not.have.property('status');
    expect((await get(uuid, '?fields=status.code,status.message'))['status']).to.deep.equal({ code: 0, message: 'No action needed at this time.' });
    const list = await simRequest(sim, 'GET', `${KM}?fields=status`);
    expect(records(list).map((r) => (r['status'] as Record<string, unknown>)['code'])).to.deep.equal([0]);
  });

  it('filters the collection on onboard.enabled and scope', async () => {
    const uuid = await createOnboard();
    expect(records(await simRequest(sim, 'GET', `${KM}?onboard.enabled=true`)).map((r) => r['uuid'])).to.deep.equal([uuid]);
    expect(records(await simRequest(sim, 'GET', `${KM}?scope=svm`))).to.deep.equal([]);
  });

  it('changes the passphrase with the right existing_passphrase (new key_backup); a wrong one is 65536139 and changes nothing', async () => {
    const uuid = await createOnboard();
    const before = await backupOf(uuid);
    expectOntapError(await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { onboard: { existing_passphrase: PASS2, passphrase: PASS2 } } }), 400, '65536139');
    expect(await backupOf(uuid)).to.equal(before);
    expect(sim.control.onboardPassphrase(PASS)).to.deep.equal({ configured: true, matches: true });
    const ok = await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { onboard: { existing_passphrase: PASS, passphrase: PASS2 } } });
    expect(ok.status, JSON.stringify(ok.json)).to.equal(200);
    expect(sim.control.onboardPassphrase(PASS2)).to.deep.equal({ configured: true, matches: true });
    expect(sim.control.onboardPassphrase(PASS).matches).to.equal(false);
    expect(await backupOf(uuid)).to.not.equal(before);
    expectOntapError(await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { onboard: { passphrase: PASS } } }), 400, '2', 'onboard.existing_passphrase');
    expectOntapError(await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { onboard: { existing_passphrase: PASS2, passphrase: 'short' } } }), 400, '65536806');
    expectOntapError(await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { external: { client_certificate: { name: 'c' } } } }), 400, '65536828');
    expectOntapError(await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: {} }), 400, '2');
  });

  it('tells a current passphrase from a wrong one as ONTAP does: existing = new = P is "same as the old" when P is current, 65536139 when not', async () => {
    const uuid = await createOnboard();
    const probe = (p: string): ReturnType<typeof simRequest> => simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { onboard: { existing_passphrase: p, passphrase: p } } });
    const current = await probe(PASS);
    expectOntapError(current, 400, '65536802');
    expect((current.json['error'] as Record<string, unknown>)['message']).to.equal('New passphrase cannot be same as the old passphrase.');
    const wrong = await probe(PASS2);
    expectOntapError(wrong, 400, '65536139');
    expect((wrong.json['error'] as Record<string, unknown>)['message']).to.equal('Cluster-wide passphrase is incorrect.');
    const both = { onboard: { existing_passphrase: PASS, passphrase: PASS2, synchronize: true } };
    expectOntapError(await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: both }), 400, '2', 'onboard.synchronize');
    expect(sim.control.onboardPassphrase(PASS).matches).to.equal(true);
  });

  it('a node that joined needs a synchronize: status names it until a synchronize PATCH with the right passphrase', async () => {
    const uuid = await createOnboard();
    expect(sim.control.setOnboardSyncNeeded('node3', true)).to.equal(true);
    const status = (await get(uuid, '?fields=status')).status as Record<string, unknown>;
    expect(status['code']).to.equal(65537208);
    expect(status['message']).to.include('node3');
    expect((await simRequest(sim, 'GET', '/api/cluster/nodes')).json['num_records']).to.equal(3);
    const before = await backupOf(uuid);
    expectOntapError(await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { onboard: { existing_passphrase: PASS2, synchronize: true } } }), 400, '65536139');
    expect(((await get(uuid, '?fields=status')).status as Record<string, unknown>)['code']).to.equal(65537208);
    const ok = await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { onboard: { existing_passphrase: PASS, synchronize: true } } });
    expect(ok.status, JSON.stringify(ok.json)).to.equal(200);
    expect(((await get(uuid, '?fields=status')).status as Record<string, unknown>)['code']).to.equal(0);
    expect(await backupOf(uuid), 'a sync makes a new backup').to.not.equal(before);
  });

  it('the sync switch answers false without an Onboard Key Manager', () => {
    expect(sim.control.setOnboardSyncNeeded('node3', true)).to.equal(false);
  });

  it('one key manager per SVM: onboard after a cluster-scoped cloud one and the reverse are 65537910', async () => {
    await createAt(sim, KMS, { ...createBody(), svm: undefined });
    expectOntapError(await simRequest(sim, 'POST', KM, { body: { onboard: { passphrase: PASS } } }), 400, '65537910');
    sim.control.reset();
    await createOnboard();
    expectOntapError(await simRequest(sim, 'POST', KMS, { body: { ...createBody(), svm: undefined } }), 400, '65537910');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: { onboard: { passphrase: PASS } } }), 400, '65537910');
    await createAt(sim, KMS, createBody('svm1'));
  });

  it('DELETE is refused with 65536239 while encrypted volumes use its keys, then allowed', async () => {
    const uuid = await createOnboard();
    sim.control.setKeysInUse('sim-cluster', true);
    expectOntapError(await simRequest(sim, 'DELETE', `${KM}/${uuid}`), 400, '65536239');
    sim.control.setKeysInUse('sim-cluster', false);
    expect((await simRequest(sim, 'DELETE', `${KM}/${uuid}`)).status).to.equal(200);
    expect((await simRequest(sim, 'GET', `${KM}/${uuid}`)).status).to.equal(404);
    expect(sim.control.onboardPassphrase(PASS)).to.deep.equal({ configured: false, matches: false });
  });

  it('answers writes with 202 and a job in async mode; a wrong passphrase fails the job; return_timeout waits', async () => {
    sim.control.setAsync({ enabled: true, delayMs: 50 });
    const post = await simRequest(sim, 'POST', KM, { body: { onboard: { passphrase: PASS } } });
    expect(post.status).to.equal(202);
    expect(post.headers['location']).to.equal(`${KM}?scope=cluster`);
    const jobOf = (r: typeof post): string => (r.json['job'] as { uuid: string }).uuid;
    await sim.state.jobs.settled(jobOf(post));
    const uuid = String(records(await simRequest(sim, 'GET', `${KM}?scope=cluster`))[0]?.['uuid']);
    const bad = await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { onboard: { existing_passphrase: PASS2, passphrase: PASS2 } } });
    expect(bad.status).to.equal(202);
    await sim.state.jobs.settled(jobOf(bad));
    expect(sim.state.jobs.get(jobOf(bad))?.error?.code).to.equal('65536139');
    const waited = await simRequest(sim, 'PATCH', `${KM}/${uuid}?return_timeout=5`, { body: { onboard: { existing_passphrase: PASS, passphrase: PASS2 } } });
    expect(waited.status).to.equal(200);
    expect(sim.control.onboardPassphrase(PASS2).matches).to.equal(true);
  });

  it('takes injected faults on its paths like any other', async () => {
    sim.control.addFault({ method: 'POST', path: KM, code: '65536214', message: 'Failed to generate cluster key encryption key.', count: 1 });
    expectOntapError(await simRequest(sim, 'POST', KM, { body: { onboard: { passphrase: PASS } } }), 400, '65536214');
    await createOnboard();
  });

  it('serves the control API over HTTP: passphrase check and the sync switch', async () => {
    await createOnboard();
    const ctl = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => (await simRequest(sim, method, path, { body, auth: 'none' })).json;
    expect(await ctl('POST', '/_sim/onboard/passphrase-check', { passphrase: PASS })).to.deep.equal({ configured: true, matches: true });
    expect(await ctl('POST', '/_sim/onboard/passphrase-check', { passphrase: PASS2 })).to.deep.equal({ configured: true, matches: false });
    expect((await simRequest(sim, 'PUT', '/_sim/nodes/node9/onboard-sync', { body: { needed: true }, auth: 'none' })).status).to.equal(200);
    const kms = (await ctl('GET', '/_sim/key-managers'))['keyManagers'] as Array<Record<string, unknown>>;
    expect(kms[0]?.['unsyncedNodes']).to.deep.equal(['node9']);
    expect(String(kms[0]?.['passphrase'])).to.match(/^sha256:/);
  });
});
