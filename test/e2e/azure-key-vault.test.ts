import { expect } from 'chai';
import { parseOntapAzureKeyVault } from '../../src/api/v1alpha1/parse.js';
import type { OntapAzureKeyVault } from '../../src/api/v1alpha1/types.js';
import { OntapAwsKmsType, OntapAzureKeyVaultType } from '../../src/controller/resources.js';
import { EventType, SecretType } from '../../src/runtime/kube.js';
import { fingerprint } from '../../src/simulator/fingerprint.js';
import type { StoredAzureKeyVault } from '../../src/simulator/state.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { AKV_KEY, AKV_VAULT, akvObject, awsSecret, condition, type E2E, getKms, getResource, kmsObject, secret, startE2E, waitFor, writesTo } from '../support/e2e.js';
import { TEST_SECRETS } from '../support/log-capture.js';
import { simRequest } from '../support/sim.js';

const AKV = '/api/security/azure-key-vaults';
const KEY_2 = 'https://kv-e2e.vault.azure.net/keys/kek/0123456789abcdef0123456789abcdef';

describe('e2e: OntapAzureKeyVault', function () {
  this.timeout(90_000);
  let w: E2E;
  const getAkv = (name: string): Promise<OntapAzureKeyVault | undefined> => getResource(w, OntapAzureKeyVaultType, name, parseOntapAzureKeyVault);
  const vaultOf = (svm: string): StoredAzureKeyVault | undefined => [...w.sim.state.azureKeyVaults.values()].find((r) => r.svm?.name === svm);
  const writes = () => writesTo(w.sim, AKV);
  const eventReasons = async (name: string) =>
    (await w.api.list(EventType, w.ns, { fieldSelector: `involvedObject.name=${name}` })).items.map((e) => e.reason as string);
  const synced = async (name: string) => {
    const o = await getAkv(name);
    return condition(o, 'Synced') === 'True/ReconcileSuccess' ? o : undefined;
  };

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: ['svm1', 'svm2', 'svm3', 'svm4'] });
    await w.api.create(SecretType, w.ns, secret(w.ns, 'azure', { client_secret: TEST_SECRETS.azureSecret }));
    await w.startOperator();
  });
  after(async () => w?.close());
  beforeEach(() => w.sim.control.clearRequests());

  it('creates the vault configuration: Ready, Synced, the record in status, the client secret in the POST', async () => {
    await w.api.create(OntapAzureKeyVaultType, w.ns, akvObject(w.ns, 'akv', { svm: { name: 'svm1' }, port: 443 }));
    const k = await waitFor('Ready', async () => {
      const o = await getAkv('akv');
      return condition(o, 'Ready') === 'True/Available' ? o : undefined;
    });
    const record = vaultOf('svm1');
    expect(condition(k, 'Synced')).to.equal('True/ReconcileSuccess');
    expect(condition(k, 'AzureReachable')).to.equal('True/Reachable');
    expect(k.status?.uuid).to.equal(record?.uuid);
    expect(k.status?.keyId).to.equal(AKV_KEY);
    expect(k.status?.vaultName).to.equal(AKV_VAULT);
    expect(k.status?.authenticationMethod).to.equal('client_secret');
    expect(k.status?.appliedSecrets?.map((a) => a.name)).to.deep.equal(['azure']);
    const posts = writes().filter((r) => r.method === 'POST');
    expect(posts).to.have.length(1);
    // The request log holds fingerprints of write-only values, never the values.
    const body = posts[0]?.body as Record<string, unknown>;
    expect(body['client_secret']).to.equal(fingerprint(TEST_SECRETS.azureSecret));
    expect(body).to.include({ name: AKV_VAULT, key_id: AKV_KEY });
    expect(body).not.to.have.property('client_certificate');
    expect(await eventReasons('akv')).to.include('Created');
  });

  it('corrects drift made on ONTAP behind its back (DriftCorrected) and sends no credentials', async () => {
    const uuid = vaultOf('svm1')?.uuid ?? '';
    const changed = await simRequest(w.sim, 'PATCH', `${AKV}/${uuid}`, { body: { port: 8443 } });
    expect(changed.status).to.equal(200);
    expect(vaultOf('svm1')?.port).to.equal(8443);
    w.sim.control.clearRequests();
    await waitFor('drift corrected', () => vaultOf('svm1')?.port === 443, 30_000);
    const patches = writes().filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.body)).to.deep.equal([{ port: 443 }]);
    await waitFor('DriftCorrected event', async () => (await eventReasons('akv')).includes('DriftCorrected'));
    const k = await waitFor('synced', () => synced('akv'));
    expect(k.status?.drift ?? []).to.deep.equal([]);
  });

  it('sends a rotated client secret exactly once and records the new Secret version', async () => {
    const rotated = await w.api.mergePatch(SecretType, w.ns, 'azure', { stringData: { client_secret: TEST_SECRETS.azureSecretRotated } });
    const rv = rotated.metadata.resourceVersion;
    const k = await waitFor('applied', async () => {
      const o = await getAkv('akv');
      return o?.status?.appliedSecrets?.find((a) => a.name === 'azure')?.resourceVersion === rv ? o : undefined;
    });
    expect(k.status?.appliedSecrets).to.deep.equal([{ name: 'azure', resourceVersion: rv, keys: ['client_secret'] }]);
    // Wait past another pass or two: still one PATCH.
    await new Promise((r) => setTimeout(r, 1500));
    const patches = writes().filter((r) => r.method === 'PATCH');
    expect(patches).to.have.length(1);
    expect(patches[0]?.body).to.deep.equal({ client_secret: fingerprint(TEST_SECRETS.azureSecretRotated) });
    expect(w.sim.state.azureKeyVaults.get(k.status?.uuid ?? '')?.client_secret).to.equal(TEST_SECRETS.azureSecretRotated);
    expect(await eventReasons('akv')).to.include('CredentialsApplied');
  });

  it('switches from the client secret to a client certificate with one PATCH', async () => {
    await w.api.create(SecretType, w.ns, secret(w.ns, 'azure-cert', { client_certificate: TEST_SECRETS.azureCertificate }));
    await w.api.mergePatch(OntapAzureKeyVaultType, w.ns, 'akv', { spec: { clientSecretRef: null, clientCertificateRef: { name: 'azure-cert', key: 'client_certificate' } } });
    const k = await waitFor('certificate', async () => {
      const o = await synced('akv');
      return o?.status?.authenticationMethod === 'certificate' ? o : undefined;
    });
    expect(vaultOf('svm1')?.authentication_method).to.equal('certificate');
    const patches = writes().filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.body)).to.deep.equal([{ client_certificate: fingerprint(TEST_SECRETS.azureCertificate) }]);
    expect(k.status?.appliedSecrets?.map((a) => a.name)).to.deep.equal(['azure-cert']);
    expect(k.status?.drift ?? []).to.deep.equal([]);
  });

  it('re-keys through rekey-external when spec.keyId changes, never by PATCH', async () => {
    await w.api.mergePatch(OntapAzureKeyVaultType, w.ns, 'akv', { spec: { keyId: KEY_2 } });
    const k = await waitFor('rekeyed', async () => {
      const o = await synced('akv');
      return o?.status?.keyId === KEY_2 ? o : undefined;
    });
    expect(vaultOf('svm1')?.key_id).to.equal(KEY_2);
    const all = writes();
    expect(all.map((r) => `${r.method} ${r.path.replace(k.status?.uuid ?? '', '<uuid>')}`)).to.deep.equal([`POST ${AKV}/<uuid>/rekey-external`]);
    expect(all[0]?.body).to.deep.equal({ key_id: KEY_2 });
    expect(await eventReasons('akv')).to.include('Rekeyed');
  });

  it('Observe reports drift in status.drift and writes nothing', async () => {
    const created = await simRequest(w.sim, 'POST', AKV, {
      body: { svm: { name: 'svm2' }, client_id: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', tenant_id: '9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0', name: AKV_VAULT, key_id: AKV_KEY, client_secret: 'other' },
    });
    expect(created.status).to.equal(201);
    w.sim.control.clearRequests();
    await w.api.create(OntapAzureKeyVaultType, w.ns, akvObject(w.ns, 'watcher', { svm: { name: 'svm2' }, managementPolicy: 'Observe', port: 8443, keyId: KEY_2 }));
    const k = await waitFor('observed', async () => {
      const o = await getAkv('watcher');
      return o?.status?.drift && o.status.drift.length > 0 ? o : undefined;
    });
    expect(k.status?.drift).to.include.members(['spec.port', 'spec.keyId']);
    expect(condition(k, 'Synced')).to.equal('True/Observed');
    expect(k.status?.uuid).to.equal(vaultOf('svm2')?.uuid);
    expect(writes()).to.deep.equal([]);
    expect(vaultOf('svm2')?.port).to.equal(443);
  });

  it('Observe, then Manage: adopts the record (Adopted), re-keys, corrects it and sends the client secret once', async () => {
    await w.api.mergePatch(OntapAzureKeyVaultType, w.ns, 'watcher', { spec: { managementPolicy: 'Manage' } });
    const k = await waitFor('managed', async () => {
      const o = await synced('watcher');
      return o?.status?.keyId === KEY_2 && o.status.appliedSecrets?.length === 1 ? o : undefined;
    });
    expect(k.status?.drift ?? []).to.deep.equal([]);
    expect(vaultOf('svm2')).to.include({ port: 8443, key_id: KEY_2, client_secret: TEST_SECRETS.azureSecretRotated });
    const uuid = k.status?.uuid ?? '';
    expect(writes().map((r) => [`${r.method} ${r.path.replace(uuid, '<uuid>')}`, r.body])).to.deep.equal([
      [`POST ${AKV}/<uuid>/rekey-external`, { key_id: KEY_2 }],
      [`PATCH ${AKV}/<uuid>`, { port: 8443 }],
      [`PATCH ${AKV}/<uuid>`, { client_secret: fingerprint(TEST_SECRETS.azureSecretRotated) }],
    ]);
    expect(await eventReasons('watcher')).to.include.members(['Adopted', 'Rekeyed', 'DriftCorrected', 'CredentialsApplied']);
  });

  it('Retain: deleting the resource leaves the ONTAP record (Orphaned)', async () => {
    const uuid = vaultOf('svm1')?.uuid;
    await w.api.delete(OntapAzureKeyVaultType, w.ns, 'akv');
    await waitFor('finalizer released', async () => (await getAkv('akv')) === undefined);
    expect(vaultOf('svm1')?.uuid).to.equal(uuid);
    expect(writes()).to.deep.equal([]);
    expect(await eventReasons('akv')).to.include('Orphaned');
  });

  it('Delete: blocked while keys are in use (DeletionBlocked, finalizer kept), done when freed', async () => {
    await w.api.create(OntapAzureKeyVaultType, w.ns, akvObject(w.ns, 'doomed', { svm: { name: 'svm3' }, deletionPolicy: 'Delete' }));
    await waitFor('created', () => synced('doomed'));
    w.sim.control.setKeysInUse('svm3', true);
    await w.api.delete(OntapAzureKeyVaultType, w.ns, 'doomed');
    const blocked = await waitFor('DeletionBlocked', async () => {
      const o = await getAkv('doomed');
      return condition(o, 'Synced') === 'False/DeletionBlocked' ? o : undefined;
    });
    expect(blocked.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('65536867');
    expect(blocked.metadata.finalizers).to.include('kms.ontap.dev/finalizer');
    expect(vaultOf('svm3')).to.exist;
    expect(await eventReasons('doomed')).to.include('DeletionBlocked');
    w.sim.control.setKeysInUse('svm3', false);
    await waitFor('deleted', async () => (await getAkv('doomed')) === undefined, 30_000);
    expect(vaultOf('svm3')).to.equal(undefined);
  });

  it('one key manager per SVM: with AWS KMS on the SVM, AnotherKeyManager and no write loop', async () => {
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'aws-first', { svm: { name: 'svm4' } }));
    await waitFor('AWS KMS synced', async () => condition(await getKms(w, 'aws-first'), 'Synced') === 'True/ReconcileSuccess');
    w.sim.control.clearRequests();
    // Drift checks fall on multiples of the interval: a day's keeps one out of the window counted.
    await w.api.create(OntapAzureKeyVaultType, w.ns, akvObject(w.ns, 'second', { svm: { name: 'svm4' }, driftCheckIntervalSeconds: 86_400 }));
    const k = await waitFor('AnotherKeyManager', async () => {
      const o = await getAkv('second');
      return condition(o, 'Synced') === 'False/AnotherKeyManager' ? o : undefined;
    });
    expect(k.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('65537910');
    expect(condition(k, 'Ready')).to.equal('False/AnotherKeyManager');
    const postsThen = writes().filter((r) => r.method === 'POST').length;
    expect(postsThen).to.equal(1);
    await new Promise((r) => setTimeout(r, 4000));
    expect(writes().filter((r) => r.method === 'POST')).to.have.length(postsThen);
    expect(vaultOf('svm4')).to.equal(undefined);
    expect([...w.sim.state.records.values()].filter((r) => r.svm?.name === 'svm4')).to.have.length(1);
  });

  it('one key manager per SVM: KMIP holds the SVM (AnotherKeyManager), and once removed the vault is created', async () => {
    w.sim.control.setKmip('svm3', true);
    await w.api.create(OntapAzureKeyVaultType, w.ns, akvObject(w.ns, 'after-kmip', { svm: { name: 'svm3' } }));
    const k = await waitFor('AnotherKeyManager', async () => {
      const o = await getAkv('after-kmip');
      return condition(o, 'Synced') === 'False/AnotherKeyManager' ? o : undefined;
    });
    expect(k.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('svm3').and.contain('kmip');
    w.sim.control.setKmip('svm3', false);
    // Nothing is retried before the next drift check (every 10 s here).
    await waitFor('created at the next drift check', () => synced('after-kmip'), 25_000);
    expect(vaultOf('svm3')?.uuid).to.be.a('string');
  });

  it('the cluster scope: no svm in the POST, scope cluster in status', async () => {
    await w.api.create(OntapAzureKeyVaultType, w.ns, akvObject(w.ns, 'cluster-akv', {}));
    const k = await waitFor('created', () => synced('cluster-akv'));
    expect(k.status?.scope).to.equal('cluster');
    const post = writes().find((r) => r.method === 'POST');
    expect(post?.body).not.to.have.property('svm');
    expect(w.sim.state.azureKeyVaults.get(k.status?.uuid ?? '')?.scope).to.equal('cluster');
  });
});
