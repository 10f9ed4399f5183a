import { expect } from 'chai';
import { AZURE_KEY_VAULT, GCP_KMS, type OntapClient } from '../../../src/ontap/client.js';
import { OntapApiError } from '../../../src/ontap/errors.js';
import type { KeyManagerFamily, KeyManagerRecord } from '../../../src/ontap/key-manager-family.js';
import type { AzureKeyVaultCreateBody, AzureKeyVaultRecord } from '../../../src/ontap/wire-azure.js';
import type { GcpKmsCreateBody, GcpKmsRecord } from '../../../src/ontap/wire-gcp.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { azureKeyVaultBody, gcpCredentials, gcpKmsBody } from '../../support/key-manager-bodies.js';
import { createBody, newClient, rejection, SECRETS, startSim } from './fixtures.js';

const GCP_CREDENTIALS = gcpCredentials(SECRETS.gcpPrivateKey);

function azureBody(svm: string): AzureKeyVaultCreateBody {
  return { ...azureKeyVaultBody(svm, SECRETS.azureSecret), proxy_type: 'http', proxy_host: 'proxy.corp', proxy_port: 3128 };
}

function gcpBody(svm: string): GcpKmsCreateBody {
  return gcpKmsBody(svm, GCP_CREDENTIALS);
}

/**
 * Each case drives one family through the generic calls only: what differs is the create body,
 * a PATCHable field, the write-only secret, the reachability member and the rekey-external body.
 */
interface FamilyCase<R extends KeyManagerRecord> {
  readonly family: KeyManagerFamily<R>;
  readonly body: (svm: string) => { readonly svm?: { readonly name?: string } };
  readonly secret: { readonly field: string; readonly value: string };
  readonly patch: { readonly body: object; readonly read: (r: R) => unknown; readonly expected: unknown };
  readonly reachability: string;
  readonly rekey: { readonly body: object; readonly read: (r: R) => unknown; readonly expected: unknown };
  readonly keysInUseCode: string;
}

const azureCase: FamilyCase<AzureKeyVaultRecord> = {
  family: AZURE_KEY_VAULT,
  body: azureBody,
  secret: { field: 'client_secret', value: SECRETS.azureSecret },
  patch: { body: { client_id: 'new-client', client_secret: `${SECRETS.azureSecret}-2`, verify_ip: true }, read: (r) => [r.client_id, r.verify_ip], expected: ['new-client', true] },
  reachability: 'azure_reachability',
  rekey: { body: { key_id: 'https://sim-vault.vault.azure.net/keys/key2/2' }, read: (r) => r.key_id, expected: 'https://sim-vault.vault.azure.net/keys/key2/2' },
  keysInUseCode: '65536867',
};

const gcpCase: FamilyCase<GcpKmsRecord> = {
  family: GCP_KMS,
  body: gcpBody,
  secret: { field: 'application_credentials', value: GCP_CREDENTIALS },
  patch: { body: { privileged_account: 'admin@integration', port: 8443 }, read: (r) => [r.privileged_account, r.port], expected: ['admin@integration', 8443] },
  reachability: 'google_reachability',
  rekey: { body: { key_name: 'key2', key_ring_name: 'ring2' }, read: (r) => [r.key_name, r.key_ring_name], expected: ['key2', 'ring2'] },
  keysInUseCode: '65536867',
};

describe('OntapClient against ontap-sim: azure-key-vaults and gcp-kms through the generic calls', () => {
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

  for (const c of [azureCase, gcpCase] as ReadonlyArray<FamilyCase<KeyManagerRecord>>) {
    describe(c.family.noun, () => {
      it('creates, lists with filters and pages, reads with advanced fields, never sees the secret', async () => {
        const uuids = [];
        for (const svm of ['svm1', 'svm2', 'svm3']) uuids.push(await client.createKeyManager(c.family, c.body(svm)));
        const listed = await client.listKeyManagers(c.family, { filters: { 'svm.name': 'svm1|svm3' }, fields: ['*'], maxRecords: 1 });
        expect(listed.map((r) => r.svm?.name)).to.deep.equal(['svm1', 'svm3']);
        const one = await client.getKeyManager(c.family, uuids[0] ?? '', ['*', 'state', c.reachability, 'ekmip_reachability']);
        expect(one).to.include({ uuid: uuids[0], scope: 'svm' });
        expect((one as Record<string, unknown>)[c.reachability]).to.deep.equal({ reachable: true, code: '0', message: '' });
        expect(JSON.stringify(one)).to.not.include(c.secret.value);
        const post = sim.control.requests().find((r) => r.method === 'POST');
        expect(post?.body).to.deep.include({ [c.secret.field]: fingerprint(c.secret.value) });
      });

      it('patches PATCHable fields and rekeys through rekey-external', async () => {
        const uuid = await client.createKeyManager(c.family, c.body('svm1'));
        await client.patchKeyManager(c.family, uuid, c.patch.body);
        expect(c.patch.read(await client.getKeyManager(c.family, uuid))).to.deep.equal(c.patch.expected);
        await client.keyManagerAction(c.family, uuid, 'rekey-external', c.rekey.body);
        expect(c.rekey.read(await client.getKeyManager(c.family, uuid))).to.deep.equal(c.rekey.expected);
        await client.keyManagerAction(c.family, uuid, 'rekey-internal');
        await client.keyManagerAction(c.family, uuid, 'restore');
      });

      it('refuses to delete while keys are in use, then deletes', async () => {
        const uuid = await client.createKeyManager(c.family, c.body('svm2'));
        sim.control.setKeysInUse('svm2', true);
        const err = await rejection(client.deleteKeyManager(c.family, uuid));
        expect(err).to.be.instanceOf(OntapApiError).with.property('code', c.keysInUseCode);
        expect(err.message).to.include(`delete ${c.family.noun} ${uuid}`);
        sim.control.setKeysInUse('svm2', false);
        await client.deleteKeyManager(c.family, uuid);
        expect(await client.listKeyManagers(c.family)).to.deep.equal([]);
      });

      it('refuses a second key manager on an SVM that has aws-kms with 65537910', async () => {
        await client.createAwsKms(createBody('svm3'));
        const err = await rejection(client.createKeyManager(c.family, c.body('svm3')));
        expect(err).to.be.instanceOf(OntapApiError).with.property('code', '65537910');
      });

      it('follows a 202 job and finds the new record without a Location uuid', async () => {
        sim.control.setAsync({ enabled: true, delayMs: 50 });
        const uuid = await client.createKeyManager(c.family, c.body('svm1'));
        expect((await client.getKeyManager(c.family, uuid, ['uuid'])).uuid).to.equal(uuid);
      });
    });
  }

  it('refuses aws-kms on an SVM that has Azure, and a second GCP on one that has GCP', async () => {
    await client.createKeyManager(AZURE_KEY_VAULT, azureBody('svm1'));
    await client.createKeyManager(GCP_KMS, gcpBody('svm2'));
    expect(await rejection(client.createAwsKms(createBody('svm1')))).to.have.property('code', '65537910');
    expect(await rejection(client.createKeyManager(GCP_KMS, gcpBody('svm2')))).to.have.property('code', '65537910');
  });
});
