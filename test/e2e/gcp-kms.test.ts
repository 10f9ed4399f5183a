import { expect } from 'chai';
import { OntapAwsKmsType, OntapGcpKmsType } from '../../src/controller/resources.js';
import { EventType, SecretType } from '../../src/runtime/kube.js';
import { fingerprint } from '../../src/simulator/fingerprint.js';
import { minimalGcpKmsSpec } from '../support/builders.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsSecret, condition, type E2E, getKms, kmsObject, secret, startE2E, waitFor, writesTo } from '../support/e2e.js';
import { GCP_EMAIL, gcpKey, gcpKmsObject, gcpSecret, getGcp } from '../support/gcp.js';
import { gcpKmsBody } from '../support/key-manager-bodies.js';
import { TEST_SECRETS } from '../support/log-capture.js';
import { simRequest } from '../support/sim.js';

const GCP = '/api/security/gcp-kms';

describe('e2e: OntapGcpKms on the real API server and ontap-sim', function () {
  this.timeout(90_000);
  let w: E2E;
  const recordOf = (svm: string) => [...w.sim.state.gcpKms.values()].find((r) => r.svm?.name === svm);
  const gcpWrites = () => writesTo(w.sim, GCP);
  const reasons = async (name: string) =>
    (await w.api.list(EventType, w.ns, { fieldSelector: `involvedObject.name=${name}` })).items.map((e) => e.reason as string);
  const synced = async (name: string, want: string) => {
    const o = await getGcp(w, name);
    return condition(o, 'Synced') === want ? o : undefined;
  };

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: ['svm1', 'svm2', 'svm3', 'svm4', 'svm5', 'svm6', 'svm7'] });
    await w.api.create(SecretType, w.ns, gcpSecret(w.ns));
    await w.startOperator();
  });
  after(async () => w?.close());
  beforeEach(() => w.sim.control.clearRequests());

  it('creates the record: Ready and Synced, the key and caller account in status, the JSON key sent once in the POST', async () => {
    await w.api.create(OntapGcpKmsType, w.ns, gcpKmsObject(w.ns, 'g1', { svm: { name: 'svm1' }, port: 443 }));
    const g = await waitFor('Ready', async () => {
      const o = await getGcp(w, 'g1');
      return condition(o, 'Ready') === 'True/Available' && condition(o, 'Synced') === 'True/ReconcileSuccess' ? o : undefined;
    });
    const record = recordOf('svm1');
    expect(g.status?.uuid).to.equal(record?.uuid).and.to.be.a('string');
    const { projectId, keyRingName, keyRingLocation, keyName } = minimalGcpKmsSpec;
    expect(g.status).to.include({ projectId, keyRingName, keyRingLocation, keyName, callerAccount: GCP_EMAIL });
    expect(condition(g, 'GoogleReachable')).to.match(/^True\//);
    const writes = gcpWrites();
    expect(writes.map((r) => r.method)).to.deep.equal(['POST']);
    // The request log shows write-only values as fingerprints: the POST carried this very key.
    expect((writes[0]?.body as Record<string, unknown>)['application_credentials']).to.equal(fingerprint(gcpKey()));
    expect(g.status?.appliedSecrets?.map((a) => a.name)).to.deep.equal(['gcp']);
    expect(await reasons('g1')).to.include('Created');
  });

  it('corrects drift made behind its back (DriftCorrected)', async () => {
    const uuid = recordOf('svm1')?.uuid ?? '';
    const res = await simRequest(w.sim, 'PATCH', `${GCP}/${uuid}`, { body: { port: 8443 } });
    expect(res.status).to.equal(200);
    w.sim.control.clearRequests();
    await waitFor('port corrected', () => recordOf('svm1')?.port === 443, 30_000);
    expect(gcpWrites().map((r) => [r.method, r.body])).to.deep.equal([['PATCH', { port: 443 }]]);
    await waitFor('DriftCorrected event', async () => (await reasons('g1')).includes('DriftCorrected'));
  });

  it('rotates the JSON key: exactly one PATCH with application_credentials, appliedSecrets and callerAccount follow', async () => {
    const rotated = gcpKey('rotated@kms-e2e-4711.iam.gserviceaccount.com', TEST_SECRETS.gcpPrivateKeyRotated);
    await w.api.mergePatch(SecretType, w.ns, 'gcp', { stringData: { application_credentials: rotated } });
    const rv = (await w.api.get(SecretType, w.ns, 'gcp'))?.metadata.resourceVersion;
    const g = await waitFor('callerAccount rotated', async () => {
      const o = await getGcp(w, 'g1');
      return o?.status?.callerAccount === 'rotated@kms-e2e-4711.iam.gserviceaccount.com' && o.status.appliedSecrets?.[0]?.resourceVersion === rv ? o : undefined;
    });
    expect(condition(g, 'Synced')).to.equal('True/ReconcileSuccess');
    const writes = gcpWrites();
    expect(writes.map((r) => [r.method, r.body])).to.deep.equal([['PATCH', { application_credentials: fingerprint(rotated) }]]);
    expect(await reasons('g1')).to.include('CredentialsApplied');
  });

  it('rekeys when spec.keyName changes: rekey-external with key_name, no PATCH', async () => {
    await w.api.mergePatch(OntapGcpKmsType, w.ns, 'g1', { spec: { keyName: 'kek-2' } });
    const g = await waitFor('rekeyed', async () => {
      const o = await getGcp(w, 'g1');
      return o?.status?.keyName === 'kek-2' && condition(o, 'Synced') === 'True/ReconcileSuccess' ? o : undefined;
    });
    const uuid = g.status?.uuid ?? '';
    expect(gcpWrites().map((r) => [r.method, r.path, r.body])).to.deep.equal([['POST', `${GCP}/${uuid}/rekey-external`, { key_name: 'kek-2' }]]);
    expect(recordOf('svm1')?.key_name).to.equal('kek-2');
    expect(await reasons('g1')).to.include('Rekeyed');
  });

  it('refuses a Secret that is not a service account key (SecretInvalid naming the Secret and key) and sends nothing', async () => {
    await w.api.create(SecretType, w.ns, secret(w.ns, 'not-json', { application_credentials: `not json ${TEST_SECRETS.gcpPrivateKey}` }));
    await w.api.create(SecretType, w.ns, secret(w.ns, 'no-pk', { application_credentials: JSON.stringify({ client_email: GCP_EMAIL }) }));
    await w.api.create(OntapGcpKmsType, w.ns, gcpKmsObject(w.ns, 'bad1', { svm: { name: 'svm2' }, applicationCredentialsSecretRef: { name: 'not-json', key: 'application_credentials' } }));
    await w.api.create(OntapGcpKmsType, w.ns, gcpKmsObject(w.ns, 'bad2', { svm: { name: 'svm3' }, applicationCredentialsSecretRef: { name: 'no-pk', key: 'application_credentials' } }));
    for (const [name, s] of [['bad1', 'not-json'], ['bad2', 'no-pk']] as const) {
      const g = await waitFor(`${name} SecretInvalid`, () => synced(name, 'False/SecretInvalid'));
      const message = g.status?.conditions?.find((c) => c.type === 'Synced')?.message ?? '';
      expect(message).to.contain(`Secret ${w.ns}/${s} key "application_credentials"`);
      expect(message).not.to.contain(TEST_SECRETS.gcpPrivateKey);
    }
    expect(gcpWrites()).to.deep.equal([]);
    expect(recordOf('svm2')).to.equal(undefined);
    expect(recordOf('svm3')).to.equal(undefined);
    for (const name of ['bad1', 'bad2']) await w.api.delete(OntapGcpKmsType, w.ns, name);
    await waitFor('invalid ones gone', async () => (await getGcp(w, 'bad1')) === undefined && (await getGcp(w, 'bad2')) === undefined);
  });

  it('Delete: blocked while keys are in use (DeletionBlocked, finalizer kept), then the record goes', async () => {
    await w.api.create(OntapGcpKmsType, w.ns, gcpKmsObject(w.ns, 'doomed', { svm: { name: 'svm4' }, deletionPolicy: 'Delete' }));
    await waitFor('created', () => synced('doomed', 'True/ReconcileSuccess'));
    w.sim.control.setKeysInUse('svm4', true);
    await w.api.delete(OntapGcpKmsType, w.ns, 'doomed');
    const blocked = await waitFor('DeletionBlocked', () => synced('doomed', 'False/DeletionBlocked'));
    expect(blocked.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('65536867');
    expect(blocked.metadata.finalizers ?? []).to.have.length(1);
    expect(recordOf('svm4')).to.exist;
    expect(await reasons('doomed')).to.include('DeletionBlocked');
    w.sim.control.setKeysInUse('svm4', false);
    await waitFor('deleted', async () => (await getGcp(w, 'doomed')) === undefined, 30_000);
    expect(recordOf('svm4')).to.equal(undefined);
  });

  it('Observe reports drift in status.drift and writes nothing', async () => {
    const created = await simRequest(w.sim, 'POST', GCP, {
      body: { ...gcpKmsBody('svm5', gcpKey()), project_id: minimalGcpKmsSpec.projectId, key_ring_name: minimalGcpKmsSpec.keyRingName, key_ring_location: minimalGcpKmsSpec.keyRingLocation, key_name: 'other' },
    });
    expect(created.status).to.equal(201);
    w.sim.control.clearRequests();
    await w.api.create(OntapGcpKmsType, w.ns, gcpKmsObject(w.ns, 'watcher', { svm: { name: 'svm5' }, managementPolicy: 'Observe', port: 8443 }));
    const g = await waitFor('observed', async () => {
      const o = await getGcp(w, 'watcher');
      return o?.status?.drift && o.status.drift.length > 0 ? o : undefined;
    });
    expect(g.status?.drift).to.include.members(['spec.port', 'spec.keyName']);
    expect(condition(g, 'Synced')).to.equal('True/Observed');
    expect(g.status?.uuid).to.equal(recordOf('svm5')?.uuid);
    expect(gcpWrites()).to.deep.equal([]);
  });

  it('sa_credentials_attachment: no Secret at all, created without application_credentials, never re-adopted', async () => {
    await w.api.create(
      OntapGcpKmsType,
      w.ns,
      gcpKmsObject(w.ns, 'attached', { svm: { name: 'svm6' }, authenticationMethod: 'sa_credentials_attachment', applicationCredentialsSecretRef: undefined }),
    );
    const g = await waitFor('Ready', async () => {
      const o = await getGcp(w, 'attached');
      return condition(o, 'Ready') === 'True/Available' && condition(o, 'Synced') === 'True/ReconcileSuccess' ? o : undefined;
    });
    const writes = gcpWrites();
    expect(writes.map((r) => r.method)).to.deep.equal(['POST']);
    const body = writes[0]?.body as Record<string, unknown>;
    expect(body).to.include({ authentication_method: 'sa_credentials_attachment' });
    expect(body).not.to.have.property('application_credentials');
    expect(g.status?.appliedSecrets ?? []).to.deep.equal([]);
    expect(recordOf('svm6')?.authentication_method).to.equal('sa_credentials_attachment');
    // A drift check later (interval 10 s), the record it created is still its own: no adoption, no write.
    w.sim.control.clearRequests();
    await waitFor('a drift check', () => w.sim.control.requests().some((r) => r.method === 'GET' && r.path.startsWith(GCP)), 20_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(await reasons('attached')).not.to.include('Adopted');
    expect(gcpWrites()).to.deep.equal([]);
  });

  it('moves from the attached service account to a JSON key: one PATCH with the method and the key', async () => {
    await w.api.mergePatch(OntapGcpKmsType, w.ns, 'attached', { spec: { authenticationMethod: 'application_credentials_key', applicationCredentialsSecretRef: { name: 'gcp', key: 'application_credentials' } } });
    const g = await waitFor('switched', async () => {
      const o = await getGcp(w, 'attached');
      return o?.status?.callerAccount !== undefined && condition(o, 'Synced') === 'True/ReconcileSuccess' ? o : undefined;
    });
    const writes = gcpWrites();
    expect(writes.map((r) => r.method)).to.deep.equal(['PATCH']);
    expect(Object.keys(writes[0]?.body as object).sort()).to.deep.equal(['application_credentials', 'authentication_method']);
    expect(recordOf('svm6')?.authentication_method).to.equal('application_credentials_key');
    expect(g.status?.appliedSecrets?.map((a) => a.name)).to.deep.equal(['gcp']);
  });

  it('one key manager per SVM: an OntapGcpKms on an SVM with AWS KMS is AnotherKeyManager, without a write loop', async () => {
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'aws7', { svm: { name: 'svm7' } }));
    await waitFor('AWS KMS synced', async () => condition(await getKms(w, 'aws7'), 'Synced') === 'True/ReconcileSuccess');
    w.sim.control.clearRequests();
    await w.api.create(OntapGcpKmsType, w.ns, gcpKmsObject(w.ns, 'g7', { svm: { name: 'svm7' } }));
    const g = await waitFor('AnotherKeyManager', () => synced('g7', 'False/AnotherKeyManager'));
    const message = g.status?.conditions?.find((c) => c.type === 'Synced')?.message ?? '';
    expect(message).to.contain('svm7').and.to.contain('65537910');
    await new Promise((r) => setTimeout(r, 4_000));
    expect(gcpWrites().map((r) => r.method)).to.deep.equal(['POST']);
    expect(recordOf('svm7')).to.equal(undefined);
  });
});
