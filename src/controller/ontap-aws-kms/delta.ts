/**
 * The delta between what an OntapAwsKms wants and what ONTAP has: a pure function of the spec,
 * the Secrets as read now, which Secret versions were last applied, and the observed record.
 * The reconciler sends exactly what this returns and nothing else.
 */
import type { AppliedSecret, OntapAwsKmsSpec } from '../../api/v1alpha1/types.js';
import type { AwsKmsCreateBody, AwsKmsPatchBody, AwsKmsRecord } from '../../ontap/wire.js';
import { addProxyPassword, appliedAfterSend, credentialsCause } from '../key-manager/applied.js';
import type { FieldDiff } from '../key-manager/adapter.js';
import { diffFields, nonEmpty, settings } from '../key-manager/fields.js';
import { type ConfigValue, MANAGED_FIELDS } from './fields.js';
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
  const { diffs: fields, body } = diffFields(MANAGED_FIELDS, spec, record);
  const creds: Record<string, ConfigValue> = {};
  const rekeyTo = record.key_id !== undefined && record.key_id !== spec.keyId ? spec.keyId : undefined;

  let credentials: CredentialsCause | undefined;
  let proxyPassword = false;
  if (secrets) {
    const aws = secrets.aws;
    credentials = credentialsCause(applied, aws, record.access_key_id !== aws.accessKeyId, 'access-key-differs');
    if (credentials) {
      creds.access_key_id = aws.accessKeyId;
      creds.secret_access_key = aws.secretAccessKey;
      if (spec.skipVerify !== undefined) creds.skip_verify = spec.skipVerify;
    }
    proxyPassword = addProxyPassword(body, applied, secrets.proxyPassword);
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
    configPatch: nonEmpty(body),
    credentialsPatch: nonEmpty(creds),
    drift,
  };
}

/** createBody is the POST body for a new record: every create-able managed field that is set, and the Secrets. */
export function createBody(spec: OntapAwsKmsSpec, secrets: ResolvedSecrets): AwsKmsCreateBody {
  return {
    ...(spec.svm ? { svm: { name: spec.svm.name } } : {}),
    ...settings(MANAGED_FIELDS, spec, false),
    key_id: spec.keyId,
    region: spec.region,
    access_key_id: secrets.aws.accessKeyId,
    secret_access_key: secrets.aws.secretAccessKey,
    ...(secrets.proxyPassword ? { proxy_password: secrets.proxyPassword.value } : {}),
  };
}

/** patchOnlyBody is the PATCH sent right after create: the PATCH-only fields that are set. */
export function patchOnlyBody(spec: OntapAwsKmsSpec): AwsKmsPatchBody | undefined {
  return nonEmpty(settings(MANAGED_FIELDS, spec, true));
}

/** appliedAfter returns the appliedSecrets list after sending what `delta` (or a create) sent. */
export function appliedAfter(
  applied: readonly AppliedSecret[],
  secrets: ResolvedSecrets,
  sent: { credentials: boolean; proxyPassword: boolean },
): AppliedSecret[] {
  return appliedAfterSend(applied, secrets.aws, secrets.proxyPassword, sent);
}
