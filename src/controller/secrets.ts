/**
 * Reading Secrets on demand and only when needed, so Secret data never sits in a long-lived
 * cache. A missing Secret or key, or a value that is empty, too large or not UTF-8, is a
 * ReconcileError (SecretNotFound / SecretInvalid) raised before anything is sent to ONTAP.
 * Shared by every key-manager adapter and by the cluster connections.
 */
import { X509Certificate } from 'node:crypto';
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

/** PEM_CERTIFICATE matches each PEM certificate block of a Secret key. */
export const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * readCertificates reads a key holding PEM certificates (a CA bundle) as readKey does, and throws
 * SecretInvalid naming the Secret and key when it holds no PEM certificate at all, or one that
 * does not parse: the TLS stack would take such a bundle silently and then trust nothing, and
 * every connection would fail verification as if ONTAP's certificate were at fault.
 */
export function readCertificates(secret: SecretData, namespace: string, key: string): string {
  const value = readKey(secret, namespace, key, PEM_VALUE_MAX_BYTES);
  const where = `Secret ${namespace}/${secret.name} key "${key}"`;
  const blocks = value.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    throw new ReconcileError(Reason.SecretInvalid, `${where} holds no PEM certificate (no -----BEGIN CERTIFICATE----- block); it must hold the CA bundle that signed ONTAP's certificate`, 'wait');
  }
  blocks.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch {
      throw new ReconcileError(Reason.SecretInvalid, `${where}: certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate`, 'wait');
    }
  });
  return value;
}

/**
 * SecretUse says what a reference expects of the Secret it names: the field that names it (for
 * messages) and the Secret types it takes. Anyone who may create a resource may name any Secret of
 * its namespace, including ones they may not read: a ServiceAccount token, a registry login, a Helm
 * release. The type keeps those from ever being sent: they are refused before a key is read.
 */
export interface SecretUse {
  readonly field: string;
  readonly types: readonly string[];
}

/** OPAQUE_ONLY: cloud credentials (AWS keys, Azure client secrets, GCP keys) and passwords. */
const OPAQUE_ONLY = ['Opaque'] as const;

/** cloudCredentials is the use of a Secret that holds cloud credentials or a password: Opaque only. */
export function cloudCredentials(field: string): SecretUse {
  return { field, types: OPAQUE_ONLY };
}

/** ontapCredentials is the use of an ONTAP user's Secret: kubernetes.io/basic-auth or Opaque. */
export function ontapCredentials(field: string): SecretUse {
  return { field, types: ['kubernetes.io/basic-auth', 'Opaque'] };
}

/** certificates is the use of a Secret that holds certificates or a key: kubernetes.io/tls or Opaque. */
export function certificates(field: string): SecretUse {
  return { field, types: ['kubernetes.io/tls', 'Opaque'] };
}

/**
 * mustGet reads a Secret for `use`, or throws SecretNotFound, or SecretInvalid (naming the Secret,
 * its type and the field, never a value) when its type is not one the reference takes: then no
 * key of it is read.
 */
export async function mustGet(reader: SecretReader, namespace: string, name: string, use: SecretUse): Promise<SecretData> {
  const secret = await reader.getSecret(namespace, name);
  if (!secret) throw new ReconcileError(Reason.SecretNotFound, `Secret ${namespace}/${name} not found`, 'wait');
  checkType(secret, namespace, use);
  return secret;
}

/** checkType throws SecretInvalid when `secret` is not of a type `use` takes. */
export function checkType(secret: SecretData, namespace: string, use: SecretUse): void {
  // The API server defaults an empty type to Opaque; a Secret read some other way may lack it.
  const type = secret.type === '' ? 'Opaque' : secret.type;
  if (use.types.includes(type)) return;
  throw new ReconcileError(
    Reason.SecretInvalid,
    `Secret ${namespace}/${secret.name} is of type ${type}, which ${use.field} does not take (it takes ${use.types.join(' or ')}); nothing was read from it or sent`,
    'wait',
  );
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
  known: SecretData | undefined,
): Promise<ProxyPassword | undefined> {
  if (!ref) return undefined;
  const use = cloudCredentials('spec.proxy.passwordSecretRef');
  let s: SecretData;
  if (ref.name === known?.name) {
    s = known;
    checkType(s, namespace, use);
  } else s = await mustGet(reader, namespace, ref.name, use);
  return { name: s.name, resourceVersion: s.resourceVersion, key: ref.key, value: readKey(s, namespace, ref.key) };
}
