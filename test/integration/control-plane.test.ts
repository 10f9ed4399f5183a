/**
 * The test control plane itself: the real API server we built, the project's CRDs installed,
 * RBAC enforced for the identities tests ask for, and a CLI that cleans up after itself.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import {
  CONTROL_PLANE_TIMEOUT_MS,
  CRD_DIR,
  getControlPlane,
  serviceAccount,
  type TestControlPlane,
} from '../support/control-plane.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));

describe('test control plane', function () {
  let cp: TestControlPlane;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    cp = await getControlPlane();
  });

  it('serves, and talks to kubectl of, the version pinned in tools/controlplane/go.mod', async function () {
    const goMod = await readFile(join(repo, 'tools/controlplane/go.mod'), 'utf8');
    const pinned = /^\s*k8s\.io\/kubernetes (v\S+)/m.exec(goMod)?.[1];
    expect(pinned, 'k8s.io/kubernetes in go.mod').to.match(/^v1\.\d+\.\d+$/);

    type Version = { gitVersion?: string };
    const version = JSON.parse(await cp.kubectl(['version', '-o', 'json'])) as { clientVersion?: Version; serverVersion?: Version };
    expect(version.serverVersion?.gitVersion, 'server').to.equal(pinned);
    expect(version.clientVersion?.gitVersion, 'kubectl').to.equal(pinned);
  });

  it('lists namespaces as admin', async function () {
    const namespaces = await cp.kubectl(['get', 'namespaces', '-o', 'name']);
    expect(namespaces.split('\n')).to.include('namespace/kube-system');
  });

  it('has every CRD in crds/ Established', async function () {
    const names = await crdNames();
    expect(names, 'CRDs in crds/').to.not.be.empty;
    for (const name of names) {
      const established = await cp.kubectl([
        'get', 'crd', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ]);
      expect(established, name).to.equal('True');
    }
  });

  it('authenticates a service account with its user name and groups', async function () {
    const kubeconfig = await cp.kubeconfigFor(serviceAccount('team-a', 'operator'));
    const review = JSON.parse(await cp.kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig })) as {
      status?: { userInfo?: { username?: string; groups?: string[] } };
    };
    expect(review.status?.userInfo?.username).to.equal('system:serviceaccount:team-a:operator');
    expect(review.status?.userInfo?.groups).to.include.members([
      'system:serviceaccounts',
      'system:serviceaccounts:team-a',
      'system:authenticated',
    ]);
  });

  it('forbids a user bound to nothing to list OntapAwsKms', async function () {
    const kubeconfig = await cp.kubeconfigFor({ user: 'nobody' });
    const failure = await cp.kubectl(['get', 'ontapawskms', '-A'], { kubeconfig }).then(
      () => expect.fail('listing OntapAwsKms as an unbound user succeeded'),
      (err: unknown) => err,
    );
    expect(String(failure)).to.match(/Forbidden/).and.match(/"nobody" cannot list resource "ontapawskmses"/);
  });

  it('grants a service account what a RoleBinding gives it, in that namespace only', async function () {
    await cp.kubectl(['create', 'namespace', 'rbac-check']);
    await cp.kubectl(['create', 'role', 'read-kms', '-n', 'rbac-check', '--verb=list', '--resource=ontapawskmses']);
    await cp.kubectl([
      'create', 'rolebinding', 'read-kms', '-n', 'rbac-check', '--role=read-kms', '--serviceaccount=rbac-check:reader',
    ]);
    const kubeconfig = await cp.kubeconfigFor(serviceAccount('rbac-check', 'reader'));

    await cp.kubectl(['get', 'ontapawskmses', '-n', 'rbac-check'], { kubeconfig });
    const elsewhere = await cp.kubectl(['get', 'ontapawskmses', '-n', 'default'], { kubeconfig }).then(
      () => expect.fail('listing OntapAwsKms outside the bound namespace succeeded'),
      (err: unknown) => err,
    );
    expect(String(elsewhere)).to.match(/Forbidden.*cannot list resource "ontapawskmses".* in the namespace "default"/);
  });
});

describe('test control plane: kube-controller-manager', function () {
  let cp: TestControlPlane;
  const suffix = randomBytes(3).toString('hex');

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    cp = await getControlPlane();
  });

  it('finishes deleting a namespace and what it holds (namespace controller)', async function () {
    this.timeout(90_000);
    const ns = `cm-ns-${suffix}`;
    await cp.kubectl(['create', 'namespace', ns]);
    await cp.kubectl(['create', 'configmap', 'inside', '-n', ns, '--from-literal=a=b']);
    await cp.kubectl(['delete', 'namespace', ns, '--wait=false']);
    await until(`namespace ${ns} gone`, async () => !(await exists(cp, ['namespace', ns])), 60_000);
  });

  it('collects an object whose owner was deleted (garbage collector)', async function () {
    this.timeout(90_000);
    const ns = `cm-gc-${suffix}`;
    await cp.kubectl(['create', 'namespace', ns]);
    await cp.kubectl(['create', 'configmap', 'owner', '-n', ns]);
    const uid = await cp.kubectl(['get', 'configmap', 'owner', '-n', ns, '-o', 'jsonpath={.metadata.uid}']);
    expect(uid).to.match(/^[0-9a-f-]{36}$/);
    await kubectlApply(cp, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dependent', namespace: ns, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }] },
    });
    await cp.kubectl(['delete', 'configmap', 'owner', '-n', ns, '--wait=false']);
    await until('dependent ConfigMap collected', async () => !(await exists(cp, ['configmap', 'dependent', '-n', ns])), 60_000);
    await cp.kubectl(['delete', 'namespace', ns, '--wait=false']);
  });

  it('creates service accounts and fills a token Secret with a token the API server accepts', async function () {
    this.timeout(90_000);
    const ns = `cm-sa-${suffix}`;
    await cp.kubectl(['create', 'namespace', ns]);
    await until('service account "default"', () => exists(cp, ['serviceaccount', 'default', '-n', ns]), 60_000);
    await cp.kubectl(['create', 'serviceaccount', 'bot', '-n', ns]);
    await kubectlApply(cp, {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: { name: 'bot-token', namespace: ns, annotations: { 'kubernetes.io/service-account.name': 'bot' } },
    });
    const token = await until('token in Secret bot-token', async () => {
      const b64 = await cp.kubectl(['get', 'secret', 'bot-token', '-n', ns, '-o', 'jsonpath={.data.token}']);
      return b64 === '' ? undefined : Buffer.from(b64, 'base64').toString('utf8');
    }, 60_000);
    const caData = await cp.kubectl(['get', 'secret', 'bot-token', '-n', ns, '-o', 'jsonpath={.data.ca\\.crt}']);
    expect(Buffer.from(caData, 'base64').toString('utf8'), 'ca.crt (--root-ca-file)').to.match(/^-----BEGIN CERTIFICATE-----/);
    // The token is signed with the key the API server verifies with: it authenticates as the account.
    const review = JSON.parse(await run(join(cp.binDir, 'kubectl'), [
      '--server', cp.server, '--certificate-authority', join(cp.dir, 'pki', 'ca.crt'), '--token', token, 'auth', 'whoami', '-o', 'json',
    ]).then((r) => r.stdout)) as { status?: { userInfo?: { username?: string } } };
    expect(review.status?.userInfo?.username).to.equal(`system:serviceaccount:${ns}:bot`);
    await cp.kubectl(['delete', 'namespace', ns, '--wait=false']);
  });
});

describe('ontap-kms-testenv CLI', function () {
  const cli = (...args: string[]) => run('npx', ['tsx', join(repo, 'src/testenv/cli.ts'), ...args], { cwd: repo });

  it('starts a control plane and stops it without leaving a process or port behind', async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    const dir = await mkdtemp(join(tmpdir(), 'ontap-kms-testenv-cli-'));
    const { stdout } = await cli('start', '--dir', dir);
    const lines = stdout.trimEnd().split('\n');
    expect(lines, 'stdout').to.have.lengthOf(1);
    const ready = JSON.parse(lines[0] ?? '') as { kubeconfig?: string; server?: string; dir?: string; binDir?: string };
    expect(ready).to.include({ kubeconfig: join(dir, 'kubeconfig'), dir });
    const port = Number(new URL(ready.server ?? '').port);

    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { processes: { pid: number }[] };
    const pids = state.processes.map((p) => p.pid);
    expect(pids).to.have.lengthOf(3); // kube-controller-manager, kube-apiserver, etcd
    await run(join(ready.binDir ?? '', 'kubectl'), ['--kubeconfig', join(dir, 'kubeconfig'), 'get', 'namespaces']);

    await cli('stop', '--dir', dir);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).to.be.false;
    expect(await listening(port), `port ${port}`).to.be.false;
    expect(await readdir(dir)).to.include.members(['etcd.log', 'kube-apiserver.log', 'kube-controller-manager.log', 'kubeconfig']).and.not.include('etcd');
    await rm(dir, { recursive: true });
  });
});

/** exists tells whether `kubectl get ARGS` finds the object; any other failure is thrown. */
async function exists(cp: TestControlPlane, args: readonly string[]): Promise<boolean> {
  try {
    await cp.kubectl(['get', ...args, '-o', 'name']);
    return true;
  } catch (err) {
    if (/NotFound|not found/.test(String(err))) return false;
    throw err;
  }
}

async function kubectlApply(cp: TestControlPlane, manifest: object): Promise<void> {
  const file = join(await mkdtemp(join(tmpdir(), 'cp-manifest-')), 'manifest.json');
  await writeFile(file, JSON.stringify(manifest));
  await cp.kubectl(['apply', '-f', file]);
  await rm(dirname(file), { recursive: true });
}

/** until polls `fn` every 200 ms until it returns a value other than undefined/false. */
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function crdNames(): Promise<string[]> {
  const files = (await readdir(CRD_DIR)).filter((f) => /\.ya?ml$/.test(f));
  const names: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(CRD_DIR, file), 'utf8'))) {
      const crd = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (crd?.kind === 'CustomResourceDefinition' && crd.metadata?.name) names.push(crd.metadata.name);
    }
  }
  return names;
}

/** alive tells whether `pid` is a live process; a zombie (exited, not yet reaped) is not. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
