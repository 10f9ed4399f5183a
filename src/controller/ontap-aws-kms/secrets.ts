/**
 * Reading the Secrets an OntapAwsKms references, on demand and only when needed, so Secret data
 * never sits in a long-lived cache. A missing Secret or key, or a value that is empty, too large
 * or not UTF-8, is a ReconcileError (SecretNotFound / SecretInvalid) raised before anything is
 * sent to ONTAP.
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

/**
 * SECRET_VALUE_MAX_BYTES is readKey's default bound on a value: AWS keys are 20 and 40
 * characters and passwords and usernames are short, so anything near 4 KiB is a wrong key or a
 * pasted file, not a credential.
 */
export const SECRET_VALUE_MAX_BYTES = 4096;

/**
 * PEM_VALUE_MAX_BYTES bounds a PEM value (a CA bundle, a client certificate chain or key): a
 * bundle of a few hundred CAs fits, and it still keeps a runaway Secret out of the TLS stack.
 */
export const PEM_VALUE_MAX_BYTES = 1024 * 1024;

// fatal: an invalid byte throws instead of becoming U+FFFD, which would send ONTAP a value that
// is not the Secret's and then report that ONTAP matches it.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * readKey returns one key of a Secret as trimmed UTF-8 text, or throws a SecretInvalid
 * ReconcileError naming the Secret and key (never the value) when the key is missing, the value
 * is larger than `maxBytes`, is not valid UTF-8, or is empty.
 */
export function readKey(secret: SecretData, namespace: string, key: string, maxBytes = SECRET_VALUE_MAX_BYTES): string {
  const where = `Secret ${namespace}/${secret.name}`;
  const raw = secret.data.get(key);
  if (raw === undefined) {
    throw new ReconcileError(Reason.SecretInvalid, `${where} has no key "${key}"`, 'wait');
  }
  if (raw.length > maxBytes) {
    throw new ReconcileError(Reason.SecretInvalid, `${where} key "${key}" is ${raw.length} bytes; the limit is ${maxBytes}`, 'wait');
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    // The decoder's own error says nothing more and must not carry bytes of the value along.
    throw new ReconcileError(Reason.SecretInvalid, `${where} key "${key}" is not valid UTF-8`, 'wait');
  }
  const value = text.trim();
  if (value === '') {
    throw new ReconcileError(Reason.SecretInvalid, `${where} key "${key}" is empty`, 'wait');
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
