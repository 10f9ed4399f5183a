/**
 * Reading the Secrets an OntapAwsKms references, on demand and only when needed, so Secret data
 * never sits in a long-lived cache. A missing Secret or key, or an empty value, is a
 * ReconcileError (SecretNotFound / SecretInvalid) raised before anything is sent to ONTAP.
 */
import { Reason } from '../../api/v1alpha1/constants.js';
import type { OntapAwsKmsSpec } from '../../api/v1alpha1/types.js';
import { ReconcileError } from '../errors.js';

/** SecretData is a Secret as read from the API server: its version and decoded data. */
export interface SecretData {
  readonly name: string;
  readonly resourceVersion: string;
  readonly type: string;
  readonly data: ReadonlyMap<string, Buffer>;
}

/** SecretReader reads one Secret; undefined when it does not exist. */
export interface SecretReader {
  getSecret(namespace: string, name: string): Promise<SecretData | undefined>;
}

/** ResolvedSecrets are the values an OntapAwsKms sends, with the Secret versions they came from. */
export interface ResolvedSecrets {
  readonly aws: { name: string; resourceVersion: string; keys: readonly string[]; accessKeyId: string; secretAccessKey: string };
  readonly proxyPassword?: { name: string; resourceVersion: string; key: string; value: string };
}

/** readKey returns one non-empty key of a Secret, or throws naming the Secret and key (never the value). */
export function readKey(secret: SecretData, namespace: string, key: string): string {
  const raw = secret.data.get(key);
  if (raw === undefined) {
    throw new ReconcileError(Reason.SecretInvalid, `Secret ${namespace}/${secret.name} has no key "${key}"`, 'wait');
  }
  const value = raw.toString('utf8').trim();
  if (value === '') {
    throw new ReconcileError(Reason.SecretInvalid, `Secret ${namespace}/${secret.name} key "${key}" is empty`, 'wait');
  }
  return value;
}

/** mustGet reads a Secret or throws SecretNotFound. */
export async function mustGet(reader: SecretReader, namespace: string, name: string): Promise<SecretData> {
  const secret = await reader.getSecret(namespace, name);
  if (!secret) throw new ReconcileError(Reason.SecretNotFound, `Secret ${namespace}/${name} not found`, 'wait');
  return secret;
}

/** resolveSecrets reads and validates every Secret the spec references. */
export async function resolveSecrets(reader: SecretReader, namespace: string, spec: OntapAwsKmsSpec): Promise<ResolvedSecrets> {
  const ref = spec.credentialsSecretRef;
  const aws = await mustGet(reader, namespace, ref.name);
  const resolved: ResolvedSecrets = {
    aws: {
      name: aws.name,
      resourceVersion: aws.resourceVersion,
      keys: [ref.accessKeyIdKey, ref.secretAccessKeyKey],
      accessKeyId: readKey(aws, namespace, ref.accessKeyIdKey),
      secretAccessKey: readKey(aws, namespace, ref.secretAccessKeyKey),
    },
  };
  const proxyRef = spec.proxy?.passwordSecretRef;
  if (!proxyRef) return resolved;
  const proxy = proxyRef.name === aws.name ? aws : await mustGet(reader, namespace, proxyRef.name);
  return {
    ...resolved,
    proxyPassword: { name: proxy.name, resourceVersion: proxy.resourceVersion, key: proxyRef.key, value: readKey(proxy, namespace, proxyRef.key) },
  };
}

/** referencedSecrets lists the Secret names an OntapAwsKms references, for the Secret → CR index. */
export function referencedSecrets(spec: OntapAwsKmsSpec): string[] {
  const names = [spec.credentialsSecretRef.name];
  if (spec.proxy?.passwordSecretRef) names.push(spec.proxy.passwordSecretRef.name);
  return names;
}
