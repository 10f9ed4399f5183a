/**
 * make release (hack/release.sh): the folder it writes, checked as a user of the release would
 * check it. The packaged chart installs into the test control plane (no kubelet: the objects are
 * checked, no pod runs) and pins the image by the archive's digest when asked; the install
 * manifest applies server-side; the archive holds the run's image, configured to run as 65532
 * with the operator's entrypoint; the SBOM lists every production dependency with its version
 * and licence; SHA256SUMS verifies. The image is the one the run built once for every test
 * (test/support/operator-image.ts), passed as RELEASE_IMAGE, so this builds nothing more.
 * Skipped, with the reason printed, only where the image cannot be built (as the image test).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { CONTROL_PLANE_TIMEOUT_MS, getControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { buildah, lastLineOf, REPO } from '../../support/image.js';
import { operatorImage, operatorImageMissing } from '../../support/operator-image.js';
import { helm, helmBin, TEST_ALLOW_LIST } from '../deploy/install.js';
import { key, parseManifests, type Manifest } from '../deploy/render.js';

const run = promisify(execFile);

/** A version unlike the chart's own, so that nothing passes by carrying Chart.yaml's through. */
const VERSION = '9.8.7-rc.1';
const NAME = 'ontap-kms-operator';
const REPOSITORY = 'ghcr.io/ontap-kms-operator/ontap-kms-operator';
const FILES = {
  chart: `${NAME}-${VERSION}.tgz`,
  archive: `${NAME}-${VERSION}.oci.tar`,
  digest: `${NAME}-${VERSION}.oci.tar.digest`,
  manifest: `${NAME}-${VERSION}.yaml`,
  sbom: `${NAME}-${VERSION}.cdx.json`,
};

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** member reads one file of a tar archive. */
async function member(archive: string, path: string): Promise<Buffer> {
  return (await run('tar', ['-xOf', archive, path], { encoding: 'buffer', maxBuffer: 512 << 20 })).stdout;
}

interface Lock {
  packages: Record<string, { name?: string; version?: string; license?: string; dev?: boolean; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> }>;
}

/**
 * productionDependencies walks package-lock.json from package.json's "dependencies" the way
 * Node resolves them (the nearest node_modules up the path) and returns every package reached,
 * with its version and licence: what `npm ci --omit=dev` puts in the image.
 */
async function productionDependencies(): Promise<Map<string, { version: string; license: string }>> {
  const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as Lock;
  const root = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const resolve = (from: string, name: string): string | undefined => {
    for (let base = from; ; ) {
      const path = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
      if (lock.packages[path] !== undefined) return path;
      if (base === '') return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const name of Object.keys(root.dependencies)) {
    const path = resolve('', name);
    if (path === undefined) throw new Error(`package-lock.json has no ${name}`);
    queue.push(path);
  }
  while (queue.length > 0) {
    const path = queue.pop() as string;
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = lock.packages[path] ?? {};
    const required = [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.peerDependencies ?? {}).filter((n) => entry.peerDependenciesMeta?.[n]?.optional !== true)];
    for (const name of [...required, ...Object.keys(entry.optionalDependencies ?? {})]) {
      const found = resolve(path, name);
      if (found !== undefined) queue.push(found);
      else if (required.includes(name)) throw new Error(`package-lock.json: ${path} needs ${name}, which is not in it`);
    }
  }
  const out = new Map<string, { version: string; license: string }>();
  for (const path of seen) {
    const entry = lock.packages[path] ?? {};
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    out.set(`${name}@${entry.version ?? '?'}`, { version: entry.version ?? '?', license: entry.license ?? '' });
  }
  return out;
}

describe('make release', function () {
  this.timeout(60_000);
  let cp: TestControlPlane;
  let work: string;
  let out: string;
  let image: string;
  let digest: string;
  let releaseName: string | undefined;
  let applied: string | undefined;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS + 25 * 60_000);
    const missing = await operatorImageMissing();
    if (missing !== undefined) {
      console.log(`      skipped: the image cannot be built here: ${missing}`);
      this.skip();
    }
    ({ image } = await operatorImage());
    cp = await getControlPlane();
    work = await mkdtemp(join(tmpdir(), 'ontap-kms-release-'));
    out = join(work, 'release');
    const started = Date.now();
    const printed = await lastLineOf('hack/release.sh', { VERSION, RELEASE_IMAGE: image, RELEASE_DIR: out, HELM: await helmBin() }).catch((err: unknown) => {
      throw new Error(`hack/release.sh ${VERSION} failed`, { cause: err });
    });
    console.log(`      hack/release.sh ${VERSION} (the run's image, not rebuilt) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(printed, 'the folder release.sh prints').to.equal(out);
    digest = (await readFile(join(out, FILES.digest), 'utf8')).trim();
  });

  after(async function () {
    this.timeout(120_000);
    if (releaseName !== undefined) await helm(['uninstall', releaseName, '--kubeconfig', cp.kubeconfig, '--namespace', releaseName]).catch(() => undefined);
    // The manifest's objects but the CRDs (the run's other tests use them) and the Namespace (no
    // namespace controller here would ever finish deleting it; it is left empty).
    if (applied !== undefined) await cp.kubectl(['delete', '--ignore-not-found', '-f', applied]).catch(() => undefined);
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('writes the chart, the image archive and its digest, the install manifest, the SBOM and SHA256SUMS, which verifies', async function () {
    expect((await readdir(out)).sort()).to.deep.equal([...Object.values(FILES), 'SHA256SUMS'].sort());
    expect(digest).to.match(/^sha256:[0-9a-f]{64}$/);
    const sums = await readFile(join(out, 'SHA256SUMS'), 'utf8');
    const listed = new Map(sums.trim().split('\n').map((line) => {
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (m === null) throw new Error(`SHA256SUMS: not a sha256sum line: ${line}`);
      return [m[2] as string, m[1] as string];
    }));
    expect([...listed.keys()].sort(), 'files in SHA256SUMS').to.deep.equal(Object.values(FILES).sort());
    for (const [file, sum] of listed) expect(sha256(await readFile(join(out, file))), file).to.equal(sum);
    const { stdout } = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out });
    expect(stdout.trim().split('\n').sort()).to.deep.equal(Object.values(FILES).map((f) => `${f}: OK`).sort());
    // And a file changed after the sums were written is caught.
    const tampered = join(work, 'tampered');
    await mkdir(tampered);
    await copyFile(join(out, 'SHA256SUMS'), join(tampered, 'SHA256SUMS'));
    await writeFile(join(tampered, FILES.digest), `${digest.slice(0, -1)}${digest.endsWith('0') ? '1' : '0'}\n`);
    const failed = await run('sha256sum', ['-c', '--ignore-missing', 'SHA256SUMS'], { cwd: tampered }).then(() => undefined, (err: unknown) => err);
    expect(failed, 'sha256sum -c on a changed digest file').to.be.instanceOf(Error);
  });

  it('packages the chart at the version, appVersion included, and its default image is that tag', async function () {
    const chart = parseYaml(await helm(['show', 'chart', join(out, FILES.chart)])) as { name: string; version: string; appVersion: string };
    expect(chart).to.include({ name: NAME, version: VERSION, appVersion: VERSION });
    const objs = parseManifests(await helm(['template', NAME, join(out, FILES.chart), ...TEST_ALLOW_LIST]));
    const deployment = objs.find((m) => m.kind === 'Deployment');
    expect((deployment?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec.containers[0]?.image).to.equal(`${REPOSITORY}:${VERSION}`);
  });

  it('installs the packaged chart into the control plane, and its Deployment names the image by the archive\'s digest when asked', async function () {
    const name = `kms-rel-${randomBytes(3).toString('hex')}`;
    releaseName = name;
    await helm(['install', name, join(out, FILES.chart), '--kubeconfig', cp.kubeconfig, '--namespace', name, '--create-namespace', ...TEST_ALLOW_LIST, '--set', `image.digest=${digest}`]);
    const status = JSON.parse(await helm(['status', name, '--kubeconfig', cp.kubeconfig, '--namespace', name, '-o', 'json'])) as { info: { status: string }; chart?: { metadata?: { version?: string; appVersion?: string } } };
    expect(status.info.status).to.equal('deployed');
    const deployment = JSON.parse(await cp.kubectl(['get', 'deployment', '-n', name, '-l', `app.kubernetes.io/instance=${name}`, '-o', 'json'])) as {
      items: { metadata: { labels: Record<string, string> }; spec: { template: { spec: { containers: { image: string }[] } } } }[];
    };
    expect(deployment.items).to.have.length(1);
    const d = deployment.items[0];
    expect(d?.spec.template.spec.containers[0]?.image).to.equal(`${REPOSITORY}@${digest}`);
    expect(d?.metadata.labels['app.kubernetes.io/version']).to.equal(VERSION);
    expect(d?.metadata.labels['helm.sh/chart']).to.equal(`${NAME}-${VERSION}`);
    // The objects the operator needs are there too (no kubelet: nothing runs them).
    for (const kind of ['serviceaccount', 'service', 'role', 'rolebinding']) {
      const names = (await cp.kubectl(['get', kind, '-n', name, '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name'])).trim();
      expect(names, `${kind} in ${name}`).to.not.equal('');
    }
    const clusterRoles = (await cp.kubectl(['get', 'clusterrole', '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name'])).trim().split('\n');
    expect(clusterRoles.length, 'ClusterRoles').to.be.greaterThan(0);
  });

  it('writes one install manifest that applies server-side: the CRDs, and deploy/operator.yaml at the version', async function () {
    const text = await readFile(join(out, FILES.manifest), 'utf8');
    const objs = parseManifests(text);
    // The CRDs are crds/'s, unchanged.
    const crdFiles = (await readdir(join(REPO, 'crds'))).filter((f) => f.endsWith('.yaml'));
    const crds = objs.filter((m) => m.kind === 'CustomResourceDefinition');
    expect(crds.map((m) => m.metadata.name).sort()).to.have.length(crdFiles.length);
    for (const f of crdFiles) {
      const want = parseManifests(await readFile(join(REPO, 'crds', f), 'utf8'))[0] as Manifest;
      expect(crds.find((m) => m.metadata.name === want.metadata.name), f).to.deep.equal(want);
    }
    // The rest is what hack/render-deploy.sh renders into deploy/operator.yaml, at this version.
    const chartVersion = (parseYaml(await readFile(join(REPO, 'charts', NAME, 'Chart.yaml'), 'utf8')) as { version: string }).version;
    const atVersion = (v: unknown): unknown => {
      if (typeof v === 'string') {
        if (v === chartVersion) return VERSION;
        if (v === `${NAME}-${chartVersion}`) return `${NAME}-${VERSION}`;
        if (v === `${REPOSITORY}:${chartVersion}`) return `${REPOSITORY}:${VERSION}`;
        return v;
      }
      if (Array.isArray(v)) return v.map(atVersion);
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, atVersion(x)]));
      return v;
    };
    const committed = parseManifests(await readFile(join(REPO, 'deploy/operator.yaml'), 'utf8')).map((m) => atVersion(m) as Manifest);
    const rest = objs.filter((m) => m.kind !== 'CustomResourceDefinition');
    expect(rest.map(key).sort(), 'objects beside the CRDs').to.deep.equal(committed.map(key).sort());
    for (const m of committed) expect(rest.find((r) => key(r) === key(m)), key(m)).to.deep.equal(m);
    expect(text, 'how to apply it').to.contain(`kubectl apply --server-side -f ${FILES.manifest}`);

    // Applied as its header says (the CRDs are the ones the control plane has: an apply by the
    // same field manager).
    await cp.kubectl(['apply', '--server-side', '-f', join(out, FILES.manifest)]);
    applied = join(work, 'applied.yaml');
    const removable = rest.filter((m) => m.kind !== 'Namespace');
    await writeFile(applied, removable.map((m) => JSON.stringify(m)).join('\n---\n'));
    const image = (await cp.kubectl(['get', 'deployment', NAME, '-n', 'ontap-kms-system', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).trim();
    expect(image).to.equal(`${REPOSITORY}:${VERSION}`);
    for (const crd of crds) {
      const established = await cp.kubectl(['get', 'crd', crd.metadata.name, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']);
      expect(established.trim(), crd.metadata.name).to.equal('True');
    }
  });

  it('archives the run\'s image, named by its digest, to run as 65532 with the operator\'s entrypoint', async function () {
    const archive = join(out, FILES.archive);
    const index = JSON.parse((await member(archive, 'index.json')).toString('utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
    expect(index.manifests).to.have.length(1);
    expect(index.manifests[0]?.digest, 'the digest file names the archive\'s manifest').to.equal(digest);
    expect(index.manifests[0]?.annotations?.['org.opencontainers.image.ref.name']).to.equal(VERSION);
    const blob = (d: string): Promise<Buffer> => member(archive, `blobs/${d.replace(':', '/')}`);
    const manifestBytes = await blob(digest);
    expect(`sha256:${sha256(manifestBytes)}`, 'the manifest\'s own hash').to.equal(digest);
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
    // The image the run built: its ID is the digest of its config.
    expect(manifest.config.digest.replace(/^sha256:/, '')).to.equal(await buildah(['inspect', '--type', 'image', '--format', '{{.FromImageID}}', image]));
    const config = JSON.parse((await blob(manifest.config.digest)).toString('utf8')) as { config: { User?: string; Entrypoint?: string[]; WorkingDir?: string } };
    const dockerfile = await readFile(join(REPO, 'Dockerfile'), 'utf8');
    const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)?.[1] ?? 'null') as string[];
    expect(entrypoint).to.deep.equal(['node', 'dist/main.js']);
    expect(config.config.User).to.equal('65532:65532');
    expect(config.config.Entrypoint, 'the Dockerfile\'s ENTRYPOINT').to.deep.equal(entrypoint);
    expect(config.config.WorkingDir).to.equal('/app');
    // The entrypoint's script is in the image, where the working directory puts it.
    let found = false;
    for (const layer of [...manifest.layers].reverse()) {
      const { stdout } = await run('sh', ['-c', `tar -xOf "$1" "blobs/$2" | tar -tzf -`, 'sh', archive, layer.digest.replace(':', '/')], { maxBuffer: 256 << 20 });
      if (stdout.split('\n').some((p) => p.replace(/^\.?\//, '') === 'app/dist/main.js')) {
        found = true;
        break;
      }
    }
    expect(found, 'app/dist/main.js in a layer').to.equal(true);
  });

  it('lists every production dependency in the SBOM, with its version and licence, and no dev dependency', async function () {
    const bom = JSON.parse(await readFile(join(out, FILES.sbom), 'utf8')) as {
      bomFormat: string;
      specVersion: string;
      metadata: { component: { name: string; version: string } };
      components: { 'bom-ref': string; name: string; version: string; purl?: string; licenses?: { license?: { id?: string; name?: string }; expression?: string }[] }[];
    };
    expect(bom.bomFormat).to.equal('CycloneDX');
    expect(bom.specVersion).to.match(/^1\.\d+$/);
    expect(bom.metadata.component).to.include({ name: NAME, version: VERSION });
    const want = await productionDependencies();
    expect(want.size, 'production dependencies found in package-lock.json').to.be.greaterThan(50);
    const have = new Map(bom.components.map((c) => [`${c.name}@${c.version}`, c]));
    const missing = [...want.keys()].filter((k) => !have.has(k));
    expect(missing, 'production dependencies not in the SBOM').to.deep.equal([]);
    const extra = [...have.keys()].filter((k) => !want.has(k));
    expect(extra, 'SBOM components that are no production dependency').to.deep.equal([]);
    for (const [id, { version, license }] of want) {
      const c = have.get(id);
      expect(c?.version, id).to.equal(version);
      const licences = (c?.licenses ?? []).map((l) => l.expression ?? l.license?.id ?? l.license?.name);
      expect(licences, `${id} licence`).to.deep.equal([license]);
      expect(license, `${id} licence in package-lock.json`).to.not.equal('');
    }
    for (const dev of ['mocha', 'typescript', 'eslint', 'tsx', 'chai']) expect([...have.values()].some((c) => c.name === dev), dev).to.equal(false);
  });
});
