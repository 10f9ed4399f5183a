/**
 * `helm upgrade` from each kept release's packaged chart (test/fixtures/upgrade/<version>/
 * ontap-kms-operator-<version>.tgz) to charts/ontap-kms-operator keeps what users have: the
 * operator's Lease (held, through the chart's own RBAC, by the operator's leader election), the
 * custom resources with their status, their Secrets, and the CRDs, which Helm never upgrades. No
 * pod runs (no kubelet), so nothing but Helm touches them during the upgrade: each must come out
 * of it with the same uid and resourceVersion, and on failure the message lists the fields that
 * changed. The objects are the release's upgrade fixtures, renamed into namespaces of this run.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { KubeApi, type KubeObject, LeaseType } from '../../../src/runtime/kube.js';
import { LeaderElector } from '../../../src/runtime/leader-election.js';
import { nullLogger } from '../../../src/runtime/logger.js';
import { CONTROL_PLANE_TIMEOUT_MS, CRD_DIR, getControlPlane, serviceAccount, type TestControlPlane } from '../../support/control-plane.js';
import { waitFor } from '../../support/e2e.js';
import { applyFixture, type Fixture, fieldChanges, fixtureVersions, loadFixture, objectKey, readBack, removeFixture } from '../../support/upgrade-fixtures.js';
import { CHART_DIR, helm, REPO, watchNamespaceFlags, withAllowList } from './install.js';

const CHART_CRDS = join(CHART_DIR, 'crds');

/** renamed moves a fixture's names (all `upgrade-<version>-...`) to `prefix...`, so it cannot meet the e2e test's copy. */
function renamed(f: Fixture, prefix: string): Fixture {
  const from = `upgrade-${f.version.replace(/\./g, '-')}-`;
  return JSON.parse(JSON.stringify(f).replaceAll(from, prefix)) as Fixture;
}

/** crdState is what `helm upgrade` must not move on each CRD: uid, resourceVersion, generation. */
async function crdState(cp: TestControlPlane): Promise<Record<string, string>> {
  const names = readdirSync(CHART_CRDS).filter((n) => n.endsWith('.yaml')).map((n) => n.replace(/^kms\.ontap\.dev_(.*)\.yaml$/, '$1.kms.ontap.dev'));
  const out: Record<string, string> = {};
  for (const name of names) {
    out[name] = (await cp.kubectl(['get', 'crd', name, '-o', 'jsonpath={.metadata.uid} {.metadata.resourceVersion} {.metadata.generation}'])).trim();
  }
  return out;
}

describe('docs/deploy.md: CRDs on upgrade', function () {
  it('says Helm never upgrades the CRDs, and gives the server-side apply of crds/ to do it', () => {
    const text = readFileSync(join(REPO, 'docs/deploy.md'), 'utf8');
    const paragraph = text.split(/\n\s*\n/).find((p) => /Helm never\s+upgrades/.test(p));
    expect(paragraph, 'a paragraph saying "Helm never upgrades" the CRDs').to.be.a('string');
    expect(paragraph?.replace(/\s+/g, ' ')).to.contain('kubectl apply --server-side -f crds/');
  });

  it("the chart's crds/ are crds/: what the documented command applies is what the chart ships", () => {
    const files = readdirSync(CHART_CRDS).filter((n) => n.endsWith('.yaml')).sort();
    expect(readdirSync(CRD_DIR).filter((n) => n.endsWith('.yaml')).sort()).to.deep.equal(files);
    for (const f of files) expect(readFileSync(join(CHART_CRDS, f), 'utf8'), f).to.equal(readFileSync(join(CRD_DIR, f), 'utf8'));
  });
});

for (const version of fixtureVersions()) {
  const packaged = join(REPO, 'test/fixtures/upgrade', version, `ontap-kms-operator-${version}.tgz`);

  describe(`helm upgrade from the packaged ${version} chart to charts/ontap-kms-operator`, function () {
    this.timeout(180_000);
    const id = randomBytes(3).toString('hex');
    const prefix = `ku${id}-`;
    // The name holds the chart's, so the objects are named after the release alone; namespace + name
    // stay within what a ServiceAccount's certificate CN allows (see installChart).
    const release = `ontap-kms-operator-${id}`;
    let cp: TestControlPlane;
    let api: KubeApi;
    let fixture: Fixture;
    let system: string;
    let watched: string[];
    let elector: LeaderElector | undefined;
    let leaderRun: Promise<void> | undefined;
    let leaseBefore: KubeObject | undefined;
    let objectsBefore: KubeObject[] = [];
    let crdsBefore: Record<string, string> = {};
    let upgradedAt = 0;

    const lease = async (): Promise<KubeObject | undefined> => api.get(LeaseType, system, 'ontap-kms-operator');
    const leaseSpec = (l: KubeObject | undefined): Record<string, unknown> => ((l as { spec?: Record<string, unknown> } | undefined)?.spec ?? {});

    before(async function () {
      this.timeout(CONTROL_PLANE_TIMEOUT_MS);
      expect(existsSync(packaged), `${packaged} (helm package of the ${version} chart)`).to.equal(true);
      cp = await getControlPlane();
      api = await KubeApi.fromKubeconfig(cp.kubeconfig);
      fixture = renamed(loadFixture(version), prefix);
      // The chart gives the operator --cluster-resource-namespace=<release namespace>: the fixture's.
      const i = fixture.ontap.operatorArgs.indexOf('--cluster-resource-namespace');
      system = fixture.ontap.operatorArgs[i + 1] ?? '';
      watched = fixture.ontap.operatorArgs.flatMap((a, j) => (a === '--namespace' && fixture.ontap.operatorArgs[j + 1] !== system ? [fixture.ontap.operatorArgs[j + 1] ?? ''] : []));
      expect(system).to.match(new RegExp(`^${prefix}`));
      // The namespaces first (the chart puts a Role in each watched one), then the old release.
      ({ stored: objectsBefore } = await applyFixture(api, fixture));
      await helm(['install', release, packaged, '--kubeconfig', cp.kubeconfig, '--namespace', system, ...watchNamespaceFlags(watched), ...withAllowList([])]);

      // The Lease, as the operator takes it: its own leader election, as the chart's ServiceAccount.
      const saKubeconfig = await cp.kubeconfigFor(serviceAccount(system, release));
      elector = new LeaderElector(await KubeApi.fromKubeconfig(saKubeconfig), { namespace: system, name: 'ontap-kms-operator', identity: `${hostname()}_${id}`, logger: nullLogger });
      const el = elector;
      leaderRun = el.run({ onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
      await waitFor('the lease taken', () => el.isLeader(), 30_000);
      leaseBefore = await lease();
      crdsBefore = await crdState(cp);
      objectsBefore = await readBack(api, fixture);

      await helm(['upgrade', release, CHART_DIR, '--kubeconfig', cp.kubeconfig, '--namespace', system, ...watchNamespaceFlags(watched), ...withAllowList([])]);
      upgradedAt = Date.now();
    });

    after(async function () {
      await elector?.stop();
      await leaderRun;
      await helm(['uninstall', release, '--kubeconfig', cp.kubeconfig, '--namespace', system]).catch(() => undefined);
      if (fixture) await removeFixture(api, fixture);
    });

    it(`is an upgrade of the ${version} release: revision 2, deployed, no CRD in either revision's manifest`, async () => {
      const history = JSON.parse(await helm(['history', release, '--kubeconfig', cp.kubeconfig, '-n', system, '-o', 'json'])) as Array<{ revision: number; status: string; chart: string }>;
      expect(history.map((h) => `${h.revision} ${h.status} ${h.chart}`)).to.deep.equal([
        `1 superseded ontap-kms-operator-${version}`,
        `2 deployed ontap-kms-operator-${/^version:\s*(\S+)/m.exec(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8'))?.[1] ?? '?'}`,
      ]);
      for (const revision of ['1', '2']) {
        const manifest = await helm(['get', 'manifest', release, '--kubeconfig', cp.kubeconfig, '-n', system, '--revision', revision]);
        expect(manifest, `revision ${revision}`).to.not.match(/kind:\s*CustomResourceDefinition/);
      }
    });

    it('keeps every custom resource, with its status, and every Secret and Namespace, untouched', async () => {
      const now = await readBack(api, fixture);
      const changed = objectsBefore.flatMap((b, i) => fieldChanges(b, now[i]).map((c) => `${objectKey(b)}: ${c}`));
      expect(changed, `fields changed by helm upgrade:\n  ${changed.join('\n  ')}\n`).to.deep.equal([]);
    });

    it('leaves the CRDs as they were (Helm never upgrades crds/)', async () => {
      expect(await crdState(cp)).to.deep.equal(crdsBefore);
    });

    it("keeps the Lease and its holder, who still renews it under the new chart's RBAC", async () => {
      const before = leaseSpec(leaseBefore);
      const renewed = await waitFor('a renewal after the upgrade', async () => {
        const l = await lease();
        const renew = leaseSpec(l)['renewTime'];
        const t = typeof renew === 'string' ? Date.parse(renew) : Number.NaN;
        return t > upgradedAt + 100 ? l : undefined;
      }, 30_000, 250);
      expect(renewed.metadata.uid).to.equal(leaseBefore?.metadata.uid);
      const after = leaseSpec(renewed);
      expect({ holder: after['holderIdentity'], acquired: after['acquireTime'], transitions: after['leaseTransitions'] }).to.deep.equal({
        holder: before['holderIdentity'],
        acquired: before['acquireTime'],
        transitions: before['leaseTransitions'],
      });
      expect(elector?.isLeader()).to.equal(true);
    });

    it("then the documented `kubectl apply --server-side -f crds/` (the chart's) applies, and leaves every object as it was", async () => {
      await cp.kubectl(['apply', '--server-side', '-f', CHART_CRDS]);
      await cp.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
      const now = await readBack(api, fixture);
      const changed = objectsBefore.flatMap((b, i) => fieldChanges(b, now[i]).map((c) => `${objectKey(b)}: ${c}`));
      expect(changed, `fields changed by applying the CRDs:\n  ${changed.join('\n  ')}\n`).to.deep.equal([]);
    });
  });
}
