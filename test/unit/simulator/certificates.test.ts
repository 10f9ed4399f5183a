import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { createAt, expectOntapError, records } from './helpers.js';

const CERTS = '/api/security/certificates';
const KM = '/api/security/key-managers';

describe('ontap-sim: /api/security/certificates', () => {
  let sim: SimulatorHandle;
  let clientCert: string;
  let clientKey: string;
  before(async () => {
    sim = await startTestSim({ svms: ['svm1', 'svm2'] });
    clientCert = sim.clientCertPem ?? '';
    clientKey = sim.clientKeyPem ?? '';
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  const installClient = (svm = 'svm1', extra: Record<string, unknown> = {}): Promise<string> =>
    createAt(sim, CERTS, { svm: { name: svm }, type: 'client', public_certificate: clientCert, private_key: clientKey, ...extra });
  const installCa = (svm = 'svm1', extra: Record<string, unknown> = {}): Promise<string> =>
    createAt(sim, CERTS, { svm: { name: svm }, type: 'server_ca', public_certificate: sim.caPem, ...extra });

  it('installs a client certificate and shows what the PEM says, never the private key', async () => {
    const uuid = await installClient('svm1', { name: 'kmip-client' });
    const res = await simRequest(sim, 'GET', `${CERTS}/${uuid}?fields=*`);
    const x = new X509Certificate(clientCert);
    expect(res.json).to.deep.include({
      uuid,
      name: 'kmip-client',
      scope: 'svm',
      type: 'client',
      common_name: 'admin',
      ca: 'ontap-sim CA',
      serial_number: x.serialNumber.toUpperCase(),
      expiry_time: `${new Date(x.validTo).toISOString().slice(0, 19)}+00:00`,
      key_size: 256,
      hash_function: 'sha256',
      public_certificate: clientCert,
    });
    expect((res.json['svm'] as Record<string, unknown>)['name']).to.equal('svm1');
    expect(JSON.stringify(res.json)).to.not.include('PRIVATE KEY');
    expect(JSON.stringify(sim.control.requests())).to.not.include('PRIVATE KEY');
    expect(JSON.stringify(sim.control.certificates())).to.not.include('PRIVATE KEY');
  });

  it('installs a server_ca certificate at the cluster scope and names it when no name is given', async () => {
    const uuid = await createAt(sim, CERTS, { type: 'server_ca', public_certificate: sim.caPem });
    const c = (await simRequest(sim, 'GET', `${CERTS}/${uuid}`)).json;
    expect(c).to.deep.include({ scope: 'cluster', type: 'server_ca', common_name: 'ontap-sim CA', ca: 'ontap-sim CA' });
    expect(c).to.not.have.property('svm');
    expect(String(c['name'])).to.match(/^ontap-sim_CA_[0-9A-F]+$/);
  });

  it('filters on svm.name, name and type; the collection without fields= gives uuid and name', async () => {
    const a = await installClient('svm1', { name: 'a' });
    const b = await installCa('svm1', { name: 'b' });
    const c = await installCa('svm2', { name: 'c' });
    const uuids = async (q: string): Promise<unknown[]> => records(await simRequest(sim, 'GET', `${CERTS}${q}`)).map((r) => r['uuid']);
    expect(await uuids('?svm.name=svm1')).to.deep.equal([a, b]);
    expect(await uuids('?type=server_ca')).to.deep.equal([b, c]);
    expect(await uuids('?svm.name=svm2&name=c')).to.deep.equal([c]);
    expect(records(await simRequest(sim, 'GET', `${CERTS}?name=a`))[0]).to.have.keys('uuid', 'name', '_links');
  });

  it('refuses a bad PEM, a private key that is not the certificate\'s, a missing key, a key on a CA type, an unknown type, a duplicate name or certificate ("duplicate entry")', async () => {
    const post = (body: Record<string, unknown>): ReturnType<typeof simRequest> => simRequest(sim, 'POST', CERTS, { body: { svm: { name: 'svm1' }, ...body } });
    expectOntapError(await post({ type: 'server_ca', public_certificate: 'not a pem' }), 400, '3735645', 'public_certificate');
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expectOntapError(await post({ type: 'client', public_certificate: clientCert, private_key: otherKey }), 400, '3735646', 'private_key');
    expectOntapError(await post({ type: 'client', public_certificate: clientCert, private_key: 'not a key' }), 400, '3735646', 'private_key');
    expectOntapError(await post({ type: 'client', public_certificate: clientCert }), 400, '2', 'private_key');
    expectOntapError(await post({ type: 'server_ca', public_certificate: sim.caPem, private_key: clientKey }), 400, '262179');
    expectOntapError(await post({ type: 'bogus', public_certificate: sim.caPem }), 400, '2', 'type');
    expectOntapError(await post({ type: 'server_ca', common_name: 'x' }), 400, '262179');
    await installCa('svm1', { name: 'dup' });
    const dupName = await post({ type: 'client', public_certificate: clientCert, private_key: clientKey, name: 'dup' });
    expectOntapError(dupName, 400, '3735553', 'uuid');
    expect((dupName.json['error'] as Record<string, unknown>)['message'], 'ONTAP\'s wording, which NetApp\'s Ansible collection matches').to.equal('duplicate entry');
    expectOntapError(await post({ type: 'server_ca', public_certificate: sim.caPem, name: 'same-pem-other-name' }), 400, '3735553', 'uuid');
    await installCa('svm2', { name: 'dup' });
  });

  it('refuses DELETE of a certificate an external key manager references, allows it once the key manager is gone', async () => {
    const client = await installClient();
    const ca = await installCa('svm1', { name: 'kmip-ca' });
    const external = { client_certificate: { uuid: client }, server_ca_certificates: [{ name: 'kmip-ca' }], servers: [{ server: '10.0.0.5' }] };
    const km = await createAt(sim, KM, { svm: { name: 'svm1' }, external });
    expectOntapError(await simRequest(sim, 'DELETE', `${CERTS}/${client}`), 400, '3735664');
    expectOntapError(await simRequest(sim, 'DELETE', `${CERTS}/${ca}`), 400, '3735664');
    expect((await simRequest(sim, 'DELETE', `${KM}/${km}`)).status).to.equal(200);
    expect((await simRequest(sim, 'DELETE', `${CERTS}/${client}`)).status).to.equal(200);
    expect((await simRequest(sim, 'GET', `${CERTS}/${client}`)).status).to.equal(404);
    expect((await simRequest(sim, 'DELETE', `${CERTS}/${client}`)).status).to.equal(404);
  });

  it('answers 202 and a job in async mode; the Location query finds the one new certificate', async () => {
    await installCa('svm1', { name: 'other' });
    sim.control.setAsync({ enabled: true, delayMs: 50 });
    const res = await simRequest(sim, 'POST', CERTS, { body: { svm: { name: 'svm1' }, type: 'client', public_certificate: clientCert, private_key: clientKey } });
    expect(res.status).to.equal(202);
    await sim.state.jobs.settled((res.json['job'] as { uuid: string }).uuid);
    const found = records(await simRequest(sim, 'GET', String(res.headers['location'])));
    expect(found).to.have.length(1);
    expect(sim.state.certificates.get(String(found[0]?.['uuid']))?.type).to.equal('client');
  });

  it('GET /_sim/certificates lists them as stored, the private key as a fingerprint', async () => {
    const uuid = await installClient('svm1', { name: 'listed' });
    const res = await simRequest(sim, 'GET', '/_sim/certificates', { auth: 'none' });
    const certs = res.json['certificates'] as Array<Record<string, unknown>>;
    expect(certs.map((c) => [c['uuid'], c['name'], c['type']])).to.deep.equal([[uuid, 'listed', 'client']]);
    expect(String(certs[0]?.['private_key'])).to.match(/^sha256:[0-9a-f]{12}$/);
  });
});
