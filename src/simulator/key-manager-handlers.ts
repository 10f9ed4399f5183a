/**
 * The endpoints every cloud key-manager family has (aws-kms, azure-key-vaults, gcp-kms):
 * collection and instance GET, POST, PATCH, DELETE and the rekey-external / rekey-internal /
 * restore actions, with ONTAP's one-key-manager-per-SVM rule across all families.
 */
import { notFound, SimError, unexpectedArgument } from './http.js';
import { type ErrorSpec, NODES_OFFLINE, type SimKeyManagerFamily, type StoredKeyManager } from './key-manager-family.js';
import { type SvmInput, validateAction, validateCreate, validateNoBody, validatePatch } from './key-manager-validate.js';
import { listCollection, matchesFilter, parseCollectionQuery, project } from './query.js';
import { allowParams, type Ctx, type Reply, runWrite } from './reply.js';
import type { SimState, SimSvm } from './state.js';

/** routeKeyManager answers a request under `family.base`, or returns undefined when no route matches. */
export async function routeKeyManager<R extends StoredKeyManager>(family: SimKeyManagerFamily<R>, ctx: Ctx): Promise<Reply | undefined> {
  const rest = ctx.path.slice(family.base.length).split('/').filter((s) => s !== '');
  const [uuid, action, extra] = rest;
  if (extra !== undefined) return undefined;
  if (uuid === undefined) {
    if (ctx.method === 'GET') return list(family, ctx);
    if (ctx.method === 'POST') return create(family, ctx);
    return methodNotAllowed(ctx);
  }
  if (action === undefined) {
    if (ctx.method === 'GET') return getOne(family, ctx, uuid);
    if (ctx.method === 'PATCH') return patch(family, ctx, uuid);
    if (ctx.method === 'DELETE') return remove(family, ctx, uuid);
    return methodNotAllowed(ctx);
  }
  if (ctx.method !== 'POST') return methodNotAllowed(ctx);
  if (action === 'rekey-external') return rekeyExternal(family, ctx, uuid);
  if (action === 'rekey-internal' || action === 'restore') return simpleAction(family, ctx, uuid, action);
  return undefined;
}

/** methodNotAllowed is ONTAP's 405 for a method a path does not take. */
export function methodNotAllowed(ctx: Ctx): never {
  throw new SimError(405, '3', `The method "${ctx.method}" is not allowed on "${ctx.path}".`);
}

function failure(e: ErrorSpec, target?: string): SimError {
  return new SimError(400, e.code, e.message, target);
}

function list<R extends StoredKeyManager>(family: SimKeyManagerFamily<R>, ctx: Ctx): Reply {
  const query = parseCollectionQuery(ctx.params, family.spec);
  const views = [...family.records(ctx.state).values()].map((r) => family.view(ctx.state, r));
  return { status: 200, body: listCollection(views, query, ctx.params, family.spec) };
}

function lookup<R extends StoredKeyManager>(family: SimKeyManagerFamily<R>, state: SimState, uuid: string): R {
  const r = family.records(state).get(uuid);
  if (r === undefined) throw notFound('uuid');
  return r;
}

/**
 * getOne answers an instance GET. Like ONTAP it takes field queries there too (NetApp's clients
 * repeat a 202's Location query, `svm.name=...`, on every later GET of the new object); a
 * record they do not match is not found.
 */
function getOne<R extends StoredKeyManager>(family: SimKeyManagerFamily<R>, ctx: Ctx, uuid: string): Reply {
  for (const key of ['max_records', 'order_by', 'return_records', 'start.uuid']) if (ctx.params.has(key)) throw unexpectedArgument(key);
  const query = parseCollectionQuery(ctx.params, family.spec);
  const view = family.view(ctx.state, lookup(family, ctx.state, uuid));
  if (!query.filters.every(([field, expr]) => matchesFilter(view, field, expr))) throw notFound('uuid');
  return { status: 200, body: project(view, query.fields, family.spec, true) };
}

async function create<R extends StoredKeyManager>(family: SimKeyManagerFamily<R>, ctx: Ctx): Promise<Reply> {
  allowParams(ctx.params, ['return_records', 'return_timeout', ...family.createParams]);
  const input = validateCreate(family.rules, ctx.body);
  family.checkCreate(input, ctx.params);
  const returnRecords = ctx.params.get('return_records') === 'true';
  return runWrite(ctx, `POST ${family.base}`, () => {
    const svm = resolveSvm(ctx.state, input.svm);
    // Only Azure takes create_inactive (allowParams refuses it elsewhere); an inactive configuration is not "the" key manager.
    if (ctx.params.get('create_inactive') !== 'true') refuseSecondKeyManager(ctx.state, svm);
    const record = family.build(ctx.state, svm, input.fields, ctx.params);
    family.records(ctx.state).set(record.uuid, record);
    return {
      status: 201,
      headers: { location: `${family.base}/${record.uuid}` },
      body: returnRecords ? { num_records: 1, records: [project(family.view(ctx.state, record), ['*'], family.spec, true)] } : {},
    };
  }, createdLocation(family.base, input.svm));
}

/** resolveSvm finds the SVM a POST names (undefined: the cluster scope), or answers ONTAP's 2621462. */
export function resolveSvm(state: SimState, input: SvmInput | undefined): SimSvm | undefined {
  if (input === undefined) return undefined;
  const svm = state.findSvm(input);
  if (svm === undefined) {
    const target = input.name !== undefined ? 'svm.name' : 'svm.uuid';
    throw new SimError(400, '2621462', `SVM "${input.name ?? input.uuid}" does not exist.`, target);
  }
  return svm;
}

/**
 * refuseSecondKeyManager enforces "one key manager allowed per SVM" (netapp_ontap's
 * security_key_manager overview) across every cloud family, the onboard and external key
 * managers of /api/security/key-managers and the KMIP knob, with the code ONTAP documents for
 * POST /security/aws-kms: 65537910, a key manager is already configured for the SVM.
 */
export function refuseSecondKeyManager(state: SimState, svm: SimSvm | undefined): void {
  const existing = state.keyManagerFor(svm);
  if (existing === undefined) return;
  const where = svm === undefined ? 'the admin SVM' : `SVM "${svm.name}"`;
  // An external one is worded as ONTAP words it (NetApp's Ansible collection matches "already has external key management configured").
  const message =
    existing === 'external' ? `${where} already has external key management configured.` : `A key manager (${existing}) has already been configured for ${where}.`;
  throw new SimError(400, '65537910', message);
}

/** createdLocation is the query ONTAP puts in a 202's Location for a new record. */
export function createdLocation(base: string, svm: SvmInput | undefined): string {
  const query = new URLSearchParams();
  if (svm?.name !== undefined) query.set('svm.name', svm.name);
  else if (svm?.uuid !== undefined) query.set('svm.uuid', svm.uuid);
  else query.set('scope', 'cluster');
  return `${base}?${query.toString()}`;
}

async function patch<R extends StoredKeyManager>(family: SimKeyManagerFamily<R>, ctx: Ctx, uuid: string): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout']);
  lookup(family, ctx.state, uuid);
  const fields = validatePatch(family.rules, ctx.body, failure(family.errors.noInputs));
  family.checkPatch(fields);
  return runWrite(ctx, `PATCH ${family.base}/${uuid}`, () => {
    const r = family.records(ctx.state).get(uuid);
    if (r === undefined) throw failure(family.errors.notConfigured);
    family.patch(ctx.state, r, fields);
    return { status: 200, body: {} };
  });
}

async function remove<R extends StoredKeyManager>(family: SimKeyManagerFamily<R>, ctx: Ctx, uuid: string): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout']);
  lookup(family, ctx.state, uuid);
  return runWrite(ctx, `DELETE ${family.base}/${uuid}`, () => {
    const r = family.records(ctx.state).get(uuid);
    if (r === undefined) throw failure(family.errors.notConfigured);
    if (r.enabled && ctx.state.keysInUseFor(r)) throw failure(family.errors.keysInUse);
    family.records(ctx.state).delete(uuid);
    return { status: 200, body: {} };
  });
}

async function rekeyExternal<R extends StoredKeyManager>(family: SimKeyManagerFamily<R>, ctx: Ctx, uuid: string): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout']);
  lookup(family, ctx.state, uuid);
  const fields = validateAction(ctx.body, family.rekeyExternal.kinds, family.rekeyExternal.required);
  return runWrite(ctx, `POST ${family.base}/${uuid}/rekey-external`, () => {
    const r = lookup(family, ctx.state, uuid);
    if (!family.reachable(ctx.state, r)) throw failure(family.errors.rekeyFailed);
    family.rekey(r, fields);
    return { status: 201, body: {} };
  });
}

/**
 * simpleAction answers rekey-internal and restore (POST, no body, `return_timeout`): 201, or 202
 * and a job in async mode. What ONTAP checks is checked when the work runs (in the job), from the
 * state: the record gone or inactive (not configured), then for rekey-internal a node down
 * (65537566) or the SVM's key manager blocked (65537556), for restore the cloud unreachable. A
 * success is counted (SimState.countKeyAction): a rekey-internal is a new key generation for the
 * SVM. An unknown uuid is a 404 at once, as for every other instance call.
 */
async function simpleAction<R extends StoredKeyManager>(family: SimKeyManagerFamily<R>, ctx: Ctx, uuid: string, action: 'rekey-internal' | 'restore'): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout']);
  lookup(family, ctx.state, uuid);
  validateNoBody(ctx.body);
  return runWrite(ctx, `POST ${family.base}/${uuid}/${action}`, () => {
    const { state } = ctx;
    const r = family.records(state).get(uuid);
    if (action === 'rekey-internal') {
      if (r === undefined || !r.enabled) throw failure(family.errors.rekeyInternalNotConfigured);
      if (state.nodes.some((n) => !n.online)) throw failure(NODES_OFFLINE);
      if (state.blocked.has(state.svmKey(r))) throw failure(family.errors.keyManagerBlocked);
    } else {
      if (r === undefined || !r.enabled) throw failure(family.errors.restoreNotConfigured);
      if (!family.reachable(state, r)) throw failure(family.errors.restoreFailed);
      // The keys are back.
      state.keysLost.delete(state.svmKey(r));
    }
    state.countKeyAction(family.name, r, action);
    return { status: 201, body: {} };
  });
}
