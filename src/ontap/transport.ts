/**
 * The HTTP layer under the ONTAP client: one keep-alive TLS agent per cluster, Basic or
 * client-certificate auth, a bound on requests in flight, a per-request timeout, a bound on
 * response size, the caller's AbortSignal, safe retries, and the mapping of every failure to a
 * typed error. Request bodies are never logged or quoted: debug lines list body field names only.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { backoffDelay, sleep } from '../runtime/backoff.js';
import { exchange, header, readAll } from '../runtime/http-exchange.js';
import { type Logger, nullLogger } from '../runtime/logger.js';
import {
  OntapAbortedError,
  OntapApiError,
  OntapErrorBase,
  OntapProtocolError,
  OntapResponseTooLargeError,
  OntapTimeoutError,
  OntapTransportError,
} from './errors.js';
import { ENDPOINT_NOT_ALLOWED } from './endpoint-policy.js';
import { RequestAbort } from './request-abort.js';
import { Semaphore } from './semaphore.js';
import { toTransportError } from './transport-errors.js';
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

/** MAX_RETRY_DELAY_MS caps one pause between retries of a request. */
export const MAX_RETRY_DELAY_MS = 10_000;

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
  /** retryBackoffMs is the first retry's delay; it doubles each time, up to MAX_RETRY_DELAY_MS. @default 100 */
  readonly retryBackoffMs?: number | undefined;
  /**
   * maxResponseBytes bounds every response body, counted as read (after any content decoding),
   * and a collection's pages together. Past it the connection is closed and the call fails with
   * OntapResponseTooLargeError, without a retry. An aws-kms record with every field the operator
   * observes, advanced ones included, is about 1.8 KB on a 4-node cluster (each node adds ~250
   * bytes of `ekmip_reachability`), so the default holds some 9,000 records; parsing costs a few
   * times the body in heap, which a 256Mi pod must still have room for.
   * @default 16 MiB
   */
  readonly maxResponseBytes?: number | undefined;
  /**
   * lookup replaces the socket's DNS lookup: the endpoint allow-list passes one that dials only
   * allowed addresses. @default the system resolver
   */
  readonly lookup?: LookupFunction | undefined;
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
  /** bytes is the size of the body as read. */
  readonly bytes: number;
}

/** DEFAULT_MAX_RESPONSE_BYTES is the default of TransportOptions.maxResponseBytes. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Call names one exchange in error messages. */
interface Call {
  readonly context: string;
  readonly method: string;
  readonly path: string;
}

/**
 * sharedTlsContext builds one SecureContext from the trust and client-certificate settings, for
 * every socket of a connection. Given them as plain options, Node builds a new context for each
 * TLS connection (parsing the CA bundle, or the system roots, and the key again): CPU and native
 * memory freed again each time, for every socket the agent opens after an idle close, a drop or
 * a timeout. Material OpenSSL cannot load is passed on as it is, so that it fails where it failed
 * before, at connect, and is classified there.
 */
function sharedTlsContext(material: tls.SecureContextOptions): https.AgentOptions {
  try {
    return { secureContext: tls.createSecureContext(material) };
  } catch {
    return material;
  }
}

/**
 * IDLE_SOCKET_MS is how long an idle socket of a connection is kept for its next request. A
 * reconcile's requests follow each other within milliseconds, and a drift pass reads a cluster
 * once an interval: kept any longer, every cluster of a fleet held a TLS socket (OpenSSL's
 * session and buffers, tens of KB of malloc) through most of each pass, 1,000 of them at once,
 * while reopening costs a resumed TLS handshake (the agent caches the session), about 1.5 ms of
 * CPU. ONTAP closes idle connections itself after some seconds anyway.
 */
export const IDLE_SOCKET_MS = 1000;

/** IdleClosingAgent is a keep-alive agent whose free sockets close after IDLE_SOCKET_MS. */
class IdleClosingAgent extends https.Agent {
  override keepSocketAlive(socket: Duplex): void {
    super.keepSocketAlive(socket);
    // The agent destroys a socket of its free list when the socket times out.
    if (socket instanceof net.Socket) socket.setTimeout(IDLE_SOCKET_MS);
  }

  override reuseSocket(socket: Duplex, request: ClientRequest): void {
    // A request's own bound is the transport's timeout, not the idle one.
    if (socket instanceof net.Socket) socket.setTimeout(0);
    super.reuseSocket(socket, request);
  }
}

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Transport sends requests to one ONTAP cluster. */
export class Transport {
  private readonly agent: https.Agent;
  private readonly base: string;
  private readonly authHeader: string | undefined;
  private readonly semaphore: Semaphore;
  /** timeoutMs bounds one exchange. */
  readonly timeoutMs: number;
  private readonly getRetries: number;
  private readonly backoffMs: number;
  /** maxResponseBytes is the size bound on a body and on a collection's pages together. */
  readonly maxResponseBytes: number;
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
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.logger = options.logger ?? nullLogger;
    this.onRequest = options.onRequest;
    const auth = options.auth;
    this.authHeader =
      auth.kind === 'basic'
        ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`
        : undefined;
    this.agent = new IdleClosingAgent({
      keepAlive: true,
      maxSockets: maxConcurrent,
      rejectUnauthorized: options.insecureSkipTLSVerify !== true,
      ...sharedTlsContext({
        ...(options.caBundle !== undefined ? { ca: options.caBundle } : {}),
        ...(auth.kind === 'cert' ? { cert: auth.cert, key: auth.key } : {}),
      }),
      ...(options.lookup !== undefined ? { lookup: options.lookup } : {}),
    });
  }

  /** inFlight is the number of requests holding a concurrency slot right now. */
  get inFlight(): number {
    return this.semaphore.inFlight;
  }

  /**
   * request sends one call and returns the parsed answer, or throws a typed error. `context`
   * prefixes every error message ("patch aws-kms 1cd8…"). GETs are retried on transport errors;
   * writes only when the request certainly never left (connection refused, DNS). `signal` stops
   * the call at once, wherever it is (waiting for a slot, in flight, between retries), with an
   * OntapAbortedError. `pathAndQuery` must be a path under `/api/` (links from ONTAP's answers
   * are checked here too): anything else would send the credentials elsewhere.
   */
  async request(
    method: string,
    pathAndQuery: string,
    body: object | undefined,
    context: string,
    signal?: AbortSignal,
  ): Promise<RawResponse> {
    const call: Call = { context, method, path: stripQuery(pathAndQuery) };
    if (!isApiPath(pathAndQuery)) {
      throw new OntapProtocolError(`${context}: refusing to send a request to "${clip(pathAndQuery)}": not a path under /api/ on ${this.base}`, method, clip(call.path));
    }
    const maxAttempts = method === 'GET' ? 1 + this.getRetries : 3;
    for (let attempt = 1; ; attempt++) {
      // A write is retried only when it certainly never left, so an abort here never hides one.
      if (isAborted(signal)) throw new OntapAbortedError({ ...call, outcomeUnknown: false });
      try {
        return await this.semaphore.run(() => this.once(call, pathAndQuery, body, signal), signal);
      } catch (err) {
        if (!(err instanceof OntapErrorBase) && isAborted(signal)) {
          throw new OntapAbortedError({ ...call, outcomeUnknown: false, cause: err });
        }
        if (attempt >= maxAttempts || !retryable(method, err)) throw err;
        const delay = backoffDelay(attempt - 1, { initialMs: this.backoffMs, maxMs: MAX_RETRY_DELAY_MS, jitter: 0 });
        this.logger.debug('ontap request retried', { method, path: call.path, attempt, delayMs: delay, error: errorText(err) });
        await sleep(delay, signal);
      }
    }
  }

  /** close destroys the agent and its idle sockets. */
  close(): void {
    this.agent.destroy();
  }

  /** openSockets counts the sockets the connection holds, busy and idle. */
  get openSockets(): number {
    const count = (d: NodeJS.ReadOnlyDict<unknown[]>): number => Object.values(d).reduce((n, l) => n + (l?.length ?? 0), 0);
    return count(this.agent.sockets) + count(this.agent.freeSockets);
  }

  private async once(call: Call, pathAndQuery: string, body: object | undefined, signal: AbortSignal | undefined): Promise<RawResponse> {
    const { context, method, path } = call;
    // Aborted while the slot was being handed over: nothing has left yet.
    if (isAborted(signal)) throw new OntapAbortedError({ ...call, outcomeUnknown: false });
    const started = performance.now();
    const abort = new RequestAbort(this.timeoutMs, signal);
    let status = 0;
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.authHeader !== undefined) headers['authorization'] = this.authHeader;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: IncomingMessage;
      let raw: Buffer;
      try {
        // ONTAP's REST API never redirects, and a redirect is not followed (exchange follows
        // none): it would take the request, and a connection, to a host the endpoint
        // allow-list never saw.
        res = await exchange({
          url: new URL(this.base + pathAndQuery),
          method,
          headers,
          agent: this.agent,
          signal: abort.signal,
          body: body !== undefined ? JSON.stringify(body) : undefined,
        });
        if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400) {
          abort.abort();
          throw new OntapProtocolError(`${context}: HTTP ${res.statusCode}, a redirect, which ONTAP's REST API never sends; not followed`, method, path);
        }
        raw = await this.readBody(res, abort, call);
      } catch (err) {
        throw this.failure(err, abort, call);
      }
      status = res.statusCode ?? 0;
      const parsed = parseBody(raw.toString('utf8'));
      this.logger.debug('ontap request', {
        method,
        path,
        status,
        bytes: raw.length,
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
          // Only ONTAP's error envelope is quoted. Anything else (an HTML page, a proxy's text, a
          // reason phrase) is the server's own text, which status must not carry: whoever chose
          // the endpoint could read another host's answers through it. Say what kind it was.
          message: envelope !== undefined ? clip(envelope.message, 500) : describeForeignBody(header(res, 'content-type'), raw.length, parsed.ok),
          target: envelope?.target,
        });
      }
      if (!parsed.ok) {
        throw new OntapProtocolError(`${context}: HTTP ${status} with a body that is not JSON`, method, path);
      }
      return { status, location: header(res, 'location'), body: parsed.value, bytes: raw.length };
    } finally {
      abort.dispose();
      this.onRequest?.({
        method,
        path,
        route: path.replace(UUID_RE, '{uuid}'),
        status,
        durationMs: performance.now() - started,
      });
    }
  }

  /**
   * readBody reads the body as a stream and stops at maxResponseBytes: a server that streams
   * without end must cost this process no more than the bound, and its socket is destroyed
   * rather than drained. The per-request timeout covers the read, so a body that trickles ends
   * as a timeout.
   */
  private async readBody(res: IncomingMessage, abort: RequestAbort, call: Call): Promise<Buffer> {
    const limit = this.maxResponseBytes;
    const tooLarge = (): OntapResponseTooLargeError => {
      abort.abort();
      return new OntapResponseTooLargeError({ ...call, limitBytes: limit });
    };
    if (Number(header(res, 'content-length') ?? 0) > limit) throw tooLarge();
    return readAll(res, limit, tooLarge);
  }

  /** failure types an exchange that produced no answer: our own bound, the caller's abort, the timeout, or the network. */
  private failure(err: unknown, abort: RequestAbort, call: Call): OntapErrorBase {
    if (err instanceof OntapErrorBase) return err;
    if (abort.cause === 'caller') {
      return new OntapAbortedError({ ...call, outcomeUnknown: call.method !== 'GET', cause: err });
    }
    if (abort.cause === 'timeout') {
      return new OntapTimeoutError({ ...call, timeoutMs: this.timeoutMs, cause: err });
    }
    return toTransportError(err, call.context, call.method, call.path);
  }
}

/**
 * isApiPath tells whether `pathAndQuery` is a path under `/api/` on the cluster itself: not an
 * absolute or protocol-relative URL, and no `..` that leaves `/api/`.
 */
export function isApiPath(pathAndQuery: string): boolean {
  if (!pathAndQuery.startsWith('/api/')) return false;
  try {
    const url = new URL(pathAndQuery, 'https://ontap.invalid');
    return url.origin === 'https://ontap.invalid' && url.pathname.startsWith('/api/');
  } catch {
    return false;
  }
}

function retryable(method: string, err: unknown): boolean {
  if (!(err instanceof OntapTransportError)) return false;
  // A certificate that failed verification fails again; retrying would only hide it. So does
  // an address outside the allow-list.
  if (err.kind === 'tls' || err.sysCode === ENDPOINT_NOT_ALLOWED) return false;
  if (method === 'GET') return true;
  return !err.mayHaveBeenSent;
}

function parseBody(text: string): { ok: boolean; value: unknown } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, value: undefined };
  }
}

/** describeForeignBody names the kind of an error answer that is not ONTAP's error envelope, never its text. */
export function describeForeignBody(contentType: string | undefined, bytes: number, json: boolean): string {
  if (bytes === 0) return 'an empty answer, not ONTAP\'s error envelope';
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const kind = json ? 'JSON' : /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : 'a body of unknown type';
  return `an answer that is not ONTAP's error envelope (${kind}, ${bytes} bytes)`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function stripQuery(pathAndQuery: string): string {
  const i = pathAndQuery.indexOf('?');
  return i < 0 ? pathAndQuery : pathAndQuery.slice(0, i);
}

/**
 * isAborted reads `signal.aborted` through a call, so that TypeScript does not carry a narrowing
 * of it across an await (the signal changes under our feet; that is its point).
 */
export function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** clip shortens a server-supplied string for an error message. */
export function clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
