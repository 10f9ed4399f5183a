import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { OntapAwsKmsType } from '../../src/controller/resources.js';
import { LeaseType, SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { TEST_SECRETS } from '../support/log-capture.js';
import { simRequest } from '../support/sim.js';
import { awsKmsWrites, awsSecret, condition, type E2E, getKms, kmsObject, LOOPBACK_ENDPOINTS, secret, startE2E, waitFor } from '../support/e2e.js';
import { installChart, type InstalledChart } from '../integration/deploy/install.js';

/** metricValue sums a metric's samples whose line contains every one of `labels`. */
function metricValue(text: string, name: string, ...labels: string[]): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('e2e: production setup — the chart\'s ServiceAccount, metrics, and leader election', function () {
  this.timeout(120_000);
  let w: E2E;
  let chart: InstalledChart;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E();
    chart = await installChart(w.cp, { namespace: `op-${randomBytes(2).toString('hex')}`, watchNamespaces: [w.ns] });
  });
  after(async () => {
    await w?.close();
    await chart?.uninstall().catch(() => undefined);
  });

  it('runs the scenarios with only the chart\'s RBAC, and /metrics shows reconciles and ONTAP requests moving', async () => {
    // The flags the chart's Deployment passes: the Lease and the ClusterOntapCluster Secrets in its namespace.
    const op = await w.startOperator(['--kubeconfig', chart.serviceAccountKubeconfig, '--leader-elect', '--leader-election-namespace', chart.namespace, '--cluster-resource-namespace', chart.namespace]);
    const metrics = async (): Promise<string> => (await fetch(`${op.metricsUrl}/metrics`)).text();
    await waitFor('leader', () => op.isLeader(), 30_000);
    const before = await metrics();

    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.api.create(SecretType, w.ns, secret(w.ns, 'proxy', { password: TEST_SECRETS.proxyPassword }));
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'sa', { svm: { name: 'svm1' }, deletionPolicy: 'Delete', pollingPeriodMinutes: 30, proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } }));
    await waitFor('Ready', async () => condition(await getKms(w, 'sa'), 'Ready') === 'True/Available');
    const uuid = (await getKms(w, 'sa'))?.status?.uuid ?? '';
    // Drift, corrected.
    await simRequest(w.sim, 'PATCH', `/api/security/aws-kms/${uuid}`, { body: { polling_period: 5 } });
    await waitFor('drift corrected', () => w.sim.state.records.get(uuid)?.polling_period === 30, 25_000);
    // Rotation, applied.
    await w.api.mergePatch(SecretType, w.ns, 'aws', { stringData: { secret_access_key: TEST_SECRETS.awsSecretRotated } });
    await waitFor('rotated', () => w.sim.state.records.get(uuid)?.secret_access_key === TEST_SECRETS.awsSecretRotated);

    const after = await metrics();
    for (const [name, labels] of [
      ['controller_runtime_reconcile_total', ['controller="ontapawskms"']],
      ['ontap_requests_total', ['method="POST"']],
      ['ontap_requests_total', ['method="PATCH"']],
      ['ontap_requests_total', ['method="GET"']],
      ['ontap_kms_drift_corrections_total', ['field="spec.pollingPeriodMinutes"']],
      ['workqueue_adds_total', ['name="ontapawskms"']],
    ] as const) {
      expect(metricValue(after, name, ...labels), `${name}{${labels.join(',')}}`).to.be.greaterThan(metricValue(before, name, ...labels));
    }
    expect(after).to.match(/^controller_runtime_reconcile_time_seconds_bucket\{/m);
    expect(after).to.match(/^leader_election_master_status\{name="ontap-kms-operator"\} 1$/m);
    // Per-resource series, as an alert would select them.
    const sa = `namespace="${w.ns}",name="sa"`;
    expect(after).to.include(`ontap_kms_awskms_condition{${sa},condition="Ready",status="True"} 1`);
    expect(after).to.include(`ontap_kms_awskms_amazon_reachable{${sa}} 1`);
    expect(after).to.include(`ontap_kms_awskms_key_protection_available{${sa}} 1`);
    expect(after).to.match(new RegExp(`^ontap_kms_awskms_ekmip_reachable\\{${sa},node="[^"]+"\\} 1$`, 'm'));
    expect(after).to.include(`ontap_kms_ontapcluster_condition{namespace="${w.ns}",name="sim",condition="Ready",status="True"} 1`);
    const synced = metricValue(after, 'ontap_kms_awskms_last_sync_timestamp_seconds', sa);
    expect(Date.now() / 1000 - synced, 'seconds since the last sync').to.be.within(0, 60);

    // Delete, with the chart's RBAC: finalizer released, record gone.
    await w.api.delete(OntapAwsKmsType, w.ns, 'sa');
    await waitFor('deleted', async () => (await getKms(w, 'sa')) === undefined);
    expect(w.sim.state.records.has(uuid)).to.equal(false);
    expect(awsKmsWrites(w.sim).map((r) => r.method)).to.include.members(['POST', 'PATCH', 'DELETE']);
    expect(await metrics(), 'series of the deleted resource').to.not.include(`name="sa"`);
    await w.stopOperator();
    // A leader that stops releases its Lease, so a successor need not wait for it to expire.
    const lease = await w.api.get(LeaseType, chart.namespace, 'ontap-kms-operator');
    expect((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '').to.equal('');
  });

  it('two operator processes: only the leader reconciles; kill it and the other takes over within the lease duration', async () => {
    const leaseNs = chart.namespace;
    const spawnOperator = (name: string): { child: ChildProcess; log: string[] } => {
      const log: string[] = [];
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/main.ts', '--kubeconfig', chart.serviceAccountKubeconfig, '--namespace', w.ns, '--leader-elect',
          '--leader-election-namespace', leaseNs, '--cluster-resource-namespace', leaseNs, '--allowed-ontap-endpoints', LOOPBACK_ENDPOINTS, '--metrics-bind-address', '0', '--health-probe-bind-address', '0', '--log-level', 'debug'],
        { stdio: ['ignore', 'ignore', 'pipe'], detached: false },
      );
      child.stderr?.on('data', (c: Buffer) => log.push(...c.toString('utf8').split('\n').filter((l) => l !== '').map((l) => `${name} ${l}`)));
      return { child, log };
    };
    const a = spawnOperator('a');
    const b = spawnOperator('b');
    try {
      const leaderOf = (): 'a' | 'b' | undefined =>
        a.log.some((l) => l.includes('became leader')) ? 'a' : b.log.some((l) => l.includes('became leader')) ? 'b' : undefined;
      const first = await waitFor('a leader', leaderOf, 60_000);
      const [leader, standby] = first === 'a' ? [a, b] : [b, a];
      await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'ha', { svm: { name: 'svm2' } }));
      await waitFor('reconciled by the leader', async () => condition(await getKms(w, 'ha'), 'Synced') === 'True/ReconcileSuccess', 30_000);
      expect(standby.log.some((l) => l.includes('"reconcile"') || l.includes('created ONTAP record')), 'standby reconciled').to.equal(false);

      leader.child.kill('SIGKILL');
      const killedAt = Date.now();
      await waitFor('takeover', () => standby.log.some((l) => l.includes('became leader')), 30_000);
      const takeover = Date.now() - killedAt;
      console.log(`      leader killed; standby took over in ${(takeover / 1000).toFixed(1)} s (lease 15 s, retry 2 s)`);
      // The standby notices the lease stopped changing on its next poll, so the bound is the lease
      // duration plus up to two retry periods (the last renewal may be that old), plus start-up slack.
      expect(takeover).to.be.below(15_000 + 2 * 2_000 + 1_000);
      await w.api.mergePatch(OntapAwsKmsType, w.ns, 'ha', { spec: { region: 'eu-west-2' } });
      await waitFor('the new leader carries on', () => [...w.sim.state.records.values()].find((r) => r.svm?.name === 'svm2')?.region === 'eu-west-2', 30_000);

      // SIGTERM: the new leader finishes, releases the lease and exits 0.
      const exited = new Promise<number | null>((resolve) => standby.child.once('exit', (code) => resolve(code)));
      standby.child.kill('SIGTERM');
      expect(await exited).to.equal(0);
      const lease = await w.api.get(LeaseType, leaseNs, 'ontap-kms-operator');
      expect((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '').to.equal('');
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
    }
  });
});
