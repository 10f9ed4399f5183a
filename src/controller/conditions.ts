/**
 * Conditions helpers: set a condition on a copy of a list, keeping `lastTransitionTime` unless the
 * status flips, and compare statuses ignoring key order and undefined members. Pure functions.
 */
import type { Condition } from '../api/v1alpha1/types.js';
import { isRecord, type KubeObject } from '../runtime/kube.js';

/** ConditionInput is a condition without its transition time. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/**
 * setConditions returns `previous` with each of `next` set: a condition whose status did not flip
 * keeps its lastTransitionTime; every written condition carries `generation`. Conditions not
 * named in `next` are kept as they were.
 */
export function setConditions(
  previous: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  generation: number,
  now: Date,
): Condition[] {
  const out = [...(previous ?? [])];
  for (const c of next) {
    const i = out.findIndex((p) => p.type === c.type);
    const old = i >= 0 ? out[i] : undefined;
    const lastTransitionTime =
      old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const cond: Condition = { ...c, lastTransitionTime, observedGeneration: generation };
    if (i >= 0) out[i] = cond;
    else out.push(cond);
  }
  return out;
}

/** findCondition returns the condition of `type`, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * sameStatus says whether two statuses are equal as the API server would store them: key order
 * and undefined members do not count. It walks both values instead of serialising them, since
 * every reconcile asks (serialising with sorted keys was a tenth of a drift pass's CPU).
 */
export function sameStatus(a: unknown, b: unknown): boolean {
  return sameJson(a ?? {}, b ?? {});
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b) || Array.isArray(b)) return false;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  if (keys.length !== Object.keys(b).filter((k) => b[k] !== undefined).length) return false;
  return keys.every((k) => sameJson(a[k], b[k]));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** conditionOf returns the status and reason of condition `type` of a cached (untyped) object. */
export function conditionOf(o: KubeObject | undefined, type: string): { status: string; reason: string } | undefined {
  const conditions = isRecord(o?.status) && Array.isArray(o.status.conditions) ? o.status.conditions : [];
  for (const c of conditions) {
    if (isRecord(c) && c.type === type) return { status: String(c.status), reason: String(c.reason) };
  }
  return undefined;
}
