/**
 * HTTP plumbing shared by the simulator's routes: the ONTAP error type and envelope, JSON
 * answers, and reading a request body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

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

/** sleep resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
