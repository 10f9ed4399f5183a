/**
 * GitOps health: Argo CD and Flux judge a custom resource by kstatus, from
 * `status.observedGeneration` and the `Ready` condition. After a spec change, neither kind may
 * look Current (Ready for the new generation) before the operator has reconciled that
 * generation against ONTAP. The reconcile is held back by a slow ONTAP answer, and the object
 * is sampled all the while. The Argo CD health checks documented in docs/argocd/ are run on the
 * sampled objects the way Argo CD runs them (tools/argocd-health).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { Condition } from '../../src/api/v1alpha1/types.js';
import { OntapAwsKmsType, OntapClusterType } from '../../src/controller/resources.js';
import { isRecord, type KubeObject, SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsSecret, type E2E, kmsObject, startE2E, waitFor } from '../support/e2e.js';
import { lastLineOf } from '../support/image.js';

const run = promisify(execFile);

/** Health is Argo CD's verdict. */
interface Health {
  readonly status: string;
  readonly message: string;
}

/** argoHealth runs docs/argocd/SCRIPT on each object as Argo CD would. */
async function argoHealth(runner: string, script: string, objects: readonly (KubeObject | undefined)[]): Promise<Health[]> {
  const path = fileURLToPath(new URL(`../../docs/argocd/${script}`, import.meta.url));
  const child = run(runner, [path]);
  child.child.stdin?.end(JSON.stringify(objects));
  return JSON.parse((await child).stdout) as Health[];
}

/** KStatus is kstatus's verdict for a resource with a Ready condition. */
type KStatus = 'Current' | 'InProgress';

/**
 * kstatusOf applies kstatus's rules for custom resources (sigs.k8s.io/cli-utils/pkg/kstatus):
 * a status.observedGeneration behind metadata.generation is InProgress; then Ready=True is
 * Current, anything else InProgress. (Neither kind uses Reconciling or Stalled.)
 */
function kstatusOf(o: KubeObject | undefined): KStatus {
  const status = isRecord(o?.status) ? o.status : {};
  if (status['observedGeneration'] !== o?.metadata.generation) return 'InProgress';
  const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : []) as Condition[];
  return conditions.find((c) => c.type === 'Ready')?.status === 'True' ? 'Current' : 'InProgress';
}

/** Sample is what one look at the object and then at the simulator saw. */
interface Sample {
  readonly object: KubeObject | undefined;
  readonly generation: number | undefined;
  readonly kstatus: KStatus;
  /** reconciled: the simulator had, after the object was read, seen the new generation's effect. */
  readonly reconciled: boolean;
}

describe('e2e: GitOps health (kstatus) after a spec change', function () {
  this.timeout(90_000);
  let w: E2E;
  let argo: string;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    argo = await lastLineOf('tools/argocd-health/build.sh');
    w = await startE2E({ svms: ['svm1', 'svm2', 'svm3'] });
    await w.startOperator();
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
  });
  after(async () => w?.close());

  /**
   * sampleUntilCurrent reads the object, then the simulator, every 50 ms until the object is
   * Current at `generation`. Reading ONTAP second makes `reconciled: false` conclusive: if the
   * change had not reached ONTAP after the read, it had not before it either.
   */
  async function sampleUntilCurrent(read: () => Promise<KubeObject | undefined>, generation: number, reconciled: () => boolean): Promise<Sample[]> {
    const samples: Sample[] = [];
    await waitFor(`Current at generation ${generation}`, async () => {
      const o = await read();
      const s = { object: o, generation: o?.metadata.generation, kstatus: kstatusOf(o), reconciled: reconciled() };
      samples.push(s);
      return s.generation === generation && s.kstatus === 'Current';
    }, 45_000, 50);
    return samples;
  }

  it('docs/deploy.md shows the Argo CD health checks exactly as they are tested here', async () => {
    const doc = await readFile(fileURLToPath(new URL('../../docs/deploy.md', import.meta.url)), 'utf8');
    for (const script of ['ontapawskms-health.lua', 'ontapcluster-health.lua']) {
      const lua = await readFile(fileURLToPath(new URL(`../../docs/argocd/${script}`, import.meta.url)), 'utf8');
      const indented = lua.split('\n').map((l) => (l === '' ? '' : `    ${l}`)).join('\n');
      expect(doc, script).to.include(indented.trimEnd());
    }
  });

  it('OntapAwsKms: InProgress until the new spec is on ONTAP, then Current with every condition at the new generation', async () => {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'gitops', { svm: { name: 'svm1' }, pollingPeriodMinutes: 60 }));
    const read = (): Promise<KubeObject | undefined> => w.api.get(OntapAwsKmsType, w.ns, 'gitops');
    await waitFor('Current at generation 1', async () => kstatusOf(await read()) === 'Current');
    const uuid = [...w.sim.state.records.values()][0]?.uuid ?? '';

    // ONTAP takes 3 s to answer the PATCH that applies the change.
    w.sim.control.addFault({ method: 'PATCH', path: '/api/security/aws-kms/', latencyMs: 3_000, count: 1 });
    await w.api.mergePatch(OntapAwsKmsType, w.ns, 'gitops', { spec: { pollingPeriodMinutes: 30 } });
    const samples = await sampleUntilCurrent(read, 2, () => w.sim.state.records.get(uuid)?.polling_period === 30);

    const before = samples.filter((s) => !s.reconciled);
    expect(before.length, 'samples taken while ONTAP had not the change yet').to.be.greaterThan(10);
    expect(before.filter((s) => s.kstatus === 'Current'), 'Current before the change reached ONTAP').to.deep.equal([]);
    const o = await read();
    const conditions = ((o?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
    expect(conditions.map((c) => `${c.type}=${c.status}@${c.observedGeneration ?? '?'}`).filter((c) => /^(Ready|Synced)=/.test(c))).to.have.members(['Ready=True@2', 'Synced=True@2']);

    // Argo CD, with the documented health check: Progressing throughout, Healthy once reconciled.
    const pending = await argoHealth(argo, 'ontapawskms-health.lua', before.filter((s) => s.generation === 2).map((s) => s.object));
    expect(pending.length).to.be.greaterThan(0);
    expect([...new Set(pending.map((h) => h.status))]).to.deep.equal(['Progressing']);
    expect(await argoHealth(argo, 'ontapawskms-health.lua', [o])).to.deep.equal([{ status: 'Healthy', message: 'AWS KMS key protection is available on all nodes' }]);
  });

  it('Argo CD health check: Degraded with the reason when a Secret is missing, Suspended when suspended', async () => {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'no-secret', { svm: { name: 'svm2' }, credentialsSecretRef: { name: 'missing' } }));
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'paused', { svm: { name: 'svm3' }, suspend: true }));
    const read = (name: string) => (): Promise<KubeObject | undefined> => w.api.get(OntapAwsKmsType, w.ns, name);
    const observed = async (name: string): Promise<KubeObject | undefined> =>
      waitFor(`${name} observed`, async () => {
        const o = await read(name)();
        return (o?.status as { observedGeneration?: number } | undefined)?.observedGeneration === o?.metadata.generation ? o : undefined;
      });
    const [missing, paused] = await argoHealth(argo, 'ontapawskms-health.lua', [await observed('no-secret'), await observed('paused')]);
    expect(missing?.status).to.equal('Degraded');
    expect(missing?.message).to.match(/^SecretNotFound: .*missing/);
    expect(paused?.status).to.equal('Suspended');
  });

  it('OntapCluster: InProgress until the changed connection has been probed, then Current', async () => {
    const read = (): Promise<KubeObject | undefined> => w.api.get(OntapClusterType, w.ns, 'sim');
    await waitFor('cluster Current', async () => kstatusOf(await read()) === 'Current');
    const generation = (await read())?.metadata.generation ?? 0;
    const probesBefore = w.sim.control.requests().filter((r) => r.method === 'GET' && r.path === '/api/cluster').length;

    // The probe of the changed connection takes 3 s.
    w.sim.control.addFault({ method: 'GET', path: '/api/cluster', latencyMs: 3_000, count: 1 });
    await w.api.mergePatch(OntapClusterType, w.ns, 'sim', { spec: { requestTimeoutSeconds: 45 } });
    const probed = (): boolean => w.sim.control.requests().filter((r) => r.method === 'GET' && r.path === '/api/cluster').length > probesBefore;
    const samples = await sampleUntilCurrent(read, generation + 1, probed);

    const before = samples.filter((s) => !s.reconciled);
    expect(before.length, 'samples taken before the probe was answered').to.be.greaterThan(10);
    expect(before.filter((s) => s.kstatus === 'Current'), 'Current before the new connection was probed').to.deep.equal([]);
    const pending = await argoHealth(argo, 'ontapcluster-health.lua', before.filter((s) => s.generation === generation + 1).map((s) => s.object));
    expect([...new Set(pending.map((h) => h.status))]).to.deep.equal(['Progressing']);
    expect((await argoHealth(argo, 'ontapcluster-health.lua', [await read()]))[0]?.status).to.equal('Healthy');
  });
});
