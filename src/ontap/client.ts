/**
 * OntapClient: typed calls for the ONTAP endpoints the operator uses (cluster, SVMs, and the
 * cloud key-manager families AWS_KMS, AZURE_KEY_VAULT and GCP_KMS through one set of generic
 * calls) over one Transport. Writes that ONTAP answers with 202 are followed to
 * the job's end, so every write either resolves or throws a typed error. Every call takes an
 * optional AbortSignal as its last parameter; an aborted call throws OntapAbortedError.
 */
import { isNotFound, OntapApiError, OntapProtocolError, OntapResponseTooLargeError } from './errors.js';
import { type JobWaitOptions, waitForJob } from './jobs.js';
import type { KeyManagerAction, KeyManagerFamily, KeyManagerRecord } from './key-manager-family.js';
import { ParseError } from '../json/read.js';
import { clip, isApiPath, type RawResponse, Transport, type TransportOptions } from './transport.js';
import { AWS_KMS } from './families.js';
import {
  type AwsKmsCreateBody,
  type AwsKmsPatchBody,
  type AwsKmsRecord,
  type ClusterInfo,
  parseCluster,
  parseCollection,
  parseJobLink,
  parseSvm,
  type SvmRecord,
} from './wire.js';

/** OntapClientOptions are the transport's options plus how jobs are followed. */
export interface OntapClientOptions extends TransportOptions {
  /** jobTimeoutMs bounds the wait for a job started by a write. @default 120000 */
  readonly jobTimeoutMs?: number | undefined;
  /** jobPollIntervalMs is the longest pause between job polls. @default 2000 */
  readonly jobPollIntervalMs?: number | undefined;
  /**
   * maxCollectionPages bounds the pages one collection read follows through `_links.next`;
   * past it the read fails rather than return part of the collection. ONTAP pages only when
   * asked (`max_records`) or when `return_timeout` runs out, so a real read takes a few pages.
   * @default 1000
   */
  readonly maxCollectionPages?: number | undefined;
}

/** OnJob is told the uuid of the job ONTAP started for a write (it answered 202), before the job is followed. */
export type OnJob = (jobUuid: string) => Promise<void>;

/** JobOutcome is how a job ended: as it said, or unknown once ONTAP has forgotten it. */
export type JobOutcome = 'success' | 'failure' | 'unknown';

/** Filters are ONTAP query filters: `{ 'svm.name': 'a|b', scope: '!cluster' }`. */
export type Filters = Readonly<Record<string, string>>;

/** ListAwsKmsOptions select records and fields of a key-manager collection (aws-kms and the others). */
export interface ListAwsKmsOptions {
  readonly filters?: Filters | undefined;
  /** fields to return; name the advanced ones (`state`, `amazon_reachability` / `azure_reachability` / `google_reachability`, `ekmip_reachability`) explicitly. */
  readonly fields?: readonly string[] | undefined;
  /** maxRecords is the page size; every page is fetched by following `_links.next`. */
  readonly maxRecords?: number | undefined;
}

// The families (with their write-only fields) live in families.ts, which the logger imports.
export { AWS_KMS, AWS_KMS_PATH, AZURE_KEY_VAULT, GCP_KMS } from './families.js';

/** OntapClient talks to one ONTAP cluster. */
export class OntapClient {
  private readonly transport: Transport;
  private readonly jobOptions: JobWaitOptions;
  private readonly maxPages: number;

  /** OntapClient creates the client; it connects lazily. */
  constructor(options: OntapClientOptions) {
    this.transport = new Transport(options);
    this.jobOptions = { timeoutMs: options.jobTimeoutMs, pollIntervalMs: options.jobPollIntervalMs };
    this.maxPages = options.maxCollectionPages ?? 1000;
  }

  /** inFlight is the number of requests in flight to this cluster right now. */
  get inFlight(): number {
    return this.transport.inFlight;
  }

  /** openSockets counts the sockets held to this cluster, busy and idle. */
  get openSockets(): number {
    return this.transport.openSockets;
  }

  /** requestTimeoutMs bounds one exchange with this cluster. */
  get requestTimeoutMs(): number {
    return this.transport.timeoutMs;
  }

  /** jobTimeoutMs bounds the wait for one job. */
  get jobTimeoutMs(): number {
    return this.jobOptions.timeoutMs ?? 120_000;
  }

  /**
   * followJob waits for the job `uuid` (started by an earlier write, perhaps by another process)
   * to end: 'failure' when it failed, 'unknown' when ONTAP no longer knows it (it forgets
   * finished jobs after some minutes), 'success' otherwise.
   */
  async followJob(uuid: string, signal?: AbortSignal): Promise<JobOutcome> {
    const link = { uuid, href: `/api/cluster/jobs/${encodeURIComponent(uuid)}` };
    try {
      await waitForJob(this.transport, link, `follow job ${uuid}`, { method: 'GET', path: link.href, httpStatus: 202 }, this.jobOptions, signal);
      return 'success';
    } catch (err) {
      if (err instanceof OntapApiError && err.jobUuid === uuid) return 'failure';
      if (err instanceof OntapProtocolError && isNotFound(err.cause)) return 'unknown';
      throw err;
    }
  }

  /** getCluster reads name, uuid and version: the connection probe. */
  async getCluster(signal?: AbortSignal): Promise<ClusterInfo> {
    const context = 'get cluster';
    const res = await this.transport.request('GET', '/api/cluster?fields=name,uuid,version', undefined, context, signal);
    return parsed(context, () => parseCluster(res.body));
  }

  /** listSvms lists SVMs (name and uuid), optionally filtered. */
  async listSvms(filters: Filters = {}, signal?: AbortSignal): Promise<SvmRecord[]> {
    const records = await this.collect('list svms', '/api/svm/svms', { ...filters, fields: 'name,uuid' }, signal);
    return parsed('list svms', () => records.map((r, i) => parseSvm(r, `records[${i}]`)));
  }

  /** getSvmByName returns the SVM called `name`, or undefined when there is none. */
  async getSvmByName(name: string, signal?: AbortSignal): Promise<SvmRecord | undefined> {
    const svms = await this.listSvms({ name }, signal);
    return svms.find((s) => s.name === name);
  }

  /** listKeyManagers reads every matching record of a key-manager family, following pagination. */
  async listKeyManagers<R extends KeyManagerRecord>(family: KeyManagerFamily<R>, options: ListAwsKmsOptions = {}, signal?: AbortSignal): Promise<R[]> {
    const query: Record<string, string> = { ...family.filters, ...options.filters };
    if (options.fields !== undefined && options.fields.length > 0) query['fields'] = options.fields.join(',');
    if (options.maxRecords !== undefined) query['max_records'] = String(options.maxRecords);
    const context = `list ${family.noun}`;
    const records = await this.collect(context, family.path, query, signal);
    return parsed(context, () => records.map((r, i) => family.parse(r, `records[${i}]`)));
  }

  /** getKeyManager reads one record; a missing uuid throws an OntapApiError for which isNotFound is true. */
  async getKeyManager<R extends KeyManagerRecord>(family: KeyManagerFamily<R>, uuid: string, fields?: readonly string[], signal?: AbortSignal): Promise<R> {
    const context = `get ${family.noun} ${uuid}`;
    const query = fields !== undefined && fields.length > 0 ? `?${qs({ fields: fields.join(',') })}` : '';
    const res = await this.transport.request('GET', `${recordPath(family, uuid)}${query}`, undefined, context, signal);
    return parsed(context, () => family.parse(res.body));
  }

  /**
   * createKeyManager configures a key manager on an SVM (or the cluster, without `svm`) and
   * returns the new record's uuid: from the Location header, or, when ONTAP sent none (a 202
   * job), by reading the record back by its SVM.
   */
  async createKeyManager<R extends KeyManagerRecord>(
    family: KeyManagerFamily<R>,
    body: { readonly svm?: { readonly name?: string; readonly uuid?: string } },
    signal?: AbortSignal,
    onJob?: OnJob,
  ): Promise<string> {
    const where = body.svm?.name ?? body.svm?.uuid ?? 'cluster scope';
    const context = `create ${family.noun} for ${where}`;
    const res = await this.write('POST', family.path, body, context, signal, onJob);
    const fromLocation = res.location?.split('?')[0]?.split('/').filter((s) => s !== '').pop();
    const collection = family.path.split('/').pop();
    if (res.status === 201 && fromLocation !== undefined && fromLocation !== collection) return decodeURIComponent(fromLocation);
    const filters: Record<string, string> =
      body.svm?.uuid !== undefined ? { 'svm.uuid': body.svm.uuid } : body.svm?.name !== undefined ? { 'svm.name': body.svm.name } : { scope: 'cluster' };
    const found = await this.listKeyManagers(family, { filters, fields: ['uuid'] }, signal);
    const uuid = found[0]?.uuid;
    if (uuid === undefined) {
      throw new OntapProtocolError(`${context}: created, but no record found for it afterwards`, 'POST', family.path);
    }
    return uuid;
  }

  /** patchKeyManager updates a record; send only the fields that changed. */
  async patchKeyManager<R extends KeyManagerRecord>(family: KeyManagerFamily<R>, uuid: string, body: object, signal?: AbortSignal): Promise<void> {
    await this.write('PATCH', recordPath(family, uuid), body, `patch ${family.noun} ${uuid}`, signal);
  }

  /** deleteKeyManager removes a record; ONTAP refuses while keys are in use. */
  async deleteKeyManager<R extends KeyManagerRecord>(family: KeyManagerFamily<R>, uuid: string, signal?: AbortSignal): Promise<void> {
    await this.write('DELETE', recordPath(family, uuid), undefined, `delete ${family.noun} ${uuid}`, signal);
  }

  /** keyManagerAction runs `rekey-external` (body: the new key), `rekey-internal` or `restore` on a record. */
  async keyManagerAction<R extends KeyManagerRecord>(family: KeyManagerFamily<R>, uuid: string, action: KeyManagerAction, body?: object, signal?: AbortSignal, onJob?: OnJob): Promise<void> {
    await this.write('POST', `${recordPath(family, uuid)}/${action}`, body, `${action} ${family.noun} ${uuid}`, signal, onJob);
  }

  /** listAwsKms reads every matching aws-kms record, following pagination. */
  listAwsKms(options: ListAwsKmsOptions = {}, signal?: AbortSignal): Promise<AwsKmsRecord[]> {
    return this.listKeyManagers(AWS_KMS, options, signal);
  }

  /** getAwsKms reads one aws-kms record; a missing uuid throws an OntapApiError for which isNotFound is true. */
  getAwsKms(uuid: string, fields?: readonly string[], signal?: AbortSignal): Promise<AwsKmsRecord> {
    return this.getKeyManager(AWS_KMS, uuid, fields, signal);
  }

  /** createAwsKms configures AWS KMS on an SVM (or the cluster) and returns the new record's uuid. */
  createAwsKms(body: AwsKmsCreateBody, signal?: AbortSignal): Promise<string> {
    return this.createKeyManager(AWS_KMS, body, signal);
  }

  /** patchAwsKms updates an aws-kms record; send only the fields that changed. */
  patchAwsKms(uuid: string, body: AwsKmsPatchBody, signal?: AbortSignal): Promise<void> {
    return this.patchKeyManager(AWS_KMS, uuid, body, signal);
  }

  /** deleteAwsKms removes an aws-kms record; ONTAP refuses with 65537106 while keys are in use. */
  deleteAwsKms(uuid: string, signal?: AbortSignal): Promise<void> {
    return this.deleteKeyManager(AWS_KMS, uuid, signal);
  }

  /** rekeyExternal re-wraps the SVM's keys under the AWS key `keyId` (the only way to change key_id). */
  rekeyExternal(uuid: string, keyId: string, signal?: AbortSignal): Promise<void> {
    return this.keyManagerAction(AWS_KMS, uuid, 'rekey-external', { key_id: keyId }, signal);
  }

  /** rekeyInternal rotates the SVM's internal keys. */
  rekeyInternal(uuid: string, signal?: AbortSignal): Promise<void> {
    return this.keyManagerAction(AWS_KMS, uuid, 'rekey-internal', undefined, signal);
  }

  /** restore restores the SVM's keys from AWS KMS. */
  restore(uuid: string, signal?: AbortSignal): Promise<void> {
    return this.keyManagerAction(AWS_KMS, uuid, 'restore', undefined, signal);
  }

  /**
   * listAt reads every record of a collection beside a key manager (its certificates, its key
   * servers), following pagination, unparsed: the caller's adapter parses them.
   */
  async listAt(path: string, query: Record<string, string>, context: string, signal?: AbortSignal): Promise<unknown[]> {
    return this.collect(context, path, query, signal);
  }

  /** writeAt sends a write beside a key manager (install a certificate, add a key server); a 202 is followed to its job's end. */
  async writeAt(method: 'POST' | 'PATCH' | 'DELETE', path: string, body: object | undefined, context: string, signal?: AbortSignal, onJob?: OnJob): Promise<void> {
    await this.write(method, path, body, context, signal, onJob);
  }

  /** close releases the connection pool. */
  close(): void {
    this.transport.close();
  }

  private async write(method: string, path: string, body: object | undefined, context: string, signal: AbortSignal | undefined, onJob?: OnJob): Promise<RawResponse> {
    const res = await this.transport.request(method, path, body, context, signal);
    if (res.status !== 202) return res;
    const link = parsed(context, () => parseJobLink(res.body));
    await onJob?.(link.uuid);
    await waitForJob(this.transport, link, context, { method, path, httpStatus: res.status }, this.jobOptions, signal);
    return res;
  }

  /**
   * collect reads every page of a collection, or throws: a page that fails, a `_links.next` that
   * leaves `/api/` on this cluster (it would carry the credentials elsewhere), a link back to a
   * page already read (found before it is requested again), more than maxCollectionPages pages,
   * or pages past maxResponseBytes together. Part of a collection is never returned as the whole.
   */
  private async collect(context: string, path: string, query: Record<string, string>, signal: AbortSignal | undefined): Promise<unknown[]> {
    const out: unknown[] = [];
    const q = qs(query);
    const seen = new Set<string>();
    let bytes = 0;
    let next: string | undefined = q === '' ? path : `${path}?${q}`;
    for (let page = 1; next !== undefined; page++) {
      if (page > this.maxPages) {
        throw new OntapProtocolError(`${context}: more than ${this.maxPages} pages (maxCollectionPages); refusing to read on`, 'GET', path);
      }
      seen.add(pageKey(next));
      const res = await this.transport.request('GET', next, undefined, context, signal);
      bytes += res.bytes;
      if (bytes > this.transport.maxResponseBytes) {
        throw new OntapResponseTooLargeError({ context, method: 'GET', path, limitBytes: this.transport.maxResponseBytes, subject: `collection (${page} pages)` });
      }
      const col = parsed(context, () => parseCollection(res.body));
      out.push(...col.records);
      next = col.nextHref;
      if (next !== undefined) checkNextHref(context, path, next, seen);
    }
    return out;
  }
}

/** checkNextHref refuses a `_links.next` outside `/api/` on this cluster, or one already read. */
function checkNextHref(context: string, path: string, href: string, seen: ReadonlySet<string>): void {
  if (!isApiPath(href)) {
    // The href is the server's text: not quoted, so a status message never carries a non-ONTAP body.
    throw new OntapProtocolError(`${context}: _links.next is not a path under /api/ on this cluster; refusing to follow it`, 'GET', path);
  }
  if (seen.has(pageKey(href))) {
    throw new OntapProtocolError(`${context}: pagination loop: _links.next "${clip(href)}" points back to a page already read`, 'GET', path);
  }
}

/** pageKey normalizes a page href so that the same page is recognized however the path is spelled. */
function pageKey(href: string): string {
  const url = new URL(href, 'https://ontap.invalid');
  return `${url.pathname}${url.search}`;
}

function recordPath(family: KeyManagerFamily<KeyManagerRecord>, uuid: string): string {
  return `${family.path}/${encodeURIComponent(uuid)}`;
}

function qs(query: Record<string, string>): string {
  return new URLSearchParams(query).toString();
}

function parsed<T>(context: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ParseError) {
      throw new OntapProtocolError(`${context}: unexpected answer: ${err.message}`, '', '', { cause: err });
    }
    throw err;
  }
}
