/**
 * OntapClient: typed calls for the ONTAP endpoints the operator uses (cluster, SVMs, and the
 * whole aws-kms family) over one Transport. Writes that ONTAP answers with 202 are followed to
 * the job's end, so every write either resolves or throws a typed error.
 */
import { OntapProtocolError } from './errors.js';
import { type JobWaitOptions, waitForJob } from './jobs.js';
import { ParseError } from './parse.js';
import { type RawResponse, Transport, type TransportOptions } from './transport.js';
import {
  type AwsKmsCreateBody,
  type AwsKmsPatchBody,
  type AwsKmsRecord,
  type ClusterInfo,
  parseAwsKmsRecord,
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
}

/** Filters are ONTAP query filters: `{ 'svm.name': 'a|b', scope: '!cluster' }`. */
export type Filters = Readonly<Record<string, string>>;

/** ListAwsKmsOptions select records and fields of the aws-kms collection. */
export interface ListAwsKmsOptions {
  readonly filters?: Filters | undefined;
  /** fields to return; name the advanced ones (`state`, `amazon_reachability`, `ekmip_reachability`) explicitly. */
  readonly fields?: readonly string[] | undefined;
  /** maxRecords is the page size; every page is fetched by following `_links.next`. */
  readonly maxRecords?: number | undefined;
}

/** AWS_KMS_PATH is the collection path of the aws-kms resource. */
export const AWS_KMS_PATH = '/api/security/aws-kms';

/** OntapClient talks to one ONTAP cluster. */
export class OntapClient {
  private readonly transport: Transport;
  private readonly jobOptions: JobWaitOptions;

  /** OntapClient creates the client; it connects lazily. */
  constructor(options: OntapClientOptions) {
    this.transport = new Transport(options);
    this.jobOptions = { timeoutMs: options.jobTimeoutMs, pollIntervalMs: options.jobPollIntervalMs };
  }

  /** inFlight is the number of requests in flight to this cluster right now. */
  get inFlight(): number {
    return this.transport.inFlight;
  }

  /** getCluster reads name, uuid and version: the connection probe. */
  async getCluster(): Promise<ClusterInfo> {
    const context = 'get cluster';
    const res = await this.transport.request('GET', '/api/cluster?fields=name,uuid,version', undefined, context);
    return parsed(context, () => parseCluster(res.body));
  }

  /** listSvms lists SVMs (name and uuid), optionally filtered. */
  async listSvms(filters: Filters = {}): Promise<SvmRecord[]> {
    const records = await this.collect('list svms', '/api/svm/svms', { ...filters, fields: 'name,uuid' });
    return parsed('list svms', () => records.map((r, i) => parseSvm(r, `records[${i}]`)));
  }

  /** getSvmByName returns the SVM called `name`, or undefined when there is none. */
  async getSvmByName(name: string): Promise<SvmRecord | undefined> {
    const svms = await this.listSvms({ name });
    return svms.find((s) => s.name === name);
  }

  /** listAwsKms reads every matching aws-kms record, following pagination. */
  async listAwsKms(options: ListAwsKmsOptions = {}): Promise<AwsKmsRecord[]> {
    const query: Record<string, string> = { ...options.filters };
    if (options.fields !== undefined && options.fields.length > 0) query['fields'] = options.fields.join(',');
    if (options.maxRecords !== undefined) query['max_records'] = String(options.maxRecords);
    const records = await this.collect('list aws-kms', AWS_KMS_PATH, query);
    return parsed('list aws-kms', () => records.map((r, i) => parseAwsKmsRecord(r, `records[${i}]`)));
  }

  /** getAwsKms reads one record; a missing uuid throws an OntapApiError for which isNotFound is true. */
  async getAwsKms(uuid: string, fields?: readonly string[]): Promise<AwsKmsRecord> {
    const context = `get aws-kms ${uuid}`;
    const query = fields !== undefined && fields.length > 0 ? `?${qs({ fields: fields.join(',') })}` : '';
    const res = await this.transport.request('GET', `${recordPath(uuid)}${query}`, undefined, context);
    return parsed(context, () => parseAwsKmsRecord(res.body));
  }

  /**
   * createAwsKms configures AWS KMS on an SVM (or the cluster, without `svm`) and returns the new
   * record's uuid: from the Location header, or, when ONTAP sent none (a 202 job), by reading the
   * record back by its SVM.
   */
  async createAwsKms(body: AwsKmsCreateBody): Promise<string> {
    const where = body.svm?.name ?? body.svm?.uuid ?? 'cluster scope';
    const context = `create aws-kms for ${where}`;
    const res = await this.write('POST', AWS_KMS_PATH, body, context);
    const fromLocation = res.location?.split('?')[0]?.split('/').filter((s) => s !== '').pop();
    if (res.status === 201 && fromLocation !== undefined && fromLocation !== 'aws-kms') return decodeURIComponent(fromLocation);
    const filters: Record<string, string> =
      body.svm?.uuid !== undefined ? { 'svm.uuid': body.svm.uuid } : body.svm?.name !== undefined ? { 'svm.name': body.svm.name } : { scope: 'cluster' };
    const found = await this.listAwsKms({ filters, fields: ['uuid'] });
    const uuid = found[0]?.uuid;
    if (uuid === undefined) {
      throw new OntapProtocolError(`${context}: created, but no record found for it afterwards`, 'POST', AWS_KMS_PATH);
    }
    return uuid;
  }

  /** patchAwsKms updates a record; send only the fields that changed. */
  async patchAwsKms(uuid: string, body: AwsKmsPatchBody): Promise<void> {
    await this.write('PATCH', recordPath(uuid), body, `patch aws-kms ${uuid}`);
  }

  /** deleteAwsKms removes a record; ONTAP refuses with 65537106 while keys are in use. */
  async deleteAwsKms(uuid: string): Promise<void> {
    await this.write('DELETE', recordPath(uuid), undefined, `delete aws-kms ${uuid}`);
  }

  /** rekeyExternal re-wraps the SVM's keys under the AWS key `keyId` (the only way to change key_id). */
  async rekeyExternal(uuid: string, keyId: string): Promise<void> {
    await this.write('POST', `${recordPath(uuid)}/rekey-external`, { key_id: keyId }, `rekey-external aws-kms ${uuid}`);
  }

  /** rekeyInternal rotates the SVM's internal keys. */
  async rekeyInternal(uuid: string): Promise<void> {
    await this.write('POST', `${recordPath(uuid)}/rekey-internal`, undefined, `rekey-internal aws-kms ${uuid}`);
  }

  /** restore restores the SVM's keys from AWS KMS. */
  async restore(uuid: string): Promise<void> {
    await this.write('POST', `${recordPath(uuid)}/restore`, undefined, `restore aws-kms ${uuid}`);
  }

  /** close releases the connection pool. */
  close(): void {
    this.transport.close();
  }

  private async write(method: string, path: string, body: object | undefined, context: string): Promise<RawResponse> {
    const res = await this.transport.request(method, path, body, context);
    if (res.status !== 202) return res;
    const link = parsed(context, () => parseJobLink(res.body));
    await waitForJob(this.transport, link, context, { method, path, httpStatus: res.status }, this.jobOptions);
    return res;
  }

  private async collect(context: string, path: string, query: Record<string, string>): Promise<unknown[]> {
    const out: unknown[] = [];
    const q = qs(query);
    let next: string | undefined = q === '' ? path : `${path}?${q}`;
    // A cap on pages guards against a server whose next link loops.
    for (let page = 0; next !== undefined && page < 10_000; page++) {
      const res = await this.transport.request('GET', next, undefined, context);
      const col = parsed(context, () => parseCollection(res.body));
      out.push(...col.records);
      next = col.nextHref;
    }
    return out;
  }
}

function recordPath(uuid: string): string {
  return `${AWS_KMS_PATH}/${encodeURIComponent(uuid)}`;
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
