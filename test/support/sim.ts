/**
 * Test helpers for ontap-sim: start it in-process (`startTestSim`) or as a child process
 * (`spawnSim`, the way e2e tests and the demo use it), and talk to it over real HTTPS with its
 * CA (`simRequest`), independently of the operator's own ONTAP client.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../src/simulator/server.js';

/** SIM_USER and SIM_PASSWORD are the simulator's default credentials. */
export const SIM_USER = 'admin';
export const SIM_PASSWORD = 'netapp1!';

/** startTestSim starts an in-process simulator on 127.0.0.1 with a free port. */
export function startTestSim(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  return startSimulator({ username: SIM_USER, password: SIM_PASSWORD, ...options });
}

/** SimResponse is a parsed answer from the simulator. */
export interface SimResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** json is the parsed body ({} when empty). */
  readonly json: Record<string, unknown>;
}

/** SimRequestOptions choose body and credentials of a raw request. */
export interface SimRequestOptions {
  /** body: an object is sent as JSON, a string as is. */
  readonly body?: unknown;
  /** auth: default credentials unless 'none' or another pair. */
  readonly auth?: 'default' | 'none' | { readonly username: string; readonly password: string };
}

/** simRequest sends one HTTPS request to the simulator, trusting its CA. */
export function simRequest(sim: { readonly url: string; readonly caPem: string }, method: string, path: string, options: SimRequestOptions = {}): Promise<SimResponse> {
  const url = new URL(path, sim.url);
  const auth = options.auth ?? 'default';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (auth !== 'none') {
    const pair = auth === 'default' ? { username: SIM_USER, password: SIM_PASSWORD } : auth;
    headers['authorization'] = `Basic ${Buffer.from(`${pair.username}:${pair.password}`).toString('base64')}`;
  }
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca: sim.caPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          if (text !== '') json = JSON.parse(text) as Record<string, unknown>;
        } catch (err) {
          reject(new Error(`${method} ${path}: body is not JSON: ${text.slice(0, 200)}`, { cause: err }));
          return;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** SpawnedSim is a simulator running in a child process. */
export interface SpawnedSim {
  readonly url: string;
  readonly caFile: string;
  /** ready is the whole JSON ready line. */
  readonly ready: Record<string, unknown>;
  readonly child: ChildProcess;
  /** stop sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

const CLI = fileURLToPath(new URL('../../src/simulator/cli.ts', import.meta.url));

/** spawnSim runs `ontap-sim` (the TypeScript entry, through tsx) and waits for its ready line. */
export function spawnSim(args: readonly string[] = [], timeoutMs = 20_000): Promise<SpawnedSim> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ontap-sim did not print its ready line within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ontap-sim exited (${code}) before it was ready; stderr: ${stderr}`));
    }, reject);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        const ready = JSON.parse(line) as Record<string, unknown>;
        resolve({
          url: String(ready['url']),
          caFile: String(ready['caFile']),
          ready,
          child,
          stop: () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      } catch (err) {
        child.kill('SIGKILL');
        reject(new Error(`ontap-sim printed a line that is not JSON: ${line}`, { cause: err }));
      }
    });
  });
}
