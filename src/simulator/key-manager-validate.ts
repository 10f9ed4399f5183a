/**
 * Request-body rules shared by the cloud key-manager endpoints (aws-kms, azure-key-vaults,
 * gcp-kms): each family declares which fields POST and PATCH take and their value kinds, and
 * these functions refuse everything else as ONTAP does. The checks run synchronously even when
 * the write itself is answered with a job, as ONTAP validates input before queueing.
 */
import { invalidField, type JsonBody, type SimError, unexpectedArgument } from './http.js';

/** Kind is the type of value a field takes. */
export type Kind = 'string' | 'port' | 'positive' | 'boolean' | 'proxy_type' | { readonly oneOf: readonly string[] } | 'named_object';

/** Value is a validated field value; `named_object` values are `{name}`. */
export type Value = string | number | boolean | { readonly name: string };

/** Fields are validated body members by name. */
export type Fields = Record<string, Value>;

/** FieldRules are one family's body rules, from ONTAP's postable/patchable field lists. */
export interface FieldRules {
  /** common fields both POST and PATCH take. */
  readonly common: Readonly<Record<string, Kind>>;
  /** createOnly fields only POST takes (besides `svm`); PATCH refuses them. */
  readonly createOnly: Readonly<Record<string, Kind>>;
  /** patchOnly fields only PATCH takes; POST refuses them. */
  readonly patchOnly: Readonly<Record<string, Kind>>;
  /** readOnly fields nobody may set. */
  readonly readOnly: ReadonlySet<string>;
  /** required fields of a POST. */
  readonly required: readonly string[];
  /** createOnlyHint explains a refused create-only field in PATCH, e.g. "use rekey-external". */
  readonly createOnlyHint?: Readonly<Record<string, string>>;
}

/** SvmInput is the `svm` of a POST body. */
export type SvmInput = { readonly name?: string; readonly uuid?: string };

/** CreateInput is a validated POST body. */
export interface CreateInput {
  readonly svm: SvmInput | undefined;
  readonly fields: Readonly<Fields>;
}

/** validateCreate checks a POST body against `rules`; it does not look at the cluster's state. */
export function validateCreate(rules: FieldRules, body: JsonBody | undefined): CreateInput {
  const fields: Fields = {};
  let svm: SvmInput | undefined;
  for (const [k, v] of Object.entries(body ?? {})) {
    if (k === '_links') continue;
    if (k === 'svm') {
      svm = validateSvm(v);
      continue;
    }
    const kind = rules.common[k] ?? rules.createOnly[k];
    if (kind !== undefined) fields[k] = checkKind(k, v, kind);
    else if (k in rules.patchOnly) throw unexpectedArgument(k, 'This field can be set only with PATCH.');
    else throw unexpectedArgument(k);
  }
  for (const req of rules.required) {
    if (fields[req] === undefined) throw invalidField(req, `Missing value for required field "${req}".`);
  }
  return { svm, fields };
}

/** validatePatch checks a PATCH body against `rules` and returns the fields to change. */
export function validatePatch(rules: FieldRules, body: JsonBody | undefined, noInputs: SimError): Readonly<Fields> {
  const fields: Fields = {};
  for (const [k, v] of Object.entries(body ?? {})) {
    if (k === '_links') continue;
    if (k === 'svm' || k in rules.createOnly) {
      throw unexpectedArgument(k, rules.createOnlyHint?.[k] ?? 'This field can be set only on create.');
    }
    if (rules.readOnly.has(k)) throw unexpectedArgument(k, 'This field is read-only.');
    const kind = rules.common[k] ?? rules.patchOnly[k];
    if (kind === undefined) throw unexpectedArgument(k);
    fields[k] = checkKind(k, v, kind);
  }
  if (Object.keys(fields).length === 0) throw noInputs;
  return fields;
}

/** validateAction checks the body of an action such as rekey-external: only `kinds`, `required` present and non-empty. */
export function validateAction(body: JsonBody | undefined, kinds: Readonly<Record<string, Kind>>, required: readonly string[]): Readonly<Fields> {
  const fields: Fields = {};
  for (const [k, v] of Object.entries(body ?? {})) {
    const kind = kinds[k];
    if (kind === undefined) throw unexpectedArgument(k);
    fields[k] = checkKind(k, v, kind);
    if (fields[k] === '') throw invalidField(k, `The value for field "${k}" cannot be empty.`);
  }
  for (const req of required) {
    if (fields[req] === undefined) throw invalidField(req, `Missing value for required field "${req}".`);
  }
  return fields;
}

/** validateNoBody refuses any field for the body-less actions (rekey-internal, restore). */
export function validateNoBody(body: JsonBody | undefined): void {
  for (const k of Object.keys(body ?? {})) if (k !== '_links') throw unexpectedArgument(k);
}

/** str reads a validated string field. */
export function str(fields: Readonly<Fields>, key: string): string | undefined {
  const v = fields[key];
  return typeof v === 'string' ? v : undefined;
}

/** num reads a validated number field. */
export function num(fields: Readonly<Fields>, key: string): number | undefined {
  const v = fields[key];
  return typeof v === 'number' ? v : undefined;
}

function validateSvm(v: unknown): SvmInput {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidField('svm', 'The value for field "svm" must be an object.');
  const out: { name?: string; uuid?: string } = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '_links') continue;
    if (k !== 'name' && k !== 'uuid') throw unexpectedArgument(`svm.${k}`);
    if (typeof x !== 'string' || x === '') throw invalidField(`svm.${k}`, `The value for field "svm.${k}" must be a non-empty string.`);
    out[k] = x;
  }
  if (out.name === undefined && out.uuid === undefined) throw invalidField('svm', 'Either "svm.name" or "svm.uuid" must be given.');
  return out;
}

function checkKind(name: string, v: unknown, kind: Kind): Value {
  const bad = (what: string): SimError => invalidField(name, `Invalid value for field "${name}": expected ${what}.`);
  if (typeof kind === 'object') {
    if (typeof v !== 'string' || !kind.oneOf.includes(v)) throw bad(kind.oneOf.map((o) => `"${o}"`).join(' or '));
    return v;
  }
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw bad('a boolean');
      return v;
    case 'port':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) throw bad('an integer in 1..65535');
      return v;
    case 'positive':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw bad('a positive integer');
      return v;
    case 'proxy_type':
      if (v !== 'http' && v !== 'https') throw bad('"http" or "https"');
      return v;
    case 'named_object': {
      const name = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)['name'] : undefined;
      if (typeof name !== 'string' || name === '') throw bad('an object with a non-empty "name"');
      return { name };
    }
  }
}
