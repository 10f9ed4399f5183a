/**
 * The `/api/security/aws-kms` endpoints: collection and instance GET, POST, PATCH, DELETE and
 * the rekey-external / rekey-internal / restore actions, with ONTAP's error codes.
 */
import { randomUUID } from 'node:crypto';
import { AWS_KMS_ADVANCED, AWS_KMS_FIELDS, AWS_KMS_KEYS, awsKmsView } from './aws-kms-view.js';
import { validateCreate, validateNoBody, validatePatch, validateRekeyExternal, type CreateInput } from './aws-kms-validate.js';
import { notFound, SimError, unexpectedArgument } from './http.js';
import { type CollectionSpec, listCollection, matchesFilter, parseCollectionQuery, project } from './query.js';
import { allowParams, type Ctx, type Reply, runWrite } from './reply.js';
import type { SimState, StoredAwsKms } from './state.js';

/** AWS_KMS_BASE is the collection path. */
export const AWS_KMS_BASE = '/api/security/aws-kms';

const SPEC: CollectionSpec = { basePath: AWS_KMS_BASE, fields: AWS_KMS_FIELDS, advanced: AWS_KMS_ADVANCED, keys: AWS_KMS_KEYS };

/** routeAwsKms answers a request under AWS_KMS_BASE, or returns undefined when no route matches. */
export async function routeAwsKms(ctx: Ctx): Promise<Reply | undefined> {
  const rest = ctx.path.slice(AWS_KMS_BASE.length).split('/').filter((s) => s !== '');
  const [uuid, action, extra] = rest;
  if (extra !== undefined) return undefined;
  if (uuid === undefined) {
    if (ctx.method === 'GET') return list(ctx);
    if (ctx.method === 'POST') return create(ctx);
    return methodNotAllowed(ctx);
  }
  if (action === undefined) {
    if (ctx.method === 'GET') return getOne(ctx, uuid);
    if (ctx.method === 'PATCH') return patch(ctx, uuid);
    if (ctx.method === 'DELETE') return remove(ctx, uuid);
    return methodNotAllowed(ctx);
  }
  if (ctx.method !== 'POST') return methodNotAllowed(ctx);
  if (action === 'rekey-external') return rekeyExternal(ctx, uuid);
  if (action === 'rekey-internal') return simpleAction(ctx, uuid, 'rekey-internal', () => undefined);
  if (action === 'restore') {
    return simpleAction(ctx, uuid, 'restore', (r) => {
      if (!reachableWith(ctx.state, r)) throw new SimError(400, '65536082', 'Unable to restore all keys from AWS KMS.');
    });
  }
  return undefined;
}

function methodNotAllowed(ctx: Ctx): never {
  throw new SimError(405, '3', `The method "${ctx.method}" is not allowed on "${ctx.path}".`);
}

function list(ctx: Ctx): Reply {
  const query = parseCollectionQuery(ctx.params, SPEC);
  const views = [...ctx.state.records.values()].map((r) => awsKmsView(ctx.state, r));
  return { status: 200, body: listCollection(views, query, ctx.params, SPEC) };
}

function lookup(state: SimState, uuid: string): StoredAwsKms {
  const r = state.records.get(uuid);
  if (r === undefined) throw notFound('uuid');
  return r;
}

/**
 * getOne answers an instance GET. Like ONTAP it takes field queries there too (NetApp's clients
 * repeat a 202's Location query, `svm.name=...`, on every later GET of the new object); a
 * record they do not match is not found.
 */
function getOne(ctx: Ctx, uuid: string): Reply {
  for (const key of ['max_records', 'order_by', 'return_records', 'start.uuid']) if (ctx.params.has(key)) throw unexpectedArgument(key);
  const query = parseCollectionQuery(ctx.params, SPEC);
  const view = awsKmsView(ctx.state, lookup(ctx.state, uuid));
  if (!query.filters.every(([field, expr]) => matchesFilter(view, field, expr))) throw notFound('uuid');
  return { status: 200, body: project(view, query.fields, SPEC, true) };
}

function reachableWith(state: SimState, creds: { access_key_id: string; secret_access_key: string }): boolean {
  return state.aws.reachable && state.credentialsAccepted(creds.access_key_id, creds.secret_access_key);
}

function checkAws(state: SimState, creds: { access_key_id: string; secret_access_key: string }): void {
  if (!reachableWith(state, creds)) {
    const why = state.aws.reachable ? 'The security token included in the request is invalid.' : 'Connection timed out.';
    throw new SimError(400, '65537921', `Unable to connect to AWS KMS using these credentials. Reason: ${why}`);
  }
}

async function create(ctx: Ctx): Promise<Reply> {
  allowParams(ctx.params, ['return_records', 'return_timeout']);
  const input = validateCreate(ctx.body);
  const returnRecords = ctx.params.get('return_records') === 'true';
  return runWrite(ctx, 'POST /api/security/aws-kms', () => {
    const record = createRecord(ctx.state, input);
    return {
      status: 201,
      headers: { location: `${AWS_KMS_BASE}/${record.uuid}` },
      body: returnRecords
        ? { num_records: 1, records: [project(awsKmsView(ctx.state, record), ['*'], SPEC, true)] }
        : {},
    };
  }, createdLocation(input));
}

/** createdLocation is the query ONTAP puts in a 202's Location for a new aws-kms record. */
function createdLocation(input: CreateInput): string {
  const query = new URLSearchParams();
  if (input.svm?.name !== undefined) query.set('svm.name', input.svm.name);
  else if (input.svm?.uuid !== undefined) query.set('svm.uuid', input.svm.uuid);
  else query.set('scope', 'cluster');
  return `${AWS_KMS_BASE}?${query.toString()}`;
}

function createRecord(state: SimState, input: CreateInput): StoredAwsKms {
  let svm = undefined;
  if (input.svm !== undefined) {
    svm = state.findSvm(input.svm);
    if (svm === undefined) {
      const target = input.svm.name !== undefined ? 'svm.name' : 'svm.uuid';
      throw new SimError(400, '2621462', `SVM "${input.svm.name ?? input.svm.uuid}" does not exist.`, target);
    }
  }
  if (state.recordFor(svm) !== undefined) {
    throw new SimError(400, '65537910', `A key manager has already been configured for ${svm === undefined ? 'the admin SVM' : `SVM "${svm.name}"`}.`);
  }
  const f = input.fields;
  const str = (k: string): string | undefined => { const v = f[k]; return typeof v === 'string' ? v : undefined; };
  const num = (k: string): number | undefined => { const v = f[k]; return typeof v === 'number' ? v : undefined; };
  const region = str('region') ?? '';
  const record: StoredAwsKms = {
    uuid: randomUUID(),
    svm,
    scope: svm === undefined ? 'cluster' : 'svm',
    key_id: input.key_id,
    region,
    access_key_id: str('access_key_id') ?? '',
    secret_access_key: str('secret_access_key') ?? '',
    service: str('service') ?? 'kms',
    default_domain: str('default_domain') ?? 'amazonaws.com',
    host: str('host') ?? `kms.${region}.amazonaws.com`,
    port: num('port') ?? 443,
    polling_period: num('polling_period') ?? 60,
    timeout: 10,
    verify: true,
    verify_host: true,
    verify_ip: false,
    skip_verify: false,
  };
  for (const k of ['proxy_type', 'proxy_host', 'proxy_username', 'proxy_password', 'encryption_context'] as const) {
    const v = str(k);
    if (v !== undefined) record[k] = v;
  }
  const proxyPort = num('proxy_port');
  if (proxyPort !== undefined) record.proxy_port = proxyPort;
  checkAws(state, record);
  state.records.set(record.uuid, record);
  return record;
}

async function patch(ctx: Ctx, uuid: string): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout']);
  lookup(ctx.state, uuid);
  const fields = validatePatch(ctx.body);
  return runWrite(ctx, `PATCH /api/security/aws-kms/${uuid}`, () => {
    const r = ctx.state.records.get(uuid);
    if (r === undefined) throw new SimError(400, '65537926', 'AWS KMS is not configured for this SVM.');
    const credsChange = fields['access_key_id'] !== undefined || fields['secret_access_key'] !== undefined;
    if (credsChange && fields['skip_verify'] !== true) {
      checkAws(ctx.state, {
        access_key_id: typeof fields['access_key_id'] === 'string' ? fields['access_key_id'] : r.access_key_id,
        secret_access_key: typeof fields['secret_access_key'] === 'string' ? fields['secret_access_key'] : r.secret_access_key,
      });
    }
    Object.assign(r, fields);
    return { status: 200, body: {} };
  });
}

async function remove(ctx: Ctx, uuid: string): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout']);
  lookup(ctx.state, uuid);
  return runWrite(ctx, `DELETE /api/security/aws-kms/${uuid}`, () => {
    const r = ctx.state.records.get(uuid);
    if (r === undefined) throw new SimError(400, '65537926', 'AWS KMS is not configured for this SVM.');
    if (ctx.state.keysInUseFor(r)) {
      throw new SimError(400, '65537106', 'Cannot remove the key manager: volume encryption keys are still stored on it.');
    }
    ctx.state.records.delete(uuid);
    return { status: 200, body: {} };
  });
}

async function rekeyExternal(ctx: Ctx, uuid: string): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout']);
  lookup(ctx.state, uuid);
  const keyId = validateRekeyExternal(ctx.body);
  return runWrite(ctx, `POST /api/security/aws-kms/${uuid}/rekey-external`, () => {
    const r = lookup(ctx.state, uuid);
    if (!reachableWith(ctx.state, r)) throw new SimError(400, '65537919', 'External rekey failed on one or more nodes.');
    r.key_id = keyId;
    return { status: 201, body: {} };
  });
}

async function simpleAction(ctx: Ctx, uuid: string, name: string, effect: (r: StoredAwsKms) => void): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout']);
  lookup(ctx.state, uuid);
  validateNoBody(ctx.body);
  return runWrite(ctx, `POST /api/security/aws-kms/${uuid}/${name}`, () => {
    effect(lookup(ctx.state, uuid));
    return { status: 201, body: {} };
  });
}
