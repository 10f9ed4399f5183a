import { expect } from 'chai';
import { ConditionType, Reason } from '../../../src/api/v1alpha1/constants.js';
import type { AppliedSecret, OntapOnboardKeyManager, OntapOnboardKeyManagerSpec } from '../../../src/api/v1alpha1/types.js';
import type { ReconcileError } from '../../../src/controller/errors.js';
import { exportDecision, EXPORT_ANNOTATION } from '../../../src/controller/key-manager/export.js';
import {
  onboardCreateBody,
  onboardDelta,
  onboardKeyManagerAdapter,
  type OnboardSecrets,
  readOnboardSecrets,
  SYNC_NEEDED_CODE,
} from '../../../src/controller/ontap-onboard-key-manager/adapter.js';
import type { SecretData, SecretReader } from '../../../src/controller/secrets.js';
import { OntapCode } from '../../../src/ontap/errors.js';
import type { OnboardKeyManagerRecord } from '../../../src/ontap/wire-onboard.js';
import type { KubeObject } from '../../../src/runtime/kube-types.js';
import { keyManagerPolicies } from '../../support/builders.js';

// Values no message, event or status may ever contain.
const NEW = 'unit-NEW-passphrase-0123456789-abcdefgh';
const OLD = 'unit-OLD-passphrase-0123456789-abcdefgh';

const spec = (s: Partial<OntapOnboardKeyManagerSpec> = {}): OntapOnboardKeyManagerSpec => ({
  ...keyManagerPolicies,
  clusterRef: { kind: 'OntapCluster', name: 'prod' },
  passphraseSecretRef: { name: 'okm', key: 'passphrase', existingKey: 'existingPassphrase' },
  ...s,
});
const record = (r: Partial<OnboardKeyManagerRecord> = {}): OnboardKeyManagerRecord => ({
  uuid: 'u-okm',
  scope: 'cluster',
  onboard: { enabled: true, key_backup: 'BACKUP-1' },
  status: { code: '0', message: 'No action needed at this time.' },
  ...r,
});
const secrets = (existing?: string, rv = '7'): OnboardSecrets => ({
  passphrase: { name: 'okm', resourceVersion: rv, keys: ['passphrase'], value: NEW, existing, existingKey: 'existingPassphrase' },
});
const sent7: AppliedSecret[] = [{ name: 'okm', resourceVersion: '7', keys: ['passphrase'] }];

function reader(data: Record<string, string> | undefined, type = 'Opaque'): SecretReader {
  return {
    getSecret: (_ns, name) =>
      Promise.resolve<SecretData | undefined>(data ? { name, resourceVersion: '7', type, data: new Map(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])) } : undefined),
  };
}

describe('onboard key manager adapter', () => {
  describe('onboardDelta', () => {
    it('in step (the Secret at the version sent, no node to synchronize): nothing to send', () => {
      const d = onboardDelta(spec(), record(), secrets(), sent7);
      expect(d.credentialsPatch).to.equal(undefined);
      expect(d.credentialsFallback).to.equal(undefined);
      expect(d.drift).to.deep.equal([]);
    });

    it('a Secret never sent (adoption): checks the passphrase with a synchronize, no change', () => {
      const d = onboardDelta(spec(), record(), secrets(), []);
      expect(d.credentials).to.equal('never-applied');
      expect(d.credentialsPatch).to.deep.equal({ onboard: { existing_passphrase: NEW, synchronize: true } });
      expect(d.credentialsFallback).to.equal(undefined);
    });

    it('a changed Secret with an existing passphrase: checks the new one first, changes from the existing one when ONTAP refuses it (65536139)', () => {
      const d = onboardDelta(spec(), record(), secrets(OLD, '8'), sent7);
      expect(d.credentials).to.equal('secret-changed');
      expect(d.credentialsPatch).to.deep.equal({ onboard: { existing_passphrase: NEW, synchronize: true } });
      expect(d.credentialsFallback?.codes).to.deep.equal([OntapCode.PassphraseIncorrect]);
      expect(d.credentialsFallback?.body).to.deep.equal({ onboard: { existing_passphrase: OLD, passphrase: NEW } });
    });

    it('an existing passphrase equal to the new one is no change', () => {
      expect(onboardDelta(spec(), record(), secrets(NEW, '8'), sent7).credentialsFallback).to.equal(undefined);
    });

    it('ONTAP reports a node to synchronize: the passphrase is sent again, though the Secret did not change', () => {
      const d = onboardDelta(spec(), record({ status: { code: SYNC_NEEDED_CODE, message: 'not synchronized on node n2' } }), secrets(), sent7);
      expect(d.credentials).to.equal('synchronize-needed');
      expect(d.credentialsPatch).to.deep.equal({ onboard: { existing_passphrase: NEW, synchronize: true } });
      expect(onboardKeyManagerAdapter.secretsNeeded?.(record({ status: { code: SYNC_NEEDED_CODE } }))).to.equal(true);
      expect(onboardKeyManagerAdapter.secretsNeeded?.(record())).to.equal(false);
    });

    it('without the Secrets read, nothing is compared or sent', () => {
      expect(onboardDelta(spec(), record({ status: { code: SYNC_NEEDED_CODE } }), undefined, sent7).credentialsPatch).to.equal(undefined);
    });

    it('creates with the passphrase only: the cluster scope, no svm', () => {
      expect(onboardCreateBody(spec(), secrets())).to.deep.equal({ onboard: { passphrase: NEW } });
    });
  });

  describe('readOnboardSecrets', () => {
    it('reads the passphrase and the existing one; a trailing newline is not part of it', async () => {
      const s = await readOnboardSecrets(reader({ passphrase: `${NEW}\n`, existingPassphrase: OLD }), 'ns', spec());
      expect(s.passphrase).to.include({ value: NEW, existing: OLD, resourceVersion: '7' });
      expect(s.passphrase.keys).to.deep.equal(['passphrase']);
    });

    const refusals: Array<{ why: string; data: Record<string, string> | undefined; type?: string; reason: string; says: string }> = [
      { why: 'no Secret', data: undefined, reason: Reason.SecretNotFound, says: 'Secret ns/okm not found' },
      { why: 'another Secret type', data: { passphrase: NEW }, type: 'kubernetes.io/tls', reason: Reason.SecretInvalid, says: 'is of type kubernetes.io/tls' },
      { why: 'no passphrase key', data: { other: NEW }, reason: Reason.SecretInvalid, says: 'key "passphrase" is missing or empty' },
      { why: 'a passphrase too short', data: { passphrase: 'short' }, reason: Reason.SecretInvalid, says: '32 to 256 printable ASCII characters' },
      { why: 'a passphrase too long', data: { passphrase: 'x'.repeat(257) }, reason: Reason.SecretInvalid, says: '32 to 256' },
      { why: 'a non-ASCII passphrase', data: { passphrase: `${NEW}é` }, reason: Reason.SecretInvalid, says: 'printable ASCII' },
      { why: 'an existing passphrase too short', data: { passphrase: NEW, existingPassphrase: 'old' }, reason: Reason.SecretInvalid, says: 'key "existingPassphrase"' },
    ];
    for (const c of refusals) {
      it(`${c.why}: ${c.reason}, naming the Secret and key, never the value`, async () => {
        const err = await readOnboardSecrets(reader(c.data, c.type), 'ns', spec()).then(
          () => expect.fail('should refuse'),
          (e: unknown) => e as ReconcileError,
        );
        expect(err.reason).to.equal(c.reason);
        expect(err.message).to.contain(c.says);
        for (const v of [NEW, OLD, 'short']) expect(err.message).to.not.contain(v);
      });
    }
  });

  describe('status', () => {
    const obj = (backup = false): OntapOnboardKeyManager => ({
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'OntapOnboardKeyManager',
      metadata: { name: 'okm', namespace: 'ns', uid: 'uid-1', generation: 1, resourceVersion: '1' },
      spec: spec(backup ? { backupSecretRef: { name: 'okm-backup', key: 'backup' } } : {}),
    });
    const cond = (s: { conditions?: Array<{ type: string; status: string; reason: string }> }, type: string) => s.conditions?.find((c) => c.type === type);
    const now = new Date('2026-12-03T00:00:00Z');

    it('Ready when enabled and ONTAP reports the setup complete; the backup never in status', () => {
      const s = onboardKeyManagerAdapter.status(obj(), { record: record(), owned: true, drift: [], observeOnly: false }, now);
      expect(cond(s, ConditionType.Ready)).to.include({ status: 'True', reason: Reason.Available });
      expect(s).to.include({ enabled: true, uuid: 'u-okm', scope: 'cluster' });
      expect(JSON.stringify(s)).to.not.contain('BACKUP-1');
      expect(s).to.not.have.property('state');
    });

    it('a node to synchronize: Ready=False SynchronizeNeeded with ONTAP\'s message', () => {
      const s = onboardKeyManagerAdapter.status(obj(), { record: record({ status: { code: SYNC_NEEDED_CODE, message: 'not synchronized on node n2' } }), owned: true, drift: [], observeOnly: false }, now);
      expect(cond(s, ConditionType.Ready)).to.include({ status: 'False', reason: Reason.SynchronizeNeeded });
    });

    it('with backupSecretRef: KeyBackupSaved from the export, and where it was written', () => {
      const exported = { secretName: 'okm-backup', written: now.toISOString(), condition: { type: ConditionType.KeyBackupSaved, status: 'True' as const, reason: Reason.Saved, message: 'm' } };
      const s = onboardKeyManagerAdapter.status(obj(true), { record: record(), owned: true, drift: [], observeOnly: false, exported }, now);
      expect(cond(s, ConditionType.KeyBackupSaved)).to.include({ status: 'True', reason: Reason.Saved });
      expect(s.keyBackup).to.deep.equal({ secretName: 'okm-backup', lastWriteTime: now.toISOString() });
      const none = onboardKeyManagerAdapter.status(obj(true), { owned: false, drift: [], observeOnly: false }, now);
      expect(cond(none, ConditionType.KeyBackupSaved)).to.include({ status: 'Unknown' });
    });
  });

  describe('exportDecision (which Secret the backup may be written to)', () => {
    const owner = 'ns/okm/uid-1';
    const secret = (annotations: Record<string, string> | undefined, value?: string): KubeObject =>
      ({ metadata: { name: 'b', ...(annotations ? { annotations } : {}) }, data: value === undefined ? {} : { backup: Buffer.from(value).toString('base64') } });
    const cases: Array<{ why: string; current: KubeObject | undefined; want: string }> = [
      { why: 'no Secret yet: created', current: undefined, want: 'create' },
      { why: 'ours with the same backup: nothing', current: secret({ [EXPORT_ANNOTATION]: owner }, 'B1'), want: 'same' },
      { why: 'ours with another backup: replaced', current: secret({ [EXPORT_ANNOTATION]: owner }, 'B0'), want: 'replace' },
      { why: 'a Secret without the annotation (a token, a TLS key): refused', current: secret(undefined, 'B1'), want: 'not-owned' },
      { why: 'made for another resource of the same name (another uid): refused', current: secret({ [EXPORT_ANNOTATION]: 'ns/okm/uid-0' }, 'B0'), want: 'not-owned' },
    ];
    for (const c of cases) it(c.why, () => expect(exportDecision(c.current, owner, 'backup', 'B1')).to.equal(c.want));
  });
});
