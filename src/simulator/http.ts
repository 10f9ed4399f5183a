/**
 * HTTP plumbing shared by the simulator's routes: the ONTAP error type and envelope, JSON
 * answers, streamed filler answers for body faults, and reading a request body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sleep } from '../runtime/backoff.js';
import { drained } from '../runtime/http-server.js';
import type { FaultBody } from './faults.js';

/** SimError is an ONTAP-style failure: HTTP status plus the `{error:{message,code,target}}` envelope. */
export class SimError extends Error {
  /** SimError builds an error answered as `status` with ONTAP code `code` (digits). */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
  ) {
    super(message);
    this.name = 'SimError';
  }

  /** envelope is the JSON body ONTAP sends with this error. */
  envelope(): { error: { message: string; code: string; target?: string } } {
    return {
      error: { message: this.message, code: this.code, ...(this.target !== undefined ? { target: this.target } : {}) },
    };
  }
}

/** notFound is ONTAP's answer for an unknown object: 404, code 4. */
export function notFound(target = 'uuid'): SimError {
  return new SimError(404, '4', "entry doesn't exist", target);
}

/** unexpectedArgument is ONTAP's 262179 for a field or parameter the call does not take. */
export function unexpectedArgument(name: string, why = ''): SimError {
  return new SimError(400, '262179', `Unexpected argument "${name}".${why === '' ? '' : ` ${why}`}`, name);
}

/** invalidField is ONTAP's generic code 2 for a value of the wrong type or range. */
export function invalidField(name: string, message: string): SimError {
  return new SimError(400, '2', message, name);
}

/** JsonBody is a parsed JSON object body. */
export type JsonBody = Record<string, unknown>;

/** readBody reads the whole request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** parseJsonBody parses a request body: empty → undefined; not a JSON object → 400. */
export function parseJsonBody(text: string): JsonBody | undefined {
  if (text.trim() === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new SimError(400, '2', 'Invalid JSON input in the request body.', 'body');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new SimError(400, '2', 'The request body must be a JSON object.', 'body');
  }
  return v as JsonBody;
}

/** sendJson writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/hal+json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

const FILLER_HEAD = '{"records":[],"num_records":0,"filler":"';
const FILLER_TAIL = '"}';

/** StreamResult is how a streamed answer went. */
export interface StreamResult {
  /** bytesSent is what was handed to the socket (the client may have received less). */
  readonly bytesSent: number;
  /** clientClosed is true when the client went away before the body's end. */
  readonly clientClosed: boolean;
}

/**
 * streamFiller answers 200 with a collection-shaped JSON body of `body.bytes` bytes (declared in
 * Content-Length), or a chunked one that never ends. It waits for the socket to drain between
 * chunks, so the simulator holds a chunk or two however big the body, and it stops as soon as
 * the client goes away.
 */
export async function streamFiller(res: ServerResponse, body: FaultBody): Promise<StreamResult> {
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  const total = body.bytes === undefined ? undefined : Math.max(body.bytes, FILLER_HEAD.length + FILLER_TAIL.length);
  res.writeHead(200, { 'content-type': 'application/hal+json', ...(total !== undefined ? { 'content-length': String(total) } : {}) });
  let sent = 0;
  const write = async (chunk: string | Buffer): Promise<void> => {
    sent += Buffer.byteLength(chunk);
    if (!res.write(chunk) && !closed) await drained(res);
  };
  await write(FILLER_HEAD);
  const filler = Buffer.alloc(body.chunkBytes, 'x');
  for (;;) {
    if (body.chunkDelayMs > 0) await sleep(body.chunkDelayMs);
    if (closed) break;
    const left = total === undefined ? filler.length : total - FILLER_TAIL.length - sent;
    if (left <= 0) break;
    await write(left >= filler.length ? filler : filler.subarray(0, left));
  }
  if (closed) return { bytesSent: sent, clientClosed: true };
  res.end(FILLER_TAIL);
  return { bytesSent: sent + FILLER_TAIL.length, clientClosed: false };
}
