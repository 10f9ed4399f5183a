/**
 * ontap-sim's HTTPS server: TLS, HTTP Basic (or client certificate) auth on `/api/`, fault
 * injection, the request log, and dispatch to the ONTAP routes and the `/_sim/` control API.
 * `startSimulator` is the programmatic entry point; the CLI is a thin shell around it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { sleep } from '../runtime/backoff.js';
import { type Logger, nullLogger } from '../runtime/logger.js';
import { AWS_KMS_FAMILY } from './aws-kms.js';
import { AZURE_KEY_VAULT_FAMILY } from './azure-key-vault.js';
import { routeCluster } from './cluster-handlers.js';
import { SimControl } from './control.js';
import { routeControl } from './control-api.js';
import { type FaultAction, withNextHref } from './faults.js';
import { maskWriteOnly } from './fingerprint.js';
import { GCP_KMS_FAMILY } from './gcp-kms.js';
import { type JsonBody, parseJsonBody, readBody, sendJson, SimError, streamFiller } from './http.js';
import { routeKeyManager } from './key-manager-handlers.js';
import { KEY_MANAGERS_BASE, routeSecurityKeyManagers } from './security-key-managers.js';
import { CERTIFICATES_BASE, routeCertificates } from './certificates.js';
import type { Ctx, JobFault, Reply } from './reply.js';
import { type RequestLogEntry, SimState } from './state.js';
import { generateTlsMaterial } from './tls.js';

/** SimulatorOptions configure one simulator instance. */
export interface SimulatorOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** @default 'admin' */
  readonly username?: string;
  /** @default 'netapp1!' */
  readonly password?: string;
  /** SVM names. @default ['svm1'] */
  readonly svms?: readonly string[];
  /** @default 2 */
  readonly nodes?: number;
  /** @default 'sim-cluster' */
  readonly clusterName?: string;
  /** clusterUuid GET /api/cluster reports (impersonation tests). @default a random uuid */
  readonly clusterUuid?: string;
  /** caFile is where the CA PEM is written. @default a file in a fresh temporary directory */
  readonly caFile?: string;
  /** tls: use this certificate instead of generating one; `ca` is what caFile then contains (default: cert). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
  /** jobRetentionMs: how long finished jobs stay visible. @default 300000 */
  readonly jobRetentionMs?: number;
  /** @default nullLogger */
  readonly logger?: Logger;
}

/** SimulatorHandle is a running simulator. */
export interface SimulatorHandle {
  /** url is `https://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** caFile holds the CA PEM clients should trust. */
  readonly caFile: string;
  readonly caPem: string;
  /** clientCertPem/clientKeyPem: a client certificate the server accepts (generated TLS only). */
  readonly clientCertPem: string | undefined;
  readonly clientKeyPem: string | undefined;
  /** state is the live world, for tests that need to look closer than the control API. */
  readonly state: SimState;
  /** control holds the test knobs, the same ones `/_sim/` exposes over HTTP. */
  readonly control: SimControl;
  /** close stops the server, drops open connections and removes a generated CA file. */
  close(): Promise<void>;
}

/** startSimulator starts an HTTPS ONTAP simulator and resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const logger = options.logger ?? nullLogger;
  const state = new SimState({
    ...(options.svms !== undefined ? { svms: options.svms } : {}),
    ...(options.nodes !== undefined ? { nodes: options.nodes } : {}),
    ...(options.clusterName !== undefined ? { clusterName: options.clusterName } : {}),
    ...(options.clusterUuid !== undefined ? { clusterUuid: options.clusterUuid } : {}),
    ...(options.jobRetentionMs !== undefined ? { jobRetentionMs: options.jobRetentionMs } : {}),
  });
  const control = new SimControl(state);
  const generated = options.tls === undefined ? await generateTlsMaterial() : undefined;
  const cert = options.tls?.cert ?? generated?.serverCertPem ?? '';
  const key = options.tls?.key ?? generated?.serverKeyPem ?? '';
  const caPem = options.tls?.ca ?? options.tls?.cert ?? generated?.caPem ?? '';
  const expectedAuth = `Basic ${Buffer.from(`${options.username ?? 'admin'}:${options.password ?? 'netapp1!'}`).toString('base64')}`;

  const server = https.createServer(
    // Client certificates are optional: verified ones authenticate, others fall back to Basic.
    { cert, key, ca: caPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      handle(req, res, state, control, expectedAuth, logger).catch((err: unknown) => {
        logger.error('ontap-sim: request failed', { error: err instanceof Error ? err.message : String(err) });
        if (!res.headersSent) sendJson(res, 500, new SimError(500, '1', 'Internal error.').envelope());
        else res.destroy();
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let tempDir: string | undefined;
  let caFile = options.caFile;
  if (caFile === undefined) {
    tempDir = await mkdtemp(join(tmpdir(), 'ontap-sim-'));
    caFile = join(tempDir, 'ca.crt');
  }
  await writeFile(caFile, caPem);
  const host = options.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  logger.info('ontap-sim listening', { url: `https://${urlHost}:${port}`, caFile });

  return {
    url: `https://${urlHost}:${port}`,
    port,
    caFile,
    caPem,
    clientCertPem: generated?.clientCertPem,
    clientKeyPem: generated?.clientKeyPem,
    state,
    control,
    async close(): Promise<void> {
      state.jobs.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, state: SimState, control: SimControl, expectedAuth: string, logger: Logger): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://ontap-sim');
  const method = (req.method ?? 'GET').toUpperCase();
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const text = await readBody(req);

  if (path.startsWith('/_sim/')) {
    let body: JsonBody | undefined;
    try {
      body = parseJsonBody(text);
    } catch {
      sendJson(res, 400, { error: 'body must be a JSON object' });
      return;
    }
    const reply = routeControl(control, method, path, body);
    sendJson(res, reply.status, reply.body);
    return;
  }

  state.inFlight++;
  state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
  const log = (status: number, extra: Pick<RequestLogEntry, 'dropped' | 'bodyBytesSent' | 'clientClosed'> = {}): void => {
    state.requestLog.push({
      time: new Date().toISOString(),
      method,
      path,
      query: url.search.replace(/^\?/, ''),
      status,
      ...(text.trim() === '' ? {} : { body: loggedBody(text) }),
      ...extra,
    });
    logger.debug('ontap-sim request', { method, path, status, ...extra });
  };
  try {
    const fault = state.faults.match(method, path);
    if (fault !== undefined && (await answeredByFault(fault, req, res, log))) return;
    let reply: Reply;
    try {
      const injected = fault?.error === undefined ? undefined : new SimError(fault.error.status, fault.error.code, fault.error.message);
      if (injected !== undefined && fault?.error?.inJob !== true) throw injected;
      const certOk = (req.socket as TLSSocket).authorized;
      if (!certOk && req.headers.authorization !== expectedAuth) {
        res.setHeader('www-authenticate', 'Basic realm="ONTAP"');
        throw new SimError(401, '6', 'Authentication failed: not authorized for that command.');
      }
      const jobFault: JobFault | undefined = injected === undefined ? undefined : { error: injected, used: false };
      const ctx: Ctx = { state, method, path, params: url.searchParams, body: parseJsonBody(text), ...(jobFault !== undefined ? { jobFault } : {}) };
      const routed = await route(ctx);
      if (routed === undefined) throw new SimError(404, '3', `API not found: ${method} ${path}`);
      // A job fault on a request that started no job (a GET) is its answer.
      if (jobFault !== undefined && !jobFault.used) throw jobFault.error;
      reply = fault?.nextHref === undefined ? routed : { ...routed, body: withNextHref(routed.body, fault.nextHref === 'self' ? `${url.pathname}${url.search}` : fault.nextHref) };
    } catch (err) {
      if (!(err instanceof SimError)) throw err;
      log(err.status);
      sendJson(res, err.status, err.envelope());
      return;
    }
    log(reply.status);
    sendJson(res, reply.status, reply.body, reply.headers);
  } finally {
    state.inFlight--;
  }
}

/** route dispatches an authenticated /api request to a key-manager family, the onboard/external key managers, or the cluster endpoints. */
function route(ctx: Ctx): Promise<Reply | undefined> {
  const under = (base: string): boolean => ctx.path === base || ctx.path.startsWith(`${base}/`);
  if (under(AWS_KMS_FAMILY.base)) return routeKeyManager(AWS_KMS_FAMILY, ctx);
  if (under(AZURE_KEY_VAULT_FAMILY.base)) return routeKeyManager(AZURE_KEY_VAULT_FAMILY, ctx);
  if (under(GCP_KMS_FAMILY.base)) return routeKeyManager(GCP_KMS_FAMILY, ctx);
  if (under(KEY_MANAGERS_BASE)) return routeSecurityKeyManagers(ctx);
  if (under(CERTIFICATES_BASE)) return routeCertificates(ctx);
  return Promise.resolve(routeCluster(ctx));
}

/**
 * answeredByFault applies a fault's latency, then answers for it when it replaces the answer:
 * a dropped connection or a streamed body. Errors and `nextHref` are applied by the caller.
 */
async function answeredByFault(
  fault: FaultAction,
  req: IncomingMessage,
  res: ServerResponse,
  log: (status: number, extra?: Pick<RequestLogEntry, 'dropped' | 'bodyBytesSent' | 'clientClosed'>) => void,
): Promise<boolean> {
  if (fault.latencyMs > 0) await sleep(fault.latencyMs);
  if (fault.drop) {
    log(0, { dropped: true });
    req.socket.destroy();
    return true;
  }
  if (fault.error !== undefined || fault.body === undefined) return false;
  const result = await streamFiller(res, fault.body);
  log(200, { bodyBytesSent: result.bytesSent, ...(result.clientClosed ? { clientClosed: true } : {}) });
  return true;
}

/** loggedBody is a request body for the log: parsed, with write-only values fingerprinted. */
function loggedBody(text: string): unknown {
  try {
    return maskWriteOnly(JSON.parse(text) as unknown);
  } catch {
    // An unparsable body may still hold a secret: record only its size.
    return `<unparsable, ${Buffer.byteLength(text)} bytes>`;
  }
}
