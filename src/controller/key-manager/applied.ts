/**
 * The bookkeeping of which Secret versions were sent to ONTAP (status.appliedSecrets): names,
 * versions and key names only, never a value. Pure functions shared by every key-manager kind.
 */
import type { AppliedSecret } from '../../api/v1alpha1/types.js';
import type { ProxyPassword } from '../secrets.js';

/**
 * sentState says whether `keys` of Secret `name` at `resourceVersion` were sent: 'never' (no
 * record of the Secret), 'changed' (another version, or one of these keys not sent yet, e.g. a
 * spec now reads another key of the same Secret), or 'sent'.
 */
export function sentState(applied: readonly AppliedSecret[], name: string, resourceVersion: string, keys: readonly string[]): 'never' | 'changed' | 'sent' {
  const entry = applied.find((a) => a.name === name);
  if (!entry) return 'never';
  if (entry.resourceVersion !== resourceVersion) return 'changed';
  // A status written before keys were recorded counts as having sent what the spec reads.
  if (entry.keys && !keys.every((k) => entry.keys?.includes(k))) return 'changed';
  return 'sent';
}

/** SentSecret is one Secret whose keys were just sent, at the version they were read from. */
export interface SentSecret {
  readonly name: string;
  readonly resourceVersion: string;
  readonly keys: readonly string[];
}

/**
 * markSent returns `applied` with `sent` recorded, keeping only the Secrets in `referenced` (so
 * re-referencing a Secret the spec dropped sends it again), sorted by name.
 */
export function markSent(applied: readonly AppliedSecret[], sent: readonly SentSecret[], referenced: readonly string[]): AppliedSecret[] {
  // keys stays undefined for an entry written before keys were recorded, until something is sent.
  const next = new Map<string, { resourceVersion: string; keys: Set<string> | undefined }>(
    applied.map((a) => [a.name, { resourceVersion: a.resourceVersion, keys: a.keys ? new Set(a.keys) : undefined }]),
  );
  for (const s of sent) {
    const entry = next.get(s.name);
    if (entry && entry.resourceVersion === s.resourceVersion) entry.keys = new Set([...(entry.keys ?? []), ...s.keys]);
    else next.set(s.name, { resourceVersion: s.resourceVersion, keys: new Set(s.keys) });
  }
  const keep = new Set(referenced);
  return [...next]
    .filter(([name]) => keep.has(name))
    .map(([name, e]) => ({ name, resourceVersion: e.resourceVersion, ...(e.keys ? { keys: [...e.keys].sort() } : {}) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * credentialsCause says why credentials must be sent: never sent from this Secret, the Secret
 * changed since, or ONTAP shows other credentials (`differsCause`); undefined when nothing is due.
 */
export function credentialsCause<D extends string>(applied: readonly AppliedSecret[], secret: SentSecret, differsOnOntap: boolean, differsCause: D): 'never-applied' | 'secret-changed' | D | undefined {
  const state = sentState(applied, secret.name, secret.resourceVersion, secret.keys);
  if (state === 'never') return 'never-applied';
  if (state === 'changed') return 'secret-changed';
  return differsOnOntap ? differsCause : undefined;
}

/** proxySent is what sending a proxy password records. */
export function proxySent(p: ProxyPassword): SentSecret {
  return { name: p.name, resourceVersion: p.resourceVersion, keys: [p.key] };
}

/** proxyPasswordDue tells whether the proxy password must be sent: never sent at this version. */
export function proxyPasswordDue(applied: readonly AppliedSecret[], p: ProxyPassword): boolean {
  return sentState(applied, p.name, p.resourceVersion, [p.key]) !== 'sent';
}

/** addProxyPassword puts the proxy password into a PATCH body when it is due; it says whether it did. */
export function addProxyPassword(body: Record<string, unknown>, applied: readonly AppliedSecret[], p: ProxyPassword | undefined): boolean {
  if (!p || !proxyPasswordDue(applied, p)) return false;
  body['proxy_password'] = p.value;
  return true;
}

/**
 * appliedAfterSend is status.appliedSecrets after a write that sent the credentials and/or the
 * proxy password (per `sent`), keeping only the Secrets the spec still references.
 */
export function appliedAfterSend(
  applied: readonly AppliedSecret[],
  credentials: SentSecret | undefined,
  proxy: ProxyPassword | undefined,
  sent: { readonly credentials: boolean; readonly proxyPassword: boolean },
): AppliedSecret[] {
  return markSent(
    applied,
    [...(sent.credentials && credentials ? [credentials] : []), ...(sent.proxyPassword && proxy ? [proxySent(proxy)] : [])],
    [...(credentials ? [credentials.name] : []), ...(proxy ? [proxy.name] : [])],
  );
}
