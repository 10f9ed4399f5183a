/**
 * The onboard adapter: OntapOnboardKeyManager on ONTAP's `/api/security/key-managers` (`onboard`),
 * for the key-manager engine. Pure functions.
 *
 * The passphrase is write-only, and ONTAP changes it only with the passphrase it has now beside
 * the new one (`existing_passphrase`). So whenever the Secret is not known to have been sent (a
 * new Secret version, an adoption) the operator first checks it: a synchronize with the Secret's
 * passphrase as the existing one, which ONTAP refuses (65536139) when it has another, and which
 * also gives a node that joined the keys it lacks. Only when that is refused and the Secret holds
 * an existing passphrase does it send the change (existing → new). A change an earlier pass sent
 * but never recorded is thus found already made, never sent twice; and a Secret changed without
 * the existing passphrase is refused by ONTAP, not guessed.
 */
import { Reason } from '../../api/v1alpha1/constants.js';
import type { AppliedSecret, OntapOnboardKeyManager, OntapOnboardKeyManagerSpec, OntapOnboardKeyManagerStatus } from '../../api/v1alpha1/types.js';
import { OntapCode } from '../../ontap/errors.js';
import { ONBOARD_KEY_MANAGER } from '../../ontap/families.js';
import type { OnboardCreateBody, OnboardKeyManagerRecord, OnboardPatchBody } from '../../ontap/wire-onboard.js';
import { ReconcileError } from '../errors.js';
import type { KeyManagerAdapter, KeyManagerDelta, SecretRef } from '../key-manager/adapter.js';
import { appliedAfterSend, credentialsCause, type SentSecret } from '../key-manager/applied.js';
import type { ExportResult } from '../key-manager/export.js';
import { keyManagerStatus } from '../key-manager/status.js';
import { OntapOnboardKeyManagerType } from '../resources.js';
import { cloudCredentials, mustGet, type SecretReader } from '../secrets.js';

/** MIN_PASSPHRASE / MAX_PASSPHRASE are ONTAP's bounds: 32 to 256 ASCII characters. */
export const MIN_PASSPHRASE = 32;
export const MAX_PASSPHRASE = 256;

/** SYNC_NEEDED_CODE is ONTAP's status code while a node lacks the onboard keys (see docs/ontap-rest.md). */
export const SYNC_NEEDED_CODE = '65537208';

/** OnboardSecrets is the passphrase, and the existing one during a change, as read. Never logged. */
export interface OnboardSecrets {
  readonly passphrase: SentSecret & { readonly value: string; readonly existing: string | undefined; readonly existingKey: string };
}

/** ONBOARD_OBSERVED_FIELDS is what the collection GET names: identity, onboard state and the advanced status. */
export const ONBOARD_OBSERVED_FIELDS: readonly string[] = ['uuid', 'scope', 'enabled', 'onboard.enabled', 'onboard.key_backup', 'status.code', 'status.message'];

function passphraseSecret(spec: OntapOnboardKeyManagerSpec): SecretRef {
  return { name: spec.passphraseSecretRef.name, keys: [spec.passphraseSecretRef.key] };
}

/**
 * checkPassphrase refuses what ONTAP would: not 32..256 characters of printable ASCII. The
 * message names the Secret and key, never the value (nor its length).
 */
function checkPassphrase(value: string, where: string): void {
  if (value.length < MIN_PASSPHRASE || value.length > MAX_PASSPHRASE || !/^[\x20-\x7e]*$/.test(value)) {
    throw new ReconcileError(Reason.SecretInvalid, `${where} is not a passphrase ONTAP takes: it must be ${MIN_PASSPHRASE} to ${MAX_PASSPHRASE} printable ASCII characters`, 'wait');
  }
}

/** readText reads a Secret key as UTF-8 without its trailing newline; undefined when absent. */
function readText(data: ReadonlyMap<string, Buffer>, key: string): string | undefined {
  const raw = data.get(key);
  return raw === undefined ? undefined : raw.toString('utf8').replace(/\r?\n$/, '');
}

/** readOnboardSecrets reads and checks the passphrase Secret (Opaque only); the existing passphrase is optional. */
export async function readOnboardSecrets(reader: SecretReader, namespace: string, spec: OntapOnboardKeyManagerSpec): Promise<OnboardSecrets> {
  const ref = spec.passphraseSecretRef;
  const secret = await mustGet(reader, namespace, ref.name, cloudCredentials('spec.passphraseSecretRef'));
  const where = (key: string): string => `Secret ${namespace}/${secret.name} key "${key}"`;
  const value = readText(secret.data, ref.key);
  if (value === undefined || value === '') throw new ReconcileError(Reason.SecretInvalid, `${where(ref.key)} is missing or empty`, 'wait');
  checkPassphrase(value, where(ref.key));
  const existing = readText(secret.data, ref.existingKey);
  if (existing !== undefined && existing !== '') checkPassphrase(existing, where(ref.existingKey));
  return {
    passphrase: {
      name: secret.name,
      resourceVersion: secret.resourceVersion,
      keys: [ref.key],
      value,
      existing: existing === '' ? undefined : existing,
      existingKey: ref.existingKey,
    },
  };
}

/** syncNeeded says whether ONTAP reports a node without the onboard keys. */
export function syncNeeded(record: OnboardKeyManagerRecord): boolean {
  return record.status?.code === SYNC_NEEDED_CODE;
}

/**
 * onboardDelta: nothing of the Onboard Key Manager is a plain field; the passphrase is checked
 * (a synchronize) when its Secret is not known to be sent, or when ONTAP asks for a synchronize,
 * and changed (the fallback) when ONTAP refuses the check and the Secret holds an existing one.
 */
export function onboardDelta(spec: OntapOnboardKeyManagerSpec, record: OnboardKeyManagerRecord, secrets: OnboardSecrets | undefined, applied: readonly AppliedSecret[]): KeyManagerDelta {
  const p = secrets?.passphrase;
  const cause = p ? credentialsCause(applied, p, syncNeeded(record), 'synchronize-needed') : undefined;
  const check: OnboardPatchBody | undefined = p && cause ? { onboard: { existing_passphrase: p.value, synchronize: true } } : undefined;
  const change: OnboardPatchBody | undefined =
    p && cause && p.existing !== undefined && p.existing !== p.value ? { onboard: { existing_passphrase: p.existing, passphrase: p.value } } : undefined;
  return {
    fields: [],
    rekey: undefined,
    configPatch: undefined,
    credentialsPatch: check,
    credentials: cause,
    credentialsFallback: change ? { codes: [OntapCode.PassphraseIncorrect], body: change, cause: `passphrase changed from key "${p?.existingKey ?? ''}"` } : undefined,
    proxyPassword: false,
    drift: [],
  };
}

/** onboardCreateBody enables the Onboard Key Manager with the Secret's passphrase (the cluster scope: no svm). */
export function onboardCreateBody(_spec: OntapOnboardKeyManagerSpec, secrets: OnboardSecrets): OnboardCreateBody {
  return { onboard: { passphrase: secrets.passphrase.value } };
}

/** onboardStatus is the next status: the shared one, ONTAP's onboard state, and the key backup's condition. */
export function onboardStatus(
  obj: OntapOnboardKeyManager,
  outcome: Parameters<KeyManagerAdapter<OntapOnboardKeyManager, OnboardKeyManagerRecord, OnboardSecrets>['status']>[1],
  now: Date,
): OntapOnboardKeyManagerStatus {
  const exported: ExportResult | undefined = outcome.exported;
  const backupRef = obj.spec.backupSecretRef;
  const prevBackup = obj.status?.keyBackup;
  const keyBackup = !backupRef
    ? undefined
    : exported
      ? { secretName: exported.secretName, lastWriteTime: exported.written ?? (prevBackup?.secretName === exported.secretName ? prevBackup.lastWriteTime : undefined) }
      : prevBackup?.secretName === backupRef.name
        ? prevBackup
        : undefined;
  const status = keyManagerStatus<OnboardKeyManagerRecord, OntapOnboardKeyManagerStatus>(obj, outcome, now, {
    label: 'Onboard Key Manager',
    recordFields: (r) => ({
      enabled: r.onboard?.enabled ?? r.enabled,
      ontapStatus: r.status ? { code: r.status.code ?? '', message: r.status.message ?? '' } : undefined,
    }),
    recordKeys: ['enabled', 'ontapStatus'],
    reachability: () => {
      if (!backupRef) return [];
      if (exported) return [exported.condition];
      const prev = obj.status?.conditions?.find((c) => c.type === 'KeyBackupSaved');
      return prev
        ? [{ type: prev.type, status: prev.status, reason: prev.reason, message: prev.message }]
        : [{ type: 'KeyBackupSaved', status: 'Unknown', reason: Reason.Unknown, message: `ONTAP's key backup has not been read yet` }];
    },
    available: (s) => {
      if (s.enabled !== true) return { ok: false, reason: Reason.Unavailable, message: 'ONTAP shows the Onboard Key Manager not enabled' };
      const st = s.ontapStatus;
      if (st === undefined) return { ok: false, reason: Reason.Unavailable, message: 'ONTAP has not reported the key manager status' };
      if (st.code === SYNC_NEEDED_CODE) return { ok: false, reason: Reason.SynchronizeNeeded, message: `ONTAP code ${st.code}: ${st.message}` };
      if (st.code !== '0') return { ok: false, reason: Reason.Unavailable, message: `ONTAP code ${st.code}: ${st.message}` };
      return { ok: true, reason: Reason.Available, message: 'the Onboard Key Manager is enabled and its setup complete on every node' };
    },
  });
  return keyBackup ? { ...status, keyBackup } : status;
}

/** onboardKeyManagerAdapter drives OntapOnboardKeyManager resources. */
export const onboardKeyManagerAdapter: KeyManagerAdapter<OntapOnboardKeyManager, OnboardKeyManagerRecord, OnboardSecrets> = {
  type: OntapOnboardKeyManagerType,
  family: ONBOARD_KEY_MANAGER,
  observedFields: ONBOARD_OBSERVED_FIELDS,
  label: 'Onboard Key Manager',
  keyName: 'key',
  alreadyConfiguredCodes: [OntapCode.AlreadyConfigured],
  noRestore: 'the Onboard Key Manager has no restore action on ONTAP: a node that lacks keys is synchronized with the passphrase when ONTAP reports it',
  secretRefs: (spec) => [passphraseSecret(spec)],
  credentialsRef: passphraseSecret,
  readSecrets: readOnboardSecrets,
  secretsNeeded: syncNeeded,
  export: {
    target: (spec) => spec.backupSecretRef,
    value: (r) => r.onboard?.key_backup,
  },
  createBody: onboardCreateBody,
  afterCreate: () => undefined,
  delta: onboardDelta,
  appliedAfter: (applied, s, sent) => appliedAfterSend(applied, s.passphrase, undefined, sent),
  describeSent: (s, _what, cause) =>
    cause?.startsWith('passphrase changed') === true
      ? `changed the Onboard Key Manager's passphrase to the one in Secret ${s.passphrase.name} (ONTAP had the one in key "${s.passphrase.existingKey}")`
      : `checked the passphrase in Secret ${s.passphrase.name} with ONTAP and synchronized the nodes (${cause ?? ''})`,
  status: onboardStatus,
};
