/**
 * Request-body rules of the aws-kms endpoints, from ONTAP's reference: which fields POST and
 * PATCH take, their types, and the errors for everything else. These checks run synchronously
 * even when the write itself is answered with a job, as ONTAP validates input before queueing.
 */
import { invalidField, type JsonBody, SimError, unexpectedArgument } from './http.js';

type Kind = 'string' | 'port' | 'positive' | 'boolean' | 'proxy_type';

/** Settable fields shared by POST and PATCH, with their value kinds. */
const COMMON: Readonly<Record<string, Kind>> = {
  region: 'string',
  access_key_id: 'string',
  secret_access_key: 'string',
  service: 'string',
  default_domain: 'string',
  host: 'string',
  port: 'port',
  proxy_type: 'proxy_type',
  proxy_host: 'string',
  proxy_port: 'port',
  proxy_username: 'string',
  proxy_password: 'string',
  polling_period: 'positive',
  encryption_context: 'string',
};

/** Fields only PATCH takes. */
const PATCH_ONLY: Readonly<Record<string, Kind>> = {
  timeout: 'positive',
  verify: 'boolean',
  verify_host: 'boolean',
  verify_ip: 'boolean',
  skip_verify: 'boolean',
};

/** Fields only POST takes (create-only). */
const CREATE_ONLY = new Set(['key_id', 'svm']);

/** Fields nobody may set. */
const READ_ONLY = new Set(['uuid', 'scope', 'state', 'amazon_reachability', 'ekmip_reachability']);

/** CreateInput is a validated POST body. */
export interface CreateInput {
  readonly svm: { readonly name?: string; readonly uuid?: string } | undefined;
  readonly key_id: string;
  readonly fields: Readonly<Record<string, string | number | boolean>>;
}

/** validateCreate checks a POST body; it does not look at the cluster's state. */
export function validateCreate(body: JsonBody | undefined): CreateInput {
  const b = body ?? {};
  const fields: Record<string, string | number | boolean> = {};
  let svm: { name?: string; uuid?: string } | undefined;
  for (const [k, v] of Object.entries(b)) {
    if (k === '_links') continue;
    if (k === 'svm') {
      svm = validateSvm(v);
    } else if (k === 'key_id') {
      fields[k] = checkKind(k, v, 'string');
    } else if (k in COMMON) {
      fields[k] = checkKind(k, v, COMMON[k] ?? 'string');
    } else if (k in PATCH_ONLY) {
      throw unexpectedArgument(k, 'This field can be set only with PATCH.');
    } else {
      throw unexpectedArgument(k);
    }
  }
  for (const req of ['key_id', 'region', 'access_key_id', 'secret_access_key']) {
    if (fields[req] === undefined) throw invalidField(req, `Missing value for required field "${req}".`);
  }
  if (fields['key_id'] === '') throw invalidField('key_id', 'The key ID cannot be empty.');
  if (fields['access_key_id'] === '') throw new SimError(400, '65537924', 'The access key ID cannot be empty.', 'access_key_id');
  if (fields['secret_access_key'] === '') throw new SimError(400, '65537900', 'Invalid secret access key.', 'secret_access_key');
  const keyId = String(fields['key_id']);
  delete fields['key_id'];
  return { svm, key_id: keyId, fields };
}

/** validatePatch checks a PATCH body and returns the fields to change. */
export function validatePatch(body: JsonBody | undefined): Readonly<Record<string, string | number | boolean>> {
  const b = body ?? {};
  const fields: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(b)) {
    if (k === '_links') continue;
    if (CREATE_ONLY.has(k)) {
      throw unexpectedArgument(k, k === 'key_id' ? 'Use rekey-external to change the key ID.' : 'This field can be set only on create.');
    }
    if (READ_ONLY.has(k)) throw unexpectedArgument(k, 'This field is read-only.');
    const kind = COMMON[k] ?? PATCH_ONLY[k];
    if (kind === undefined) throw unexpectedArgument(k);
    fields[k] = checkKind(k, v, kind);
  }
  if (Object.keys(fields).length === 0) {
    throw new SimError(400, '65537541', 'No inputs were provided for the patch request.');
  }
  if (fields['secret_access_key'] === '') {
    throw new SimError(400, '65537920', 'The secret access key cannot be empty.', 'secret_access_key');
  }
  if (fields['access_key_id'] === '') {
    throw new SimError(400, '65537924', 'The access key ID cannot be empty.', 'access_key_id');
  }
  if (fields['skip_verify'] !== undefined && fields['access_key_id'] === undefined) {
    throw invalidField('skip_verify', 'The "skip_verify" field can be specified only together with "access_key_id".');
  }
  return fields;
}

/** validateRekeyExternal checks `{key_id}` of rekey-external. */
export function validateRekeyExternal(body: JsonBody | undefined): string {
  const b = body ?? {};
  for (const k of Object.keys(b)) if (k !== 'key_id') throw unexpectedArgument(k);
  const v = b['key_id'];
  if (v === undefined) throw invalidField('key_id', 'Missing value for required field "key_id".');
  const keyId = checkKind('key_id', v, 'string');
  if (keyId === '') throw invalidField('key_id', 'The key ID cannot be empty.');
  return String(keyId);
}

/** validateNoBody refuses any field for the body-less actions (rekey-internal, restore). */
export function validateNoBody(body: JsonBody | undefined): void {
  for (const k of Object.keys(body ?? {})) if (k !== '_links') throw unexpectedArgument(k);
}

function validateSvm(v: unknown): { name?: string; uuid?: string } {
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

function checkKind(name: string, v: unknown, kind: Kind): string | number | boolean {
  const bad = (what: string): SimError => invalidField(name, `Invalid value for field "${name}": expected ${what}.`);
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
  }
}
