/**
 * The README's tenancy example, applied as written to the real API server: the platform team's
 * objects and RBAC are accepted, a tenant's group may create OntapAwsKms and Secrets in its own
 * namespace and nothing else (not the ONTAP credentials, not another tenant's namespace, not the
 * shared cluster, not the namespace labels that grant SVMs), the tenant's manifest applies, and
 * the tenant creates every key-manager kind and lists them all with `kubectl get ontapkms`.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CONTROL_PLANE_TIMEOUT_MS, getControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { REPO } from './install.js';

const run = promisify(execFile);

/** block returns the YAML between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in the README. */
function block(readme: string, name: string): string {
  const m = new RegExp(`<!-- ${name}:begin -->\\s*\`\`\`yaml\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(readme);
  if (m?.[1] === undefined) throw new Error(`README: no ${name} block`);
  return m[1];
}

describe('README: the tenancy worked example', function () {
  this.timeout(60_000);
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  let cp: TestControlPlane;
  let dir: string;
  let alice: string;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    cp = await getControlPlane();
    dir = await mkdtemp(join(tmpdir(), 'readme-tenancy-'));
    await writeFile(join(dir, 'platform.yaml'), block(readme, 'tenancy-example'));
    await writeFile(join(dir, 'tenant.yaml'), block(readme, 'tenancy-tenant'));
    alice = await cp.kubeconfigFor({ user: 'alice', groups: ['team-a-devs'] });
  });
  after(async () => {
    await cp?.kubectl(['delete', '-f', join(dir, 'platform.yaml'), '--ignore-not-found', '--wait=false']).catch(() => undefined);
  });

  it('applies as written', async () => {
    await cp.kubectl(['apply', '-f', join(dir, 'platform.yaml')]);
  });

  it("lets team-a's group manage every key-manager kind and Secrets in team-a, and nothing the platform team decides", async () => {
    const can = async (args: string[]): Promise<boolean> => {
      try {
        await run(`${cp.binDir}/kubectl`, ['--kubeconfig', alice, 'auth', 'can-i', ...args]);
        return true;
      } catch (err) {
        if (typeof err === 'object' && err !== null && 'stdout' in err && String(err.stdout).trim() === 'no') return false;
        throw err;
      }
    };
    const cases: Array<{ reason: string; args: string[]; allowed: boolean }> = [
      { reason: 'creates OntapAwsKms in team-a', args: ['create', 'ontapawskmses.kms.ontap.dev', '-n', 'team-a'], allowed: true },
      { reason: 'creates OntapAzureKeyVault in team-a', args: ['create', 'ontapazurekeyvaults.kms.ontap.dev', '-n', 'team-a'], allowed: true },
      { reason: 'creates OntapGcpKms in team-a', args: ['create', 'ontapgcpkmses.kms.ontap.dev', '-n', 'team-a'], allowed: true },
      { reason: 'no OntapAzureKeyVault in team-b', args: ['create', 'ontapazurekeyvaults.kms.ontap.dev', '-n', 'team-b'], allowed: false },
      { reason: 'no OntapGcpKms in team-b', args: ['create', 'ontapgcpkmses.kms.ontap.dev', '-n', 'team-b'], allowed: false },
      { reason: 'creates Secrets in team-a', args: ['create', 'secrets', '-n', 'team-a'], allowed: true },
      { reason: 'no OntapAwsKms in team-b', args: ['create', 'ontapawskmses.kms.ontap.dev', '-n', 'team-b'], allowed: false },
      { reason: 'no Secrets in team-b', args: ['get', 'secrets', '-n', 'team-b'], allowed: false },
      { reason: 'not the ONTAP credentials', args: ['get', 'secrets', '-n', 'ontap-kms-system'], allowed: false },
      { reason: 'no OntapCluster of its own (no endpoint of its choosing)', args: ['create', 'ontapclusters.kms.ontap.dev', '-n', 'team-a'], allowed: false },
      { reason: 'not the shared cluster', args: ['patch', 'clusterontapclusters.kms.ontap.dev/prod-a'], allowed: false },
      { reason: 'not its namespace annotations (which grant SVMs)', args: ['patch', 'namespaces/team-a'], allowed: false },
      { reason: 'not the status the operator writes', args: ['patch', 'ontapawskmses.kms.ontap.dev', '--subresource=status', '-n', 'team-a'], allowed: false },
    ];
    const answers = await Promise.all(cases.map((c) => can(c.args)));
    const wrong = cases.filter((c, i) => answers[i] !== c.allowed).map((c) => `${c.reason}: want ${c.allowed ? 'yes' : 'no'}`);
    expect(wrong).to.deep.equal([]);
  });

  it("team-a applies its own manifest as team-a's group", async () => {
    await cp.kubectl(['apply', '-f', join(dir, 'tenant.yaml')], { kubeconfig: alice });
    const kind = await cp.kubectl(['get', 'ontapawskms', 'svm-a-kms', '-n', 'team-a', '-o', 'jsonpath={.spec.clusterRef.kind}']);
    expect(kind).to.equal('ClusterOntapCluster');
  });

  it("team-a's group creates an OntapAzureKeyVault and an OntapGcpKms too, and lists every kind with `kubectl get ontapkms`", async () => {
    // Created for real as alice (not only `auth can-i`), with the same shape the tenant manifest has.
    const others = [
      {
        apiVersion: 'kms.ontap.dev/v1alpha1',
        kind: 'OntapAzureKeyVault',
        metadata: { name: 'svm-a-akv', namespace: 'team-a' },
        spec: {
          clusterRef: { kind: 'ClusterOntapCluster', name: 'prod-a' },
          svm: { name: 'svm-a' },
          clientId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
          tenantId: '9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
          vaultName: 'https://kv-team-a.vault.azure.net/',
          keyId: 'https://kv-team-a.vault.azure.net/keys/kek/a8e619fd8f234db3b0b95c59540e2a74',
          clientSecretRef: { name: 'svm-a-azure' },
        },
      },
      {
        apiVersion: 'kms.ontap.dev/v1alpha1',
        kind: 'OntapGcpKms',
        metadata: { name: 'svm-a-gcpkms', namespace: 'team-a' },
        spec: {
          clusterRef: { kind: 'ClusterOntapCluster', name: 'prod-a' },
          svm: { name: 'svm-a' },
          projectId: 'team-a-4711',
          keyRingName: 'ontap-keyring',
          keyRingLocation: 'us-east1',
          keyName: 'svm-a-kek',
          applicationCredentialsSecretRef: { name: 'svm-a-gcp' },
        },
      },
    ];
    await writeFile(join(dir, 'tenant-others.yaml'), others.map((o) => JSON.stringify(o)).join('\n---\n'));
    await cp.kubectl(['create', '-f', join(dir, 'tenant-others.yaml')], { kubeconfig: alice });
    const listed = await cp.kubectl(['get', 'ontapkms', '-n', 'team-a', '-o', 'name'], { kubeconfig: alice });
    expect(listed.trim().split('\n').sort()).to.deep.equal([
      'ontapawskms.kms.ontap.dev/svm-a-kms',
      'ontapazurekeyvault.kms.ontap.dev/svm-a-akv',
      'ontapgcpkms.kms.ontap.dev/svm-a-gcpkms',
    ]);
  });
});
