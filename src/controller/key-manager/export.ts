/**
 * Keeping a secret value that ONTAP holds (the Onboard Key Manager's key backup) in a Kubernetes
 * Secret: the adapter says which Secret the spec names and what of the record goes in it; this
 * module decides whether the Secret may be written and writes it. It is the one place the
 * operator writes a Secret, so its rules are strict:
 *
 * - a Secret is written only if the operator created it for this very resource (the annotation
 *   EXPORT_ANNOTATION names the resource's namespace, name and uid), so a tenant cannot point
 *   the reference at another Secret of the namespace (a service account token, a TLS key) and
 *   have it overwritten;
 * - the Secret is never deleted with the resource (no ownerReference): a backup outlives it;
 * - nothing of the value reaches a log, an event, the status or an error: only the Secret's name.
 */
import { ConditionType, GROUP, Reason } from '../../api/v1alpha1/constants.js';
import type { ObjectMeta } from '../../api/v1alpha1/types.js';
import { KubeApiError, type KubeObject, SecretType } from '../../runtime/kube-types.js';
import type { ConditionInput } from '../conditions.js';

/** EXPORT_ANNOTATION marks a Secret the operator created for one resource: `<namespace>/<name>/<uid>`. */
export const EXPORT_ANNOTATION = `${GROUP}/key-backup-of`;
/** MANAGED_BY is the label every Secret the operator creates carries. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'ontap-kms-operator' } as const;

/** ExportTarget is the Secret and key the spec names. */
export interface ExportTarget {
  readonly name: string;
  readonly key: string;
}

/** SecretStore is what writing the Secret needs of the API: read one, create one, replace one. */
export interface SecretStore {
  get(namespace: string, name: string): Promise<KubeObject | undefined>;
  create(namespace: string, body: KubeObject): Promise<KubeObject>;
  replace(namespace: string, name: string, body: KubeObject): Promise<KubeObject>;
}

/** ExportResult is what status says of the export: the condition and, once written, where and when. */
export interface ExportResult {
  readonly condition: ConditionInput;
  readonly secretName: string;
  /** written is the time of a write in this pass (undefined: the Secret already held the value, or nothing was written). */
  readonly written?: string | undefined;
}

/** ownerOf is the annotation value of a Secret created for `meta`. */
export function ownerOf(meta: Pick<ObjectMeta, 'namespace' | 'name' | 'uid'>): string {
  return `${meta.namespace}/${meta.name}/${meta.uid ?? ''}`;
}

/**
 * exportDecision says what to do with the Secret as read (`current`, undefined when absent):
 * create it, replace it (ours, with another value), nothing (ours, same value), or refuse (not
 * ours). Pure, so each case is table-tested.
 */
export function exportDecision(
  current: KubeObject | undefined,
  owner: string,
  key: string,
  value: string,
): 'create' | 'replace' | 'same' | 'not-owned' {
  if (!current) return 'create';
  const annotations = current.metadata.annotations ?? {};
  if (annotations[EXPORT_ANNOTATION] !== owner) return 'not-owned';
  const data = (current as { data?: Record<string, string> }).data ?? {};
  return data[key] === Buffer.from(value, 'utf8').toString('base64') ? 'same' : 'replace';
}

/** secretBody is the Secret that holds `value` under `key`, created for `owner`. */
function secretBody(namespace: string, target: ExportTarget, owner: string, value: string, resourceVersion?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: target.name,
      namespace,
      labels: { ...MANAGED_BY },
      annotations: { [EXPORT_ANNOTATION]: owner },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    type: 'Opaque',
    data: { [target.key]: Buffer.from(value, 'utf8').toString('base64') },
  };
}

/**
 * writeExport keeps `value` in the Secret `target` of `meta`'s namespace, by the rules above. A
 * Secret that is not ours is left as it is and reported (KeyBackupSaved=False); an API error is
 * reported the same way, never thrown, so a backup that cannot be written never blocks the key
 * manager's own reconcile, and is tried again at the next pass.
 */
export async function writeExport(store: SecretStore, meta: ObjectMeta, target: ExportTarget, value: string, now: Date): Promise<ExportResult> {
  const namespace = meta.namespace;
  const owner = ownerOf(meta);
  const type = ConditionType.KeyBackupSaved;
  const where = `Secret ${namespace}/${target.name}`;
  try {
    const current = await store.get(namespace, target.name);
    const decision = exportDecision(current, owner, target.key, value);
    if (decision === 'not-owned') {
      return {
        secretName: target.name,
        condition: {
          type,
          status: 'False',
          reason: Reason.BackupSecretNotOwned,
          message: `${where} exists and was not created by the operator for this resource (no ${EXPORT_ANNOTATION} annotation naming it): it is left untouched; name a Secret that does not exist yet`,
        },
      };
    }
    if (decision === 'same') {
      return { secretName: target.name, condition: { type, status: 'True', reason: Reason.Saved, message: `${where} holds ONTAP's current key backup` } };
    }
    if (decision === 'create') await store.create(namespace, secretBody(namespace, target, owner, value));
    else await store.replace(namespace, target.name, secretBody(namespace, target, owner, value, current?.metadata.resourceVersion));
    return {
      secretName: target.name,
      written: now.toISOString(),
      condition: { type, status: 'True', reason: Reason.Saved, message: `${where} holds ONTAP's current key backup` },
    };
  } catch (e) {
    // The API's message names the Secret and the verb, never the body sent.
    const why = e instanceof KubeApiError ? `HTTP ${e.statusCode}: ${e.message}` : e instanceof Error ? e.message : String(e);
    return { secretName: target.name, condition: { type, status: 'False', reason: Reason.BackupNotSaved, message: `could not write ${where}: ${why}` } };
  }
}

/** secretStore adapts a KubeApi to SecretStore. */
export function secretStore(api: {
  get(type: typeof SecretType, namespace: string, name: string): Promise<KubeObject | undefined>;
  create(type: typeof SecretType, namespace: string, body: KubeObject): Promise<KubeObject>;
  replace(type: typeof SecretType, namespace: string, name: string, body: KubeObject): Promise<KubeObject>;
}): SecretStore {
  return {
    get: (ns, name) => api.get(SecretType, ns, name),
    create: (ns, body) => api.create(SecretType, ns, body),
    replace: (ns, name, body) => api.replace(SecretType, ns, name, body),
  };
}
