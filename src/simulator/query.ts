/**
 * ONTAP's collection query language, as the simulator understands it: filters on any field
 * (nested with dots; `a|b` is OR, `!x` is NOT, `*` a wildcard, `<`/`>`/`<=`/`>=` for numbers),
 * `fields`, `max_records` with `_links.next`, `order_by`, `return_records` and `return_timeout`.
 */
import { invalidField, unexpectedArgument } from './http.js';

/** CollectionSpec describes the fields of one collection. */
export interface CollectionSpec {
  /** basePath is the collection's path, for `_links`. */
  readonly basePath: string;
  /** fields are the non-advanced top-level fields (what `*` selects). */
  readonly fields: readonly string[];
  /** advanced fields are returned only when named (or with `**`). */
  readonly advanced: readonly string[];
  /** keys are in every record and are what a collection GET returns without `fields`. */
  readonly keys: readonly string[];
}

/** CollectionQuery is a parsed query string. */
export interface CollectionQuery {
  readonly filters: ReadonlyArray<readonly [string, string]>;
  readonly fields: readonly string[] | undefined;
  readonly maxRecords: number | undefined;
  readonly orderBy: ReadonlyArray<{ readonly field: string; readonly desc: boolean }>;
  readonly returnRecords: boolean;
  readonly returnTimeout: number | undefined;
  readonly startUuid: string | undefined;
}

const RESERVED = new Set(['fields', 'max_records', 'order_by', 'return_records', 'return_timeout', 'start.uuid']);

/** parseReturnTimeout validates `return_timeout` (0..120 seconds). */
export function parseReturnTimeout(params: URLSearchParams): number | undefined {
  const raw = params.get('return_timeout');
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 120) {
    throw invalidField('return_timeout', `The value "${raw}" is invalid for field "return_timeout" (0..120).`);
  }
  return n;
}

/**
 * boolParam reads a boolean query parameter, undefined when absent. ONTAP takes `true`/`false`
 * in any case; NetApp's Python client sends a Python bool as `True`/`False`.
 */
export function boolParam(params: URLSearchParams, name: string): boolean | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  const v = raw.toLowerCase();
  if (v !== 'true' && v !== 'false') throw invalidField(name, `The value "${raw}" is invalid for field "${name}".`);
  return v === 'true';
}

/** parseCollectionQuery validates a query against the collection's fields. */
export function parseCollectionQuery(params: URLSearchParams, spec: CollectionSpec): CollectionQuery {
  const known = new Set([...spec.fields, ...spec.advanced]);
  const filters: Array<readonly [string, string]> = [];
  for (const [key, value] of params) {
    if (RESERVED.has(key)) continue;
    const top = key.split('.')[0] ?? key;
    if (!known.has(top)) throw unexpectedArgument(key);
    filters.push([key, value]);
  }
  const fieldsRaw = params.get('fields');
  let fields: string[] | undefined;
  if (fieldsRaw !== null) {
    fields = fieldsRaw.split(',').map((f) => f.trim()).filter((f) => f !== '');
    for (const f of fields) {
      if (f !== '*' && f !== '**' && !known.has(f.split('.')[0] ?? f)) {
        throw invalidField('fields', `The value "${f}" is invalid for field "fields".`);
      }
    }
  }
  const maxRaw = params.get('max_records');
  let maxRecords: number | undefined;
  if (maxRaw !== null) {
    if (!/^\d+$/.test(maxRaw) || Number(maxRaw) < 1) {
      throw invalidField('max_records', `The value "${maxRaw}" is invalid for field "max_records".`);
    }
    maxRecords = Number(maxRaw);
  }
  const orderBy: Array<{ field: string; desc: boolean }> = [];
  for (const part of (params.get('order_by') ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [field = '', dir = 'asc'] = part.split(/\s+/);
    if (!known.has(field.split('.')[0] ?? field) || (dir !== 'asc' && dir !== 'desc')) {
      throw invalidField('order_by', `The value "${part}" is invalid for field "order_by".`);
    }
    orderBy.push({ field, desc: dir === 'desc' });
  }
  const rr = params.get('return_records');
  if (rr !== null && rr !== 'true' && rr !== 'false') {
    throw invalidField('return_records', `The value "${rr}" is invalid for field "return_records".`);
  }
  return {
    filters,
    fields,
    maxRecords,
    orderBy,
    returnRecords: rr !== 'false',
    returnTimeout: parseReturnTimeout(params),
    startUuid: params.get('start.uuid') ?? undefined,
  };
}

/** valuesAt returns the values at a dotted path, flattening arrays on the way. */
export function valuesAt(obj: unknown, path: string): unknown[] {
  let current: unknown[] = [obj];
  for (const seg of path.split('.')) {
    const next: unknown[] = [];
    for (const c of current) {
      for (const item of Array.isArray(c) ? (c as unknown[]) : [c]) {
        if (typeof item === 'object' && item !== null && seg in item) next.push((item as Record<string, unknown>)[seg]);
      }
    }
    current = next.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]));
  }
  return current;
}

/** matchesFilter tells whether one record view satisfies `field=expr`. */
export function matchesFilter(view: unknown, field: string, expr: string): boolean {
  const values = valuesAt(view, field).map(scalarText);
  return expr.split('|').some((alt) => {
    if (alt.startsWith('!')) {
      const p = alt.slice(1);
      return !values.some((v) => matchOne(v, p));
    }
    return values.some((v) => matchOne(v, alt));
  });
}

/** scalarText renders a field value for matching and sorting; objects as JSON. */
function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

function matchOne(value: string, pattern: string): boolean {
  const cmp = /^(<=|>=|<|>)(.+)$/.exec(pattern);
  if (cmp !== null) {
    const a = Number(value);
    const b = Number(cmp[2]);
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
    switch (cmp[1]) {
      case '<': return a < b;
      case '>': return a > b;
      case '<=': return a <= b;
      default: return a >= b;
    }
  }
  const re = new RegExp(`^${pattern.split('*').map(escapeRe).join('.*')}$`, 'i');
  return re.test(value);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * project keeps the selected fields of a full view. Without `fields`, an instance GET returns
 * every non-advanced field and a collection GET only the keys, as ONTAP does.
 */
export function project(view: Record<string, unknown>, fields: readonly string[] | undefined, spec: CollectionSpec, instance: boolean): Record<string, unknown> {
  let selected: string[];
  if (fields === undefined) selected = instance ? [...spec.fields] : [...spec.keys];
  else {
    selected = [...spec.keys];
    for (const f of fields) {
      if (f === '*') selected.push(...spec.fields);
      else if (f === '**') selected.push(...spec.fields, ...spec.advanced);
      else selected.push(f);
    }
  }
  const out: Record<string, unknown> = {};
  for (const path of selected) copyPath(view, out, path.split('.'));
  if (view['_links'] !== undefined) out['_links'] = view['_links'];
  return out;
}

function copyPath(from: Record<string, unknown>, to: Record<string, unknown>, segs: string[]): void {
  const [head, ...rest] = segs;
  if (head === undefined || !(head in from)) return;
  const v = from[head];
  if (rest.length > 0 && Array.isArray(v)) {
    // A field inside an array of objects (connectivity.node_states.node.name) keeps, in each element, only that field.
    const existing = to[head];
    const target: unknown[] = Array.isArray(existing) ? existing : [];
    to[head] = target;
    v.forEach((item: unknown, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        target[i] = item;
        return;
      }
      const slot = target[i];
      const into: Record<string, unknown> = typeof slot === 'object' && slot !== null && !Array.isArray(slot) ? (slot as Record<string, unknown>) : {};
      target[i] = into;
      copyPath(item as Record<string, unknown>, into, rest);
    });
    return;
  }
  if (rest.length === 0 || typeof v !== 'object' || v === null || Array.isArray(v)) {
    to[head] = v;
    return;
  }
  const existing = to[head];
  const target: Record<string, unknown> = typeof existing === 'object' && existing !== null ? (existing as Record<string, unknown>) : {};
  to[head] = target;
  copyPath(v as Record<string, unknown>, target, rest);
}

/** listCollection filters, orders, pages and projects `views` into ONTAP's collection envelope. */
export function listCollection(views: ReadonlyArray<Record<string, unknown>>, query: CollectionQuery, params: URLSearchParams, spec: CollectionSpec): Record<string, unknown> {
  let matched = views.filter((v) => query.filters.every(([f, e]) => matchesFilter(v, f, e)));
  if (query.orderBy.length > 0) matched = [...matched].sort((a, b) => compareBy(a, b, query.orderBy));
  let start = 0;
  if (query.startUuid !== undefined) {
    start = Math.max(0, matched.findIndex((v) => v['uuid'] === query.startUuid));
  }
  const end = query.maxRecords === undefined ? matched.length : start + query.maxRecords;
  const page = matched.slice(start, end);
  const self = `${spec.basePath}${params.toString() === '' ? '' : `?${params.toString()}`}`;
  const links: Record<string, unknown> = { self: { href: self } };
  const nextRecord = matched[end];
  if (nextRecord !== undefined) {
    const next = new URLSearchParams(params);
    next.set('start.uuid', String(nextRecord['uuid']));
    links['next'] = { href: `${spec.basePath}?${next.toString()}` };
  }
  return {
    ...(query.returnRecords ? { records: page.map((v) => project(v, query.fields, spec, false)) } : {}),
    num_records: page.length,
    _links: links,
  };
}

function compareBy(a: Record<string, unknown>, b: Record<string, unknown>, order: CollectionQuery['orderBy']): number {
  for (const { field, desc } of order) {
    const va = valuesAt(a, field)[0];
    const vb = valuesAt(b, field)[0];
    let c: number;
    if (va === vb) c = 0;
    else if (va === undefined) c = 1;
    else if (vb === undefined) c = -1;
    else if (typeof va === 'number' && typeof vb === 'number') c = va - vb;
    else c = scalarText(va).localeCompare(scalarText(vb));
    if (c !== 0) return desc ? -c : c;
  }
  return 0;
}
