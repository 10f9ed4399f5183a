/**
 * A real control plane for tests: upstream etcd, kube-apiserver and kube-controller-manager on
 * 127.0.0.1, with no kubelet or scheduler. The API server is started the way controller-runtime's
 * envtest does; the controller manager runs only the controllers that act on API objects alone
 * (CONTROLLERS): namespaces finish deleting, owner references are collected, and service
 * accounts and their token Secrets exist, as in a real cluster.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPki, type Pki } from './certs.js';
import { writeKubeconfig } from './kubeconfig.js';
import { freePorts, isRunning, signalGroup, spawnServer, tail, terminate, type ServerProcess } from './processes.js';
import { layout, readState, removeState, writeState } from './state.js';

/** Environment variable naming a directory with prebuilt kube-apiserver, kube-controller-manager and etcd binaries. */
export const BIN_DIR_ENV = 'ONTAP_KMS_CONTROLPLANE_BIN';

/**
 * The controllers kube-controller-manager runs: those a test of an operator meets in any cluster
 * and that need no node. Each one costs watches and CPU on a 2-core machine, so only these.
 */
export const CONTROLLERS = [
  'namespace-controller',
  'garbage-collector-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
] as const;

/** Time a server gets to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 10_000;

export interface StartOptions {
  /** Directory for state, logs, certificates, etcd data and kubeconfigs; created if missing. */
  readonly dir: string;
  /**
   * Directory with the kube-apiserver, kube-controller-manager and etcd binaries.
   * @default $ONTAP_KMS_CONTROLPLANE_BIN, else the output of tools/controlplane/build.sh
   */
  readonly binDir?: string;
  /** How long etcd, the API server and the controller manager together may take to become ready. @default 60000 */
  readonly readyTimeoutMs?: number;
}

/** A running control plane. */
export interface ControlPlane {
  /** Admin kubeconfig (O=system:masters). */
  readonly kubeconfig: string;
  /** API server URL, https://127.0.0.1:PORT. */
  readonly server: string;
  readonly dir: string;
  /** Where the binaries came from; it also has kubectl and helm at matching versions. */
  readonly binDir: string;
  /** Stops every server; see stopControlPlane. */
  stop(): Promise<void>;
  /**
   * Last resort for a process 'exit' handler, where nothing async runs: SIGKILLs every server
   * without waiting or cleaning up.
   */
  kill(): void;
}

/**
 * startControlPlane starts etcd, kube-apiserver and kube-controller-manager as detached processes
 * (they outlive the caller until stopControlPlane) and resolves once the API server reports ready
 * and the controller manager healthy.
 */
export async function startControlPlane(options: StartOptions): Promise<ControlPlane> {
  const dir = resolve(options.dir);
  const paths = layout(dir);
  const previous = await readState(dir);
  if (previous?.processes.some(isRunning)) throw new Error(`start control plane: one is already running in ${dir}`);

  const binDir = await findBinDir(options.binDir);
  const bin = (name: string): string => {
    const file = join(binDir, name);
    try {
      accessSync(file, constants.X_OK);
    } catch (err) {
      throw new Error(`start control plane: no executable ${file} (see tools/controlplane/build.sh)`, { cause: err });
    }
    return file;
  };
  const etcdBin = bin('etcd');
  const apiserverBin = bin('kube-apiserver');
  const controllerManagerBin = bin('kube-controller-manager');

  // Each start is from scratch: stale objects or old keys would make tests order-dependent.
  await Promise.all([paths.etcdData, paths.pki, paths.users].map((p) => rm(p, { recursive: true, force: true })));
  await mkdir(dir, { recursive: true });
  const [pki, ports] = await Promise.all([createPki(paths.pki), freePorts(['etcd', 'etcdPeer', 'apiserver', 'controllerManager'])]);
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);

  // Listed in stop order: the controller manager, then the API server, so that neither logs the
  // disappearance of the server it talks to.
  const processes: ServerProcess[] = [];
  try {
    const etcd = spawnServer('etcd', etcdBin, etcdArgs(paths.etcdData, ports.etcd, ports.etcdPeer), {
      cwd: dir,
      log: paths.etcdLog,
      ports: [ports.etcd, ports.etcdPeer],
    });
    processes.push(etcd);
    await writeState(dir, { server, kubeconfig: paths.kubeconfig, processes });
    // etcd is ready within a second. Waiting for it costs little and means that an etcd that
    // fails or hangs is reported as such, not as an API server that never became ready.
    await waitReady(`http://127.0.0.1:${ports.etcd}/readyz`, {}, processes, deadline);

    const apiserverArgv = apiserverArgs(pki, paths.pki, server, ports.apiserver, ports.etcd);
    processes.unshift(spawnServer('kube-apiserver', apiserverBin, apiserverArgv, {
      cwd: dir,
      log: paths.apiserverLog,
      ports: [ports.apiserver],
    }));
    await writeState(dir, { server, kubeconfig: paths.kubeconfig, processes });
    const admin = { ca: await readFile(pki.ca.cert), cert: await readFile(pki.admin.cert), key: await readFile(pki.admin.key) };
    await waitReady(`${server}/readyz`, admin, processes, deadline);
    await writeKubeconfig(paths.kubeconfig, server, pki.ca.cert, pki.admin, 'admin');

    // Only now: the controller manager gives up if the API server is not healthy within 10 s,
    // and its RBAC (bootstrapped by the API server) must exist before it asks for tokens.
    await writeKubeconfig(paths.controllerManagerKubeconfig, server, pki.ca.cert, pki.controllerManager, 'system:kube-controller-manager');
    const controllerManagerArgv = controllerManagerArgs(pki, paths.controllerManagerKubeconfig, ports.controllerManager);
    processes.unshift(spawnServer('kube-controller-manager', controllerManagerBin, controllerManagerArgv, {
      cwd: dir,
      log: paths.controllerManagerLog,
      ports: [ports.controllerManager],
    }));
    await writeState(dir, { server, kubeconfig: paths.kubeconfig, processes });
    await waitReady(`https://127.0.0.1:${ports.controllerManager}/healthz`, { ca: admin.ca }, processes, deadline);
  } catch (err) {
    await stopProcesses(dir, processes);
    throw err;
  }
  return {
    kubeconfig: paths.kubeconfig,
    server,
    dir,
    binDir,
    stop: () => stopControlPlane(dir),
    kill: () => processes.filter(isRunning).forEach((p) => signalGroup(p.pid, 'SIGKILL')),
  };
}

/**
 * stopControlPlane stops the control plane in `dir` (SIGTERM, then SIGKILL after a grace period),
 * checks that no process or port is left, and deletes the etcd data. Logs, certificates and
 * kubeconfigs stay for debugging. Stopping a directory with nothing running is a no-op.
 */
export async function stopControlPlane(dir: string): Promise<void> {
  const state = await readState(dir);
  if (state !== undefined) await stopProcesses(dir, state.processes);
}

async function stopProcesses(dir: string, processes: readonly ServerProcess[]): Promise<void> {
  for (const proc of processes) await terminate(proc, STOP_GRACE_MS);
  await rm(layout(dir).etcdData, { recursive: true, force: true });
  await removeState(dir);
}

function etcdArgs(dataDir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    // The peer URLs are set explicitly only so that nothing defaults to localhost:2380.
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    // Test data is thrown away, so durability buys nothing and fsync costs seconds per run.
    '--unsafe-no-fsync',
  ];
}

/** The flags envtest uses, with client-certificate authentication and RBAC. */
function apiserverArgs(pki: Pki, certDir: string, server: string, port: number, etcdPort: number): string[] {
  return [
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--cert-dir=${certDir}`,
    `--tls-cert-file=${pki.serving.cert}`,
    `--tls-private-key-file=${pki.serving.key}`,
    `--client-ca-file=${pki.ca.cert}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=${server}`,
    `--service-account-key-file=${pki.serviceAccount.pub}`,
    `--service-account-signing-key-file=${pki.serviceAccount.key}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    // The controller manager creates each namespace's "default" service account, but only a
    // moment after the namespace: with this plugin, a pod created at once would be refused.
    '--disable-admission-plugins=ServiceAccount',
    // Endpoints may not hold a loopback address, so the reconciler of the "kubernetes" Service
    // would fail every 10 s, and it stalls shutdown by as much. Nothing here needs that Service.
    '--endpoint-reconciler-type=none',
  ];
}

/**
 * The controller manager as its own user (a real cluster's setup): it asks for a token per
 * controller (--use-service-account-credentials), so each acts with its bootstrap role. It signs
 * token Secrets with the key whose public half the API server verifies them with.
 */
function controllerManagerArgs(pki: Pki, kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--controllers=${CONTROLLERS.join(',')}`,
    '--use-service-account-credentials',
    `--service-account-private-key-file=${pki.serviceAccount.key}`,
    `--root-ca-file=${pki.ca.cert}`,
    // One instance: a leader election would only add a Lease write every 2 s.
    '--leader-elect=false',
    // Serves /healthz only (always allowed), for the start-up check; no authn/authz delegation
    // to set up, and the API server's serving certificate is valid for 127.0.0.1 too.
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--tls-cert-file=${pki.serving.cert}`,
    `--tls-private-key-file=${pki.serving.key}`,
  ];
}

/** findBinDir picks the binaries: the option, then the environment, then a (cached) build. */
async function findBinDir(binDir: string | undefined): Promise<string> {
  const given = binDir ?? process.env[BIN_DIR_ENV];
  if (given !== undefined && given !== '') return resolve(given);
  const script = fileURLToPath(new URL('../../tools/controlplane/build.sh', import.meta.url));
  const lastLine = await new Promise<string>((done, fail) => {
    // stderr is passed through: a cold build takes minutes and its progress should show.
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', fail);
    child.on('close', (code) => {
      if (code === 0) done(out.trimEnd().split('\n').pop() ?? '');
      else fail(new Error(`${script} exited with ${code}`));
    });
  });
  if (lastLine === '') throw new Error(`${script} printed no bin dir`);
  return lastLine;
}

/** TLS material for a probe; empty for plain HTTP. */
type ProbeTls = { ca?: Buffer; cert?: Buffer; key?: Buffer };

/** waitReady polls `url` until it answers 200, failing fast if one of `processes` exits. */
async function waitReady(url: string, tls: ProbeTls, processes: readonly ServerProcess[], deadline: number): Promise<void> {
  for (;;) {
    const dead = processes.find((p) => !isRunning(p));
    if (dead !== undefined) throw new Error(`${dead.name} exited during start-up; ${dead.log}:\n${tail(dead.log)}`);
    const last = await probe(url, tls);
    if (last === 'ok') return;
    if (Date.now() >= deadline) {
      const logs = processes.map((p) => `${p.log}:\n${tail(p.log)}`).join('\n');
      throw new Error(`control plane start: ${url} not ready in time (last: ${last}); ${logs}`);
    }
    await sleep(100);
  }
}

/** probe GETs `url` and returns 'ok' on 200, else a short description of what happened. */
function probe(url: string, tls: ProbeTls): Promise<string> {
  return new Promise((done) => {
    const get = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = get(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      done(res.statusCode === 200 ? 'ok' : `HTTP ${res.statusCode ?? '?'}`);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => done(err.message));
    req.end();
  });
}
