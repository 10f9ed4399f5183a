import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { AKV, AZURE_SECRET, azureBody, createAt, expectOntapError, records } from './helpers.js';

describe('ontap-sim: /api/security/azure-key-vaults', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startTestSim({ svms: ['svm1', 'svm2', 'svm3'], nodes: 2 });
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  describe('GET', () => {
    let uuids: string[] = [];
    beforeEach(async () => {
      uuids = [
        await createAt(sim, AKV, azureBody('svm1', { proxy_password: 'akv-proxy-pass' })),
        await createAt(sim, AKV, azureBody('svm2')),
        await createAt(sim, AKV, azureBody('svm3', { client_secret: undefined, client_certificate: 'PKCS12-CERT-CONTENT' })),
      ];
    });

    it('returns keys only in a collection, every non-advanced field for an instance, with ONTAP defaults', async () => {
      const rec = records(await simRequest(sim, 'GET', AKV))[0] ?? {};
      expect(rec).to.include.keys('uuid', 'svm', 'scope');
      expect(rec).to.not.have.any.keys('key_id', 'client_id');
      const one = await simRequest(sim, 'GET', `${AKV}/${uuids[0]}`);
      expect(one.json).to.include({
        uuid: uuids[0], scope: 'svm', enabled: true, authentication_method: 'client_secret',
        oauth_host: 'login.microsoftonline.com', vault_host: 'vault.azure.net', port: 443, verify_host: true,
      });
      expect(one.json['configuration']).to.deep.equal({ name: 'default', uuid: uuids[0] });
      expect(one.json).to.not.have.any.keys('state', 'azure_reachability', 'ekmip_reachability');
    });

    it('a client certificate makes authentication_method "certificate"', async () => {
      const one = await simRequest(sim, 'GET', `${AKV}/${uuids[2]}?fields=authentication_method`);
      expect(one.json['authentication_method']).to.equal('certificate');
    });

    it('filters svm.name with OR, pages with max_records and _links.next', async () => {
      const res = await simRequest(sim, 'GET', `${AKV}?svm.name=svm1|svm3&max_records=1&fields=key_id`);
      expect(records(res).map((r) => (r['svm'] as { name: string }).name)).to.deep.equal(['svm1']);
      const next = (res.json['_links'] as { next?: { href: string } }).next?.href;
      expect(next).to.be.a('string');
      const page2 = await simRequest(sim, 'GET', String(next));
      expect(records(page2).map((r) => (r['svm'] as { name: string }).name)).to.deep.equal(['svm3']);
      expect(page2.json['_links']).to.not.have.property('next');
    });

    it('returns state, azure_reachability and ekmip_reachability only when named', async () => {
      const star = records(await simRequest(sim, 'GET', `${AKV}?fields=*`))[0] ?? {};
      expect(star).to.not.have.any.keys('state', 'azure_reachability', 'ekmip_reachability');
      sim.control.setAzure({ reachable: false });
      const named = await simRequest(sim, 'GET', `${AKV}/${uuids[0]}?fields=state,azure_reachability,ekmip_reachability`);
      expect(named.json['state']).to.include({ cluster_state: false });
      expect(named.json['azure_reachability']).to.include({ reachable: false });
      expect(named.json['ekmip_reachability']).to.have.length(2);
    });

    it('never returns client_secret, client_certificate or proxy_password, not even with fields=**', async () => {
      const text = JSON.stringify((await simRequest(sim, 'GET', `${AKV}?fields=**`)).json);
      for (const secret of [AZURE_SECRET, 'PKCS12-CERT-CONTENT', 'akv-proxy-pass']) expect(text).to.not.include(secret);
    });
  });

  describe('POST', () => {
    const cases: Array<{ reason: string; body: Record<string, unknown>; code: string; target?: string }> = [
      { reason: 'tenant_id is required', body: azureBody('svm1', { tenant_id: undefined }), code: '2', target: 'tenant_id' },
      { reason: 'name is required', body: azureBody('svm1', { name: undefined }), code: '2', target: 'name' },
      { reason: 'a secret or a certificate is required', body: azureBody('svm1', { client_secret: undefined }), code: '2' },
      { reason: 'not both a secret and a certificate', body: azureBody('svm1', { client_certificate: 'CERT' }), code: '2' },
      { reason: 'verify_host is PATCH-only', body: azureBody('svm1', { verify_host: false }), code: '262179', target: 'verify_host' },
      { reason: 'enabled is read-only', body: azureBody('svm1', { enabled: true }), code: '262179', target: 'enabled' },
      { reason: 'an unknown SVM', body: azureBody('nope'), code: '2621462', target: 'svm.name' },
    ];
    for (const c of cases) {
      it(`refuses: ${c.reason}`, async () => {
        expectOntapError(await simRequest(sim, 'POST', AKV, { body: JSON.parse(JSON.stringify(c.body)) as unknown }), 400, c.code, c.target);
        expect(sim.state.azureKeyVaults.size).to.equal(0);
      });
    }

    it('answers 201 with Location, and the record with return_records=true', async () => {
      const res = await simRequest(sim, 'POST', `${AKV}?return_records=true`, { body: azureBody() });
      expect(res.status).to.equal(201);
      const rec = records(res)[0] ?? {};
      expect(res.headers['location']).to.equal(`${AKV}/${String(rec['uuid'])}`);
      expect(rec).to.include({ client_id: 'aaaaaaaa-bbbb-aaaa-bbbb-aaaaaaaaaaaa', enabled: true });
      expect(JSON.stringify(res.json)).to.not.include(AZURE_SECRET);
    });

    it('refuses a secret Azure does not accept, unless skip_verification', async () => {
      sim.control.setAzure({ accepted: ['the-right-secret'] });
      expectOntapError(await simRequest(sim, 'POST', AKV, { body: azureBody() }), 400, '65537921');
      await createAt(sim, AKV, azureBody('svm1', { skip_verification: true }));
    });

    it('answers 202 with a job in async mode and creates the record when the job ends', async () => {
      sim.control.setAsync({ enabled: true, delayMs: 50 });
      const res = await simRequest(sim, 'POST', AKV, { body: azureBody() });
      expect(res.status).to.equal(202);
      expect(res.headers['location']).to.equal(`${AKV}?svm.name=svm1`);
      const job = (res.json['job'] as { uuid: string }).uuid;
      await sim.state.jobs.settled(job);
      expect(sim.state.azureKeyVaults.size).to.equal(1);
    });

    it('create_inactive=true stores a disabled configuration that has no advanced fields', async () => {
      const uuid = await createAt(sim, AKV, azureBody('svm1', { configuration: { name: 'next' } }), '?create_inactive=true');
      const one = await simRequest(sim, 'GET', `${AKV}/${uuid}?fields=enabled,configuration,state`);
      expect(one.json).to.include({ enabled: false });
      expect(one.json['configuration']).to.deep.equal({ name: 'next', uuid });
      expect(one.json).to.not.have.property('state');
    });

    it('records the secret as a fingerprint in the request log and the state dump', async () => {
      await createAt(sim, AKV, azureBody());
      const logged = sim.control.requests().find((r) => r.method === 'POST');
      expect(logged?.body).to.include({ client_secret: fingerprint(AZURE_SECRET) });
      const dumped = sim.control.dump()['azureKeyVaults'] as Array<Record<string, unknown>>;
      expect(dumped[0]).to.include({ client_secret: fingerprint(AZURE_SECRET), client_id: 'aaaaaaaa-bbbb-aaaa-bbbb-aaaaaaaaaaaa' });
    });
  });

  describe('PATCH, DELETE and actions', () => {
    let uuid = '';
    beforeEach(async () => {
      uuid = await createAt(sim, AKV, azureBody());
    });

    const refused: Array<{ reason: string; body: Record<string, unknown>; code: string; target?: string }> = [
      { reason: 'key_id is create-only (rekey-external changes it)', body: { key_id: 'k2' }, code: '262179', target: 'key_id' },
      { reason: 'name is create-only', body: { name: 'https://other.vault.azure.net/' }, code: '262179', target: 'name' },
      { reason: 'svm is create-only', body: { svm: { name: 'svm2' } }, code: '262179', target: 'svm' },
      { reason: 'configuration is create-only', body: { configuration: { name: 'x' } }, code: '262179', target: 'configuration' },
      { reason: 'authentication_method is read-only', body: { authentication_method: 'certificate' }, code: '262179' },
      { reason: 'an empty body', body: {}, code: '65537541' },
    ];
    for (const c of refused) {
      it(`PATCH refuses: ${c.reason}`, async () => {
        expectOntapError(await simRequest(sim, 'PATCH', `${AKV}/${uuid}`, { body: c.body }), 400, c.code, c.target);
      });
    }

    it('PATCH changes PATCHable fields; a certificate replaces the secret', async () => {
      const res = await simRequest(sim, 'PATCH', `${AKV}/${uuid}`, { body: { client_certificate: 'NEW-CERT', verify_ip: true, port: 8443 } });
      expect(res.status, JSON.stringify(res.json)).to.equal(200);
      const r = sim.state.azureKeyVaults.get(uuid);
      expect(r).to.include({ authentication_method: 'certificate', client_certificate: 'NEW-CERT', verify_ip: true, port: 8443 });
      expect(r?.client_secret).to.equal(undefined);
    });

    it('PATCH checks a new secret with Azure, unless skip_verification', async () => {
      sim.control.setAzure({ accepted: [AZURE_SECRET] });
      expectOntapError(await simRequest(sim, 'PATCH', `${AKV}/${uuid}`, { body: { client_secret: 'wrong' } }), 400, '65537921');
      const skipped = await simRequest(sim, 'PATCH', `${AKV}/${uuid}`, { body: { client_secret: 'wrong', skip_verification: true } });
      expect(skipped.status).to.equal(200);
    });

    it('rekey-external takes key_id and nothing else', async () => {
      expectOntapError(await simRequest(sim, 'POST', `${AKV}/${uuid}/rekey-external`, { body: {} }), 400, '2', 'key_id');
      expectOntapError(await simRequest(sim, 'POST', `${AKV}/${uuid}/rekey-external`, { body: { key_name: 'x' } }), 400, '262179');
      const ok = await simRequest(sim, 'POST', `${AKV}/${uuid}/rekey-external`, { body: { key_id: 'https://sim-vault.vault.azure.net/keys/key2/1' } });
      expect(ok.status).to.equal(201);
      expect(sim.state.azureKeyVaults.get(uuid)?.key_id).to.equal('https://sim-vault.vault.azure.net/keys/key2/1');
    });

    it('rekey-internal and restore answer 201; restore fails with 65537515 while Azure is unreachable', async () => {
      expect((await simRequest(sim, 'POST', `${AKV}/${uuid}/rekey-internal`)).status).to.equal(201);
      expect((await simRequest(sim, 'POST', `${AKV}/${uuid}/restore`)).status).to.equal(201);
      sim.control.setAzure({ reachable: false });
      expectOntapError(await simRequest(sim, 'POST', `${AKV}/${uuid}/restore`), 400, '65537515');
    });

    it('DELETE is refused with 65536867 while keys are in use, then allowed', async () => {
      sim.control.setKeysInUse('svm1', true);
      expectOntapError(await simRequest(sim, 'DELETE', `${AKV}/${uuid}`), 400, '65536867');
      sim.control.setKeysInUse('svm1', false);
      expect((await simRequest(sim, 'DELETE', `${AKV}/${uuid}`)).status).to.equal(200);
      expectOntapError(await simRequest(sim, 'GET', `${AKV}/${uuid}`), 404, '4');
    });
  });
});
