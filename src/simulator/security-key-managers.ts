/**
 * `/api/security/key-managers`: the Onboard Key Manager (cluster scope only) and external KMIP
 * key managers (an SVM or the cluster), GET (collection and instance, with `fields=` and
 * filters; `status` only when named), POST, PATCH and DELETE, writes answered with a job in
 * async mode as the cloud families do. One key manager per SVM holds across these and the cloud
 * families. `/{uuid}/key-servers` is served by key-servers.ts.
 */
import { randomUUID } from 'node:crypto';
import { applyExternalPatch, buildExternal, externalStatus, externalView, type ExternalCreate, type ExternalPatch, parseExternalCreate, parseExternalPatch } from './external-key-manager.js';
import { type JsonBody, invalidField, notFound, SimError, unexpectedArgument } from './http.js';
import { type ErrorSpec, identityMembers, selfLink } from './key-manager-family.js';
import { createdLocation, methodNotAllowed, refuseSecondKeyManager, resolveSvm } from './key-manager-handlers.js';
import type { SvmInput } from './key-manager-validate.js';
import { routeKeyServers } from './key-servers.js';
import { applyOnboardPatch, keyBackup, type OnboardInput, onboardStatus, parseOnboard } from './onboard-key-manager.js';
import { boolParam, type CollectionSpec, listCollection, matchesFilter, parseCollectionQuery, project } from './query.js';
import { allowParams, type Ctx, type Reply, runWrite } from './reply.js';
import { SECURITY_ERRORS } from './security-errors.js';
import type { StoredSecurityKeyManager } from './security-records.js';
import type { SimState } from './state.js';

/** KEY_MANAGERS_BASE is the collection path. */
export const KEY_MANAGERS_BASE = '/api/security/key-managers';

/** KEY_MANAGERS_SPEC: the library's gettable fields; `status` is ONTAP's expensive (advanced) member. */
export const KEY_MANAGERS_SPEC: CollectionSpec = {
  basePath: KEY_MANAGERS_BASE,
  fields: ['uuid', 'svm', 'scope', 'configuration', 'enabled', 'onboard', 'external', 'policy', 'volume_encryption', 'is_default_data_at_rest_encryption_disabled'],
  advanced: ['status'],
  keys: ['uuid', 'svm', 'scope'],
};

/** routeSecurityKeyManagers answers a request under KEY_MANAGERS_BASE, or undefined when no route matches. */
export async function routeSecurityKeyManagers(ctx: Ctx): Promise<Reply | undefined> {
  const [uuid, sub, server, extra] = ctx.path.slice(KEY_MANAGERS_BASE.length).split('/').filter((s) => s !== '');
  if (sub !== undefined) return sub === 'key-servers' && extra === undefined && uuid !== undefined ? routeKeyServers(ctx, lookup(ctx.state, uuid), server) : undefined;
  if (uuid === undefined) {
    if (ctx.method === 'GET') return list(ctx);
    if (ctx.method === 'POST') return create(ctx);
    if (ctx.method === 'DELETE') return removeMatching(ctx);
    return methodNotAllowed(ctx);
  }
  if (ctx.method === 'GET') return getOne(ctx, uuid);
  if (ctx.method === 'PATCH') return patch(ctx, uuid);
  if (ctx.method === 'DELETE') return remove(ctx, uuid);
  return methodNotAllowed(ctx);
}

function failure(e: ErrorSpec, target?: string): SimError {
  return new SimError(400, e.code, e.message, target);
}

/** lookup finds a record by uuid, or answers ONTAP's 404. */
export function lookup(state: SimState, uuid: string): StoredSecurityKeyManager {
  const r = state.securityKeyManagers.get(uuid);
  if (r === undefined) throw notFound('uuid');
  return r;
}

/** view renders a record with every GET-visible member, `status` included (project() drops it unless named). */
export function view(state: SimState, r: StoredSecurityKeyManager): Record<string, unknown> {
  const kind =
    r.kind === 'onboard'
      ? { onboard: { enabled: true, key_backup: keyBackup(r) } }
      : // ONTAP shows an external key manager with onboard.enabled false (NetApp's Ansible collection drops it on that sign).
        { external: externalView(state, r), onboard: { enabled: false }, ...(r.policy === undefined ? {} : { policy: r.policy }) };
  return {
    ...identityMembers(r),
    configuration: { name: 'default', uuid: r.uuid },
    enabled: r.enabled,
    ...kind,
    volume_encryption: { supported: true, code: 0, message: '' },
    is_default_data_at_rest_encryption_disabled: false,
    status: r.kind === 'onboard' ? onboardStatus(r) : externalStatus(state, r),
    ...selfLink(KEY_MANAGERS_BASE, r.uuid),
  };
}

/**
 * visible tells whether GET shows a record: "ONTAP does not return a record when an external key
 * manager is configured without any external server" (NetApp's Ansible collection, which then
 * deletes it through the collection with a scope/svm query).
 */
function visible(r: StoredSecurityKeyManager): boolean {
  return r.kind === 'onboard' || r.servers.length > 0;
}

function list(ctx: Ctx): Reply {
  const query = parseCollectionQuery(ctx.params, KEY_MANAGERS_SPEC);
  const views = [...ctx.state.securityKeyManagers.values()].filter(visible).map((r) => view(ctx.state, r));
  return { status: 200, body: listCollection(views, query, ctx.params, KEY_MANAGERS_SPEC) };
}

/** getOne answers an instance GET; field queries (a 202's Location query, repeated by NetApp's clients) must match. */
function getOne(ctx: Ctx, uuid: string): Reply {
  for (const key of ['max_records', 'order_by', 'return_records', 'start.uuid']) if (ctx.params.has(key)) throw unexpectedArgument(key);
  const query = parseCollectionQuery(ctx.params, KEY_MANAGERS_SPEC);
  const r = lookup(ctx.state, uuid);
  if (!visible(r)) throw notFound('uuid');
  const v = view(ctx.state, r);
  if (!query.filters.every(([field, expr]) => matchesFilter(v, field, expr))) throw notFound('uuid');
  return { status: 200, body: project(v, query.fields, KEY_MANAGERS_SPEC, true) };
}

/** CreateBody is a validated POST body: exactly one of onboard and external. */
type CreateBody = { readonly svm: SvmInput | undefined } & ({ readonly onboard: OnboardInput } | { readonly external: ExternalCreate });

function parseCreate(body: JsonBody | undefined): CreateBody {
  let svm: SvmInput | undefined;
  let onboard: OnboardInput | undefined;
  let external: ExternalCreate | undefined;
  let policy: string | undefined;
  for (const [k, v] of Object.entries(body ?? {})) {
    if (k === '_links') continue;
    if (k === 'svm') svm = parseSvm(v);
    else if (k === 'onboard') onboard = parseOnboard(v, true);
    else if (k === 'external') external = parseExternalCreate(v);
    else if (k === 'policy') {
      if (typeof v !== 'string') throw invalidField('policy', 'Invalid value for field "policy": expected a string.');
      policy = v;
    } else throw unexpectedArgument(k);
  }
  if (onboard !== undefined && external !== undefined) throw invalidField('onboard', 'Only one of "onboard" and "external" can be given.');
  if (onboard !== undefined) {
    // The onboard key manager is cluster-scoped only (docs: "The onboard key manager is cluster-scoped only").
    if (svm !== undefined) throw failure(SECURITY_ERRORS.onboardSvmScope, 'svm');
    return { svm, onboard };
  }
  if (external === undefined) throw invalidField('external', 'Either "onboard" or "external" must be given.');
  return { svm, external: policy === undefined ? external : { ...external, policy } };
}

function parseSvm(v: unknown): SvmInput {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidField('svm', 'The value for field "svm" must be an object.');
  const out: { name?: string; uuid?: string } = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === '_links') continue;
    if (k !== 'name' && k !== 'uuid') throw unexpectedArgument(`svm.${k}`);
    if (typeof x !== 'string' || x === '') throw invalidField(`svm.${k}`, `The value for field "svm.${k}" must be a non-empty string.`);
    out[k] = x;
  }
  if (out.name === undefined && out.uuid === undefined) throw invalidField('svm', 'Either "svm.name" or "svm.uuid" must be given.');
  return out;
}

async function create(ctx: Ctx): Promise<Reply> {
  allowParams(ctx.params, ['return_records', 'return_timeout']);
  const input = parseCreate(ctx.body);
  const returnRecords = ctx.params.get('return_records') === 'true';
  const kind = 'onboard' in input ? 'onboard' : 'external';
  return runWrite(ctx, `POST ${KEY_MANAGERS_BASE} (${kind})`, () => {
    const { state } = ctx;
    const svm = resolveSvm(state, input.svm);
    refuseSecondKeyManager(state, svm);
    const identity = { uuid: randomUUID(), svm, scope: svm === undefined ? ('cluster' as const) : ('svm' as const), enabled: true };
    const record: StoredSecurityKeyManager =
      'onboard' in input
        ? { ...identity, kind: 'onboard', passphrase: input.onboard.passphrase ?? '', backupGeneration: 0, unsyncedNodes: [] }
        : buildExternal(state, identity, input.external);
    state.securityKeyManagers.set(record.uuid, record);
    return {
      status: 201,
      headers: { location: `${KEY_MANAGERS_BASE}/${record.uuid}` },
      body: returnRecords ? { num_records: 1, records: [project(view(state, record), ['*'], KEY_MANAGERS_SPEC, true)] } : {},
    };
  }, createdLocation(KEY_MANAGERS_BASE, input.svm));
}

/** PatchBody is a validated PATCH body: an onboard or an external change. */
type PatchBody = { readonly onboard: OnboardInput } | { readonly external: ExternalPatch };

function parsePatch(body: JsonBody | undefined): PatchBody {
  let out: PatchBody | undefined;
  for (const [k, v] of Object.entries(body ?? {})) {
    if (k === '_links') continue;
    if (k === 'svm' || k === 'policy' || k === 'configuration') throw unexpectedArgument(k, 'This field can be set only on create.');
    if (k === 'onboard' && out === undefined) out = { onboard: parseOnboard(v, false) };
    else if (k === 'external' && out === undefined) out = { external: parseExternalPatch(v) };
    else if (k === 'onboard' || k === 'external') throw invalidField(k, 'Only one of "onboard" and "external" can be given.');
    else throw unexpectedArgument(k);
  }
  if (out === undefined) throw invalidField('body', 'No inputs were provided for the patch request.');
  return out;
}

async function patch(ctx: Ctx, uuid: string): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout', 'validate_certificates']);
  const validate = boolParam(ctx.params, 'validate_certificates');
  lookup(ctx.state, uuid);
  const body = parsePatch(ctx.body);
  if ('onboard' in body && validate !== undefined) throw unexpectedArgument('validate_certificates', 'It applies to an external key manager only.');
  return runWrite(
    ctx,
    `PATCH ${KEY_MANAGERS_BASE}/${uuid}`,
    () => {
      const r = lookup(ctx.state, uuid);
      if ('onboard' in body) {
        if (r.kind !== 'onboard') throw failure(SECURITY_ERRORS.onboardNotEnabled);
        applyOnboardPatch(r, body.onboard);
      } else {
        if (r.kind !== 'external') throw failure(SECURITY_ERRORS.externalNotEnabled);
        applyExternalPatch(ctx.state, r, body.external, validate === true);
      }
      return { status: 200, body: {} };
    },
    undefined,
    // "When validate_certificates is set, the API returns a 202 status code" (the library's PATCH doc).
    validate === true,
  );
}

async function remove(ctx: Ctx, uuid: string): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout']);
  lookup(ctx.state, uuid);
  return runWrite(ctx, `DELETE ${KEY_MANAGERS_BASE}/${uuid}`, () => {
    deleteRecord(ctx.state, lookup(ctx.state, uuid));
    return { status: 200, body: {} };
  });
}

function deleteRecord(state: SimState, r: StoredSecurityKeyManager): void {
  if (state.keysInUseFor(r)) throw failure(r.kind === 'onboard' ? SECURITY_ERRORS.onboardKeysInUse : SECURITY_ERRORS.externalKeysInUse);
  state.securityKeyManagers.delete(r.uuid);
}

/**
 * removeMatching is DELETE on the collection with a query (`scope`, `svm.name`, `svm.uuid`):
 * it deletes every record the query matches, hidden ones included (an external key manager
 * without servers, which no GET shows). A query is required: ONTAP does not delete a whole
 * collection unasked.
 */
async function removeMatching(ctx: Ctx): Promise<Reply> {
  const params = new URLSearchParams(ctx.params);
  params.delete('return_timeout');
  for (const key of params.keys()) if (!['scope', 'svm.name', 'svm.uuid', 'uuid'].includes(key)) throw unexpectedArgument(key);
  if ([...params.keys()].length === 0) throw invalidField('scope', 'A query (scope, svm.name, svm.uuid or uuid) is required to delete key managers.');
  const matches = (state: SimState): StoredSecurityKeyManager[] =>
    [...state.securityKeyManagers.values()].filter((r) => [...params].every(([f, e]) => matchesFilter(view(state, r), f, e)));
  return runWrite(ctx, `DELETE ${KEY_MANAGERS_BASE}?${params.toString()}`, () => {
    const found = matches(ctx.state);
    for (const r of found) deleteRecord(ctx.state, r);
    return { status: 200, body: { num_records: found.length } };
  });
}
