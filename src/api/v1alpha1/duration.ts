/**
 * Durations as Kubernetes APIs write them (`2160h`, `90m`, `1h30m`, `45s`): the subset of Go's
 * time.ParseDuration that a rotation period needs, whole hours, minutes and seconds.
 */

/** DURATION_PATTERN is what the schema admits: one or more of <n>h, <n>m, <n>s, in that order. */
export const DURATION_PATTERN = '^(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?$';

const DURATION_RE = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** parseDuration returns the seconds of `text`, or undefined when it is not such a duration (or empty). */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text);
  if (m === null || text === '') return undefined;
  const [h, min, s] = [m[1], m[2], m[3]].map((x) => (x === undefined ? 0 : Number(x)));
  return (h ?? 0) * 3600 + (min ?? 0) * 60 + (s ?? 0);
}

/**
 * rotationPeriodSeconds is spec.keyRotation.rotateEvery in seconds, held to the bounds admission
 * allows (an object stored before them, or past admission, never becomes a hot loop).
 */
export function rotationPeriodSeconds(rotateEvery: string, bounds: { readonly min: number; readonly max: number }): number {
  const s = parseDuration(rotateEvery) ?? bounds.max;
  return Math.min(Math.max(s, bounds.min), bounds.max);
}
