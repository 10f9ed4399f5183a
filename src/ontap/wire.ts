/**
 * Wire types of the ONTAP REST API, snake_case as ONTAP sends them, and their parsers. Every
 * JSON body the client receives passes through one of the `parse*` functions here, once.
 */
import {
  asArray,
  asObject,
  type JsonObject,
  type Mutable,
  optCode,
  optNumber,
  optObject,
  optString,
  ParseError,
  put,
  reqNumber,
  reqString,
  scalars,
} from '../json/read.js';
import {
  type KeyManagerIdentity,
  type KeyManagerState,
  type KeyManagerStatus,
  parseReachability,
  readIdentity,
  readStatus,
  type Reachability,
} from './wire-key-manager.js';

export type { AwsKmsCreateBody, AwsKmsPatchBody } from './request-bodies.js';
export type { EkmipReachability, KeyManagerState, Reachability, SvmRef } from './wire-key-manager.js';

/** AwsKmsState is the advanced `state` member of an aws-kms record. */
export type AwsKmsState = KeyManagerState;

/** AmazonReachability is the advanced `amazon_reachability` member. */
export type AmazonReachability = Reachability;

/**
 * AwsKmsRecord is one `/security/aws-kms` record as GET returns it. Every member is optional
 * because ONTAP returns only the fields asked for; write-only fields are absent by design.
 */
export interface AwsKmsRecord extends KeyManagerIdentity, KeyManagerStatus {
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
  readonly amazon_reachability?: AmazonReachability;
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

/**
 * parseAwsKmsRecord validates one aws-kms record, built by assignment in one order (see scalars):
 * the observer keeps thousands of them.
 */
export function parseAwsKmsRecord(v: unknown, path = 'record'): AwsKmsRecord {
  const o = asObject(v, path);
  const r: Mutable<AwsKmsRecord> = {};
  readIdentity(o, path, r);
  scalars(
    o,
    path,
    {
      strings: ['key_id', 'region', 'access_key_id', 'service', 'default_domain', 'host', 'proxy_type', 'proxy_host', 'proxy_username', 'encryption_context'],
      numbers: ['port', 'proxy_port', 'polling_period', 'timeout'],
      booleans: ['verify', 'verify_host', 'verify_ip', 'skip_verify'],
    },
    r,
  );
  readStatus(o, path, r);
  put(r, 'amazon_reachability', optObject(o, 'amazon_reachability', path, parseReachability));
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
  const job: Mutable<JobRecord> = { uuid: reqString(o, 'uuid', 'job'), state: known };
  scalars(o, 'job', { strings: ['description', 'message'] }, job);
  put(job, 'code', optCode(o, 'code', 'job'));
  put(job, 'error', optObject(o, 'error', 'job', (e, p) => {
    const error: Mutable<NonNullable<JobRecord['error']>> = {};
    put(error, 'code', optCode(e, 'code', p));
    put(error, 'message', optString(e, 'message', p));
    put(error, 'target', optString(e, 'target', p));
    return error;
  }));
  return job;
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
    const body: Mutable<ErrorBody> = { code: optCode(eo, 'code', 'error') ?? '', message: optString(eo, 'message', 'error') ?? '' };
    put(body, 'target', optString(eo, 'target', 'error'));
    return body;
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
  const collection: Mutable<Collection> = { records, numRecords };
  put(collection, 'nextHref', nextHref);
  return collection;
}
