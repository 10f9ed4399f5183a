import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { createAt, expectOntapError, GCKMS, GCP_CREDENTIALS, gcpBody, records } from './helpers.js';

describe('ontap-sim: /api/security/gcp-kms', () => {
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
        await createAt(sim, GCKMS, gcpBody('svm1', { proxy_password: 'gcp-proxy-pass' })),
        await createAt(sim, GCKMS, gcpBody('svm2', { key_ring_location: 'europe-west1' })),
        await createAt(sim, GCKMS, gcpBody('svm3')),
      ];
    });

    it('returns keys only in a collection, every non-advanced field for an instance, with ONTAP defaults', async () => {
      const rec = records(await simRequest(sim, 'GET', GCKMS))[0] ?? {};
      expect(rec).to.include.keys('uuid', 'svm', 'scope');
      expect(rec).to.not.have.any.keys('key_name', 'project_id');
      const one = await simRequest(sim, 'GET', `${GCKMS}/${uuids[0]}`);
      expect(one.json).to.include({
        uuid: uuids[0], scope: 'svm', project_id: 'sim-project', key_ring_name: 'sim-ring', key_ring_location: 'global', key_name: 'key1',
        authentication_method: 'application_credentials_key', caller_account: 'ontap@sim-project.iam.gserviceaccount.com',
        cloudkms_host: 'cloudkms.googleapis.com', oauth_host: 'oauth2.googleapis.com', port: 443,
      });
      expect(one.json).to.not.have.any.keys('state', 'google_reachability', 'ekmip_reachability');
    });

    it('filters on any field, with OR on svm.name', async () => {
      const byLocation = await simRequest(sim, 'GET', `${GCKMS}?key_ring_location=europe-west1`);
      expect(records(byLocation).map((r) => r['uuid'])).to.deep.equal([uuids[1]]);
      const byName = await simRequest(sim, 'GET', `${GCKMS}?svm.name=svm1|svm3&fields=key_name`);
      expect(records(byName).map((r) => r['uuid'])).to.deep.equal([uuids[0], uuids[2]]);
      expect(records(byName)[0]).to.include({ key_name: 'key1' });
    });

    it('returns state, google_reachability and ekmip_reachability only when named; state carries 65537708', async () => {
      sim.control.setEkmip('node2', false);
      const named = await simRequest(sim, 'GET', `${GCKMS}/${uuids[0]}?fields=state,google_reachability,ekmip_reachability`);
      expect(named.json['state']).to.include({ cluster_state: false, code: '65537708' });
      expect(named.json['google_reachability']).to.deep.equal({ reachable: true, code: '0', message: '' });
      expect((named.json['ekmip_reachability'] as Array<{ reachable: boolean }>).map((e) => e.reachable)).to.deep.equal([true, false]);
    });

    it('never returns application_credentials or proxy_password, not even with fields=**', async () => {
      const text = JSON.stringify((await simRequest(sim, 'GET', `${GCKMS}?fields=**`)).json);
      for (const secret of ['gcp-sim-unit-private-key-8830', 'gcp-proxy-pass']) expect(text).to.not.include(secret);
    });
  });

  describe('POST', () => {
    const cases: Array<{ reason: string; body: Record<string, unknown>; code: string; target?: string }> = [
      { reason: 'key_ring_location is required', body: gcpBody('svm1', { key_ring_location: undefined }), code: '2', target: 'key_ring_location' },
      { reason: 'application_credentials are required with application_credentials_key', body: gcpBody('svm1', { application_credentials: undefined }), code: '2', target: 'application_credentials' },
      { reason: 'credentials without private_key', body: gcpBody('svm1', { application_credentials: '{"client_email":"a@b"}' }), code: '2', target: 'application_credentials' },
      { reason: 'an unknown authentication_method', body: gcpBody('svm1', { authentication_method: 'password' }), code: '2', target: 'authentication_method' },
      { reason: 'caller_account is read-only', body: gcpBody('svm1', { caller_account: 'x@y' }), code: '262179', target: 'caller_account' },
    ];
    for (const c of cases) {
      it(`refuses: ${c.reason}`, async () => {
        expectOntapError(await simRequest(sim, 'POST', GCKMS, { body: JSON.parse(JSON.stringify(c.body)) as unknown }), 400, c.code, c.target);
        expect(sim.state.gcpKms.size).to.equal(0);
      });
    }

    it('takes sa_credentials_attachment without credentials', async () => {
      const uuid = await createAt(sim, GCKMS, gcpBody('svm1', { application_credentials: undefined, authentication_method: 'sa_credentials_attachment' }));
      expect(sim.state.gcpKms.get(uuid)?.authentication_method).to.equal('sa_credentials_attachment');
    });

    it('refuses credentials Google does not accept with 65537921', async () => {
      sim.control.setGcp({ accepted: ['{}'] });
      expectOntapError(await simRequest(sim, 'POST', GCKMS, { body: gcpBody() }), 400, '65537921');
    });

    it('records the credentials as a fingerprint in the request log and the state dump', async () => {
      await createAt(sim, GCKMS, gcpBody());
      expect(sim.control.requests().find((r) => r.method === 'POST')?.body).to.include({ application_credentials: fingerprint(GCP_CREDENTIALS) });
      const dumped = sim.control.dump()['gcpKms'] as Array<Record<string, unknown>>;
      expect(dumped[0]).to.include({ application_credentials: fingerprint(GCP_CREDENTIALS), key_name: 'key1' });
    });
  });

  describe('PATCH, DELETE and actions', () => {
    let uuid = '';
    beforeEach(async () => {
      uuid = await createAt(sim, GCKMS, gcpBody());
    });

    for (const field of ['key_name', 'project_id', 'key_ring_name', 'key_ring_location']) {
      it(`PATCH refuses the create-only ${field} with 262179`, async () => {
        expectOntapError(await simRequest(sim, 'PATCH', `${GCKMS}/${uuid}`, { body: { [field]: 'other' } }), 400, '262179', field);
      });
    }

    it('PATCH takes new credentials and reports their caller_account', async () => {
      const credentials = JSON.stringify({ client_email: 'new@sim-project.iam.gserviceaccount.com', private_key: 'k2' });
      const res = await simRequest(sim, 'PATCH', `${GCKMS}/${uuid}`, { body: { application_credentials: credentials, privileged_account: 'p@sim' } });
      expect(res.status, JSON.stringify(res.json)).to.equal(200);
      expect(sim.state.gcpKms.get(uuid)).to.include({ caller_account: 'new@sim-project.iam.gserviceaccount.com', privileged_account: 'p@sim' });
    });

    it('rekey-external requires key_name and may move the key ring', async () => {
      expectOntapError(await simRequest(sim, 'POST', `${GCKMS}/${uuid}/rekey-external`, { body: { key_ring_name: 'r2' } }), 400, '2', 'key_name');
      expectOntapError(await simRequest(sim, 'POST', `${GCKMS}/${uuid}/rekey-external`, { body: { key_id: 'k' } }), 400, '262179');
      const ok = await simRequest(sim, 'POST', `${GCKMS}/${uuid}/rekey-external`, { body: { key_name: 'key2', key_ring_name: 'ring2' } });
      expect(ok.status).to.equal(201);
      expect(sim.state.gcpKms.get(uuid)).to.include({ key_name: 'key2', key_ring_name: 'ring2', project_id: 'sim-project' });
    });

    it('restore fails with 65537722 and rekey-external with 65537919 while Google is unreachable', async () => {
      sim.control.setGcp({ reachable: false });
      expectOntapError(await simRequest(sim, 'POST', `${GCKMS}/${uuid}/restore`), 400, '65537722');
      expectOntapError(await simRequest(sim, 'POST', `${GCKMS}/${uuid}/rekey-external`, { body: { key_name: 'key2' } }), 400, '65537919');
      expect((await simRequest(sim, 'POST', `${GCKMS}/${uuid}/rekey-internal`)).status).to.equal(201);
    });

    it('DELETE is refused with 65536867 while keys are in use, then allowed', async () => {
      sim.control.setKeysInUse('svm1', true);
      expectOntapError(await simRequest(sim, 'DELETE', `${GCKMS}/${uuid}`), 400, '65536867');
      sim.control.setKeysInUse('svm1', false);
      expect((await simRequest(sim, 'DELETE', `${GCKMS}/${uuid}`)).status).to.equal(200);
      expect(sim.state.gcpKms.size).to.equal(0);
    });
  });
});
