/**
 * A small Kubernetes API client over HTTP: get, list, create, merge-patch, replace, delete and
 * watch of any resource, with metadata-only list/watch so that Secret data stays out of caches.
 * client-node 1.4 is used only to load the kubeconfig and apply its TLS and auth to a request;
 * the requests themselves are Node's own (http-exchange.ts), so that content types, timeouts
 * and the watch stream are under our control.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { exchange, readAll } from './http-exchange.js';
import { asRecord, isNotFound, isRecord, KubeApiError, type KubeObject, parseKubeObject, resourcePath, type ResourceType, type SecretData, SecretType, type WatchEvent, type WatchEventType } from './kube-types.js';
import { kubeConfigCredentials, type KubeCredentials, loadCredentials } from './kube-auth.js';
import { type Logger, nullLogger } from './logger.js';

export * from './kube-types.js';

/** KubeApiOptions configure a {@link KubeApi}. */
export interface KubeApiOptions {
  /** @default nullLogger */
  logger?: Logger;
  /** @default 'ontap-kms-operator' */
  userAgent?: string;
  /** requestTimeoutMs bounds every request but watch. @default 30000 */
  requestTimeoutMs?: number;
  /** onRequest is told of every answered request (status 0: no answer), for metrics. */
  onRequest?: (info: { method: string; status: number }) => void;
}

const PARTIAL_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const PARTIAL_OBJECT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';
const MERGE_PATCH = 'application/merge-patch+json';
const WATCH_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

type Query = Record<string, string | number | boolean | undefined>;

interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** watch requests have no timeout; they end by the server's timeoutSeconds or `signal`. */
  signal?: AbortSignal;
  noTimeout?: boolean;
}

/** KubeApi is the operator's Kubernetes client; see the file comment. */
export class KubeApi {
  private readonly credentials: KubeCredentials;
  private readonly server: string;
  private readonly logger: Logger;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly onRequest: ((info: { method: string; status: number }) => void) | undefined;
  private agent: http.Agent | undefined;

  /** KubeApi talks to the API server of `credentials` (a client-node KubeConfig is adapted). */
  constructor(credentials: KubeCredentials | KubeConfig, options: KubeApiOptions = {}) {
    this.credentials = 'applyToHTTPSOptions' in credentials ? kubeConfigCredentials(credentials) : credentials;
    this.server = this.credentials.server;
    this.logger = options.logger ?? nullLogger;
    this.userAgent = options.userAgent ?? 'ontap-kms-operator';
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.onRequest = options.onRequest;
  }

  /** fromKubeconfig loads `path`, or without one the pod's service account or the default loading rules. */
  static async fromKubeconfig(path?: string, options?: KubeApiOptions): Promise<KubeApi> {
    return new KubeApi(await loadCredentials(path), options);
  }

  /** get reads one object; undefined when it does not exist. */
  async get(type: ResourceType, namespace: string, name: string): Promise<KubeObject | undefined> {
    try {
      return parseKubeObject(await this.json({ method: 'GET', path: resourcePath(type, namespace, name) }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** list reads one page (or all, without `limit`) of objects, with the list's resourceVersion. */
  async list(
    type: ResourceType,
    namespace: string | undefined,
    opts: {
      metadataOnly?: boolean;
      labelSelector?: string;
      fieldSelector?: string;
      resourceVersion?: string;
      limit?: number;
      continue?: string;
    } = {},
  ): Promise<{ items: KubeObject[]; resourceVersion: string; continue?: string }> {
    const { metadataOnly, ...query } = opts;
    const raw = await this.json({
      method: 'GET',
      path: resourcePath(type, namespace),
      query,
      ...(metadataOnly ? { accept: PARTIAL_LIST } : {}),
    });
    // An empty list comes back as `"items": null` from metadata-only (PartialObjectMetadataList)
    // requests: that is an empty namespace, not a broken answer.
    if (!isRecord(raw) || !(Array.isArray(raw.items) || raw.items === null || raw.items === undefined)) {
      throw new Error(`list ${describe(type, namespace)}: not a list`);
    }
    const meta = isRecord(raw.metadata) ? raw.metadata : {};
    const items = Array.isArray(raw.items) ? raw.items.map(parseKubeObject) : [];
    const cont = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
    const rv = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '';
    return cont === undefined ? { items, resourceVersion: rv } : { items, resourceVersion: rv, continue: cont };
  }

  /**
   * review POSTs a review object (TokenReview, SubjectAccessReview: cluster-scoped, never stored)
   * and returns the server's answer as JSON, for the caller to parse; such answers have no name.
   */
  async review(type: ResourceType, body: unknown): Promise<unknown> {
    return this.json({ method: 'POST', path: resourcePath(type), body });
  }

  /** create creates `body` and returns it as stored. */
  async create(type: ResourceType, namespace: string, body: KubeObject): Promise<KubeObject> {
    return parseKubeObject(await this.json({ method: 'POST', path: resourcePath(type, namespace), body }));
  }

  /**
   * mergePatch applies a JSON merge patch (RFC 7386). A `metadata.resourceVersion` in the patch
   * makes the server check it: a stale one fails with 409 Conflict.
   */
  async mergePatch(
    type: ResourceType,
    namespace: string,
    name: string,
    patch: unknown,
    opts: { subresource?: 'status' } = {},
  ): Promise<KubeObject> {
    const path = resourcePath(type, namespace, name, opts.subresource);
    return parseKubeObject(await this.json({ method: 'PATCH', path, body: patch, contentType: MERGE_PATCH }));
  }

  /** replace PUTs `body`; its metadata.resourceVersion, if set, must be current (else 409). */
  async replace(type: ResourceType, namespace: string, name: string, body: KubeObject): Promise<KubeObject> {
    return parseKubeObject(await this.json({ method: 'PUT', path: resourcePath(type, namespace, name), body }));
  }

  /** delete deletes one object; one that is already gone is not an error. */
  async delete(type: ResourceType, namespace: string, name: string): Promise<void> {
    try {
      await this.json({ method: 'DELETE', path: resourcePath(type, namespace, name) });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * watch streams changes from `resourceVersion` to `onEvent` until the server ends the stream
   * (resolve) or the connection fails (reject). Aborting `signal` resolves. ERROR events, such as
   * a 410 Gone Status, are passed through for the caller to act on.
   */
  async watch(
    type: ResourceType,
    namespace: string | undefined,
    opts: {
      resourceVersion: string;
      metadataOnly?: boolean;
      timeoutSeconds?: number;
      allowWatchBookmarks?: boolean;
      signal: AbortSignal;
    },
    onEvent: (e: WatchEvent) => void,
  ): Promise<void> {
    const what = `watch ${describe(type, namespace)}`;
    const query: Query = {
      watch: true,
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: opts.allowWatchBookmarks ?? true,
      timeoutSeconds: opts.timeoutSeconds,
    };
    let res: http.IncomingMessage;
    try {
      res = await this.send({
        method: 'GET',
        path: resourcePath(type, namespace),
        query,
        signal: opts.signal,
        noTimeout: true,
        ...(opts.metadataOnly ? { accept: PARTIAL_OBJECT } : {}),
      });
    } catch (err) {
      if (opts.signal.aborted) return;
      throw err;
    }
    let buffered = '';
    // The handler's own errors (e.g. "re-list now") reach the caller as they are, not as a broken stream.
    let handlerFailed: { error: unknown } | undefined;
    const deliver = (line: string): void => {
      if (line.trim() === '') return;
      const event = parseWatchLine(line, what);
      try {
        onEvent(event);
      } catch (error) {
        handlerFailed = { error };
        throw error;
      }
    };
    try {
      res.setEncoding('utf8');
      for await (const chunk of res) {
        buffered += String(chunk);
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          deliver(line);
        }
      }
      deliver(buffered);
    } catch (err) {
      if (handlerFailed !== undefined) throw handlerFailed.error;
      if (opts.signal.aborted) return;
      throw new Error(`${what}: stream broken`, { cause: err });
    }
  }

  /** getSecret reads a Secret with its values decoded; undefined when it does not exist. */
  async getSecret(namespace: string, name: string): Promise<SecretData | undefined> {
    const obj = await this.get(SecretType, namespace, name);
    if (obj === undefined) return undefined;
    const data = new Map<string, Buffer>();
    if (isRecord(obj.data)) {
      for (const [k, v] of Object.entries(obj.data)) {
        if (typeof v === 'string') data.set(k, Buffer.from(v, 'base64'));
      }
    }
    return {
      name: obj.metadata.name,
      resourceVersion: obj.metadata.resourceVersion ?? '',
      type: typeof obj.type === 'string' ? obj.type : 'Opaque',
      data,
    };
  }

  private async json(spec: RequestSpec): Promise<unknown> {
    const res = await this.send(spec);
    const text = (await this.readBody(spec, res)).toString('utf8');
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new Error(`${spec.method} ${spec.path}: response is not JSON`, { cause: err });
    }
  }

  private async send(spec: RequestSpec): Promise<http.IncomingMessage> {
    const url = new URL(this.server + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    }
    // applyToHTTPSOptions fills in the auth header fresh each time (tokens rotate in-cluster).
    const opts: https.RequestOptions = {};
    try {
      await this.credentials.apply(opts);
    } catch (err) {
      throw new Error(`${spec.method} ${spec.path}: apply kubeconfig credentials: ${errorText(err)}`, { cause: err });
    }
    const headers: Record<string, string> = { 'User-Agent': this.userAgent, Accept: spec.accept ?? 'application/json' };
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (typeof v === 'string' || typeof v === 'number') headers[k] = String(v);
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['Content-Type'] = spec.contentType ?? 'application/json';
    }
    // A watch ends by the server's timeoutSeconds or its caller's signal; everything else also
    // by the request timeout, which covers reading the body (the response holds the signal).
    const signal = spec.noTimeout ? spec.signal : spec.signal ? AbortSignal.any([spec.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs);
    const started = Date.now();
    let res: http.IncomingMessage;
    try {
      res = await exchange({ url, method: spec.method, headers, agent: this.agentFor(opts), body, signal });
    } catch (err) {
      this.onRequest?.({ method: spec.method, status: 0 });
      throw new Error(`${spec.method} ${spec.path}: ${errorText(err)}`, { cause: err });
    }
    const status = res.statusCode ?? 0;
    this.onRequest?.({ method: spec.method, status });
    this.logger.debug('kube api request', {
      method: spec.method,
      path: spec.path,
      status,
      durationMs: Date.now() - started,
    });
    if (status >= 400) throw await toApiError(spec, res, (r) => this.readBody(spec, r));
    return res;
  }

  /** readBody reads an answer's body whole; a connection that breaks midway fails the request. */
  private async readBody(spec: RequestSpec, res: http.IncomingMessage): Promise<Buffer> {
    try {
      return await readAll(res);
    } catch (err) {
      throw new Error(`${spec.method} ${spec.path}: reading the answer: ${errorText(err)}`, { cause: err });
    }
  }

  /** agentFor keeps one keep-alive agent for the kubeconfig's TLS settings (client-node makes one a call). */
  private agentFor(opts: https.RequestOptions): http.Agent {
    if (this.credentials.proxyUrl) return opts.agent as http.Agent;
    if (this.agent === undefined) {
      this.agent = this.server.startsWith('https:')
        ? new https.Agent({
            keepAlive: true,
            ca: opts.ca,
            cert: opts.cert,
            key: opts.key,
            pfx: opts.pfx,
            passphrase: opts.passphrase,
            ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
            ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
          })
        : new http.Agent({ keepAlive: true });
    }
    return this.agent;
  }
}

function parseWatchLine(line: string, what: string): WatchEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw new Error(`${what}: event is not JSON`, { cause: err });
  }
  if (!isRecord(raw) || typeof raw.type !== 'string' || !WATCH_TYPES.has(raw.type) || !isRecord(raw.object)) {
    throw new Error(`${what}: malformed event`);
  }
  const type = raw.type as WatchEventType;
  // A Status (ERROR) has no metadata at all and a BOOKMARK only metadata.resourceVersion; give
  // both an empty name so every event carries a KubeObject.
  const nameless = type === 'ERROR' || type === 'BOOKMARK';
  const object = nameless ? { ...raw.object, metadata: { name: '', ...asRecord(raw.object.metadata) } } : raw.object;
  return { type, object: parseKubeObject(object) };
}

async function toApiError(spec: RequestSpec, res: http.IncomingMessage, read: (res: http.IncomingMessage) => Promise<Buffer>): Promise<KubeApiError> {
  const code = res.statusCode ?? 0;
  let reason = res.statusMessage || 'Unknown';
  let message = '';
  try {
    const status: unknown = JSON.parse((await read(res)).toString('utf8'));
    if (isRecord(status)) {
      if (typeof status.reason === 'string' && status.reason !== '') reason = status.reason;
      if (typeof status.message === 'string') message = status.message;
    }
  } catch {
    // Not a Status body (a proxy, a plain-text 503): the HTTP status says enough.
  }
  const detail = message === '' ? reason : `${reason}: ${message}`;
  return new KubeApiError(`${spec.method} ${spec.path}: ${code} ${detail}`, code, reason);
}

function describe(type: ResourceType, namespace: string | undefined): string {
  const gr = type.group === '' ? type.plural : `${type.plural}.${type.group}`;
  return namespace ? `${gr} in ${namespace}` : gr;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
