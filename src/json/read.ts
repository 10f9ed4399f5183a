/**
 * The one JSON reader: small hand-written validators for JSON from the wire (ONTAP's answers, the
 * API server's objects). Each takes `unknown` and either returns a typed value or throws a
 * ParseError naming the path that was wrong, so a malformed answer or object fails loudly at the
 * edge instead of deep in the controller.
 */

/** ParseError is a JSON value that does not have the expected shape; `path` names where. */
export class ParseError extends Error {
  /** path to the offending value, like `records[2].svm.name`. */
  readonly path: string;
  constructor(path: string, expected: string) {
    super(`${path || 'value'}: expected ${expected}`);
    this.name = 'ParseError';
    this.path = path;
  }
}

/** JsonObject is a parsed JSON object whose members are not yet checked. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** isObject tells whether `v` is a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** asObject returns `v` as an object or throws. */
export function asObject(v: unknown, path: string): JsonObject {
  if (!isObject(v)) throw new ParseError(path, 'an object');
  return v;
}

/** asArray returns `v` as an array or throws. */
export function asArray(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new ParseError(path, 'an array');
  return v as readonly unknown[];
}

/** reqString reads a required string member. */
export function reqString(o: JsonObject, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ParseError(join(path, key), 'a string');
  return v;
}

/** optString reads an optional string member (absent or null → undefined). */
export function optString(o: JsonObject, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ParseError(join(path, key), 'a string');
  return v;
}

/** optNumber reads an optional number member. */
export function optNumber(o: JsonObject, key: string, path: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ParseError(join(path, key), 'a number');
  return v;
}

/** reqNumber reads a required number member. */
export function reqNumber(o: JsonObject, key: string, path: string): number {
  const v = optNumber(o, key, path);
  if (v === undefined) throw new ParseError(join(path, key), 'a number');
  return v;
}

/** optBoolean reads an optional boolean member. */
export function optBoolean(o: JsonObject, key: string, path: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ParseError(join(path, key), 'a boolean');
  return v;
}

/**
 * optCode reads an ONTAP code, which some endpoints send as a string of digits and others
 * (job `code`) as an integer; it is always returned as a string.
 */
export function optCode(o: JsonObject, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'string') return v;
  throw new ParseError(join(path, key), 'a code (string or integer)');
}

/** optObject reads an optional nested object and parses it with `parse`. */
export function optObject<T>(
  o: JsonObject,
  key: string,
  path: string,
  parse: (v: JsonObject, path: string) => T,
): T | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  return parse(asObject(v, join(path, key)), join(path, key));
}

/** join appends `key` to a dotted `path`. */
export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** ScalarKeys name a record's optional string, number and boolean members. */
export interface ScalarKeys<S extends string, N extends string, B extends string> {
  readonly strings?: readonly S[];
  readonly numbers?: readonly N[];
  readonly booleans?: readonly B[];
}

/**
 * scalars reads the optional scalar members named in `keys` into `into` (absent ones stay
 * absent) and returns it. Records are built by assignment, in one order, never by spreading
 * pieces: warm, spreads gave every record a hidden class of its own, which a cache of 10,000
 * records keeps alive (about 1 KB a record).
 */
export function scalars<S extends string = never, N extends string = never, B extends string = never>(
  o: JsonObject,
  path: string,
  keys: ScalarKeys<S, N, B>,
  into: object = {},
): { [K in S]?: string } & { [K in N]?: number } & { [K in B]?: boolean } {
  const out = into as Record<string, string | number | boolean>;
  for (const k of keys.strings ?? []) {
    const v = optString(o, k, path);
    if (v !== undefined) out[k] = v;
  }
  for (const k of keys.numbers ?? []) {
    const v = optNumber(o, k, path);
    if (v !== undefined) out[k] = v;
  }
  for (const k of keys.booleans ?? []) {
    const v = optBoolean(o, k, path);
    if (v !== undefined) out[k] = v;
  }
  return out as { [K in S]?: string } & { [K in N]?: number } & { [K in B]?: boolean };
}

/** optEnum reads an optional string member that must be one of `values`; another value is left out, as ONTAP adds values over releases. */
export function optEnum<T extends string>(o: JsonObject, key: string, path: string, values: readonly T[]): T | undefined {
  const v = optString(o, key, path);
  return values.find((x) => x === v);
}

/** Mutable drops the readonly of a record's members while it is built. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * put sets `r[key]` to `value` unless it is undefined: absent members stay absent instead of
 * present-but-undefined, so a record compares equal to what was sent.
 */
export function put<T extends object, K extends keyof T>(r: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) r[key] = value;
}
