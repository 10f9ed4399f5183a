/**
 * Conditions helpers: set a condition on a copy of a list, keeping `lastTransitionTime` unless the
 * status flips, and compare statuses ignoring nothing but key order. Pure functions.
 */
import type { Condition } from '../api/v1alpha1/types.js';

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

/** canonical renders a value as JSON with sorted keys and undefined members dropped. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => x !== undefined)
          .sort(([a], [b]) => a.localeCompare(b)),
      );
    }
    return v;
  });
}

/** sameStatus says whether two statuses are equal as the API server would store them. */
export function sameStatus(a: unknown, b: unknown): boolean {
  return canonical(a ?? {}) === canonical(b ?? {});
}
