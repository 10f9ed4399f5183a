/**
 * Wire types of the ONTAP REST API, snake_case as ONTAP sends them, and their parsers. Every
 * JSON body the client receives passes through one of the `parse*` functions here, once.
 */
import {
  asArray,
  asObject,
  type JsonObject,
  optBoolean,
  optCode,
  optNumber,
  optObject,
  optString,
  ParseError,
  reqNumber,
  reqString,
} from './parse.js';

export type { AwsKmsCreateBody, AwsKmsPatchBody } from './request-bodies.js';

/** SvmRef is the `svm` member of an SVM-scoped record. */
export interface SvmRef {
  readonly name: string;
  readonly uuid: string;
}

/** AwsKmsState is the advanced `state` member: is key protection available cluster-wide. */
export interface AwsKmsState {
  readonly cluster_state?: boolean;
  readonly code?: string;
  readonly message?: string;
}

/** AmazonReachability is the advanced `amazon_reachability` member. */
export interface AmazonReachability {
  readonly reachable?: boolean;
  readonly code?: string;
  readonly message?: string;
}

/** EkmipReachability is one node's entry of the advanced `ekmip_reachability` array. */
export interface EkmipReachability {
  readonly node?: { readonly name?: string; readonly uuid?: string };
  readonly reachable?: boolean;
  readonly code?: string;
  readonly message?: string;
}

/**
 * AwsKmsRecord is one `/security/aws-kms` record as GET returns it. Every member is optional
 * because ONTAP returns only the fields asked for; write-only fields are absent by design.
 */
export interface AwsKmsRecord {
  readonly uuid?: string;
  readonly svm?: SvmRef;
  readonly scope?: 'svm' | 'cluster';
  readonly key_id?: string;
  readonly region?: string;
  readonly access_key_id?: string;
  readonly service?: string;
  readonly default_domain?: string;
  readonly host?: string;
  readonly port?: number;
  readonly proxy_type?: string;
  readonly proxy_host?: string;
  readonly proxy_port?: number;
  readonly proxy_username?: string;
  readonly polling_period?: number;
  readonly encryption_context?: string;
  readonly timeout?: number;
  readonly verify?: boolean;
  readonly verify_host?: boolean;
  readonly verify_ip?: boolean;
  readonly skip_verify?: boolean;
  readonly state?: AwsKmsState;
  readonly amazon_reachability?: AmazonReachability;
  readonly ekmip_reachability?: readonly EkmipReachability[];
}

/** ClusterVersion is `version` of GET /cluster. */
export interface ClusterVersion {
  readonly full: string;
  readonly generation: number;
  readonly major: number;
  readonly minor: number;
}

/** ClusterInfo is what GET /cluster tells about the cluster. */
export interface ClusterInfo {
  readonly name: string;
  readonly uuid: string;
  readonly version: ClusterVersion;
}

/** SvmRecord is one record of GET /svm/svms. */
export interface SvmRecord {
  readonly name: string;
  readonly uuid: string;
}

/** JobState is the lifecycle of an ONTAP job. */
export type JobState = 'queued' | 'running' | 'paused' | 'success' | 'failure';

/** JobRecord is GET /cluster/jobs/{uuid}. */
export interface JobRecord {
  readonly uuid: string;
  readonly state: JobState;
  readonly description?: string;
  readonly message?: string;
  readonly code?: string;
  readonly error?: { readonly code?: string; readonly message?: string; readonly target?: string };
}

/** ErrorBody is the `error` member of ONTAP's error envelope. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

/** Collection is one page of a collection GET. */
export interface Collection {
  readonly records: readonly unknown[];
  readonly numRecords: number;
  readonly nextHref?: string;
}

/** JobLink is the body of a 202 answer. */
export interface JobLink {
  readonly uuid: string;
  readonly href: string;
}

const JOB_STATES: readonly JobState[] = ['queued', 'running', 'paused', 'success', 'failure'];

function parseStatusLike(o: JsonObject, path: string): { reachable?: boolean; code?: string; message?: string } {
  const r: Mutable<AmazonReachability> = {};
  put(r, 'reachable', optBoolean(o, 'reachable', path));
  put(r, 'code', optCode(o, 'code', path));
  put(r, 'message', optString(o, 'message', path));
  return r;
}

/**
 * parseAwsKmsRecord validates one aws-kms record. It builds the record by assignment, in one
 * order: built by spreading `defined(...)` pieces, every record (and its state and reachability)
 * got a hidden class of its own once the code was warm, a V8 map and descriptor array per
 * object that the observer's snapshot of 10,000 records kept alive (about 10 MB).
 */
export function parseAwsKmsRecord(v: unknown, path = 'record'): AwsKmsRecord {
  const o = asObject(v, path);
  const rawScope = optString(o, 'scope', path);
  const ekmip = o['ekmip_reachability'];
  const r: Mutable<AwsKmsRecord> = {};
  put(r, 'uuid', optString(o, 'uuid', path));
  put(r, 'svm', optObject(o, 'svm', path, (s, p) => ({ name: reqString(s, 'name', p), uuid: reqString(s, 'uuid', p) })));
  put(r, 'scope', rawScope === 'svm' || rawScope === 'cluster' ? rawScope : undefined);
  put(r, 'key_id', optString(o, 'key_id', path));
  put(r, 'region', optString(o, 'region', path));
  put(r, 'access_key_id', optString(o, 'access_key_id', path));
  put(r, 'service', optString(o, 'service', path));
  put(r, 'default_domain', optString(o, 'default_domain', path));
  put(r, 'host', optString(o, 'host', path));
  put(r, 'port', optNumber(o, 'port', path));
  put(r, 'proxy_type', optString(o, 'proxy_type', path));
  put(r, 'proxy_host', optString(o, 'proxy_host', path));
  put(r, 'proxy_port', optNumber(o, 'proxy_port', path));
  put(r, 'proxy_username', optString(o, 'proxy_username', path));
  put(r, 'polling_period', optNumber(o, 'polling_period', path));
  put(r, 'encryption_context', optString(o, 'encryption_context', path));
  put(r, 'timeout', optNumber(o, 'timeout', path));
  put(r, 'verify', optBoolean(o, 'verify', path));
  put(r, 'verify_host', optBoolean(o, 'verify_host', path));
  put(r, 'verify_ip', optBoolean(o, 'verify_ip', path));
  put(r, 'skip_verify', optBoolean(o, 'skip_verify', path));
  put(r, 'state', optObject(o, 'state', path, (s, p) => {
    const state: Mutable<AwsKmsState> = {};
    put(state, 'cluster_state', optBoolean(s, 'cluster_state', p));
    put(state, 'code', optCode(s, 'code', p));
    put(state, 'message', optString(s, 'message', p));
    return state;
  }));
  put(r, 'amazon_reachability', optObject(o, 'amazon_reachability', path, parseStatusLike));
  if (ekmip !== undefined && ekmip !== null) {
    r.ekmip_reachability = asArray(ekmip, `${path}.ekmip_reachability`).map((e, i) => {
      const p = `${path}.ekmip_reachability[${i}]`;
      const eo = asObject(e, p);
      const entry: Mutable<EkmipReachability> = parseStatusLike(eo, p);
      put(entry, 'node', optObject(eo, 'node', p, (n, np) => {
        const node: { name?: string; uuid?: string } = {};
        put(node, 'name', optString(n, 'name', np));
        put(node, 'uuid', optString(n, 'uuid', np));
        return node;
      }));
      return entry;
    });
  }
  return r;
}

/** parseCluster validates GET /cluster. */
export function parseCluster(v: unknown): ClusterInfo {
  const o = asObject(v, 'cluster');
  const ver = asObject(o['version'], 'cluster.version');
  return {
    name: reqString(o, 'name', 'cluster'),
    uuid: reqString(o, 'uuid', 'cluster'),
    version: {
      full: reqString(ver, 'full', 'cluster.version'),
      generation: reqNumber(ver, 'generation', 'cluster.version'),
      major: reqNumber(ver, 'major', 'cluster.version'),
      minor: reqNumber(ver, 'minor', 'cluster.version'),
    },
  };
}

/** parseSvm validates one SVM record. */
export function parseSvm(v: unknown, path = 'svm'): SvmRecord {
  const o = asObject(v, path);
  return { name: reqString(o, 'name', path), uuid: reqString(o, 'uuid', path) };
}

/** parseJob validates GET /cluster/jobs/{uuid}. */
export function parseJob(v: unknown): JobRecord {
  const o = asObject(v, 'job');
  const state = reqString(o, 'state', 'job');
  const known = JOB_STATES.find((s) => s === state);
  if (known === undefined) throw new ParseError('job.state', `one of ${JOB_STATES.join(', ')}`);
  return {
    uuid: reqString(o, 'uuid', 'job'),
    state: known,
    ...defined('description', optString(o, 'description', 'job')),
    ...defined('message', optString(o, 'message', 'job')),
    ...defined('code', optCode(o, 'code', 'job')),
    ...defined('error', optObject(o, 'error', 'job', (e, p) => ({
      ...defined('code', optCode(e, 'code', p)),
      ...defined('message', optString(e, 'message', p)),
      ...defined('target', optString(e, 'target', p)),
    }))),
  };
}

/** parseJobLink validates a 202 body `{job:{uuid,_links:{self:{href}}}}`. */
export function parseJobLink(v: unknown): JobLink {
  const job = asObject(asObject(v, 'body')['job'], 'body.job');
  const uuid = reqString(job, 'uuid', 'body.job');
  const links = job['_links'];
  let href = `/api/cluster/jobs/${uuid}`;
  if (links !== undefined) {
    const self = asObject(asObject(links, 'body.job._links')['self'], 'body.job._links.self');
    href = reqString(self, 'href', 'body.job._links.self');
  }
  return { uuid, href };
}

/** parseErrorEnvelope reads `{error:{code,message,target}}`, or undefined when the body is not one. */
export function parseErrorEnvelope(v: unknown): ErrorBody | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const e: unknown = (v as JsonObject)['error'];
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return undefined;
  const eo = e as JsonObject;
  try {
    return {
      code: optCode(eo, 'code', 'error') ?? '',
      message: optString(eo, 'message', 'error') ?? '',
      ...defined('target', optString(eo, 'target', 'error')),
    };
  } catch {
    return undefined;
  }
}

/** parseCollection validates the collection envelope; records are parsed by the caller. */
export function parseCollection(v: unknown): Collection {
  const o = asObject(v, 'collection');
  const records = o['records'] === undefined ? [] : asArray(o['records'], 'collection.records');
  const numRecords = optNumber(o, 'num_records', 'collection') ?? records.length;
  let nextHref: string | undefined;
  const links = o['_links'];
  if (links !== undefined && links !== null) {
    const next = asObject(links, 'collection._links')['next'];
    if (next !== undefined && next !== null) {
      nextHref = reqString(asObject(next, 'collection._links.next'), 'href', 'collection._links.next');
    }
  }
  return { records, numRecords, ...defined('nextHref', nextHref) };
}

/**
 * defined returns `{[key]: value}` or `{}`: spreading it keeps absent members absent instead of
 * present-but-undefined, so a record compares equal to what ONTAP sent.
 */
/** Mutable drops the readonly of a record's members while it is built. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** put sets `r[key]` to `value` unless it is undefined (a record has no undefined members). */
function put<T extends object, K extends keyof T>(r: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) r[key] = value;
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
