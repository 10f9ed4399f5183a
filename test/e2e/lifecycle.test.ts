import { expect } from 'chai';
import { OntapAwsKmsType } from '../../src/controller/resources.js';
import { SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { simRequest } from '../support/sim.js';
import { awsKmsWrites, awsSecret, condition, type E2E, getKms, kmsObject, startE2E, waitFor } from '../support/e2e.js';

describe('e2e: adoption, conflicts, deletion and Observe', function () {
  this.timeout(90_000);
  let w: E2E;
  const recordOf = (svm: string) => [...w.sim.state.records.values()].find((r) => r.svm?.name === svm);
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: ['svm1', 'svm2', 'svm3', 'svm4'] });
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.startOperator();
  });
  after(async () => w?.close());
  beforeEach(() => w.sim.control.clearRequests());

  it('6a. adopts an existing record (event Adopted), corrects its drift and sends the credentials once', async () => {
    const created = await simRequest(w.sim, 'POST', '/api/security/aws-kms', {
      body: { svm: { name: 'svm1' }, key_id: 'arn:aws:kms:us-east-1:111122223333:key/e2e-1', region: 'us-west-2', access_key_id: 'AKIAOLD', secret_access_key: 'old-secret' },
    });
    expect(created.status).to.equal(201);
    const existing = recordOf('svm1')?.uuid;
    w.sim.control.clearRequests();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'adopter', { svm: { name: 'svm1' } }));
    const k = await waitFor('adopted', async () => {
      const o = await getKms(w, 'adopter');
      return condition(o, 'Synced') === 'True/ReconcileSuccess' ? o : undefined;
    });
    expect(k.status?.uuid).to.equal(existing);
    const writes = awsKmsWrites(w.sim);
    expect(writes.map((r) => r.method)).to.deep.equal(['PATCH', 'PATCH']);
    expect(writes[0]?.body).to.deep.equal({ region: 'us-east-1' });
    expect(Object.keys(writes[1]?.body as object).sort()).to.deep.equal(['access_key_id', 'secret_access_key']);
    const events = await w.api.list({ group: '', version: 'v1', plural: 'events', kind: 'Event' }, w.ns, { fieldSelector: 'involvedObject.name=adopter' });
    expect(events.items.map((e) => e.reason)).to.include('Adopted');
  });

  it('6b. a second OntapAwsKms for the same SVM gets Conflict and does nothing', async () => {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'rival', { svm: { name: 'svm1' }, region: 'eu-west-3' }));
    await waitFor('Conflict', async () => condition(await getKms(w, 'rival'), 'Synced') === 'False/Conflict');
    expect(awsKmsWrites(w.sim)).to.deep.equal([]);
    expect(recordOf('svm1')?.region).to.equal('us-east-1');
    // The rival is deleted (Retain): the record stays, the adopter keeps it.
    await w.api.delete(OntapAwsKmsType, w.ns, 'rival');
    await waitFor('rival gone', async () => (await getKms(w, 'rival')) === undefined);
    expect(recordOf('svm1')).to.exist;
  });

  it('7a. Retain: deleting the resource leaves the ONTAP record (event Orphaned)', async () => {
    const uuid = recordOf('svm1')?.uuid;
    await w.api.delete(OntapAwsKmsType, w.ns, 'adopter');
    await waitFor('finalizer released', async () => (await getKms(w, 'adopter')) === undefined);
    expect(recordOf('svm1')?.uuid).to.equal(uuid);
    expect(awsKmsWrites(w.sim)).to.deep.equal([]);
    const events = await w.api.list({ group: '', version: 'v1', plural: 'events', kind: 'Event' }, w.ns, { fieldSelector: 'involvedObject.name=adopter' });
    expect(events.items.map((e) => e.reason)).to.include('Orphaned');
  });

  it('7b. Delete: the record goes; while keys are in use it stays blocked (DeletionBlocked), then completes when freed', async () => {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'doomed', { svm: { name: 'svm2' }, deletionPolicy: 'Delete' }));
    await waitFor('created', async () => condition(await getKms(w, 'doomed'), 'Synced') === 'True/ReconcileSuccess');
    w.sim.control.setKeysInUse('svm2', true);
    await w.api.delete(OntapAwsKmsType, w.ns, 'doomed');
    const blocked = await waitFor('DeletionBlocked', async () => {
      const o = await getKms(w, 'doomed');
      return condition(o, 'Synced') === 'False/DeletionBlocked' ? o : undefined;
    });
    expect(blocked.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('ONTAP error 65537106');
    expect(recordOf('svm2')).to.exist;
    w.sim.control.setKeysInUse('svm2', false);
    await waitFor('deleted', async () => (await getKms(w, 'doomed')) === undefined, 30_000);
    expect(recordOf('svm2')).to.equal(undefined);
  });

  it('7c. Delete never removes a record the resource did not create or adopt', async () => {
    await simRequest(w.sim, 'POST', '/api/security/aws-kms', {
      body: { svm: { name: 'svm4' }, key_id: 'k', region: 'us-east-1', access_key_id: 'AKIAX', secret_access_key: 'x' },
    });
    // The Secret is missing, so the resource never adopts the record; deleting it must not delete ONTAP's.
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'never', { svm: { name: 'svm4' }, deletionPolicy: 'Delete', credentialsSecretRef: { name: 'nope' } }));
    await waitFor('SecretNotFound', async () => condition(await getKms(w, 'never'), 'Synced') === 'False/SecretNotFound');
    await w.api.delete(OntapAwsKmsType, w.ns, 'never');
    await waitFor('gone', async () => (await getKms(w, 'never')) === undefined);
    expect(recordOf('svm4')).to.exist;
  });

  it('8. Observe reports drift in status.drift and writes nothing', async () => {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'watcher', { svm: { name: 'svm4' }, managementPolicy: 'Observe', region: 'eu-north-1', port: 8443 }));
    const k = await waitFor('observed', async () => {
      const o = await getKms(w, 'watcher');
      return o?.status?.drift && o.status.drift.length > 0 ? o : undefined;
    });
    expect(k.status?.drift).to.include.members(['spec.region', 'spec.port']);
    expect(condition(k, 'Synced')).to.equal('True/Observed');
    expect(k.status?.uuid).to.equal(recordOf('svm4')?.uuid);
    expect(awsKmsWrites(w.sim)).to.deep.equal([]);
  });

  it('suspend: no reconcile at all until false again', async () => {
    await w.api.mergePatch(OntapAwsKmsType, w.ns, 'watcher', { spec: { suspend: true, managementPolicy: 'Manage' } });
    await waitFor('Suspended', async () => condition(await getKms(w, 'watcher'), 'Synced') === 'False/Suspended');
    expect(awsKmsWrites(w.sim)).to.deep.equal([]);
    await w.api.mergePatch(OntapAwsKmsType, w.ns, 'watcher', { spec: { suspend: false } });
    await waitFor('managed', () => recordOf('svm4')?.region === 'eu-north-1');
    // Observe, then Manage: the record is taken over like an adoption, credentials included.
    const events = await w.api.list({ group: '', version: 'v1', plural: 'events', kind: 'Event' }, w.ns, { fieldSelector: 'involvedObject.name=watcher' });
    expect(events.items.map((e) => e.reason)).to.include('Adopted');
    expect(awsKmsWrites(w.sim).some((r) => Object.keys(r.body as object).includes('secret_access_key'))).to.equal(true);
  });
});
