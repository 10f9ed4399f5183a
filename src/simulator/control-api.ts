/**
 * The simulator's HTTP control API under `/_sim/` (JSON, unauthenticated, test-only). Each
 * route is a thin parse-and-call over SimControl.
 *
 * For the onboard and external key managers, key servers and certificates:
 * - `GET /_sim/key-managers` → `{keyManagers}`: the stored records, key servers included,
 *   passphrases and passwords as fingerprints. `GET /_sim/certificates` → `{certificates}`,
 *   private keys as fingerprints.
 * - `POST /_sim/onboard/passphrase-check {"passphrase"}` → `{configured, matches}`.
 * - `PUT /_sim/nodes/{node}/onboard-sync {"needed": bool}`: a node joined (added if unknown)
 *   and lacks the onboard keys; status 65537208 names it until a synchronize PATCH. 404 without
 *   an Onboard Key Manager.
 * - `PUT /_sim/key-servers/{host%3Aport}/nodes/{node} {"reachable": bool}`: the server does not
 *   answer that node (connectivity not_responding there, cluster_availability false).
 * - `PUT /_sim/key-servers/{host%3Aport}/keys-only-here {"only": bool}`: its DELETE answers 65536700.
 * - Encrypted volumes: `PUT /_sim/svms/{svm or cluster name}/keys-in-use {"inUse": bool}`, as for
 *   the cloud families (DELETE answers 65536239 onboard, 65536867 external).
 */
import type { AsyncUpdate, AwsUpdate, CloudUpdate, SimControl } from './control.js';
import { parseFaultRule } from './faults.js';
import type { JsonBody } from './http.js';
import type { Reply } from './reply.js';

/** ControlError is a bad control-API request (400). */
class ControlError extends Error {}

/** routeControl answers a `/_sim/` request. */
export function routeControl(control: SimControl, method: string, path: string, body: JsonBody | undefined): Reply {
  try {
    return dispatch(control, method, path, body ?? {});
  } catch (err) {
    if (err instanceof ControlError || err instanceof TypeError || err instanceof SyntaxError) {
      return { status: 400, body: { error: err.message } };
    }
    throw err;
  }
}

function dispatch(control: SimControl, method: string, path: string, b: JsonBody): Reply {
  const ok = (body: unknown = {}): Reply => ({ status: 200, body });
  const seg = path.split('/').filter((s) => s !== '').slice(1);
  const route = `${method} /${seg.map((s, i) => placeholder(seg, i) ?? s).join('/')}`;
  const name = decodeURIComponent(seg[1] ?? '');
  switch (route) {
    case 'POST /faults':
      return { status: 201, body: { id: control.addFault(parseFaultRule(b)) } };
    case 'GET /faults':
      return ok({ faults: control.faults() });
    case 'DELETE /faults':
      control.clearFaults();
      return ok();
    case 'DELETE /faults/:id':
      return control.clearFaults(name) ? ok() : { status: 404, body: { error: `no fault ${name}` } };
    case 'PUT /aws':
      control.setAws(parseAws(b));
      return ok();
    case 'PUT /azure':
      control.setAzure(parseCloud(b));
      return ok();
    case 'PUT /gcp':
      control.setGcp(parseCloud(b));
      return ok();
    case 'PUT /svms/:name/kmip':
      control.setKmip(name, bool(b, 'configured'));
      return ok();
    case 'PUT /nodes/:name/ekmip':
      return control.setEkmip(name, bool(b, 'reachable')) ? ok() : { status: 404, body: { error: `no node ${name}` } };
    case 'PUT /nodes/:name/online':
      return control.setNodeOnline(name, bool(b, 'online')) ? ok() : { status: 404, body: { error: `no node ${name}` } };
    case 'PUT /svms/:name/blocked':
      control.setKeyManagerBlocked(name, bool(b, 'blocked'));
      return ok();
    case 'GET /key-generations':
      return ok({ generations: control.keyGenerations() });
    case 'GET /key-actions':
      return ok({ actions: control.keyActions() });
    case 'PUT /svms/:name/keys-in-use':
      control.setKeysInUse(name, bool(b, 'inUse'));
      return ok();
    case 'GET /key-managers':
      return ok({ keyManagers: control.keyManagers() });
    case 'GET /certificates':
      return ok({ certificates: control.certificates() });
    case 'POST /onboard/passphrase-check':
      return ok(control.onboardPassphrase(str(b, 'passphrase')));
    case 'PUT /nodes/:name/onboard-sync':
      return control.setOnboardSyncNeeded(name, bool(b, 'needed')) ? ok() : { status: 404, body: { error: 'no Onboard Key Manager configured' } };
    case 'PUT /key-servers/:server/nodes/:node':
      return control.setKeyServerReachable(name, decodeURIComponent(seg[3] ?? ''), bool(b, 'reachable'))
        ? ok()
        : { status: 404, body: { error: `no node ${decodeURIComponent(seg[3] ?? '')}` } };
    case 'PUT /key-servers/:server/keys-only-here':
      control.setKeysOnlyOn(name, bool(b, 'only'));
      return ok();
    case 'PUT /async':
      control.setAsync(parseAsync(b));
      return ok();
    case 'PUT /jobs':
      control.setJobRetention(num(b, 'retentionMs'));
      return ok();
    case 'GET /requests':
      return ok({ requests: control.requests() });
    case 'DELETE /requests':
      control.clearRequests();
      return ok();
    case 'GET /stats':
      return ok(control.stats());
    case 'GET /state':
      return ok(control.dump());
    case 'POST /reset':
      control.reset();
      return ok();
    default:
      return { status: 404, body: { error: `no control route ${method} ${path}` } };
  }
}

/** placeholder names the variable path segments of the control routes: node, SVM and key-server names, fault ids. */
function placeholder(seg: readonly string[], i: number): string | undefined {
  if ((seg[0] === 'nodes' || seg[0] === 'svms') && i === 1) return ':name';
  if (seg[0] === 'faults' && i === 1) return ':id';
  if (seg[0] === 'key-servers' && i === 1) return ':server';
  if (seg[0] === 'key-servers' && seg[2] === 'nodes' && i === 3) return ':node';
  return undefined;
}

function str(b: JsonBody, key: string): string {
  const v = b[key];
  if (typeof v !== 'string') throw new ControlError(`${key} must be a string`);
  return v;
}

function bool(b: JsonBody, key: string): boolean {
  const v = b[key];
  if (typeof v !== 'boolean') throw new ControlError(`${key} must be a boolean`);
  return v;
}

function num(b: JsonBody, key: string): number {
  const v = b[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ControlError(`${key} must be a non-negative number`);
  return v;
}

function parseCloud(b: JsonBody): CloudUpdate {
  const out: { accepted?: CloudUpdate['accepted']; reachable?: boolean } = {};
  if (b['reachable'] !== undefined) out.reachable = bool(b, 'reachable');
  const list = b['accepted'];
  if (list === null) out.accepted = null;
  else if (list !== undefined) {
    if (!Array.isArray(list) || !list.every((x): x is string => typeof x === 'string')) throw new ControlError('accepted must be an array of strings or null');
    out.accepted = list;
  }
  return out;
}

function parseAws(b: JsonBody): AwsUpdate {
  const out: { acceptedCredentials?: AwsUpdate['acceptedCredentials']; reachable?: boolean } = {};
  if (b['reachable'] !== undefined) out.reachable = bool(b, 'reachable');
  const list = b['acceptedCredentials'];
  if (list === null) out.acceptedCredentials = null;
  else if (list !== undefined) {
    if (!Array.isArray(list)) throw new ControlError('acceptedCredentials must be an array or null');
    out.acceptedCredentials = (list as unknown[]).map((c, i) => {
      if (typeof c !== 'object' || c === null) throw new ControlError(`acceptedCredentials[${i}] must be an object`);
      const o = c as Record<string, unknown>;
      if (typeof o['accessKeyId'] !== 'string' || typeof o['secretAccessKey'] !== 'string') {
        throw new ControlError(`acceptedCredentials[${i}] needs accessKeyId and secretAccessKey strings`);
      }
      return { accessKeyId: o['accessKeyId'], secretAccessKey: o['secretAccessKey'] };
    });
  }
  return out;
}

function parseAsync(b: JsonBody): AsyncUpdate {
  const fail = b['fail'];
  let parsedFail: AsyncUpdate['fail'];
  if (fail === undefined || typeof fail === 'boolean') parsedFail = fail;
  else if (typeof fail === 'object' && fail !== null) {
    const f = fail as Record<string, unknown>;
    if (typeof f['message'] !== 'string' || (typeof f['code'] !== 'string' && typeof f['code'] !== 'number')) {
      throw new ControlError('fail needs code and message');
    }
    parsedFail = { code: String(f['code']), message: f['message'] };
  } else throw new ControlError('fail must be a boolean or {code, message}');
  return {
    enabled: bool(b, 'enabled'),
    ...(b['delayMs'] !== undefined ? { delayMs: num(b, 'delayMs') } : {}),
    ...(parsedFail !== undefined ? { fail: parsedFail } : {}),
  };
}
