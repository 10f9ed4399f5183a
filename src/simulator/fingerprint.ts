/**
 * Fingerprints for write-only values: the request log and state dump show `sha256:<12 hex>`
 * instead of a secret, so a test can tell that a rotation happened without ever seeing it.
 */
import { createHash } from 'node:crypto';

/** WRITE_ONLY_FIELDS are the key-manager fields (every family) ONTAP accepts but never returns. */
export const WRITE_ONLY_FIELDS: ReadonlySet<string> = new Set([
  'secret_access_key',
  'proxy_password',
  'client_secret',
  'client_certificate',
  'application_credentials',
  // The Onboard Key Manager's passphrases, a key server's password, a certificate's private key.
  'passphrase',
  'existing_passphrase',
  'password',
  'private_key',
]);

/** fingerprint returns `sha256:` and the first 12 hex digits of the value's SHA-256. */
export function fingerprint(value: string): string {
  return `sha256:${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 12)}`;
}

/** maskWriteOnly copies a JSON value with every write-only string replaced by its fingerprint, however deep. */
export function maskWriteOnly(value: unknown, depth = 0): unknown {
  if (depth > 10 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => maskWriteOnly(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = WRITE_ONLY_FIELDS.has(k) && typeof v === 'string' ? fingerprint(v) : maskWriteOnly(v, depth + 1);
  }
  return out;
}
