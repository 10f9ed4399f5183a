/**
 * The chart installed into the real control plane: the API server accepts every object (no pod
 * runs: there is no scheduler or kubelet), and RBAC gives the operator's ServiceAccount what the
 * operator uses and nothing more, in the watched namespaces only when they are restricted.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CONTROL_PLANE_TIMEOUT_MS, getControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { allCRDs } from '../../../src/api/v1alpha1/schema.js';
import { CHART_DIR, helm, installChart, type InstalledChart } from './install.js';

const run = promisify(execFile);

/** canI asks the API server (SelfSubjectAccessReview) whether the kubeconfig's user may do it. */
async function canI(kubeconfig: string, args: readonly string[]): Promise<boolean> {
  try {
    await run('kubectl', ['--kubeconfig', kubeconfig, 'auth', 'can-i', ...args]);
    return true;
  } catch (err) {
    // can-i answers "no" with exit status 1 and "no" on stdout; anything else is a real failure.
    const stdout = typeof err === 'object' && err !== null && 'stdout' in err ? String(err.stdout).trim() : '';
    if (stdout === 'no') return false;
    throw err;
  }
}

type Case = { reason: string; args: string[]; allowed: boolean };

async function expectAccess(kubeconfig: string, cases: readonly Case[]): Promise<void> {
  const answers = await Promise.all(cases.map((c) => canI(kubeconfig, c.args)));
  const wrong = cases.filter((c, i) => answers[i] !== c.allowed).map((c) => `${c.reason} (can-i ${c.args.join(' ')}: want ${c.allowed ? 'yes' : 'no'})`);
  expect(wrong, 'access checks that disagree').to.deep.equal([]);
}

describe('helm install into the control plane', function () {
  this.timeout(120_000);
  const id = randomBytes(3).toString('hex');
  let cp: TestControlPlane;
  const installed: InstalledChart[] = [];

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    cp = await getControlPlane();
  });

  after(async function () {
    for (const release of installed) await release.uninstall().catch(() => undefined);
  });

  describe('with restricted watchNamespaces', function () {
    const system = `kms-sys-${id}`;
    const watched = `kms-watched-${id}`;
    const other = `kms-other-${id}`;
    let release: InstalledChart;

    before(async function () {
      await cp.kubectl(['create', 'namespace', other]);
      release = await installChart(cp, { namespace: system, watchNamespaces: [watched] });
      installed.push(release);
    });

    it('is deployed, with every object accepted', async function () {
      const status = JSON.parse(await helm(['status', release.release, '--kubeconfig', cp.kubeconfig, '-n', system, '-o', 'json'])) as { info?: { status?: string } };
      expect(status.info?.status).to.equal('deployed');
      const names = (await cp.kubectl(['get', 'deployment,serviceaccount,service,role,rolebinding', '-n', system, '-l', `app.kubernetes.io/instance=${release.release}`, '-o', 'name'])).trim().split('\n').sort();
      expect(names).to.deep.equal([
        `deployment.apps/${release.serviceAccountName}`,
        `role.rbac.authorization.k8s.io/${release.serviceAccountName}-cluster-resources`,
        `role.rbac.authorization.k8s.io/${release.serviceAccountName}-leader-election`,
        `rolebinding.rbac.authorization.k8s.io/${release.serviceAccountName}-cluster-resources`,
        `rolebinding.rbac.authorization.k8s.io/${release.serviceAccountName}-leader-election`,
        `service/${release.serviceAccountName}-metrics`,
        `serviceaccount/${release.serviceAccountName}`,
      ]);
      const inWatched = (await cp.kubectl(['get', 'role,rolebinding', '-n', watched, '-o', 'name'])).trim().split('\n').sort();
      expect(inWatched).to.deep.equal([`role.rbac.authorization.k8s.io/${release.serviceAccountName}`, `rolebinding.rbac.authorization.k8s.io/${release.serviceAccountName}`]);
      const clusterWide = (await cp.kubectl(['get', 'clusterrole,clusterrolebinding', '-l', `app.kubernetes.io/instance=${release.release}`, '-o', 'name'])).trim().split('\n').sort();
      expect(clusterWide, 'cluster-wide: the cluster-scoped reads and metrics-reader only').to.deep.equal([
        `clusterrole.rbac.authorization.k8s.io/${release.serviceAccountName}-cluster-scoped`,
        `clusterrole.rbac.authorization.k8s.io/${release.serviceAccountName}-metrics-reader`,
        `clusterrolebinding.rbac.authorization.k8s.io/${release.serviceAccountName}-cluster-scoped`,
      ]);
    });

    it('lets the ServiceAccount do what the operator does in the watched namespace, and no more', async function () {
      const kms = 'ontapawskmses.kms.ontap.dev';
      const cl = 'ontapclusters.kms.ontap.dev';
      await expectAccess(release.serviceAccountKubeconfig, [
        { reason: 'lists OntapAwsKms', args: ['list', kms, '-n', watched], allowed: true },
        { reason: 'watches OntapAwsKms', args: ['watch', kms, '-n', watched], allowed: true },
        { reason: 'patches OntapAwsKms (finalizer)', args: ['patch', kms, '-n', watched], allowed: true },
        { reason: 'patches OntapAwsKms status', args: ['patch', kms, '--subresource=status', '-n', watched], allowed: true },
        { reason: 'patches OntapCluster status', args: ['patch', cl, '--subresource=status', '-n', watched], allowed: true },
        { reason: 'updates finalizers', args: ['update', kms, '--subresource=finalizers', '-n', watched], allowed: true },
        { reason: 'watches OntapAzureKeyVault', args: ['watch', 'ontapazurekeyvaults.kms.ontap.dev', '-n', watched], allowed: true },
        { reason: 'patches OntapAzureKeyVault status', args: ['patch', 'ontapazurekeyvaults.kms.ontap.dev', '--subresource=status', '-n', watched], allowed: true },
        { reason: 'watches OntapGcpKms', args: ['watch', 'ontapgcpkmses.kms.ontap.dev', '-n', watched], allowed: true },
        { reason: 'updates OntapGcpKms finalizers', args: ['update', 'ontapgcpkmses.kms.ontap.dev', '--subresource=finalizers', '-n', watched], allowed: true },
        { reason: 'gets Secrets', args: ['get', 'secrets', '-n', watched], allowed: true },
        { reason: 'watches Secrets', args: ['watch', 'secrets', '-n', watched], allowed: true },
        { reason: 'records Events', args: ['create', 'events', '-n', watched], allowed: true },
        { reason: 'creates its Lease', args: ['create', 'leases.coordination.k8s.io', '-n', system], allowed: true },
        { reason: 'renews its Lease', args: ['update', 'leases.coordination.k8s.io/ontap-kms-operator', '-n', system], allowed: true },
        { reason: 'never deletes Secrets', args: ['delete', 'secrets', '-n', watched], allowed: false },
        { reason: 'updates Secrets (a key backup it created; the operator checks its own annotation)', args: ['update', 'secrets', '-n', watched], allowed: true },
        { reason: 'never patches Secrets', args: ['patch', 'secrets', '-n', watched], allowed: false },
        { reason: 'never writes Secrets outside watchNamespaces', args: ['create', 'secrets', '-n', other], allowed: false },
        { reason: 'never creates pods', args: ['create', 'pods', '-n', watched], allowed: false },
        { reason: 'never creates OntapAwsKms', args: ['create', kms, '-n', watched], allowed: false },
        { reason: 'never deletes OntapAwsKms', args: ['delete', kms, '-n', watched], allowed: false },
        { reason: 'no Secrets outside watchNamespaces', args: ['get', 'secrets', '-n', other], allowed: false },
        { reason: 'reads ClusterOntapCluster Secrets in its own namespace', args: ['get', 'secrets', '-n', system], allowed: true },
        { reason: 'never writes Secrets in its own namespace', args: ['update', 'secrets', '-n', system], allowed: false },
        { reason: 'watches ClusterOntapClusters', args: ['watch', 'clusterontapclusters.kms.ontap.dev'], allowed: true },
        { reason: 'patches ClusterOntapCluster status', args: ['patch', 'clusterontapclusters.kms.ontap.dev', '--subresource=status'], allowed: true },
        { reason: 'never creates ClusterOntapClusters', args: ['create', 'clusterontapclusters.kms.ontap.dev'], allowed: false },
        { reason: 'watches namespaces (tenancy labels)', args: ['watch', 'namespaces'], allowed: true },
        { reason: 'never labels namespaces', args: ['patch', 'namespaces'], allowed: false },
        { reason: 'reviews tokens for /metrics', args: ['create', 'tokenreviews.authentication.k8s.io'], allowed: true },
        { reason: 'reviews access for /metrics', args: ['create', 'subjectaccessreviews.authorization.k8s.io'], allowed: true },
        { reason: 'no OntapAwsKms outside watchNamespaces', args: ['list', kms, '-n', other], allowed: false },
        { reason: 'no cluster-wide Secret list', args: ['list', 'secrets', '--all-namespaces'], allowed: false },
        { reason: 'no other Lease', args: ['update', 'leases.coordination.k8s.io/kube-scheduler', '-n', system], allowed: false },
        { reason: 'no Lease outside its namespace', args: ['create', 'leases.coordination.k8s.io', '-n', watched], allowed: false },
      ]);
    });

    it('is refused a Secret outside watchNamespaces by a real request, and served one inside', async function () {
      await cp.kubectl(['create', 'secret', 'generic', 'outside', '-n', other, '--from-literal=k=v']);
      await cp.kubectl(['create', 'secret', 'generic', 'inside', '-n', watched, '--from-literal=k=v']);
      const sa = { kubeconfig: release.serviceAccountKubeconfig };
      const got = await cp.kubectl(['get', 'secret', 'inside', '-n', watched, '-o', 'jsonpath={.metadata.name}'], sa);
      expect(got).to.equal('inside');
      let refused: unknown;
      try {
        await cp.kubectl(['get', 'secret', 'outside', '-n', other], sa);
      } catch (err) {
        refused = err;
      }
      expect(refused, 'get secret outside').to.be.instanceOf(Error);
      expect((refused as Error).message).to.match(/forbidden/i);
      await cp.kubectl(['get', 'ontapawskmses', '-n', watched], sa);
    });
  });

  describe('with the default values (all namespaces)', function () {
    const system = `kms-all-${id}`;
    let release: InstalledChart;

    before(async function () {
      release = await installChart(cp, { namespace: system, release: `ontap-kms-operator-${id}` });
      installed.push(release);
    });

    it('is accepted, with a ClusterRole and ClusterRoleBinding', async function () {
      const names = (await cp.kubectl(['get', 'clusterrole,clusterrolebinding', '-l', `app.kubernetes.io/instance=${release.release}`, '-o', 'name'])).trim().split('\n').sort();
      expect(names).to.deep.equal([
        `clusterrole.rbac.authorization.k8s.io/${release.serviceAccountName}`,
        `clusterrole.rbac.authorization.k8s.io/${release.serviceAccountName}-cluster-scoped`,
        `clusterrole.rbac.authorization.k8s.io/${release.serviceAccountName}-metrics-reader`,
        `clusterrolebinding.rbac.authorization.k8s.io/${release.serviceAccountName}`,
        `clusterrolebinding.rbac.authorization.k8s.io/${release.serviceAccountName}-cluster-scoped`,
      ]);
      const replicas = await cp.kubectl(['get', 'deployment', release.serviceAccountName, '-n', system, '-o', 'jsonpath={.spec.replicas}']);
      expect(replicas).to.equal('2');
    });

    it('says in its NOTES which endpoints it contacts, warns about allowAnyOntapEndpoint, and says how /metrics is read', async function () {
      const install = (...set: string[]): Promise<string> => helm(['install', `notes-${id}`, CHART_DIR, '--kubeconfig', cp.kubeconfig, '--namespace', system, '--dry-run=server', ...set]);
      const out = await install('--set', 'allowAnyOntapEndpoint=true');
      const notes = out.slice(out.indexOf('NOTES:'));
      expect(notes).to.contain('WARNING: allowAnyOntapEndpoint=true, so every ONTAP endpoint is allowed');
      expect(notes).to.contain('metrics-reader');
      expect(notes).to.contain(`ClusterOntapCluster Secrets go in namespace ${system}`);
      const listed = await install('--set', 'allowedOntapEndpoints[0]=10.0.0.0/24');
      const listedNotes = listed.slice(listed.indexOf('NOTES:'));
      expect(listedNotes).to.contain('It contacts only these ONTAP endpoints: 10.0.0.0/24 (an entry without a port: 443).');
      expect(listedNotes).to.not.contain('WARNING');
      // Every kind the chart installs is named, not only OntapAwsKms, and how to list them all.
      for (const { crd } of allCRDs) expect(listedNotes, crd.spec.names.kind).to.match(new RegExp(`^  ${crd.spec.names.kind} `, 'm'));
      expect(listedNotes).to.contain('kubectl get ontap -A');
      // Without either value, the install is refused (an empty list would contact no endpoint at all).
      const refused = await install().then(() => 'installed', (err: unknown) => (err instanceof Error ? err.message : String(err)));
      expect(refused).to.contain('allowedOntapEndpoints is required');
    });

    it('lets the ServiceAccount read and patch its kinds, read Secrets and create the key backup Secret in any namespace, but not patch or delete Secrets or run pods', async function () {
      const kms = 'ontapawskmses.kms.ontap.dev';
      await expectAccess(release.serviceAccountKubeconfig, [
        { reason: 'lists OntapAwsKms everywhere', args: ['list', kms, '--all-namespaces'], allowed: true },
        { reason: 'watches OntapClusters everywhere', args: ['watch', 'ontapclusters.kms.ontap.dev', '--all-namespaces'], allowed: true },
        { reason: 'patches status anywhere', args: ['patch', kms, '--subresource=status', '-n', 'default'], allowed: true },
        { reason: 'gets Secrets anywhere', args: ['get', 'secrets', '-n', 'kube-system'], allowed: true },
        { reason: 'watches Secrets everywhere', args: ['watch', 'secrets', '--all-namespaces'], allowed: true },
        { reason: 'records Events', args: ['create', 'events', '-n', 'default'], allowed: true },
        { reason: 'creates its Lease', args: ['create', 'leases.coordination.k8s.io', '-n', system], allowed: true },
        { reason: 'never deletes Secrets', args: ['delete', 'secrets', '-n', 'default'], allowed: false },
        { reason: 'creates Secrets (an OntapOnboardKeyManager\'s key backup)', args: ['create', 'secrets', '-n', 'default'], allowed: true },
        { reason: 'never patches Secrets', args: ['patch', 'secrets', '-n', 'default'], allowed: false },
        { reason: 'never creates pods', args: ['create', 'pods', '-n', 'default'], allowed: false },
        { reason: 'never touches RBAC', args: ['create', 'clusterrolebindings'], allowed: false },
        { reason: 'no Lease outside its namespace', args: ['create', 'leases.coordination.k8s.io', '-n', 'default'], allowed: false },
      ]);
    });
  });
});
