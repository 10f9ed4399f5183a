/**
 * `/api/security/key-managers/{uuid}/key-servers[/{server}]`: the primary key servers of an
 * external key manager. The path key is `host:port`, URL-encoded. GET (collection and
 * instance; `connectivity` per node only when named in `fields=`), POST (`server` or
 * `records[]`, at most four primaries), PATCH (timeout, create_remove_timeout, username,
 * password, port, secondary_key_servers replacing the whole list) and DELETE (`force=true`
 * accepted). In this sub-collection secondary_key_servers is a list; the key manager's embedded
 * view joins it with commas.
 */
import { checkServerList, keyServerHref, newKeyServer, nodesNotReaching, normalizeServer } from './external-key-manager.js';
import { type JsonBody, invalidField, notFound, SimError, unexpectedArgument } from './http.js';
import type { ErrorSpec } from './key-manager-family.js';
import { methodNotAllowed } from './key-manager-handlers.js';
import { boolParam, type CollectionSpec, listCollection, matchesFilter, parseCollectionQuery, project } from './query.js';
import { allowParams, type Ctx, type Reply, runWrite } from './reply.js';
import { SECURITY_ERRORS } from './security-errors.js';
import type { StoredExternal, StoredKeyServer, StoredSecurityKeyManager } from './security-records.js';
import type { SimState } from './state.js';

function spec(km: StoredSecurityKeyManager): CollectionSpec {
  return {
    basePath: `/api/security/key-managers/${km.uuid}/key-servers`,
    fields: ['server', 'timeout', 'create_remove_timeout', 'username', 'secondary_key_servers'],
    // `connectivity` is ONTAP's expensive member: only with fields=.
    advanced: ['connectivity'],
    keys: ['server'],
  };
}

function failure(e: ErrorSpec, target?: string, detail = ''): SimError {
  return new SimError(400, e.code, `${e.message}${detail}`, target);
}

/** routeKeyServers answers the key-servers sub-collection of `km`; `server` is the encoded path key, if any. */
export async function routeKeyServers(ctx: Ctx, km: StoredSecurityKeyManager, server: string | undefined): Promise<Reply> {
  // The Onboard Key Manager has no key servers: ONTAP's key-servers pages answer 65536828.
  if (km.kind !== 'external') throw failure(SECURITY_ERRORS.externalNotEnabled);
  if (server === undefined) {
    if (ctx.method === 'GET') return list(ctx, km);
    if (ctx.method === 'POST') return create(ctx, km);
    return methodNotAllowed(ctx);
  }
  const name = decodeURIComponent(server);
  if (ctx.method === 'GET') return getOne(ctx, km, name);
  if (ctx.method === 'PATCH') return patch(ctx, km, name);
  if (ctx.method === 'DELETE') return remove(ctx, km, name);
  return methodNotAllowed(ctx);
}

/** view renders one key server with `connectivity` (dropped by project() unless named). */
function view(state: SimState, km: StoredExternal, s: StoredKeyServer): Record<string, unknown> {
  const down = new Set(nodesNotReaching(state, s.server));
  return {
    server: s.server,
    timeout: s.timeout,
    create_remove_timeout: s.create_remove_timeout,
    username: s.username,
    ...(s.secondary_key_servers.length === 0 ? {} : { secondary_key_servers: [...s.secondary_key_servers] }),
    connectivity: {
      cluster_availability: down.size === 0,
      node_states: state.nodes.map((n) => ({
        node: { name: n.name, uuid: n.uuid, _links: { self: { href: `/api/cluster/nodes/${n.uuid}` } } },
        state: down.has(n.name) ? 'not_responding' : 'available',
      })),
    },
    _links: { self: { href: keyServerHref(km.uuid, s.server) } },
  };
}

/**
 * queryOf parses a key-servers query. `return_unmatched_nested_array_objects=false` (the
 * library's per-node connectivity example) keeps only the node_states the filters match.
 */
function queryOf(ctx: Ctx, km: StoredExternal): { query: ReturnType<typeof parseCollectionQuery>; params: URLSearchParams; trimNested: boolean } {
  const params = new URLSearchParams(ctx.params);
  const unmatched = boolParam(params, 'return_unmatched_nested_array_objects');
  params.delete('return_unmatched_nested_array_objects');
  return { query: parseCollectionQuery(params, spec(km)), params, trimNested: unmatched === false };
}

function trimNodeStates(v: Record<string, unknown>, filters: ReadonlyArray<readonly [string, string]>): Record<string, unknown> {
  const prefix = 'connectivity.node_states.';
  const nested = filters.filter(([f]) => f.startsWith(prefix));
  const c = v['connectivity'] as { cluster_availability: boolean; node_states: Array<Record<string, unknown>> } | undefined;
  if (nested.length === 0 || c === undefined) return v;
  const kept = c.node_states.filter((ns) => nested.every(([f, e]) => matchesFilter(ns, f.slice(prefix.length), e)));
  return { ...v, connectivity: { ...c, node_states: kept } };
}

function list(ctx: Ctx, km: StoredExternal): Reply {
  const { query, params, trimNested } = queryOf(ctx, km);
  let views = km.servers.map((s) => view(ctx.state, km, s));
  if (trimNested) views = views.filter((v) => query.filters.every(([f, e]) => matchesFilter(v, f, e))).map((v) => trimNodeStates(v, query.filters));
  return { status: 200, body: listCollection(views, query, params, spec(km)) };
}

function findServer(km: StoredExternal, name: string): StoredKeyServer | undefined {
  // A path key without a port names the server on the default port, as POST fills it in.
  const wanted = /:\d+$/.test(name) ? name : `${name}:5696`;
  return km.servers.find((s) => s.server === wanted);
}

function getOne(ctx: Ctx, km: StoredExternal, name: string): Reply {
  for (const key of ['max_records', 'order_by', 'return_records', 'start.uuid']) if (ctx.params.has(key)) throw unexpectedArgument(key);
  const { query, trimNested } = queryOf(ctx, km);
  const s = findServer(km, name);
  if (s === undefined) throw notFound('server');
  let v = view(ctx.state, km, s);
  if (!query.filters.every(([f, e]) => matchesFilter(v, f, e))) throw notFound('server');
  if (trimNested) v = trimNodeStates(v, query.filters);
  return { status: 200, body: project(v, query.fields, spec(km), true) };
}

/** ServerInput is one server of a POST, with the optional members the key-servers POST takes. */
interface ServerInput {
  readonly server: string;
  readonly username?: string;
  readonly password?: string;
  readonly secondary_key_servers?: string[];
}

function parseServerInput(o: Record<string, unknown>, prefix: string): ServerInput {
  const out: { server?: string; username?: string; password?: string; secondary_key_servers?: string[] } = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === '_links') continue;
    if (k === 'server') out.server = normalizeServer(v, `${prefix}server`);
    else if (k === 'username' || k === 'password') {
      if (typeof v !== 'string') throw invalidField(`${prefix}${k}`, `Invalid value for field "${prefix}${k}": expected a string.`);
      out[k] = v;
    } else if (k === 'secondary_key_servers') out.secondary_key_servers = parseSecondaries(v, `${prefix}${k}`);
    else throw unexpectedArgument(`${prefix}${k}`);
  }
  if (out.server === undefined) throw invalidField(`${prefix}server`, `Missing value for required field "${prefix}server".`);
  return { ...out, server: out.server };
}

function parseSecondaries(v: unknown, target: string): string[] {
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string' && x.trim() !== '')) {
    throw invalidField(target, `Invalid value for field "${target}": expected an array of host names or addresses.`);
  }
  return v.map((x) => x.trim());
}

/** parseCreate takes `server` (with its members) or `records[]`, not both ("Not valid in POST if records is provided"). */
function parseCreate(body: JsonBody | undefined): { readonly servers: ServerInput[]; readonly single: boolean } {
  const b = body ?? {};
  if (b['records'] !== undefined) {
    for (const k of Object.keys(b)) if (k !== 'records' && k !== '_links') throw unexpectedArgument(k, 'It is not valid in POST when "records" is given.');
    const recs = b['records'];
    if (!Array.isArray(recs) || recs.length === 0) throw invalidField('records', 'The value for field "records" must be a non-empty array.');
    return {
      servers: recs.map((r, i) => {
        if (typeof r !== 'object' || r === null || Array.isArray(r)) throw invalidField('records', `records[${i}] must be an object.`);
        return parseServerInput(r as Record<string, unknown>, 'records.');
      }),
      single: false,
    };
  }
  return { servers: [parseServerInput(b, '')], single: true };
}

async function create(ctx: Ctx, km: StoredExternal): Promise<Reply> {
  allowParams(ctx.params, ['return_records', 'return_timeout']);
  const input = parseCreate(ctx.body);
  const returnRecords = ctx.params.get('return_records') === 'true';
  const base = spec(km).basePath;
  const first = input.servers[0]?.server ?? '';
  return runWrite(ctx, `POST ${base}`, () => {
    const r = ctx.state.securityKeyManagers.get(km.uuid);
    if (r === undefined || r.kind !== 'external') throw failure(SECURITY_ERRORS.externalNotEnabled);
    checkServerList([...r.servers.map((s) => s.server), ...input.servers.map((s) => s.server)]);
    const added = input.servers.map((i) => {
      checkCredentials(i.username, i.password, undefined);
      const s = newKeyServer(i.server);
      if (i.username !== undefined) s.username = i.username;
      if (i.password !== undefined) s.password = i.password;
      if (i.secondary_key_servers !== undefined) s.secondary_key_servers = i.secondary_key_servers;
      return s;
    });
    r.servers.push(...added);
    return {
      status: 201,
      headers: { location: input.single ? keyServerHref(r.uuid, first) : base },
      body: returnRecords ? { num_records: added.length, records: added.map((s) => project(view(ctx.state, r, s), ['*'], spec(r), true)) } : {},
    };
  }, input.single ? `${base}?server=${encodeURIComponent(first)}` : base);
}

/** checkCredentials: a username needs a password and a password a username (65536846 / 65536845). */
function checkCredentials(username: string | undefined, password: string | undefined, existing: StoredKeyServer | undefined): void {
  const user = username ?? existing?.username ?? '';
  const pass = password ?? existing?.password ?? '';
  if (user !== '' && pass === '') throw failure(SECURITY_ERRORS.missingPassword, 'password');
  if (pass !== '' && user === '') throw failure(SECURITY_ERRORS.missingUsername, 'username');
}

/** ServerPatch is a validated key-server PATCH body. */
interface ServerPatch {
  timeout?: number;
  create_remove_timeout?: number;
  username?: string;
  password?: string;
  port?: number;
  secondary_key_servers?: string[];
}

function parsePatch(body: JsonBody | undefined): ServerPatch {
  const out: ServerPatch = {};
  const int = (k: string, v: unknown, min: number, max: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalidField(k, `Invalid value for field "${k}": expected an integer in ${min}..${max}.`);
    return v;
  };
  for (const [k, v] of Object.entries(body ?? {})) {
    if (k === '_links') continue;
    if (k === 'timeout') out.timeout = int(k, v, 1, 60);
    else if (k === 'create_remove_timeout') out.create_remove_timeout = int(k, v, -1, 60);
    else if (k === 'port') out.port = int(k, v, 1, 65535);
    else if (k === 'username' || k === 'password') {
      if (typeof v !== 'string') throw invalidField(k, `Invalid value for field "${k}": expected a string.`);
      out[k] = v;
    } else if (k === 'secondary_key_servers') out.secondary_key_servers = parseSecondaries(v, k);
    else if (k === 'server' || k === 'records') throw unexpectedArgument(k, 'This field can be set only on create.');
    else if (k === 'connectivity') throw unexpectedArgument(k, 'This field is read-only.');
    else throw unexpectedArgument(k);
  }
  if (Object.keys(out).length === 0) throw invalidField('body', 'No inputs were provided for the patch request.');
  return out;
}

function liveServer(state: SimState, km: StoredExternal, name: string): { r: StoredExternal; s: StoredKeyServer } {
  const r = state.securityKeyManagers.get(km.uuid);
  if (r === undefined || r.kind !== 'external') throw failure(SECURITY_ERRORS.externalNotEnabled);
  const s = findServer(r, name);
  if (s === undefined) throw failure(SECURITY_ERRORS.serverNotConfigured, 'server', ` "${name}"`);
  return { r, s };
}

async function patch(ctx: Ctx, km: StoredExternal, name: string): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout']);
  const p = parsePatch(ctx.body);
  liveServer(ctx.state, km, name);
  return runWrite(ctx, `PATCH ${keyServerHref(km.uuid, name)}`, () => {
    const { r, s } = liveServer(ctx.state, km, name);
    checkCredentials(p.username, p.password, s);
    if (p.port !== undefined) {
      // A new port is a new path key: the server is `host:newport` from now on.
      const host = s.server.slice(0, s.server.lastIndexOf(':'));
      const renamed = `${host}:${p.port}`;
      if (renamed !== s.server) {
        checkServerList([...r.servers.filter((x) => x !== s).map((x) => x.server), renamed]);
        const i = r.servers.indexOf(s);
        r.servers[i] = { ...s, server: renamed };
      }
    }
    const target = findServer(r, p.port === undefined ? s.server : `${s.server.slice(0, s.server.lastIndexOf(':'))}:${p.port}`) ?? s;
    if (p.timeout !== undefined) target.timeout = p.timeout;
    if (p.create_remove_timeout !== undefined) target.create_remove_timeout = p.create_remove_timeout;
    if (p.username !== undefined) target.username = p.username;
    if (p.password !== undefined) target.password = p.password;
    if (p.secondary_key_servers !== undefined) target.secondary_key_servers = p.secondary_key_servers;
    return { status: 200, body: {} };
  });
}

async function remove(ctx: Ctx, km: StoredExternal, name: string): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout', 'force']);
  // `force` (9.11) skips the quorum check, which the simulator does not model; its value is still checked.
  boolParam(ctx.params, 'force');
  liveServer(ctx.state, km, name);
  return runWrite(ctx, `DELETE ${keyServerHref(km.uuid, name)}`, () => {
    const { r, s } = liveServer(ctx.state, km, name);
    // `force` skips the quorum check only; keys held nowhere else still stop the DELETE.
    if (ctx.state.keysOnlyOn.has(s.server)) throw failure(SECURITY_ERRORS.keysOnlyOnServer, 'server');
    r.servers = r.servers.filter((x) => x !== s);
    return { status: 200, body: {} };
  });
}
