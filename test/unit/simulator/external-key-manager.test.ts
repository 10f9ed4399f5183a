import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { generateTlsMaterial, type TlsMaterial } from '../../../src/simulator/tls.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { AKV, azureBody, createAt, expectOntapError, records } from './helpers.js';

const CERTS = '/api/security/certificates';
const KM = '/api/security/key-managers';

describe('ontap-sim: external (KMIP) key managers (/api/security/key-managers)', () => {
  let sim: SimulatorHandle;
  /** other is a second CA and client certificate: ONTAP refuses the same certificate twice on an SVM ("duplicate entry"). */
  let other: TlsMaterial;
  before(async () => {
    sim = await startTestSim({ svms: ['svm1', 'svm2'] });
    other = await generateTlsMaterial('other');
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  /** certs installs a client and a server_ca certificate on `svm` (undefined: the cluster) named `<prefix>-client` / `<prefix>-ca`. */
  async function certs(svm: string | undefined, prefix = 'kmip'): Promise<{ client: string; ca: string }> {
    const on = svm === undefined ? {} : { svm: { name: svm } };
    const pem = prefix === 'kmip' ? { cert: sim.clientCertPem, key: sim.clientKeyPem, ca: sim.caPem } : { cert: other.clientCertPem, key: other.clientKeyPem, ca: other.caPem };
    const client = await createAt(sim, CERTS, { ...on, name: `${prefix}-client`, type: 'client', public_certificate: pem.cert, private_key: pem.key });
    const ca = await createAt(sim, CERTS, { ...on, name: `${prefix}-ca`, type: 'server_ca', public_certificate: pem.ca });
    return { client, ca };
  }

  const externalBody = (svm: string | undefined, servers: unknown[] = [{ server: '10.0.0.5:5696' }], prefix = 'kmip'): Record<string, unknown> => ({
    ...(svm === undefined ? {} : { svm: { name: svm } }),
    external: { client_certificate: { name: `${prefix}-client` }, server_ca_certificates: [{ name: `${prefix}-ca` }], servers },
  });

  it('creates on an SVM with certificates by name; GET embeds the certificates and the servers (default port 5696)', async () => {
    const { client, ca } = await certs('svm1');
    const uuid = await createAt(sim, KM, externalBody('svm1', [{ server: '10.0.0.5' }, { server: 'kmip.example.com:5697' }]));
    const km = (await simRequest(sim, 'GET', `${KM}/${uuid}`)).json;
    expect(km).to.deep.include({ uuid, scope: 'svm', enabled: true, onboard: { enabled: false } });
    expect(km).to.not.have.property('status');
    const external = km['external'] as Record<string, unknown>;
    expect(external['client_certificate']).to.deep.include({ uuid: client, name: 'kmip-client' });
    expect((external['server_ca_certificates'] as unknown[])[0]).to.deep.include({ uuid: ca, name: 'kmip-ca' });
    expect(external['servers']).to.deep.equal([
      { server: '10.0.0.5:5696', timeout: 25, username: '', _links: { self: { href: `${KM}/${uuid}/key-servers/10.0.0.5%3A5696` } } },
      { server: 'kmip.example.com:5697', timeout: 25, username: '', _links: { self: { href: `${KM}/${uuid}/key-servers/kmip.example.com%3A5697` } } },
    ]);
  });

  it('creates at the cluster scope with certificates by uuid', async () => {
    const { client, ca } = await certs(undefined);
    const uuid = await createAt(sim, KM, { external: { client_certificate: { uuid: client }, server_ca_certificates: [{ uuid: ca }], servers: [{ server: '10.0.0.5' }] } });
    expect((await simRequest(sim, 'GET', `${KM}/${uuid}`)).json).to.deep.include({ scope: 'cluster' });
  });

  it('refuses certificates of another SVM, of the wrong type or missing (65536821)', async () => {
    await certs('svm2');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: externalBody('svm1') }), 400, '65536821', 'external.client_certificate');
    await certs('svm1');
    const swapped = { svm: { name: 'svm1' }, external: { client_certificate: { name: 'kmip-ca' }, server_ca_certificates: [{ name: 'kmip-ca' }], servers: [{ server: '10.0.0.5' }] } };
    expectOntapError(await simRequest(sim, 'POST', KM, { body: swapped }), 400, '65536821', 'external.client_certificate');
    const badCa = { svm: { name: 'svm1' }, external: { client_certificate: { name: 'kmip-client' }, server_ca_certificates: [{ uuid: 'nope' }], servers: [{ server: '10.0.0.5' }] } };
    expectOntapError(await simRequest(sim, 'POST', KM, { body: badCa }), 400, '65536821', 'external.server_ca_certificates');
  });

  it('refuses more than four servers (65536038), a duplicate, a bad port, missing members, and a servers member other than server', async () => {
    await certs('svm1');
    const five = ['a', 'b', 'c', 'd', 'e'].map((h) => ({ server: `${h}.example.com` }));
    expectOntapError(await simRequest(sim, 'POST', KM, { body: externalBody('svm1', five) }), 400, '65536038');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: externalBody('svm1', [{ server: 'a' }, { server: 'a:5696' }]) }), 400, '65536871');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: externalBody('svm1', [{ server: 'a:70000' }]) }), 400, '2');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: externalBody('svm1', []) }), 400, '2', 'external.servers');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: externalBody('svm1', [{ server: 'a', timeout: 5 }]) }), 400, '262179');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: { svm: { name: 'svm1' }, external: { servers: [{ server: 'a' }] } } }), 400, '2', 'external.client_certificate');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: { svm: { name: 'svm1' } } }), 400, '2');
    await createAt(sim, KM, externalBody('svm1', five.slice(0, 4)));
  });

  it('one key manager per SVM across all families: external after a cloud one and a cloud one after external are 65537910', async () => {
    await certs('svm1');
    await createAt(sim, AKV, azureBody('svm1'));
    expectOntapError(await simRequest(sim, 'POST', KM, { body: externalBody('svm1') }), 400, '65537910');
    sim.control.reset();
    await certs('svm1');
    await createAt(sim, KM, externalBody('svm1'));
    expectOntapError(await simRequest(sim, 'POST', AKV, { body: azureBody('svm1') }), 400, '65537910');
    expectOntapError(await simRequest(sim, 'POST', KM, { body: externalBody('svm1') }), 400, '65537910');
    await createAt(sim, AKV, azureBody('svm2'));
  });

  it('PATCH replaces the client certificate and the whole server CA list; servers and onboard are refused', async () => {
    await certs('svm1');
    const { client: client2, ca: ca2 } = await certs('svm1', 'next');
    const uuid = await createAt(sim, KM, externalBody('svm1'));
    const ok = await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { external: { client_certificate: { name: 'next-client' }, server_ca_certificates: [{ uuid: ca2 }] } } });
    expect(ok.status, JSON.stringify(ok.json)).to.equal(200);
    const stored = sim.state.securityKeyManagers.get(uuid);
    expect(stored?.kind === 'external' && [stored.clientCertificate, stored.serverCaCertificates]).to.deep.equal([client2, [ca2]]);
    expectOntapError(await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { external: { servers: [{ server: 'x' }] } } }), 400, '262179');
    expectOntapError(await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { external: {} } }), 400, '2');
    expectOntapError(await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { external: { client_certificate: { name: 'next-ca' } } } }), 400, '65536821');
    expectOntapError(await simRequest(sim, 'PATCH', `${KM}/${uuid}`, { body: { onboard: { existing_passphrase: 'x'.repeat(32), synchronize: true } } }), 400, '65537301');
  });

  it('PATCH with validate_certificates=true answers 202 and a job even in sync mode', async () => {
    await certs('svm1');
    await certs('svm1', 'next');
    const uuid = await createAt(sim, KM, externalBody('svm1'));
    const res = await simRequest(sim, 'PATCH', `${KM}/${uuid}?validate_certificates=true`, { body: { external: { client_certificate: { name: 'next-client' } } } });
    expect(res.status).to.equal(202);
    const job = (res.json['job'] as { uuid: string }).uuid;
    await sim.state.jobs.settled(job);
    expect(sim.state.jobs.get(job)?.state).to.equal('success');
    const plain = await simRequest(sim, 'PATCH', `${KM}/${uuid}?validate_certificates=false`, { body: { external: { client_certificate: { name: 'kmip-client' } } } });
    expect(plain.status).to.equal(200);
  });

  it('validate_certificates=true fails the job when a server answers no node, and changes nothing; one node down is not enough', async () => {
    await certs('svm1');
    await certs('svm1', 'next');
    const uuid = await createAt(sim, KM, externalBody('svm1'));
    const validate = async (): Promise<string | undefined> => {
      const res = await simRequest(sim, 'PATCH', `${KM}/${uuid}?validate_certificates=true&return_timeout=10`, { body: { external: { client_certificate: { name: 'next-client' } } } });
      return res.status === 200 ? undefined : String((res.json['error'] as Record<string, unknown>)['code']);
    };
    sim.control.setKeyServerReachable('10.0.0.5:5696', 'node1', false);
    sim.control.setKeyServerReachable('10.0.0.5:5696', 'node2', false);
    expect(await validate()).to.equal('65537241');
    const first = records(await simRequest(sim, 'GET', `${CERTS}?name=kmip-client`))[0]?.['uuid'];
    const stored = sim.state.securityKeyManagers.get(uuid);
    expect(stored?.kind === 'external' && stored.clientCertificate, 'the client certificate is unchanged').to.equal(first);
    sim.control.setKeyServerReachable('10.0.0.5:5696', 'node1', true);
    expect(await validate()).to.equal(undefined);
  });

  it('status is 0 until a server does not answer a node; DELETE is refused with 65536867 while keys are in use', async () => {
    await certs('svm1');
    const uuid = await createAt(sim, KM, externalBody('svm1'));
    const status = async (): Promise<Record<string, unknown>> => (await simRequest(sim, 'GET', `${KM}/${uuid}?fields=status`)).json['status'] as Record<string, unknown>;
    expect(await status()).to.deep.equal({ code: 0, message: 'No action needed at this time.' });
    sim.control.setKeyServerReachable('10.0.0.5:5696', 'node2', false);
    expect((await status())['message']).to.include('10.0.0.5:5696 on node2');
    sim.control.setKeysInUse('svm1', true);
    expectOntapError(await simRequest(sim, 'DELETE', `${KM}/${uuid}`), 400, '65536867');
    sim.control.setKeysInUse('svm1', false);
    expect((await simRequest(sim, 'DELETE', `${KM}/${uuid}`)).status).to.equal(200);
    expect(records(await simRequest(sim, 'GET', KM))).to.deep.equal([]);
  });

  it('async mode: POST 202 with a Location that finds the new record, and the job re-checks the certificates', async () => {
    await certs('svm1');
    sim.control.setAsync({ enabled: true, delayMs: 50 });
    const res = await simRequest(sim, 'POST', KM, { body: externalBody('svm1') });
    expect(res.status).to.equal(202);
    expect(res.headers['location']).to.equal(`${KM}?svm.name=svm1`);
    await sim.state.jobs.settled((res.json['job'] as { uuid: string }).uuid);
    expect(records(await simRequest(sim, 'GET', String(res.headers['location'])))).to.have.length(1);
    const bad = await simRequest(sim, 'POST', KM, { body: externalBody('svm2') });
    const job = (bad.json['job'] as { uuid: string }).uuid;
    await sim.state.jobs.settled(job);
    expect(sim.state.jobs.get(job)?.error?.code).to.equal('65536821');
  });

  it('an external key manager without servers is shown by no GET, still holds the SVM, and goes with a DELETE on the collection', async () => {
    await certs('svm1');
    const uuid = await createAt(sim, KM, externalBody('svm1'));
    expect((await simRequest(sim, 'DELETE', `${KM}/${uuid}/key-servers/10.0.0.5%3A5696`)).status).to.equal(200);
    expect(records(await simRequest(sim, 'GET', KM))).to.deep.equal([]);
    expect((await simRequest(sim, 'GET', `${KM}/${uuid}`)).status).to.equal(404);
    const again = await simRequest(sim, 'POST', KM, { body: externalBody('svm1') });
    expectOntapError(again, 400, '65537910');
    expect((again.json['error'] as Record<string, unknown>)['message']).to.include('already has external key management configured');
    expectOntapError(await simRequest(sim, 'DELETE', KM), 400, '2');
    const del = await simRequest(sim, 'DELETE', `${KM}?scope=svm&svm.name=svm1`);
    expect(del.status, JSON.stringify(del.json)).to.equal(200);
    expect(del.json['num_records']).to.equal(1);
    expect(sim.state.securityKeyManagers.size).to.equal(0);
    await createAt(sim, KM, externalBody('svm1'));
  });
});
