import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { createAt, expectOntapError, records } from './helpers.js';

const CERTS = '/api/security/certificates';
const KM = '/api/security/key-managers';
const PASSWORD = 'kmip-sim-unit-password-7731';

describe('ontap-sim: /api/security/key-managers/{uuid}/key-servers', () => {
  let sim: SimulatorHandle;
  let uuid: string;
  let ks: string;
  before(async () => {
    sim = await startTestSim({ svms: ['svm1'] });
  });
  after(() => sim.close());
  beforeEach(async () => {
    sim.control.reset();
    await createAt(sim, CERTS, { svm: { name: 'svm1' }, name: 'c', type: 'client', public_certificate: sim.clientCertPem, private_key: sim.clientKeyPem });
    await createAt(sim, CERTS, { svm: { name: 'svm1' }, name: 'ca', type: 'server_ca', public_certificate: sim.caPem });
    uuid = await createAt(sim, KM, { svm: { name: 'svm1' }, external: { client_certificate: { name: 'c' }, server_ca_certificates: [{ name: 'ca' }], servers: [{ server: '10.0.0.5' }] } });
    ks = `${KM}/${uuid}/key-servers`;
  });

  const one = `/10.0.0.5%3A5696`;
  const get = async (path: string): Promise<Record<string, unknown>> => {
    const res = await simRequest(sim, 'GET', path);
    expect(res.status, JSON.stringify(res.json)).to.equal(200);
    return res.json;
  };

  it('lists and reads a server by its URL-encoded host:port (or the raw one); connectivity only with fields=', async () => {
    expect(records(await simRequest(sim, 'GET', ks)).map((r) => r['server'])).to.deep.equal(['10.0.0.5:5696']);
    const s = await get(`${ks}${one}`);
    expect(s).to.deep.include({ server: '10.0.0.5:5696', timeout: 25, create_remove_timeout: 10, username: '' });
    expect(s).to.not.have.property('connectivity');
    expect(await get(`${ks}/10.0.0.5:5696?fields=*`)).to.not.have.property('connectivity');
    const c = (await get(`${ks}${one}?fields=connectivity`))['connectivity'] as Record<string, unknown>;
    expect(c['cluster_availability']).to.equal(true);
    expect((c['node_states'] as Array<Record<string, unknown>>).map((n) => [(n['node'] as Record<string, unknown>)['name'], n['state']])).to.deep.equal([
      ['node1', 'available'],
      ['node2', 'available'],
    ]);
    expect((await simRequest(sim, 'GET', `${ks}/10.0.0.9%3A5696`)).status).to.equal(404);
  });

  it('a server down on one node: that node not_responding, cluster_availability false; per-node filter trims node_states', async () => {
    expect(sim.control.setKeyServerReachable('10.0.0.5:5696', 'node2', false)).to.equal(true);
    const c = (await get(`${ks}${one}?fields=connectivity.cluster_availability,connectivity.node_states.node.name,connectivity.node_states.state`))['connectivity'] as Record<string, unknown>;
    expect(c['cluster_availability']).to.equal(false);
    expect(c['node_states']).to.deep.equal([
      { node: { name: 'node1' }, state: 'available' },
      { node: { name: 'node2' }, state: 'not_responding' },
    ]);
    const trimmed = await get(`${ks}${one}?fields=connectivity&return_unmatched_nested_array_objects=false&connectivity.node_states.node.name=node2`);
    const states = (trimmed['connectivity'] as Record<string, unknown>)['node_states'] as Array<Record<string, unknown>>;
    expect(states.map((n) => n['state'])).to.deep.equal(['not_responding']);
    sim.control.setKeyServerReachable('10.0.0.5:5696', 'node2', true);
    expect(((await get(`${ks}${one}?fields=connectivity`))['connectivity'] as Record<string, unknown>)['cluster_availability']).to.equal(true);
    expect(sim.control.setKeyServerReachable('10.0.0.5:5696', 'node7', false)).to.equal(false);
  });

  it('POST adds one server or records[]; more than four primaries is 65536038; Location names the new server', async () => {
    const res = await simRequest(sim, 'POST', ks, { body: { server: 'kmip2.example.com' } });
    expect(res.status, JSON.stringify(res.json)).to.equal(201);
    expect(res.headers['location']).to.equal(`${ks}/kmip2.example.com%3A5696`);
    expect((await simRequest(sim, 'POST', `${ks}?return_records=true`, { body: { records: [{ server: '10.0.0.6:5697' }, { server: '10.0.0.7' }] } })).json['num_records']).to.equal(2);
    expectOntapError(await simRequest(sim, 'POST', ks, { body: { server: '10.0.0.8' } }), 400, '65536038');
    expectOntapError(await simRequest(sim, 'POST', ks, { body: { server: 'x', records: [{ server: 'y' }] } }), 400, '262179');
    expect(records(await simRequest(sim, 'GET', ks))).to.have.length(4);
    expect(((await get(`${KM}/${uuid}`))['external'] as Record<string, unknown>)['servers'], 'embedded in the key manager too').to.have.length(4);
  });

  it('PATCH sets timeout, username and write-only password, replaces secondary_key_servers (a list here, a string in the key manager), and moves the port', async () => {
    let res = await simRequest(sim, 'PATCH', `${ks}${one}`, { body: { timeout: 45, username: 'kmipuser', password: PASSWORD, secondary_key_servers: ['1.1.1.1', 'secondary.example.com'] } });
    expect(res.status, JSON.stringify(res.json)).to.equal(200);
    expect(await get(`${ks}${one}`)).to.deep.include({ timeout: 45, username: 'kmipuser', secondary_key_servers: ['1.1.1.1', 'secondary.example.com'] });
    const embedded = ((await get(`${KM}/${uuid}`))['external'] as Record<string, unknown>)['servers'] as Array<Record<string, unknown>>;
    expect(embedded[0]).to.deep.include({ secondary_key_servers: '1.1.1.1, secondary.example.com' });
    res = await simRequest(sim, 'PATCH', `${ks}${one}`, { body: { secondary_key_servers: ['2.2.2.2'] } });
    expect(res.status).to.equal(200);
    expect((await get(`${ks}${one}`))['secondary_key_servers']).to.deep.equal(['2.2.2.2']);
    res = await simRequest(sim, 'PATCH', `${ks}${one}`, { body: { port: 5697 } });
    expect(res.status).to.equal(200);
    expect((await get(`${ks}/10.0.0.5%3A5697`))['timeout']).to.equal(45);
    const log = JSON.stringify(sim.control.requests()) + JSON.stringify(sim.control.keyManagers()) + JSON.stringify(await get(`${ks}/10.0.0.5%3A5697`));
    expect(log).to.not.include(PASSWORD);
  });

  it('PATCH refusals: an unknown server is 65536843, a username without a password 65536846, a password without a username 65536845, bad values 2', async () => {
    expectOntapError(await simRequest(sim, 'PATCH', `${ks}/10.0.0.9%3A5696`, { body: { timeout: 30 } }), 400, '65536843');
    expectOntapError(await simRequest(sim, 'PATCH', `${ks}${one}`, { body: { username: 'u' } }), 400, '65536846');
    expectOntapError(await simRequest(sim, 'PATCH', `${ks}${one}`, { body: { password: 'p' } }), 400, '65536845');
    expectOntapError(await simRequest(sim, 'PATCH', `${ks}${one}`, { body: { create_remove_timeout: 61 } }), 400, '2', 'create_remove_timeout');
    expectOntapError(await simRequest(sim, 'PATCH', `${ks}${one}`, { body: { server: 'x' } }), 400, '262179');
    expectOntapError(await simRequest(sim, 'PATCH', `${ks}${one}`, { body: {} }), 400, '2');
  });

  it('DELETE takes force=true; a server holding keys nowhere else is 65536700 (force or not); an unknown one 65536843', async () => {
    await simRequest(sim, 'POST', ks, { body: { server: '10.0.0.6' } });
    sim.control.setKeysOnlyOn('10.0.0.6:5696', true);
    expectOntapError(await simRequest(sim, 'DELETE', `${ks}/10.0.0.6%3A5696?force=true`), 400, '65536700');
    sim.control.setKeysOnlyOn('10.0.0.6:5696', false);
    expect((await simRequest(sim, 'DELETE', `${ks}/10.0.0.6%3A5696?force=true`)).status).to.equal(200);
    expect((await simRequest(sim, 'DELETE', `${ks}${one}`)).status).to.equal(200);
    expectOntapError(await simRequest(sim, 'DELETE', `${ks}${one}`), 400, '65536843');
    expectOntapError(await simRequest(sim, 'DELETE', `${ks}${one}?force=maybe`), 400, '2');
  });

  it('the Onboard Key Manager has no key servers (65536828); an unknown key manager is 404', async () => {
    sim.control.reset();
    const okm = await createAt(sim, KM, { onboard: { passphrase: 'p'.repeat(40) } });
    expectOntapError(await simRequest(sim, 'GET', `${KM}/${okm}/key-servers`), 400, '65536828');
    expect((await simRequest(sim, 'GET', `${KM}/nope/key-servers`)).status).to.equal(404);
  });

  it('writes answered 202 with a job in async mode; a fault on the key-servers path is answered', async () => {
    sim.control.setAsync({ enabled: true, delayMs: 50 });
    const res = await simRequest(sim, 'POST', ks, { body: { server: '10.0.0.6' } });
    expect(res.status).to.equal(202);
    expect(res.headers['location']).to.equal(`${ks}?server=10.0.0.6%3A5696`);
    await sim.state.jobs.settled((res.json['job'] as { uuid: string }).uuid);
    expect(records(await simRequest(sim, 'GET', String(res.headers['location'])))).to.have.length(1);
    const patch = await simRequest(sim, 'PATCH', `${ks}${one}`, { body: { timeout: 30 } });
    expect(patch.status).to.equal(202);
    sim.control.addFault({ method: 'DELETE', path: `${ks}/`, code: '65536600', message: 'One or more nodes are out of quorum.', count: 1 });
    expectOntapError(await simRequest(sim, 'DELETE', `${ks}${one}`), 400, '65536600');
  });

  it('control API over HTTP: a server down on a node, keys only on a server', async () => {
    const put = (path: string, body: unknown): ReturnType<typeof simRequest> => simRequest(sim, 'PUT', path, { body, auth: 'none' });
    expect((await put('/_sim/key-servers/10.0.0.5%3A5696/nodes/node1', { reachable: false })).status).to.equal(200);
    expect((await put('/_sim/key-servers/10.0.0.5%3A5696/nodes/node9', { reachable: false })).status).to.equal(404);
    expect((await put('/_sim/key-servers/10.0.0.5%3A5696/keys-only-here', { only: true })).status).to.equal(200);
    const state = (await simRequest(sim, 'GET', '/_sim/state', { auth: 'none' })).json;
    expect(state['keyServerDown']).to.deep.equal({ '10.0.0.5:5696': ['node1'] });
    expect(state['keysOnlyOn']).to.deep.equal(['10.0.0.5:5696']);
  });
});
