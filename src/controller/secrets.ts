/**
 * Reading Secrets on demand and only when needed, so Secret data never sits in a long-lived
 * cache. A missing Secret or key, or a value that is empty, too large or not UTF-8, is a
 * ReconcileError (SecretNotFound / SecretInvalid) raised before anything is sent to ONTAP.
 * Shared by every key-manager adapter and by the cluster connections.
 */
import { Reason } from '../api/v1alpha1/constants.js';
import type { SecretData } from '../runtime/kube-types.js';
import { ReconcileError } from './errors.js';

export type { SecretData } from '../runtime/kube-types.js';

/** SecretReader reads one Secret; undefined when it does not exist. */
export interface SecretReader {
  getSecret(namespace: string, name: string): Promise<SecretData | undefined>;
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

/** ProxyPassword is a proxy password as read: which Secret and key, at which version. */
export interface ProxyPassword {
  readonly name: string;
  readonly resourceVersion: string;
  readonly key: string;
  readonly value: string;
}

/**
 * readProxyPassword reads the proxy password a spec names, if any; a Secret already read for the
 * credentials (`known`) is not read again.
 */
export async function readProxyPassword(
  reader: SecretReader,
  namespace: string,
  ref: { readonly name: string; readonly key: string } | undefined,
  known: SecretData,
): Promise<ProxyPassword | undefined> {
  if (!ref) return undefined;
  const s = ref.name === known.name ? known : await mustGet(reader, namespace, ref.name);
  return { name: s.name, resourceVersion: s.resourceVersion, key: ref.key, value: readKey(s, namespace, ref.key) };
}
