/**
 * A minimal HTTP(S) server for the operator's probe and metrics endpoints (`/healthz`, `/readyz`,
 * `/metrics`): exact-path GET routes, nothing else. One is started per bind address. With `tls`
 * it serves HTTPS; with `authorize` every request is checked before its route runs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';

/** RouteResult is what a route answers. */
export interface RouteResult {
  status: number;
  /** body is the whole answer, or chunks sent as they come (with backpressure, no Content-Length). */
  body: string | Iterable<string>;
  /** @default 'text/plain; charset=utf-8' */
  contentType?: string;
  /** headers are sent with the answer, e.g. Retry-After with a 429. */
  headers?: Readonly<Record<string, string>>;
}

/** HttpServerOptions configure {@link startHttpServer}. */
export interface HttpServerOptions {
  /** address is `host:port`; an empty host binds every interface, port 0 picks a free one. */
  address: string;
  /** routes maps an exact path to its handler. */
  routes: Record<string, () => Promise<RouteResult>>;
  logger: Logger;
  /** tls serves HTTPS with this PEM certificate and key. @default plain HTTP */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** authorize returns undefined to serve a request, or the refusal to send instead. @default serve all */
  authorize?: (req: IncomingMessage) => Promise<RouteResult | undefined>;
}

/** HttpServer is a started server. */
export interface HttpServer {
  /** url is `http(s)://host:port` with the port actually bound; 127.0.0.1 when bound to every interface. */
  url: string;
  /** listening says what is bound, e.g. `*:8080` for every interface, for logs. */
  listening: string;
  /** close stops listening and drops open connections. */
  close(): Promise<void>;
}

/** parseBindAddress splits `host:port`, `:port` or `[v6]:port`. */
export function parseBindAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = Number(m?.[3]);
  if (m === null || !Number.isInteger(port) || port > 65535) {
    throw new Error(`http server: bind address ${JSON.stringify(address)} is not host:port`);
  }
  return { host: m[1] ?? m[2] ?? '', port };
}

/** startHttpServer listens on `address` and resolves once it is bound. */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { host, port } = parseBindAddress(options.address);
  const log = options.logger.child({ address: options.address });
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res, options, log);
  };
  const server: Server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, onRequest) : createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`http server: listen on ${options.address}`, { cause: err })));
    server.listen(port, host === '' ? undefined : host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shownHost = host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  // The URL is how this process reaches itself; the log says what the network sees.
  const listening = `${host === '' ? '*' : shownHost}:${bound.port}`;
  log.info('listening', { listening });
  return {
    url: `${options.tls ? 'https' : 'http'}://${shownHost}:${bound.port}`,
    listening,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions, log: Logger): Promise<void> {
  const { routes } = options;
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  let result: RouteResult;
  try {
    // Authentication comes first: an unauthenticated client learns nothing, not even which paths exist.
    const refused = await options.authorize?.(req);
    if (refused !== undefined) result = refused;
    else if (route === undefined) result = { status: 404, body: 'not found\n' };
    else if (req.method !== 'GET' && req.method !== 'HEAD') result = { status: 405, body: 'method not allowed\n' };
    else result = await route();
  } catch (err) {
    log.warn('http route failed', { path, error: err });
    result = { status: 500, body: 'internal error\n' };
  }
  const contentType = result.contentType ?? 'text/plain; charset=utf-8';
  if (typeof result.body === 'string') {
    res.writeHead(result.status, { ...result.headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(result.body) });
    res.end(req.method === 'HEAD' ? undefined : result.body);
    return;
  }
  res.writeHead(result.status, { ...result.headers, 'Content-Type': contentType });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    // One chunk in the socket's buffer at a time: a slow reader holds a chunk, not the answer.
    for (const chunk of result.body) {
      if (res.write(chunk)) continue;
      await drained(res);
      // The client went away: make no more of the answer.
      if (res.destroyed) return;
    }
    res.end();
  } catch (err) {
    // The status is sent: all that is left is to cut the answer short, so it is not taken whole.
    log.warn('http route failed while sending', { path, error: err });
    res.destroy();
  }
}

/** drained resolves when `res` can take more, or is closed. */
export function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
