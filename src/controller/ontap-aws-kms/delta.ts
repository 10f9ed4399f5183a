/**
 * The delta between what an OntapAwsKms wants and what ONTAP has: a pure function of the spec,
 * the Secrets as read now, which Secret versions were last applied, and the observed record.
 * The reconciler sends exactly what this returns and nothing else.
 */
import type { AppliedSecret, OntapAwsKmsSpec } from '../../api/v1alpha1/types.js';
import type { AwsKmsCreateBody, AwsKmsPatchBody, AwsKmsRecord } from '../../ontap/wire.js';
import { markSent, sentState } from '../key-manager/applied.js';
import type { FieldDiff } from '../key-manager/adapter.js';
import { type ConfigValue, MANAGED_FIELDS, observedValue } from './fields.js';
import type { ResolvedSecrets } from './secrets.js';

export type { FieldDiff } from '../key-manager/adapter.js';

/** CredentialsCause says why the access key pair must be sent. */
export type CredentialsCause = 'never-applied' | 'secret-changed' | 'access-key-differs';

/** Delta is everything that must change on ONTAP, and the calls that change it. */
export interface Delta {
  /** fields lists the plain configuration fields that differ. */
  readonly fields: readonly FieldDiff[];
  /** rekeyTo is set when keyId differs: ONTAP changes it only through rekey-external. */
  readonly rekeyTo: string | undefined;
  /** credentials is set when the access key pair must be sent, with the reason. */
  readonly credentials: CredentialsCause | undefined;
  /** proxyPassword is true when the proxy password Secret changed or was never applied. */
  readonly proxyPassword: boolean;
  /** configPatch fixes the plain fields and sends the proxy password; undefined when nothing to send. */
  readonly configPatch: AwsKmsPatchBody | undefined;
  /**
   * credentialsPatch sends the access key pair (and skip_verify); undefined when not needed. Kept
   * apart from configPatch so that credentials AWS refuses do not block configuration fixes.
   */
  readonly credentialsPatch: AwsKmsPatchBody | undefined;
  /** drift names every differing spec field, for status.drift and events (secret refs by name only). */
  readonly drift: readonly string[];
}

/**
 * computeDelta compares the spec with an observed record. `secrets` may be undefined in Observe
 * mode when the Secrets cannot be read; then credentials are not compared.
 */
export function computeDelta(
  spec: OntapAwsKmsSpec,
  record: AwsKmsRecord,
  secrets: ResolvedSecrets | undefined,
  applied: readonly AppliedSecret[],
): Delta {
  const fields: FieldDiff[] = [];
  const body: Record<string, ConfigValue> = {};
  const creds: Record<string, ConfigValue> = {};
  for (const f of MANAGED_FIELDS) {
    const desired = f.desired(spec);
    if (desired === undefined) continue; // unset: not managed
    const observed = observedValue(record, f.ontap);
    if (observed !== desired) {
      fields.push({ path: f.specPath, desired, observed });
      body[f.ontap] = desired;
    }
  }

  const rekeyTo = record.key_id !== undefined && record.key_id !== spec.keyId ? spec.keyId : undefined;

  let credentials: CredentialsCause | undefined;
  let proxyPassword = false;
  if (secrets) {
    const aws = secrets.aws;
    const state = sentState(applied, aws.name, aws.resourceVersion, aws.keys);
    if (state === 'never') credentials = 'never-applied';
    else if (state === 'changed') credentials = 'secret-changed';
    else if (record.access_key_id !== aws.accessKeyId) credentials = 'access-key-differs';
    if (credentials) {
      creds.access_key_id = aws.accessKeyId;
      creds.secret_access_key = aws.secretAccessKey;
      if (spec.skipVerify !== undefined) creds.skip_verify = spec.skipVerify;
    }
    const proxy = secrets.proxyPassword;
    if (proxy && sentState(applied, proxy.name, proxy.resourceVersion, [proxy.key]) !== 'sent') {
      proxyPassword = true;
      body.proxy_password = proxy.value;
    }
  }

  const drift = [
    ...fields.map((f) => f.path),
    ...(rekeyTo ? ['spec.keyId'] : []),
    // Whatever else triggers a send, a different access key on ONTAP is drift (Observe shows it).
    ...(secrets && record.access_key_id !== secrets.aws.accessKeyId ? ['spec.credentialsSecretRef'] : []),
  ];
  return {
    fields,
    rekeyTo,
    credentials,
    proxyPassword,
    configPatch: Object.keys(body).length > 0 ? body : undefined,
    credentialsPatch: Object.keys(creds).length > 0 ? creds : undefined,
    drift,
  };
}

/** createBody is the POST body for a new record: every create-able managed field that is set, and the Secrets. */
export function createBody(spec: OntapAwsKmsSpec, secrets: ResolvedSecrets): AwsKmsCreateBody {
  const settings: Record<string, ConfigValue> = {};
  for (const f of MANAGED_FIELDS) {
    const v = f.desired(spec);
    if (v !== undefined && !f.patchOnly) settings[f.ontap] = v;
  }
  return {
    ...(spec.svm ? { svm: { name: spec.svm.name } } : {}),
    ...settings,
    key_id: spec.keyId,
    region: spec.region,
    access_key_id: secrets.aws.accessKeyId,
    secret_access_key: secrets.aws.secretAccessKey,
    ...(secrets.proxyPassword ? { proxy_password: secrets.proxyPassword.value } : {}),
  };
}

/** patchOnlyBody is the PATCH sent right after create: the PATCH-only fields that are set. */
export function patchOnlyBody(spec: OntapAwsKmsSpec): AwsKmsPatchBody | undefined {
  const body: Record<string, ConfigValue> = {};
  for (const f of MANAGED_FIELDS) {
    const v = f.desired(spec);
    if (v !== undefined && f.patchOnly) body[f.ontap] = v;
  }
  return Object.keys(body).length > 0 ? (body) : undefined;
}

/** appliedAfter returns the appliedSecrets list after sending what `delta` (or a create) sent. */
export function appliedAfter(
  applied: readonly AppliedSecret[],
  secrets: ResolvedSecrets,
  sent: { credentials: boolean; proxyPassword: boolean },
): AppliedSecret[] {
  const proxy = secrets.proxyPassword;
  return markSent(
    applied,
    [...(sent.credentials ? [secrets.aws] : []), ...(sent.proxyPassword && proxy ? [{ name: proxy.name, resourceVersion: proxy.resourceVersion, keys: [proxy.key] }] : [])],
    [secrets.aws.name, ...(proxy ? [proxy.name] : [])],
  );
}
