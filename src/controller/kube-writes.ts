/**
 * The two writes every controller makes to its own objects: the status (through the status
 * subresource, only when it changed) and the finalizer (with the object's resourceVersion, so a
 * concurrent change is a Conflict and the reconcile runs again instead of overwriting it).
 */
import type { ObjectMeta } from '../api/v1alpha1/types.js';
import type { KubeApi, ResourceType } from '../runtime/kube.js';
import { sameStatus } from './conditions.js';

/** KubeWriter is the slice of KubeApi these helpers use. */
export type KubeWriter = Pick<KubeApi, 'mergePatch'>;

/**
 * statusPatch is the merge patch from `prev` to `next`: changed members, and null for members
 * that `next` drops (a merge patch would otherwise keep them).
 */
export function statusPatch(prev: object | undefined, next: object): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...next };
  for (const key of Object.keys(prev ?? {})) if (!(key in next)) patch[key] = null;
  return patch;
}

/** writeStatus patches the status subresource when `next` differs from `prev`; it says whether it wrote. */
export async function writeStatus(
  kube: KubeWriter,
  type: ResourceType,
  meta: ObjectMeta,
  prev: object | undefined,
  next: object,
): Promise<boolean> {
  if (sameStatus(prev, next)) return false;
  await kube.mergePatch(type, meta.namespace, meta.name, { status: statusPatch(prev, next) }, { subresource: 'status' });
  return true;
}

/** setFinalizer adds or removes `finalizer`; a no-op when already so. Returns the new resourceVersion. */
export async function setFinalizer(
  kube: KubeWriter,
  type: ResourceType,
  meta: ObjectMeta,
  finalizer: string,
  present: boolean,
): Promise<string> {
  const current = meta.finalizers ?? [];
  if (current.includes(finalizer) === present) return meta.resourceVersion;
  const finalizers = present ? [...current, finalizer] : current.filter((f) => f !== finalizer);
  const updated = await kube.mergePatch(type, meta.namespace, meta.name, {
    metadata: { finalizers, resourceVersion: meta.resourceVersion },
  });
  return updated.metadata.resourceVersion ?? meta.resourceVersion;
}
