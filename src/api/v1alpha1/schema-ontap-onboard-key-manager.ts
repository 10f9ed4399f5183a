/**
 * The OntapOnboardKeyManager schema: spec (a cluster's Onboard Key Manager, ONTAP's
 * /api/security/key-managers with `onboard`) and status. The Onboard Key Manager lives on the
 * cluster scope only, so the spec has no svm; ONTAP has no rekey-internal for it, so no
 * keyRotation. Its passphrase is write-only on ONTAP, and a change needs the passphrase ONTAP has
 * now beside the new one: both come from one Secret, so the operator keeps no secret of its own.
 */
import { Defaults } from './constants.js';
import type { JSONSchema } from './schema-builders.js';
import { bool, name, obj, secretKey, str } from './schema-builders.js';
import { keyManagerSpec, keyManagerStatus } from './schema-key-manager.js';

/** ontapOnboardKeyManagerSpec is the OntapOnboardKeyManager spec schema. */
export const ontapOnboardKeyManagerSpec: JSONSchema = keyManagerSpec(
  "OntapOnboardKeyManagerSpec is the desired Onboard Key Manager of one ONTAP cluster (the cluster scope: ONTAP has no onboard key manager on a data SVM). One key manager per scope: a cloud or KMIP key manager on the cluster scope makes this AnotherKeyManager.",
  {
    clusterOnly: true,
    keyRotation: false,
    fields: {
      passphraseSecretRef: obj(
        `PassphraseSecretRef names the Secret (type Opaque; any other type is SecretInvalid and nothing of it is read) of the cluster-wide passphrase: 32..256 ASCII characters, write-only on ONTAP (onboard.passphrase). On create it enables the Onboard Key Manager. Whenever the Secret changes (and on adoption) the operator checks the passphrase against ONTAP with a synchronize (onboard.existing_passphrase with synchronize, which also restores keys a joining node lacks). To change the passphrase, put the new one under key and the one ONTAP has now under existingKey in one update: the operator checks which of them ONTAP has, and changes it (onboard.existing_passphrase and onboard.passphrase) only when ONTAP has the existing one; existingKey may then be removed. A Secret whose passphrase ONTAP does not have, with no existing one it has, is Synced=False with reason PassphraseIncorrect, checked again when the Secret changes and at each drift check.`,
        {
          name: name('Secret holding the passphrase'),
          key: secretKey('Key of the passphrase ONTAP must have.', { default: Defaults.passphraseKey }),
          existingKey: secretKey('Key of the passphrase ONTAP has now, set only while changing it.', { default: Defaults.existingPassphraseKey }),
        },
        { required: ['name'] },
      ),
      backupSecretRef: obj(
        `BackupSecretRef names a Secret in this namespace the operator writes ONTAP's key backup to (onboard.key_backup, read-only on ONTAP), and refreshes whenever ONTAP's backup changes (after a passphrase change or a synchronize), so the disaster-recovery backup is kept wherever this cluster's Secrets are backed up. The operator creates the Secret (type Opaque, labelled app.kubernetes.io/managed-by: ontap-kms-operator, annotated kms.ontap.dev/key-backup-of: this resource) and writes only a Secret it created for this resource: an existing Secret without that annotation is left untouched (KeyBackupSaved=False, reason BackupSecretNotOwned). The Secret is not deleted with this resource. The backup is never logged, evented or put in status; restoring from it also needs the passphrase. Unset: no backup is written.`,
        {
          name: name('Secret the key backup is written to'),
          key: secretKey('Key of the backup in the Secret.', { default: Defaults.keyBackupKey }),
        },
        { required: ['name'] },
      ),
    },
    required: ['passphraseSecretRef'],
    rules: [
      {
        rule: '!has(self.backupSecretRef) || self.backupSecretRef.name != self.passphraseSecretRef.name',
        message: 'backupSecretRef must name another Secret than passphraseSecretRef',
        fieldPath: '.backupSecretRef.name',
      },
      {
        rule: 'self.passphraseSecretRef.key != self.passphraseSecretRef.existingKey',
        message: 'passphraseSecretRef.key and passphraseSecretRef.existingKey must differ',
        fieldPath: '.passphraseSecretRef.existingKey',
      },
    ],
  },
);

/** ontapOnboardKeyManagerStatus is the OntapOnboardKeyManager status schema. */
export const ontapOnboardKeyManagerStatus: JSONSchema = keyManagerStatus('OntapOnboardKeyManagerStatus is what ONTAP shows of the Onboard Key Manager and how the last reconcile went.', {
  record: 'key-managers (onboard)',
  service: 'Onboard Key Manager',
  cloud: false,
  keys: {
    enabled: bool("Enabled is ONTAP's onboard.enabled."),
    ontapStatus: obj("OntapStatus is ONTAP's status of the key manager (an advanced field): code 0 when its setup is complete; otherwise the message says what is left to do, e.g. synchronize keys on a node that joined.", {
      code: str("Code is ONTAP's code; \"0\" when the setup is complete."),
      message: str("Message is ONTAP's explanation."),
    }),
    keyBackup: obj('KeyBackup says where the key backup was last written (never the backup).', {
      secretName: str('SecretName is the Secret the backup is in.'),
      lastWriteTime: str('LastWriteTime is when the operator last wrote a changed backup to it (RFC 3339).', { format: 'date-time' }),
    }),
  },
  reachability: {},
  conditions:
    'Ready (Synced, and ONTAP shows the Onboard Key Manager enabled with its setup complete; reason SynchronizeNeeded while a node lacks keys), Synced (the last reconcile applied the spec; reason PassphraseIncorrect when ONTAP has neither passphrase of the Secret) and KeyBackupSaved (with backupSecretRef: the Secret holds ONTAP\'s current backup)',
});
