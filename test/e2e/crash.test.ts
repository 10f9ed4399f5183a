/**
 * A crash (SIGKILL) while a create or a rekey is in flight: the operator as its own process,
 * killed and started again at once, must not send the write a second time when ONTAP will show
 * (or already shows) that it took effect. Counted by ontap-sim's request log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { expect } from 'chai';
import type { Condition } from '../../src/api/v1alpha1/types.js';
import { OntapAwsKmsType, OntapAzureKeyVaultType, OntapGcpKmsType } from '../../src/controller/resources.js';
import { type ResourceType, SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { akvObject, awsSecret, condition, type E2E, kmsObject, LOOPBACK_ENDPOINTS, secret, startE2E, waitFor } from '../support/e2e.js';
import { gcpKmsObject, gcpSecret } from '../support/gcp.js';
import { TEST_SECRETS } from '../support/log-capture.js';

const FAMILIES: ReadonlyArray<{ type: ResourceType; path: string }> = [
  { type: OntapAwsKmsType, path: '/api/security/aws-kms' },
  { type: OntapAzureKeyVaultType, path: '/api/security/azure-key-vaults' },
  { type: OntapGcpKmsType, path: '/api/security/gcp-kms' },
];

describe('e2e: a crash while a write is in flight', function () {
  this.timeout(120_000);
  let w: E2E;
  let operator: ChildProcess | undefined;
  const log: string[] = [];
  const start = (): ChildProcess => {
    operator = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', '--kubeconfig', w.cp.kubeconfig, '--namespace', w.ns, '--allowed-ontap-endpoints', LOOPBACK_ENDPOINTS, '--metrics-bind-address', '0', '--health-probe-bind-address', '0'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // Its log, for a failing test's diagnosis (never secrets: the operator logs none).
    operator.stderr?.on('data', (c: Buffer) => log.push(...c.toString('utf8').split('\n').filter((l) => l !== '')));
    return operator;
  };
  const kill = async (): Promise<void> => {
    const child = operator;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  /** status is the object as stored (condition() reads its status.conditions). */
  type Stored = { status?: { conditions?: Condition[]; pendingWrite?: unknown; keyId?: string } };
  const status = async (type: ResourceType, name: string): Promise<Stored | undefined> => (await w.api.get(type, w.ns, name)) as Stored | undefined;
  const posts = (path: string): string[] => w.sim.control.requests().filter((r) => r.method === 'POST' && r.path === path).map((r) => `POST ${r.path} ${r.status}`);

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: ['svm1', 'svm2', 'svm3', 'svm4', 'svm5', 'svm6'] });
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.api.create(SecretType, w.ns, secret(w.ns, 'azure', { client_secret: TEST_SECRETS.azureSecret }));
    await w.api.create(SecretType, w.ns, gcpSecret(w.ns));
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(log.slice(-30).join('\n'));
    log.length = 0;
    await kill();
    w.sim.control.clearFaults();
    w.sim.control.setAsync({ enabled: false });
  });
  after(async () => w?.close());

  it('killed while creates of all three kinds run as ONTAP jobs: the restarted operator sends none again', async () => {
    w.sim.control.clearRequests();
    w.sim.control.setAsync({ enabled: true, delayMs: 4000 });
    start();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'aws', { svm: { name: 'svm1' } }));
    await w.api.create(OntapAzureKeyVaultType, w.ns, akvObject(w.ns, 'azure', { svm: { name: 'svm2' } }));
    await w.api.create(OntapGcpKmsType, w.ns, gcpKmsObject(w.ns, 'gcp', { svm: { name: 'svm3' } }));
    await waitFor('all three creates answered 202 (their jobs running)', () => FAMILIES.every((f) => posts(f.path).includes(`POST ${f.path} 202`)), 60_000, 20);
    await new Promise((r) => setTimeout(r, 200));
    await kill();
    start();
    for (const [f, name] of [[FAMILIES[0]!, 'aws'], [FAMILIES[1]!, 'azure'], [FAMILIES[2]!, 'gcp']] as const) {
      await waitFor(`${name} Ready`, async () => condition(await status(f.type, name), 'Ready') === 'True/Available', 60_000);
      expect(posts(f.path), `${name}: one create`).to.deep.equal([`POST ${f.path} 202`]);
      expect((await status(f.type, name))?.status?.pendingWrite, `${name}: nothing left pending`).to.equal(undefined);
    }
    const patches = w.sim.control.requests().filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.path), 'no credentials sent again').to.deep.equal([]);
  });

  it('killed before ONTAP answered a create: the restarted operator waits for ONTAP to show it, and adopts nothing', async () => {
    w.sim.control.clearRequests();
    // ONTAP takes 10 s over the create; the operator is killed and back within that time.
    w.sim.control.addFault({ method: 'POST', path: '/api/security/aws-kms', latencyMs: 10_000, count: 1 });
    start();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'slow', { svm: { name: 'svm4' } }));
    await waitFor('the create in flight at ONTAP', () => w.sim.control.stats().inFlight > 0, 30_000, 20);
    await kill();
    start();
    const reasons = new Set<string>();
    await waitFor('Ready', async () => {
      const s = await status(OntapAwsKmsType, 'slow');
      const synced = condition(s, 'Synced');
      if (synced) reasons.add(synced);
      return condition(s, 'Ready') === 'True/Available';
    }, 60_000, 50);
    console.log(`      Synced while it waited: ${[...reasons].join(', ')}`);
    // The killed process's POST is logged when ONTAP answers it, however long after.
    await waitFor('ONTAP answered every request', () => w.sim.control.stats().inFlight === 0, 30_000);
    expect(posts('/api/security/aws-kms'), 'one create').to.deep.equal(['POST /api/security/aws-kms 201']);
    expect(w.sim.control.requests().filter((r) => r.method === 'PATCH'), 'no credentials sent again').to.deep.equal([]);
  });

  it('killed while a restore asked for by the annotation runs as a job: the restarted operator follows it, and runs none for that token again', async () => {
    start();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'restore', { svm: { name: 'svm6' } }));
    await waitFor('Ready', async () => condition(await status(OntapAwsKmsType, 'restore'), 'Ready') === 'True/Available', 60_000);
    w.sim.control.clearRequests();
    w.sim.control.setAsync({ enabled: true, delayMs: 5000 });
    await w.api.mergePatch(OntapAwsKmsType, w.ns, 'restore', { metadata: { annotations: { 'kms.ontap.dev/restore': 'crash-1' } } });
    const restores = (): string[] => w.sim.control.requests().filter((r) => r.path.endsWith('/restore')).map((r) => `POST restore ${r.status}`);
    await waitFor('the restore answered 202 (its job running)', () => restores().length > 0, 30_000, 20);
    await new Promise((r) => setTimeout(r, 200));
    await kill();
    start();
    await waitFor('recorded', async () => ((await w.api.get(OntapAwsKmsType, w.ns, 'restore'))?.status as { lastRestore?: { token: string } } | undefined)?.lastRestore?.token === 'crash-1', 60_000);
    const last = ((await w.api.get(OntapAwsKmsType, w.ns, 'restore'))?.status as { lastRestore?: { result: string } } | undefined)?.lastRestore;
    expect(last?.result, 'its job was followed to its end').to.equal('Succeeded');
    expect(restores(), 'one restore').to.deep.equal(['POST restore 202']);
  });

  it('killed while a rekey-external runs as a job: the restarted operator follows it and does not re-key again', async () => {
    start();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'rekey', { svm: { name: 'svm5' } }));
    await waitFor('Ready', async () => condition(await status(OntapAwsKmsType, 'rekey'), 'Ready') === 'True/Available', 60_000);
    w.sim.control.clearRequests();
    w.sim.control.setAsync({ enabled: true, delayMs: 5000 });
    const next = 'arn:aws:kms:us-east-1:111122223333:key/e2e-crash';
    await w.api.mergePatch(OntapAwsKmsType, w.ns, 'rekey', { spec: { keyId: next } });
    const rekeys = (): string[] => w.sim.control.requests().filter((r) => r.path.endsWith('/rekey-external')).map((r) => `POST rekey-external ${r.status}`);
    await waitFor('the rekey answered 202 (its job running)', () => rekeys().length > 0, 30_000, 20);
    await new Promise((r) => setTimeout(r, 200));
    await kill();
    start();
    await waitFor('re-keyed and in sync', async () => {
      const s = await status(OntapAwsKmsType, 'rekey');
      return s?.status?.keyId === next && condition(s, 'Synced') === 'True/ReconcileSuccess';
    }, 60_000);
    expect(rekeys(), 'one rekey').to.deep.equal(['POST rekey-external 202']);
  });
});
