/**
 * The operator image, built and run: the Dockerfile (unchanged) built by buildah on a stand-in
 * for node:24-trixie-slim with the project's pinned Node.js (tools/node/versions.sh), its
 * entrypoint run as uid 65532 on a read-only root filesystem with the chart's ServiceAccount,
 * RBAC and arguments, against the test control plane and ontap-sim.
 * Skipped, with the reason printed, only where buildah cannot be installed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { OntapAwsKmsType } from '../../../src/controller/resources.js';
import { SecretType } from '../../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../../support/control-plane.js';
import { awsSecret, condition, type E2E, getKms, kmsObject, startE2E, waitFor } from '../../support/e2e.js';
import { buildah, imageConfig, layerPaths, pinnedNode, REPO, RUN_IN_IMAGE, type ImageConfig } from '../../support/image.js';
import { operatorImage, operatorImageMissing, TEST_IMAGE } from '../../support/operator-image.js';
import { installChart, type InstalledChart } from '../deploy/install.js';

const IMAGE = TEST_IMAGE;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function status(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url)).status;
  } catch {
    return undefined;
  }
}

/** httpsStatus answers the HTTP status of a GET over TLS (the self-signed metrics certificate is not checked). */
function httpsStatus(url: string, token?: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { rejectUnauthorized: false, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** clusterCa is the API server's CA from the admin kubeconfig, as a pod finds it in ca.crt. */
async function clusterCa(kubeconfig: string): Promise<string> {
  const doc = parseYaml(await readFile(kubeconfig, 'utf8')) as { clusters?: { cluster?: { 'certificate-authority-data'?: string } }[] };
  const data = doc.clusters?.[0]?.cluster?.['certificate-authority-data'];
  if (data === undefined) throw new Error(`${kubeconfig}: no certificate-authority-data`);
  return Buffer.from(data, 'base64').toString('utf8');
}

describe('the operator image', function () {
  this.timeout(60_000);
  let w: E2E;
  let release: InstalledChart;
  let config: ImageConfig;
  let rootfs: string;
  let container: string | undefined;
  let saDir: string | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> | undefined;
  const output: string[] = [];
  const system = `kms-img-${Math.random().toString(16).slice(2, 8)}`;
  let healthPort: number;
  let metricsPort: number;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS + 20 * 60_000);
    const missing = await operatorImageMissing();
    if (missing !== undefined) {
      console.log(`      skipped: the image cannot be built here: ${missing}`);
      this.skip();
    }
    // Built once for the whole run (test/support/operator-image.ts): the release test uses it too.
    await operatorImage();
    config = await imageConfig(IMAGE);
    container = await buildah(['from', '--pull-never', IMAGE]);
    rootfs = await buildah(['mount', container]);

    w = await startE2E({ svms: ['svm1'] });
    [healthPort, metricsPort] = [await freePort(), await freePort()];
    release = await installChart(w.cp, {
      namespace: system,
      watchNamespaces: [w.ns],
      extraArgs: ['--set', 'replicaCount=1', '--set', `health.port=${healthPort}`, '--set', `metrics.port=${metricsPort}`],
    });
    // The pod's ServiceAccount volume: a bound token, the cluster CA and the namespace.
    saDir = await mkdtemp(join(tmpdir(), 'ontap-kms-sa-'));
    await chmod(saDir, 0o755);
    const token = (await w.cp.kubectl(['create', 'token', release.serviceAccountName, '-n', system, '--duration=1h'])).trim();
    await writeFile(join(saDir, 'token'), token, { mode: 0o644 });
    await writeFile(join(saDir, 'ca.crt'), await clusterCa(w.cp.kubeconfig), { mode: 0o644 });
    await writeFile(join(saDir, 'namespace'), system, { mode: 0o644 });
  });

  after(async function () {
    this.timeout(60_000);
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
    if (container !== undefined) await buildah(['rm', container]).catch(() => undefined);
    if (saDir !== undefined) await rm(saDir, { recursive: true, force: true });
    await release?.uninstall().catch(() => undefined);
    await w?.close();
    // The operator's own log, when something failed: the container is gone by now.
    if (this.test?.parent?.tests.some((t) => t.state === 'failed') === true) console.log(output.join('').split('\n').slice(-40).join('\n'));
  });

  it('leaves the test tooling, type declarations and source maps of dependencies out', async function () {
    const app = join(rootfs, config.workingDir);
    for (const gone of ['dist/simulator', 'dist/testenv', 'dist/demo', 'bin/ontap-sim.js', 'bin/ontap-kms-testenv.js', 'src', 'test']) {
      expect(await stat(join(app, gone)).then(() => true, () => false), `${gone} in the image`).to.equal(false);
    }
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      const find = spawn('find', [join(app, 'node_modules'), '-type', 'f', '(', '-name', '*.d.ts', '-o', '-name', '*.map', ')']);
      let out = '';
      find.stdout.on('data', (c: Buffer) => (out += c.toString()));
      find.on('error', reject);
      find.on('close', () => resolve({ stdout: out }));
    });
    expect(stdout.trim(), 'declarations or maps under node_modules').to.equal('');
    expect(await stat(join(app, 'dist/main.js')).then((s) => s.isFile()), 'dist/main.js').to.equal(true);
    // The proxy CA went in as a build secret, so nothing of it is left in the image.
    expect(await stat(join(rootfs, 'run/secrets/ca.crt')).then(() => true, () => false), 'the build secret in a layer').to.equal(false);
    expect(config.user).to.equal('65532:65532');
  });

  it('runs the pinned Node.js, and carries no npm, npx, corepack or yarn in any layer', async function () {
    const pinned = await pinnedNode();
    // The way the entrypoint finds node: the image's PATH, as the image's user.
    const inImage = async (script: string): Promise<string> =>
      (await promisify(execFile)('chroot', ['--userspec=65532:65532', rootfs, '/bin/sh', '-c', script], { env: { PATH: config.env.PATH ?? '' } })).stdout.trim();
    expect(await inImage('node --version'), 'node in the image').to.equal(`v${pinned.node}`);
    const engines = (JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node ?? '';
    expect(engines, 'package.json engines.node').to.match(new RegExp(`^>=${pinned.node.split('.')[0] ?? '?'}\\.`));
    const managers = ['npm', 'npx', 'corepack', 'yarn', 'yarnpkg'];
    expect(await inImage(`for c in ${managers.join(' ')}; do command -v "$c" || true; done`), 'package managers on PATH').to.equal('');
    expect(await stat(join(rootfs, 'usr/local/lib/node_modules')).then(() => true, () => false), '/usr/local/lib/node_modules').to.equal(false);
    // Deleted in the image's last stage, they would still be in the base's layers, hidden by
    // whiteouts: every layer is listed.
    const dir = await mkdtemp(join(tmpdir(), 'ontap-kms-layers-'));
    try {
      const layers = await layerPaths(IMAGE, dir);
      const found = layers.flat().filter((p) => /^usr\/local\/lib\/node_modules\/(npm|corepack)\/|^usr\/local\/bin\/(npm|npx|corepack|yarn|yarnpkg)$|^opt\/yarn/.test(p));
      expect(found.slice(0, 5), `package-manager paths in the ${layers.length} layers`).to.deep.equal([]);
      // The listing sees the image's files: node is there, once.
      expect(layers.flat().filter((p) => p === 'usr/local/bin/node'), 'node in the layers').to.have.length(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts as uid 65532 on a read-only root with the chart\'s arguments, and is ready', async function () {
    const deployment = JSON.parse(await w.cp.kubectl(['get', 'deployment', release.serviceAccountName, '-n', system, '-o', 'json'])) as {
      spec: { template: { spec: { containers: { args?: string[] }[] } } };
    };
    const args = deployment.spec.template.spec.containers[0]?.args ?? [];
    expect(args).to.include('--leader-elect');
    const server = new URL(w.cp.server);
    const uid = config.user.split(':')[0] ?? '';
    const started = Date.now();
    child = spawn(RUN_IN_IMAGE, [rootfs, saDir ?? '', uid, config.workingDir, '--', ...config.entrypoint, ...config.cmd, ...args], {
      // What the kubelet gives the container: the image's environment, the Service variables and
      // the chart's env (POD_NAMESPACE from the downward API).
      env: { ...config.env, KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port, POD_NAMESPACE: system, HOSTNAME: 'ontap-kms-operator-smoke' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    const proc = child;
    exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    await waitFor('/readyz 200', async () => proc.exitCode === null && (await status(`http://127.0.0.1:${healthPort}/readyz`)) === 200, 30_000);
    console.log(`      ready (/readyz 200) ${Date.now() - started} ms after start`);
    expect(await status(`http://127.0.0.1:${healthPort}/healthz`)).to.equal(200);
    // /metrics is HTTPS with TokenReview and SubjectAccessReview (the chart's default): no token
    // is refused, and the operator's own token passes authentication but is not a metrics reader.
    expect(await httpsStatus(`https://127.0.0.1:${metricsPort}/metrics`)).to.equal(401);
    expect(await httpsStatus(`https://127.0.0.1:${metricsPort}/metrics`, (await readFile(join(saDir ?? '', 'token'), 'utf8')).trim())).to.equal(403);
    const procStatus = await readFile(`/proc/${proc.pid}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)/m.exec(procStatus)?.[1], 'uid').to.equal('65532');
    expect(/^Gid:\s+(\d+)/m.exec(procStatus)?.[1], 'gid').to.equal('65532');
    // mountinfo: the process's root mount carries the "ro" option.
    const rootMount = (await readFile(`/proc/${proc.pid}/mountinfo`, 'utf8')).split('\n').find((l) => l.split(' ')[4] === '/');
    expect(rootMount?.split(' ')[5]?.split(','), 'root mount options').to.include('ro');
    expect(output.join('')).to.match(/"message":"ontap-kms-operator started"/);
  });

  it('takes the Lease and reconciles an OntapAwsKms to Ready against ontap-sim', async function () {
    const holder = await waitFor('the Lease held', async () => {
      const h = (await w.cp.kubectl(['get', 'lease', 'ontap-kms-operator', '-n', system, '-o', 'jsonpath={.spec.holderIdentity}'])).trim();
      return h.startsWith('ontap-kms-operator-smoke_') ? h : undefined;
    });
    expect(holder).to.match(/^ontap-kms-operator-smoke_/);
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'svm1-kms', { svm: { name: 'svm1' } }));
    await waitFor('svm1-kms Ready', async () => condition(await getKms(w, 'svm1-kms'), 'Ready')?.startsWith('True/'), 30_000);
    expect(w.sim.state.records.size).to.equal(1);
  });

  it('exits 0 on SIGTERM and releases the Lease', async function () {
    const proc = child;
    if (proc === undefined || exited === undefined) throw new Error('not started');
    const t0 = Date.now();
    proc.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running after 15 s'), 15_000))]);
    expect(code).to.equal(0);
    console.log(`      exited 0 ${Date.now() - t0} ms after SIGTERM`);
    const lease = JSON.parse(await w.cp.kubectl(['get', 'lease', 'ontap-kms-operator', '-n', system, '-o', 'json'])) as { spec?: { holderIdentity?: string } };
    expect(lease.spec?.holderIdentity ?? '', 'holder after release').to.equal('');
    expect(output.join('')).to.match(/"message":"released lease"/);
  });
});
