import { expect } from 'chai';
import { parseOntapOnboardKeyManager } from '../../src/api/v1alpha1/parse.js';
import type { OntapOnboardKeyManager } from '../../src/api/v1alpha1/types.js';
import { EXPORT_ANNOTATION } from '../../src/controller/key-manager/export.js';
import { OntapOnboardKeyManagerType } from '../../src/controller/resources.js';
import { EventType, type KubeObject, SecretType } from '../../src/runtime/kube.js';
import { fingerprint } from '../../src/simulator/fingerprint.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { condition, type E2E, getResource, secret, startE2E, waitFor, writesTo } from '../support/e2e.js';
import { azureKeyVaultBody } from '../support/key-manager-bodies.js';
import { TEST_SECRETS } from '../support/log-capture.js';
import { simRequest } from '../support/sim.js';

const KM = '/api/security/key-managers';
const P1 = TEST_SECRETS.onboardPassphrase;
const P2 = TEST_SECRETS.onboardPassphraseRotated;
const WRONG = TEST_SECRETS.onboardPassphraseWrong;

/** okmObject builds an OntapOnboardKeyManager on the e2e namespace's OntapCluster `sim`. */
function okmObject(ns: string, name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapOnboardKeyManager',
    metadata: { name, namespace: ns },
    spec: { clusterRef: { name: 'sim' }, passphraseSecretRef: { name: 'okm' }, driftCheckIntervalSeconds: 10, ...spec },
  };
}

describe('e2e: OntapOnboardKeyManager on the real API server and ontap-sim', function () {
  this.timeout(90_000);
  let w: E2E;
  const get = (name = 'okm'): Promise<OntapOnboardKeyManager | undefined> => getResource(w, OntapOnboardKeyManagerType, name, parseOntapOnboardKeyManager);
  const writes = () => writesTo(w.sim, KM).map((r) => [r.method, r.status, r.body]);
  const reasons = async (name = 'okm') => (await w.api.list(EventType, w.ns, { fieldSelector: `involvedObject.name=${name}` })).items.map((e) => e.reason as string);
  const record = () => [...w.sim.state.securityKeyManagers.values()].find((r) => r.kind === 'onboard');
  const passphraseIs = (p: string): boolean => w.sim.control.onboardPassphrase(p).matches;
  /** ontapBackup is ONTAP's current key backup, as a client reads it. */
  const ontapBackup = async (): Promise<string> => {
    const res = await simRequest(w.sim, 'GET', `${KM}/${record()?.uuid ?? ''}?fields=onboard.key_backup`);
    return (res.json as { onboard?: { key_backup?: string } }).onboard?.key_backup ?? '';
  };
  const backupSecret = async (name = 'okm-backup') => w.api.get(SecretType, w.ns, name);
  const backupIn = (s: KubeObject | undefined): string => Buffer.from(((s as { data?: Record<string, string> } | undefined)?.data?.['backup'] ?? ''), 'base64').toString();

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: ['svm1'] });
    await w.api.create(SecretType, w.ns, secret(w.ns, 'okm', { passphrase: P1 }));
    await w.startOperator();
  });
  after(async () => w?.close());
  beforeEach(() => w.sim.control.clearRequests());

  it('enables the Onboard Key Manager with the passphrase (one POST), is Ready, and keeps ONTAP\'s key backup in a Secret it creates', async () => {
    await w.api.create(OntapOnboardKeyManagerType, w.ns, okmObject(w.ns, 'okm', { backupSecretRef: { name: 'okm-backup' } }));
    const o = await waitFor('Ready and backed up', async () => {
      const x = await get();
      return condition(x, 'Ready') === 'True/Available' && condition(x, 'KeyBackupSaved') === 'True/Saved' ? x : undefined;
    });
    expect(condition(o, 'Synced')).to.equal('True/ReconcileSuccess');
    expect(o.status).to.include({ uuid: record()?.uuid, scope: 'cluster', enabled: true });
    expect(passphraseIs(P1)).to.equal(true);
    expect(writes()).to.deep.equal([['POST', 201, { onboard: { passphrase: fingerprint(P1) } }]]);
    const s = await backupSecret();
    expect(s?.metadata.annotations?.[EXPORT_ANNOTATION]).to.equal(`${w.ns}/okm/${o.metadata.uid ?? ''}`);
    expect(backupIn(s)).to.equal(await ontapBackup()).and.to.contain('BEGIN BACKUP');
    expect(o.status?.keyBackup?.secretName).to.equal('okm-backup');
    expect(await reasons()).to.include.members(['Created', 'KeyBackupSaved']);
  });

  it('a second OntapOnboardKeyManager on the same cluster: the younger reports Conflict and writes nothing', async () => {
    await w.api.create(OntapOnboardKeyManagerType, w.ns, okmObject(w.ns, 'okm-twin'));
    const twin = await waitFor('Conflict', async () => {
      const x = await get('okm-twin');
      return condition(x, 'Synced') === 'False/Conflict' ? x : undefined;
    });
    expect(twin.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('okm');
    expect(writes()).to.deep.equal([]);
    await w.api.delete(OntapOnboardKeyManagerType, w.ns, 'okm-twin');
    await waitFor('twin gone', async () => (await get('okm-twin')) === undefined);
  });

  it('changes the passphrase from the existing one in the same Secret: checked first, then changed once; the backup follows', async () => {
    const before = backupIn(await backupSecret());
    await w.api.mergePatch(SecretType, w.ns, 'okm', { stringData: { passphrase: P2, existingPassphrase: P1 } });
    const rv = (await w.api.get(SecretType, w.ns, 'okm'))?.metadata.resourceVersion;
    await waitFor('the change recorded', async () => (await get())?.status?.appliedSecrets?.[0]?.resourceVersion === rv);
    expect(passphraseIs(P2)).to.equal(true);
    expect(writes()).to.deep.equal([
      ['PATCH', 400, { onboard: { existing_passphrase: fingerprint(P2), synchronize: true } }],
      ['PATCH', 200, { onboard: { existing_passphrase: fingerprint(P1), passphrase: fingerprint(P2) } }],
    ]);
    const after = await waitFor('the new backup in the Secret', async () => {
      const b = backupIn(await backupSecret());
      return b !== before && b === (await ontapBackup()) ? b : undefined;
    });
    expect(after).to.contain('BEGIN BACKUP');
    expect(condition(await get(), 'Synced')).to.equal('True/ReconcileSuccess');
  });

  it('removing the existing passphrase afterwards changes nothing on ONTAP: the check passes', async () => {
    await w.api.replace(SecretType, w.ns, 'okm', { ...secret(w.ns, 'okm', { passphrase: P2 }), metadata: { name: 'okm', namespace: w.ns } });
    const rv = (await w.api.get(SecretType, w.ns, 'okm'))?.metadata.resourceVersion;
    await waitFor('checked', async () => (await get())?.status?.appliedSecrets?.[0]?.resourceVersion === rv);
    expect(writes()).to.deep.equal([['PATCH', 200, { onboard: { existing_passphrase: fingerprint(P2), synchronize: true } }]]);
    expect(passphraseIs(P2)).to.equal(true);
  });

  it('a passphrase changed in the Secret without the existing one: PassphraseIncorrect, ONTAP keeps its passphrase', async () => {
    await w.api.mergePatch(SecretType, w.ns, 'okm', { stringData: { passphrase: WRONG } });
    const o = await waitFor('PassphraseIncorrect', async () => {
      const x = await get();
      return condition(x, 'Synced') === 'False/PassphraseIncorrect' ? x : undefined;
    });
    expect(o.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('65536139');
    expect(passphraseIs(P2)).to.equal(true);
    expect(writes().every(([m, status]) => m === 'PATCH' && status === 400)).to.equal(true);
    // Put the right one back: checked, in sync again.
    await w.api.mergePatch(SecretType, w.ns, 'okm', { stringData: { passphrase: P2 } });
    await waitFor('Synced again', async () => condition(await get(), 'Synced') === 'True/ReconcileSuccess');
  });

  it('a node that joins without the keys (ONTAP status 65537208) is synchronized with the passphrase, from what ONTAP reports', async () => {
    w.sim.control.clearRequests();
    expect(w.sim.control.setOnboardSyncNeeded('sim-node-3', true)).to.equal(true);
    await waitFor('synchronized', () => record()?.kind === 'onboard' && record()?.unsyncedNodes.length === 0 && writes().length > 0, 30_000);
    expect(writes()).to.deep.equal([['PATCH', 200, { onboard: { existing_passphrase: fingerprint(P2), synchronize: true } }]]);
    await waitFor('Ready', async () => condition(await get(), 'Ready') === 'True/Available');
    expect(await reasons()).to.include('CredentialsApplied');
  });

  it('never overwrites a Secret it did not create: backupSecretRef naming one is BackupSecretNotOwned, the Secret untouched', async () => {
    await w.api.create(SecretType, w.ns, secret(w.ns, 'app-token', { token: 'not-a-backup' }));
    const rv = (await w.api.get(SecretType, w.ns, 'app-token'))?.metadata.resourceVersion;
    await w.api.mergePatch(OntapOnboardKeyManagerType, w.ns, 'okm', { spec: { backupSecretRef: { name: 'app-token', key: 'token' } } });
    const o = await waitFor('BackupSecretNotOwned', async () => {
      const x = await get();
      return condition(x, 'KeyBackupSaved') === 'False/BackupSecretNotOwned' ? x : undefined;
    });
    expect(condition(o, 'Ready')).to.equal('True/Available');
    const s = await w.api.get(SecretType, w.ns, 'app-token');
    expect(s?.metadata.resourceVersion).to.equal(rv);
    expect(Buffer.from((s as unknown as { data: Record<string, string> }).data['token'] ?? '', 'base64').toString()).to.equal('not-a-backup');
    expect(await reasons()).to.include('KeyBackupNotSaved');
    await w.api.mergePatch(OntapOnboardKeyManagerType, w.ns, 'okm', { spec: { backupSecretRef: { name: 'okm-backup', key: 'backup' } } });
    await waitFor('Saved again', async () => condition(await get(), 'KeyBackupSaved') === 'True/Saved');
  });

  it('a restore annotation is answered Skipped: ONTAP has no restore of the Onboard Key Manager', async () => {
    await w.api.mergePatch(OntapOnboardKeyManagerType, w.ns, 'okm', { metadata: { annotations: { 'kms.ontap.dev/restore': 'r1' } } });
    const o = await waitFor('Skipped', async () => {
      const x = await get();
      return x?.status?.lastRestore?.token === 'r1' ? x : undefined;
    });
    expect(o.status?.lastRestore?.result).to.equal('Skipped');
    expect(writes()).to.deep.equal([]);
  });

  it('deletionPolicy Delete: refused while keys are in use (DeletionBlocked), deleted once freed; the backup Secret stays', async () => {
    w.sim.control.setKeysInUse(w.sim.state.clusterName, true);
    await w.api.mergePatch(OntapOnboardKeyManagerType, w.ns, 'okm', { spec: { deletionPolicy: 'Delete' } });
    await waitFor('Delete seen', async () => (await get())?.status?.observedGeneration === (await get())?.metadata.generation);
    await w.api.delete(OntapOnboardKeyManagerType, w.ns, 'okm');
    await waitFor('DeletionBlocked', async () => (await reasons()).includes('DeletionBlocked'));
    expect(record()).to.not.equal(undefined);
    w.sim.control.setKeysInUse(w.sim.state.clusterName, false);
    await waitFor('gone', async () => (await get()) === undefined && record() === undefined, 60_000);
    expect(backupIn(await backupSecret())).to.contain('BEGIN BACKUP');
  });

  it('adopts an Onboard Key Manager configured by hand: Observe writes nothing, Manage checks the passphrase, never POSTs', async () => {
    const res = await simRequest(w.sim, 'POST', KM, { body: { onboard: { passphrase: P2 } } });
    expect(res.status).to.be.oneOf([201, 202]);
    w.sim.control.clearRequests();
    await w.api.create(OntapOnboardKeyManagerType, w.ns, okmObject(w.ns, 'okm2', { managementPolicy: 'Observe' }));
    await waitFor('Observed', async () => condition(await get('okm2'), 'Synced') === 'True/Observed');
    expect(writes()).to.deep.equal([]);
    await w.api.mergePatch(OntapOnboardKeyManagerType, w.ns, 'okm2', { spec: { managementPolicy: 'Manage' } });
    await waitFor('Managed', async () => condition(await get('okm2'), 'Synced') === 'True/ReconcileSuccess' && (await get('okm2'))?.status?.appliedSecrets?.length === 1);
    expect(writes()).to.deep.equal([['PATCH', 200, { onboard: { existing_passphrase: fingerprint(P2), synchronize: true } }]]);
    expect(await reasons('okm2')).to.include('Adopted');
  });

  it('another key manager on the cluster scope: AnotherKeyManager, nothing written', async () => {
    await w.api.delete(OntapOnboardKeyManagerType, w.ns, 'okm2');
    await waitFor('okm2 gone', async () => (await get('okm2')) === undefined);
    // deletionPolicy Retain (the default): the Onboard Key Manager stays enabled on ONTAP.
    expect(record(), 'Retain keeps the Onboard Key Manager').to.not.equal(undefined);
    const uuid = record()?.uuid ?? '';
    expect((await simRequest(w.sim, 'DELETE', `${KM}/${uuid}`)).status).to.be.oneOf([200, 202]);
    // An Azure Key Vault on the cluster scope (AWS KMS cannot live there).
    const { svm: _svm, ...clusterScope } = azureKeyVaultBody('unused', TEST_SECRETS.azureSecret);
    const akv = await simRequest(w.sim, 'POST', '/api/security/azure-key-vaults', { body: clusterScope });
    expect(akv.status, JSON.stringify(akv.json)).to.be.oneOf([201, 202]);
    w.sim.control.clearRequests();
    await w.api.create(OntapOnboardKeyManagerType, w.ns, okmObject(w.ns, 'okm3'));
    const o = await waitFor('AnotherKeyManager', async () => {
      const x = await get('okm3');
      return condition(x, 'Synced') === 'False/AnotherKeyManager' ? x : undefined;
    });
    expect(o.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('already has another key manager');
    expect(record()).to.equal(undefined);
    // A pass may first have seen the last interval's snapshot (the record then still there) and
    // been answered 404: only refusals, no write that took.
    expect(writes().filter(([, status]) => (status as number) < 400)).to.deep.equal([]);
  });
});
