/**
 * A small JSON-over-HTTPS client for talking to ontap-sim the way an admin's curl would: the
 * simulator's CA, HTTP Basic credentials for /api/, none for the /_sim/ control API.
 */
import { request } from 'node:https';

/** HttpsJsonOptions say where the server is and how to trust it. */
export interface HttpsJsonOptions {
  readonly baseUrl: string;
  readonly caPem: string;
  /** Basic credentials; unset for the unauthenticated control API. */
  readonly auth?: { readonly username: string; readonly password: string };
}

/** JsonResponse is a status and the parsed body (undefined when empty). */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** httpsJson sends one request and parses the JSON answer; a non-2xx status is not an error here. */
export function httpsJson(opts: HttpsJsonOptions, method: string, path: string, body?: unknown): Promise<JsonResponse> {
  const url = new URL(path, opts.baseUrl);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (opts.auth !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}`;
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: opts.caPem, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
        } catch (err) {
          reject(new Error(`${method} ${path}: answer is not JSON`, { cause: err }));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', (err) => reject(new Error(`${method} ${path}: ${err.message}`, { cause: err })));
    req.end(payload);
  });
}

/** field walks a path of keys into a parsed JSON value. */
export function field(value: unknown, ...path: Array<string | number>): unknown {
  let v = value;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}
