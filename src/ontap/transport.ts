/**
 * The HTTP layer under the ONTAP client: one keep-alive TLS agent per cluster, Basic or
 * client-certificate auth, a bound on requests in flight, a per-request timeout, safe retries,
 * and the mapping of every failure to a typed error. Request bodies are never logged or quoted:
 * debug lines list body field names only.
 */
import https from 'node:https';
import fetch, { type Response } from 'node-fetch';
import { type Logger, nullLogger } from '../runtime/logger.js';
import {
  OntapApiError,
  OntapProtocolError,
  OntapTimeoutError,
  OntapTransportError,
  type TransportErrorKind,
} from './errors.js';
import { Semaphore } from './semaphore.js';
import { parseErrorEnvelope } from './wire.js';

/** OntapAuth is how the client proves who it is: HTTP Basic, or a TLS client certificate. */
export type OntapAuth =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'cert'; readonly cert: string | Buffer; readonly key: string | Buffer };

/** RequestInfo describes one finished HTTP exchange, for metrics. */
export interface RequestInfo {
  readonly method: string;
  /** path without the query string. */
  readonly path: string;
  /** route is `path` with UUIDs replaced by `{uuid}`, a bounded label set for metrics. */
  readonly route: string;
  /** status is the HTTP status, or 0 when no response arrived (transport error or timeout). */
  readonly status: number;
  readonly durationMs: number;
}

/** TransportOptions configure one cluster connection. */
export interface TransportOptions {
  /** endpoint is the cluster management address, `https://host[:port]`. */
  readonly endpoint: string;
  readonly auth: OntapAuth;
  /** caBundle is a PEM bundle to trust instead of the system roots. @default system roots */
  readonly caBundle?: string | Buffer | undefined;
  /** insecureSkipTLSVerify turns certificate verification off; labs only. @default false */
  readonly insecureSkipTLSVerify?: boolean | undefined;
  /** requestTimeoutSeconds bounds each HTTP exchange, body included. @default 30 */
  readonly requestTimeoutSeconds?: number | undefined;
  /** maxConcurrentRequests bounds the requests in flight to this cluster. @default 4 */
  readonly maxConcurrentRequests?: number | undefined;
  /** getRetries is how many times a failed GET is tried again. @default 2 */
  readonly getRetries?: number | undefined;
  /** retryBackoffMs is the first retry's delay; it doubles each time. @default 100 */
  readonly retryBackoffMs?: number | undefined;
  /** @default nullLogger */
  readonly logger?: Logger | undefined;
  /** onRequest is called after every HTTP exchange, successful or not. */
  readonly onRequest?: ((info: RequestInfo) => void) | undefined;
}

/** RawResponse is a successful (< 400) answer: status, the Location header and the parsed body. */
export interface RawResponse {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: unknown;
}

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const NOT_SENT_CONNECTION = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const TLS_CODE_RE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|EPROTO$|HOSTNAME_MISMATCH)/;

/** Transport sends requests to one ONTAP cluster. */
export class Transport {
  private readonly agent: https.Agent;
  private readonly base: string;
  private readonly authHeader: string | undefined;
  private readonly semaphore: Semaphore;
  private readonly timeoutMs: number;
  private readonly getRetries: number;
  private readonly backoffMs: number;
  private readonly logger: Logger;
  private readonly onRequest: ((info: RequestInfo) => void) | undefined;

  /** Transport creates the agent; nothing is sent until the first request. */
  constructor(options: TransportOptions) {
    const url = new URL(options.endpoint);
    if (url.protocol !== 'https:') throw new TypeError(`endpoint ${url.origin}: only https is supported`);
    this.base = url.origin;
    const maxConcurrent = options.maxConcurrentRequests ?? 4;
    this.semaphore = new Semaphore(maxConcurrent);
    this.timeoutMs = Math.round((options.requestTimeoutSeconds ?? 30) * 1000);
    this.getRetries = options.getRetries ?? 2;
    this.backoffMs = options.retryBackoffMs ?? 100;
    this.logger = options.logger ?? nullLogger;
    this.onRequest = options.onRequest;
    const auth = options.auth;
    this.authHeader =
      auth.kind === 'basic'
        ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`
        : undefined;
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: maxConcurrent,
      rejectUnauthorized: options.insecureSkipTLSVerify !== true,
      ...(options.caBundle !== undefined ? { ca: options.caBundle } : {}),
      ...(auth.kind === 'cert' ? { cert: auth.cert, key: auth.key } : {}),
    });
  }

  /** inFlight is the number of requests holding a concurrency slot right now. */
  get inFlight(): number {
    return this.semaphore.inFlight;
  }

  /**
   * request sends one call and returns the parsed answer, or throws a typed error. `context`
   * prefixes every error message ("patch aws-kms 1cd8…"). GETs are retried on transport errors;
   * writes only when the request certainly never left (connection refused, DNS).
   */
  async request(method: string, pathAndQuery: string, body: object | undefined, context: string): Promise<RawResponse> {
    const maxAttempts = method === 'GET' ? 1 + this.getRetries : 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.semaphore.run(() => this.once(method, pathAndQuery, body, context));
      } catch (err) {
        if (attempt >= maxAttempts || !retryable(method, err)) throw err;
        const delay = this.backoffMs * 2 ** (attempt - 1);
        this.logger.debug('ontap request retried', { method, path: stripQuery(pathAndQuery), attempt, delayMs: delay, error: errorText(err) });
        await sleep(delay);
      }
    }
  }

  /** close destroys the agent and its idle sockets. */
  close(): void {
    this.agent.destroy();
  }

  private async once(method: string, pathAndQuery: string, body: object | undefined, context: string): Promise<RawResponse> {
    const path = stripQuery(pathAndQuery);
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let status = 0;
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.authHeader !== undefined) headers['authorization'] = this.authHeader;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      let text: string;
      try {
        res = await fetch(this.base + pathAndQuery, {
          method,
          headers,
          agent: this.agent,
          signal: controller.signal,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        text = await res.text();
      } catch (err) {
        if (controller.signal.aborted) {
          throw new OntapTimeoutError({ context, method, path, timeoutMs: this.timeoutMs, cause: err });
        }
        throw toTransportError(err, context, method, path);
      }
      status = res.status;
      const parsed = parseBody(text);
      this.logger.debug('ontap request', {
        method,
        path,
        status,
        durationMs: Math.round(performance.now() - started),
        ...(body !== undefined ? { bodyFields: Object.keys(body) } : {}),
      });
      if (status >= 400) {
        const envelope = parseErrorEnvelope(parsed.value);
        throw new OntapApiError({
          context,
          method,
          path,
          httpStatus: status,
          code: envelope?.code ?? '',
          message: envelope?.message ?? (res.statusText || 'no error message'),
          target: envelope?.target,
        });
      }
      if (!parsed.ok) {
        throw new OntapProtocolError(`${context}: HTTP ${status} with a body that is not JSON`, method, path);
      }
      return { status, location: res.headers.get('location') ?? undefined, body: parsed.value };
    } finally {
      clearTimeout(timer);
      this.onRequest?.({
        method,
        path,
        route: path.replace(UUID_RE, '{uuid}'),
        status,
        durationMs: performance.now() - started,
      });
    }
  }
}

function retryable(method: string, err: unknown): boolean {
  if (!(err instanceof OntapTransportError)) return false;
  // A certificate that failed verification fails again; retrying would only hide it.
  if (err.kind === 'tls') return false;
  if (method === 'GET') return true;
  return !err.mayHaveBeenSent;
}

/** toTransportError maps a node-fetch/Node failure to an OntapTransportError. */
export function toTransportError(err: unknown, context: string, method: string, path: string): OntapTransportError {
  const sysCode = errnoCode(err);
  let kind: TransportErrorKind = 'connection';
  let mayHaveBeenSent = true;
  if (sysCode !== undefined && TLS_CODE_RE.test(sysCode)) {
    kind = 'tls';
    mayHaveBeenSent = false;
  } else if (sysCode !== undefined && DNS_CODES.has(sysCode)) {
    kind = 'dns';
    mayHaveBeenSent = false;
  } else if (sysCode !== undefined && NOT_SENT_CONNECTION.has(sysCode)) {
    mayHaveBeenSent = false;
  } else if (sysCode === 'HPE_INVALID_CONSTANT' || sysCode?.startsWith('HPE_') === true) {
    kind = 'protocol';
  }
  const detail = sysCode !== undefined ? `${sysCode}: ${rootMessage(err)}` : rootMessage(err);
  return new OntapTransportError({ context, method, path, kind, sysCode, mayHaveBeenSent, detail, cause: err });
}

function errnoCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code !== '' && code !== 'FetchError') return code;
    e = e.cause;
  }
  return undefined;
}

function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  // node-fetch prefixes "request to <url> failed, reason:"; the reason is what a reader needs.
  const msg = e instanceof Error ? e.message : String(e);
  const i = msg.indexOf('reason: ');
  return i >= 0 ? msg.slice(i + 'reason: '.length) : msg;
}

function parseBody(text: string): { ok: boolean; value: unknown } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, value: undefined };
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function stripQuery(pathAndQuery: string): string {
  const i = pathAndQuery.indexOf('?');
  return i < 0 ? pathAndQuery : pathAndQuery.slice(0, i);
}

/** sleep resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
