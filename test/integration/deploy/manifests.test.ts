/**
 * deploy/ holds the chart rendered for its default values (hack/render-deploy.sh). This fails
 * when the two drift apart; the comparison is of parsed objects, so formatting does not matter.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ConfigError, parseConfig } from '../../../src/config.js';
import { helmBin, REPO } from './install.js';
import { at, find, key, parseManifests, type Manifest } from './render.js';

const run = promisify(execFile);

describe('deploy/ plain manifests', function () {
  this.timeout(60_000);
  let committed: Manifest[];
  let rendered: Manifest[];

  before(async function () {
    const out = await mkdtemp(join(tmpdir(), 'ontap-kms-render-'));
    try {
      await run('bash', [join(REPO, 'hack/render-deploy.sh'), out], { env: { ...process.env, HELM: await helmBin() } });
      rendered = parseManifests(await readFile(join(out, 'operator.yaml'), 'utf8'));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
    committed = parseManifests(await readFile(join(REPO, 'deploy/operator.yaml'), 'utf8'));
  });

  it('is what hack/render-deploy.sh renders from the chart now (rerun it after a chart change)', function () {
    const byKey = (ms: readonly Manifest[]): Map<string, Manifest> => new Map(ms.map((m) => [key(m), m]));
    const want = byKey(rendered);
    const have = byKey(committed);
    expect([...have.keys()].sort(), 'objects in deploy/operator.yaml').to.deep.equal([...want.keys()].sort());
    for (const [k, m] of want) expect(have.get(k), k).to.deep.equal(m);
  });

  it('is the all-namespaces install, in its own restricted namespace', function () {
    const ns = find(committed, 'Namespace', 'ontap-kms-system');
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).to.equal('restricted');
    expect(committed.map((m) => m.kind)).to.include.members(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment', 'Service']);
    const args = at(find(committed, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'args') as string[];
    expect(args.some((a) => a.startsWith('--namespace'))).to.equal(false);
    expect(committed.filter((m) => m.kind === 'CustomResourceDefinition'), 'CRDs come from crds/').to.be.empty;
  });

  it('carries a placeholder allow-list the user must replace: the operator refuses to start on it, naming the flag', function () {
    const args = at(find(committed, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'args') as string[];
    const allow = args.filter((a) => a.startsWith('--allow'));
    expect(allow).to.deep.equal(['--allowed-ontap-endpoints=<ONTAP-MANAGEMENT-ADDRESSES>']);
    expect(() => parseConfig(allow, {})).to.throw(ConfigError, /--allowed-ontap-endpoints: allowed ONTAP endpoint "<ONTAP-MANAGEMENT-ADDRESSES>"/);
  });
});
