/**
 * The soak benchmark's pure parts (bench/soak.ts): durations, the least-squares slope of memory
 * over time, percentiles, and the tally of ONTAP writes against the disturbances that asked for
 * them. Kept apart from the bench itself so that they can be tested without a control plane.
 */
import type { RequestLogEntry } from '../src/simulator/state.js';

/**
 * parseDuration reads `90s`, `5m`, `1h`, `1h30m` (units h, m, s, ms; a bare number is minutes)
 * into milliseconds.
 */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 60_000;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let ms = 0;
  let rest = t;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (m === null) throw new TypeError(`not a duration: ${JSON.stringify(text)} (say 90s, 5m, 1h or 1h30m)`);
    ms += Number(m[1]) * (unit[m[2] ?? ''] ?? 0);
    rest = rest.slice(m[0].length);
  }
  if (t === '' || ms <= 0) throw new TypeError(`not a duration: ${JSON.stringify(text)} (say 90s, 5m, 1h or 1h30m)`);
  return ms;
}

/** Fit is a least-squares line y = intercept + slope * x over n points. */
export interface Fit {
  readonly slope: number;
  readonly intercept: number;
  readonly n: number;
}

/** leastSquares fits a line through the points; with fewer than two distinct x the slope is NaN. */
export function leastSquares(points: ReadonlyArray<{ readonly x: number; readonly y: number }>): Fit {
  const n = points.length;
  if (n === 0) return { slope: NaN, intercept: NaN, n };
  let mx = 0;
  let my = 0;
  for (const p of points) {
    mx += p.x;
    my += p.y;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  const slope = sxx === 0 ? NaN : sxy / sxx;
  return { slope, intercept: my - (Number.isNaN(slope) ? 0 : slope) * mx, n };
}

/** percentile is the nearest-rank q-quantile (0..1) of the values; NaN when there are none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** AWS_KMS is the path of ONTAP's aws-kms collection; its records are under it. */
const AWS_KMS = '/api/security/aws-kms';

/** WriteTally counts one SVM's ONTAP writes: those that succeeded and those that did not, by status. */
export interface WriteTally {
  ok: number;
  failed: number;
  /** okWrites are the successful writes, for the report's examples: when, and the fields written. */
  readonly okWrites: Array<{ readonly time: string; readonly what: string }>;
}

/** LoggedRequest is one entry of a sim's request log, with the cluster whose sim logged it. */
export interface LoggedRequest {
  readonly cluster: number;
  readonly entry: RequestLogEntry;
}

/**
 * tallyWrites counts the operator's writes to aws-kms records (POST to the collection, PATCH and
 * DELETE of a record) per SVM, keyed `cluster/svm`. A POST names its SVM in its body; a PATCH or
 * DELETE names a record's uuid, which `svmOf` maps to its SVM (undefined: keyed `cluster/?uuid`).
 * Requests `isOurs` says the bench made (its out-of-band drift) are not counted; neither is
 * anything else (GETs, rekeys, other paths).
 */
export function tallyWrites(
  requests: Iterable<LoggedRequest>,
  svmOf: (cluster: number, uuid: string) => string | undefined,
  isOurs: (entry: RequestLogEntry) => boolean,
): Map<string, WriteTally> {
  const out = new Map<string, WriteTally>();
  for (const { cluster, entry } of requests) {
    let svm: string | undefined;
    if (entry.method === 'POST' && entry.path === AWS_KMS) {
      const body = entry.body as { svm?: { name?: unknown } } | undefined;
      svm = typeof body?.svm?.name === 'string' ? body.svm.name : '(cluster scope)';
    } else if ((entry.method === 'PATCH' || entry.method === 'DELETE') && entry.path.startsWith(`${AWS_KMS}/`) && entry.path.split('/').length === 5) {
      const uuid = entry.path.slice(AWS_KMS.length + 1);
      svm = svmOf(cluster, uuid) ?? `?${uuid}`;
    } else continue;
    if (isOurs(entry)) continue;
    const key = `${cluster}/${svm}`;
    let t = out.get(key);
    if (t === undefined) out.set(key, (t = { ok: 0, failed: 0, okWrites: [] }));
    if (entry.status >= 200 && entry.status < 300) {
      t.ok++;
      const fields = typeof entry.body === 'object' && entry.body !== null ? Object.keys(entry.body).sort().join('+') : '';
      t.okWrites.push({ time: entry.time, what: `${entry.method}${fields === '' ? '' : ` ${fields}`}` });
    } else t.failed++;
  }
  return out;
}

/** WriteBalance compares the writes made with the writes the disturbances asked for. */
export interface WriteBalance {
  /** expected is the number of writes the disturbances asked for (one each). */
  readonly expected: number;
  /** ok is the number of successful writes. */
  readonly ok: number;
  /** duplicates are successful writes beyond what an SVM's disturbances asked for. */
  readonly duplicates: number;
  /** missing are writes asked for that never succeeded. */
  readonly missing: number;
  /** failed are writes answered with an error or not at all (injected faults among them). */
  readonly failed: number;
  /** extra lists the SVMs with duplicates: key, expected, ok. */
  readonly extra: ReadonlyArray<{ readonly key: string; readonly expected: number; readonly ok: number; readonly writes: WriteTally['okWrites'] }>;
}

/** balanceWrites sets what each SVM was asked for (`expected`, keyed as tallyWrites keys) against what it got. */
export function balanceWrites(expected: ReadonlyMap<string, number>, tally: ReadonlyMap<string, WriteTally>): WriteBalance {
  let exp = 0;
  let ok = 0;
  let duplicates = 0;
  let missing = 0;
  let failed = 0;
  const extra: Array<{ key: string; expected: number; ok: number; writes: WriteTally['okWrites'] }> = [];
  for (const key of new Set([...expected.keys(), ...tally.keys()])) {
    const e = expected.get(key) ?? 0;
    const t = tally.get(key);
    const got = t?.ok ?? 0;
    exp += e;
    ok += got;
    failed += t?.failed ?? 0;
    if (got > e) {
      duplicates += got - e;
      extra.push({ key, expected: e, ok: got, writes: [...(t?.okWrites ?? [])] });
    } else missing += e - got;
  }
  extra.sort((a, b) => b.ok - b.expected - (a.ok - a.expected) || a.key.localeCompare(b.key));
  return { expected: exp, ok, duplicates, missing, failed, extra };
}

/** mulberry32 is a small seeded PRNG (0 <= x < 1), so that a soak's choices can be repeated. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
