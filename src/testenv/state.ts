/**
 * The layout of a control plane directory, and its state file: what `stop` and `kubeconfig`
 * need to find a control plane that another process started.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerProcess } from './processes.js';

/** Paths inside a control plane directory. Logs, certificates and kubeconfigs stay after stop. */
export function layout(dir: string) {
  return {
    state: join(dir, 'state.json'),
    kubeconfig: join(dir, 'kubeconfig'),
    pki: join(dir, 'pki'),
    users: join(dir, 'users'),
    etcdData: join(dir, 'etcd'),
    etcdLog: join(dir, 'etcd.log'),
    apiserverLog: join(dir, 'kube-apiserver.log'),
    controllerManagerLog: join(dir, 'kube-controller-manager.log'),
    /** kube-controller-manager's own kubeconfig (CN=system:kube-controller-manager). */
    controllerManagerKubeconfig: join(dir, 'kube-controller-manager.kubeconfig'),
  } as const;
}

/** State of a started control plane, as written to DIR/state.json. */
export interface State {
  readonly server: string;
  readonly kubeconfig: string;
  /**
   * Stopped in this order: the controller manager, then the API server, so neither logs the
   * disappearance of the one it talks to.
   */
  readonly processes: readonly ServerProcess[];
}

export async function writeState(dir: string, state: State): Promise<void> {
  await writeFile(layout(dir).state, `${JSON.stringify(state, null, 2)}\n`);
}

/** readState returns the state of the control plane in `dir`, or undefined when none was started. */
export async function readState(dir: string): Promise<State | undefined> {
  let text: string;
  try {
    text = await readFile(layout(dir).state, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw err;
  }
  return parseState(JSON.parse(text) as unknown, layout(dir).state);
}

export async function removeState(dir: string): Promise<void> {
  await rm(layout(dir).state, { force: true });
}

function parseState(value: unknown, file: string): State {
  const fail = (what: string): never => {
    throw new Error(`${file}: ${what}`);
  };
  if (!isRecord(value)) return fail('not an object');
  const { server, kubeconfig, processes } = value;
  if (typeof server !== 'string' || typeof kubeconfig !== 'string') return fail('server and kubeconfig must be strings');
  if (!Array.isArray(processes)) return fail('processes must be a list');
  return {
    server,
    kubeconfig,
    processes: processes.map((p: unknown): ServerProcess => {
      if (!isRecord(p)) return fail('process entry is not an object');
      const { name, pid, bin, log, ports } = p;
      if (typeof name !== 'string' || typeof bin !== 'string' || typeof log !== 'string') return fail('process name, bin, log');
      if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return fail(`process ${name}: bad pid`);
      if (!Array.isArray(ports) || !ports.every((n): n is number => typeof n === 'number')) return fail(`process ${name}: bad ports`);
      return { name, pid, bin, log, ports };
    }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
