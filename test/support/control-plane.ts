/**
 * One real control plane per test run, shared by every integration test that asks for it:
 * started lazily on the first getControlPlane(), with the project's CRDs installed and
 * Established, and stopped by a root-level `after` once the whole run is over.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  BIN_DIR_ENV,
  kubeconfigFor,
  startControlPlane,
  type ControlPlane,
  type Identity,
} from '../../src/testenv/index.js';

export { serviceAccount, type Identity } from '../../src/testenv/index.js';

const run = promisify(execFile);

/** The repository's CRD manifests, installed into the shared control plane. */
export const CRD_DIR = fileURLToPath(new URL('../../crds/', import.meta.url));

/**
 * Timeout for a `before` hook that calls getControlPlane(). Without prebuilt binaries
 * ($ONTAP_KMS_CONTROLPLANE_BIN) the first start may include a cold build of the binaries.
 */
export const CONTROL_PLANE_TIMEOUT_MS = process.env[BIN_DIR_ENV] ? 120_000 : 40 * 60_000;

export interface TestControlPlane {
  readonly kubeconfig: string;
  readonly server: string;
  readonly dir: string;
  /** Has kube-apiserver, kube-controller-manager, etcd, and kubectl and helm at matching versions. */
  readonly binDir: string;
  /**
   * kubectl(args) runs the matching kubectl, as admin unless `options.kubeconfig` says otherwise,
   * and resolves to its stdout; it rejects with an error that quotes stderr.
   */
  kubectl(args: readonly string[], options?: { kubeconfig?: string }): Promise<string>;
  /** kubeconfigFor(identity) returns the path of a kubeconfig for that user or service account. */
  kubeconfigFor(identity: Identity): Promise<string>;
}

let shared: Promise<TestControlPlane> | undefined;
let running: ControlPlane | undefined;

/** getControlPlane returns the run's control plane, starting it on the first call. */
export function getControlPlane(): Promise<TestControlPlane> {
  shared ??= start();
  return shared;
}

async function start(): Promise<TestControlPlane> {
  const dir = await mkdtemp(join(tmpdir(), 'ontap-kms-testenv-'));
  running = await startControlPlane({ dir });
  const { kubeconfig, server, binDir } = running;
  const kubectl = (args: readonly string[], options: { kubeconfig?: string } = {}): Promise<string> =>
    runKubectl(join(binDir, 'kubectl'), ['--kubeconfig', options.kubeconfig ?? kubeconfig, ...args]);
  await installCrds(kubectl);
  return { kubeconfig, server, dir, binDir, kubectl, kubeconfigFor: (identity) => kubeconfigFor(dir, identity) };
}

async function installCrds(kubectl: TestControlPlane['kubectl']): Promise<void> {
  const manifests = (await readdir(CRD_DIR)).filter((f) => /\.ya?ml$/.test(f));
  if (manifests.length === 0) return;
  // Server-side apply: a client-side apply stores the whole CRD in an annotation, which large
  // schemas overflow.
  await kubectl(['apply', '--server-side', '-f', CRD_DIR]);
  await kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
}

async function runKubectl(kubectl: string, args: readonly string[]): Promise<string> {
  try {
    return (await run(kubectl, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    const stderr = typeof err === 'object' && err !== null && 'stderr' in err ? String(err.stderr).trim() : '';
    throw new Error(`kubectl ${args.slice(2).join(' ')}: ${stderr}`, { cause: err });
  }
}

// Root-level hooks: registered when the first test file imports this module, so `after` runs
// once, at the very end of the run. The directory is kept, with its logs, if any test failed.
let failures = 0;
afterEach(function () {
  if (this.currentTest?.state === 'failed') failures++;
});
after(async function () {
  this.timeout(30_000);
  const cp = running;
  running = undefined;
  if (cp === undefined) return;
  await cp.stop();
  if (failures === 0) await rm(cp.dir, { recursive: true, force: true });
  else console.error(`control plane logs kept in ${cp.dir}`);
});

// If the run dies before that hook (an uncaught error, process.exit), the detached servers
// would outlive it: kill them synchronously, which is all an 'exit' handler can do.
process.once('exit', () => running?.kill());
