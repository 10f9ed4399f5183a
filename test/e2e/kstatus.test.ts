/**
 * GitOps health: Argo CD and Flux judge a custom resource by kstatus, from
 * `status.observedGeneration` and the `Ready` condition. After a spec change, no kind
 * (OntapCluster, and each key-manager kind: OntapAwsKms, OntapAzureKeyVault, OntapGcpKms) may
 * look Current (Ready for the new generation) before the operator has reconciled that
 * generation against ONTAP. The reconcile is held back by a slow ONTAP answer, and the object
 * is sampled all the while. The Argo CD health checks documented in docs/argocd/, one per kind,
 * are run on the sampled objects the way Argo CD runs them (tools/argocd-health).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { Condition } from '../../src/api/v1alpha1/types.js';
import { ClusterOntapClusterType, OntapAwsKmsType, OntapAzureKeyVaultType, OntapClusterType, OntapGcpKmsType } from '../../src/controller/resources.js';
import type { StoredKeyManager } from '../../src/simulator/key-manager-family.js';
import type { SimulatorHandle } from '../../src/simulator/server.js';
import { isRecord, type KubeObject, type ResourceType, SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsSecret, type E2E, kmsObject, secret, startE2E, waitFor } from '../support/e2e.js';
import { lastLineOf } from '../support/image.js';
import { gcpCredentials } from '../support/key-manager-bodies.js';
import { TEST_SECRETS } from '../support/log-capture.js';

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

/**
 * columnOf reads one column of `kubectl get` output (a header line and one row) by where its
 * header starts, as a reader's eye does: `reason` under REASON.
 */
function columnOf(table: string, header: string): string {
  const [head = '', row = ''] = table.split('\n');
  const at = head.search(new RegExp(`(^|\\s)${header}(\\s|$)`));
  expect(at, `${header} column in:\n${table}`).to.be.greaterThan(-1);
  const start = at === 0 ? 0 : at + 1;
  return row.slice(start).split(/\s+/)[0] ?? '';
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

/**
 * KeyManagerCase is one key-manager kind as this test drives it: its Argo CD health check, a
 * manifest and the Secret it names, the ONTAP collection the operator PATCHes, and a spec
 * change whose arrival on ONTAP the simulator shows.
 */
interface KeyManagerCase {
  /** type is the kind; its health check is docs/argocd/<lowercased kind>-health.lua. */
  readonly type: ResourceType;
  /** label is how the Ready message names the key manager. */
  readonly label: string;
  /** svms are this kind's own SVMs: ONTAP allows one key manager per SVM. */
  readonly svms: readonly [string, string, string];
  secret(ns: string): KubeObject;
  object(ns: string, name: string, spec: Record<string, unknown>): KubeObject;
  /** missingSecret is the spec that names a Secret that does not exist. */
  readonly missingSecret: Record<string, unknown>;
  readonly path: string;
  /** initial is set on create; change then alters it. */
  readonly initial: Record<string, unknown>;
  readonly change: Record<string, unknown>;
  /** records are the simulator's records of this kind; applied says whether `change` reached one. */
  records(sim: SimulatorHandle): Iterable<StoredKeyManager>;
  applied(record: StoredKeyManager): boolean;
}

/** keyManager builds a manifest of `kind` in the e2e namespace, on the simulator's cluster. */
const keyManager = (kind: string, defaults: Record<string, unknown>) => (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'kms.ontap.dev/v1alpha1',
  kind,
  metadata: { name, namespace: ns },
  spec: { clusterRef: { name: 'sim' }, driftCheckIntervalSeconds: 10, ...defaults, ...spec },
});

/** scriptOf names a kind's Argo CD health check in docs/argocd/. */
const scriptOf = (k: KeyManagerCase): string => `${k.type.kind.toLowerCase()}-health.lua`;

const KEY_MANAGERS: readonly KeyManagerCase[] = [
  {
    type: OntapAwsKmsType,
    label: 'AWS KMS',
    svms: ['svm1', 'svm2', 'svm3'],
    secret: (ns) => awsSecret(ns),
    object: kmsObject,
    missingSecret: { credentialsSecretRef: { name: 'missing' } },
    path: '/api/security/aws-kms/',
    initial: { pollingPeriodMinutes: 60 },
    change: { pollingPeriodMinutes: 30 },
    records: (sim) => sim.state.records.values(),
    applied: (r) => (r as { polling_period?: number }).polling_period === 30,
  },
  {
    type: OntapAzureKeyVaultType,
    label: 'Azure Key Vault',
    svms: ['svm4', 'svm5', 'svm6'],
    secret: (ns) => secret(ns, 'azure', { client_secret: TEST_SECRETS.azureSecret }),
    object: keyManager('OntapAzureKeyVault', {
      clientId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
      tenantId: '9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
      vaultName: 'https://kv-e2e.vault.azure.net/',
      keyId: 'https://kv-e2e.vault.azure.net/keys/e2e/a8e619fd8f234db3b0b95c59540e2a74',
      clientSecretRef: { name: 'azure' },
    }),
    missingSecret: { clientSecretRef: { name: 'missing' } },
    path: '/api/security/azure-key-vaults/',
    initial: { port: 443 },
    change: { port: 8443 },
    records: (sim) => sim.state.azureKeyVaults.values(),
    applied: (r) => (r as { port?: number }).port === 8443,
  },
  {
    type: OntapGcpKmsType,
    label: 'Google Cloud KMS',
    svms: ['svm7', 'svm8', 'svm9'],
    secret: (ns) => secret(ns, 'gcp', { application_credentials: gcpCredentials(TEST_SECRETS.gcpPrivateKey) }),
    object: keyManager('OntapGcpKms', {
      projectId: 'e2e-project',
      keyRingName: 'e2e-ring',
      keyRingLocation: 'global',
      keyName: 'e2e-key',
      applicationCredentialsSecretRef: { name: 'gcp' },
    }),
    missingSecret: { applicationCredentialsSecretRef: { name: 'missing' } },
    path: '/api/security/gcp-kms/',
    initial: { port: 443 },
    change: { port: 8443 },
    records: (sim) => sim.state.gcpKms.values(),
    applied: (r) => (r as { port?: number }).port === 8443,
  },
];

describe('e2e: GitOps health (kstatus) after a spec change', function () {
  this.timeout(90_000);
  let w: E2E;
  let argo: string;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    argo = await lastLineOf('tools/argocd-health/build.sh');
    w = await startE2E({ svms: KEY_MANAGERS.flatMap((k) => k.svms) });
    await w.startOperator(['--cluster-resource-namespace', w.ns]);
    for (const k of KEY_MANAGERS) await w.api.create(SecretType, w.ns, k.secret(w.ns));
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
    for (const script of [...KEY_MANAGERS.map(scriptOf), 'ontapcluster-health.lua', 'clusterontapcluster-health.lua']) {
      const lua = await readFile(fileURLToPath(new URL(`../../docs/argocd/${script}`, import.meta.url)), 'utf8');
      const indented = lua.split('\n').map((l) => (l === '' ? '' : `    ${l}`)).join('\n');
      expect(doc, script).to.include(indented.trimEnd());
    }
  });

  for (const k of KEY_MANAGERS) {
    const [svm, svmNoSecret, svmPaused] = k.svms;
    const kind = k.type.kind;
    const script = scriptOf(k);

    it(`${kind}: InProgress until the new spec is on ONTAP, then Current with every condition at the new generation`, async () => {
      await w.api.create(k.type, w.ns, k.object(w.ns, 'gitops', { svm: { name: svm }, ...k.initial }));
      const read = (): Promise<KubeObject | undefined> => w.api.get(k.type, w.ns, 'gitops');
      await waitFor('Current at generation 1', async () => kstatusOf(await read()) === 'Current');
      const uuid = [...k.records(w.sim)].find((r) => r.svm?.name === svm)?.uuid;
      expect(uuid, `the ${kind} record on ${svm}`).to.be.a('string');
      const record = (): StoredKeyManager | undefined => [...k.records(w.sim)].find((r) => r.uuid === uuid);

      // ONTAP takes 3 s to answer the PATCH that applies the change.
      w.sim.control.addFault({ method: 'PATCH', path: k.path, latencyMs: 3_000, count: 1 });
      await w.api.mergePatch(k.type, w.ns, 'gitops', { spec: k.change });
      const samples = await sampleUntilCurrent(read, 2, () => {
        const r = record();
        return r !== undefined && k.applied(r);
      });

      const before = samples.filter((s) => !s.reconciled);
      expect(before.length, 'samples taken while ONTAP had not the change yet').to.be.greaterThan(10);
      expect(before.filter((s) => s.kstatus === 'Current'), 'Current before the change reached ONTAP').to.deep.equal([]);
      const o = await read();
      const conditions = ((o?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
      expect(conditions.map((c) => `${c.type}=${c.status}@${c.observedGeneration ?? '?'}`).filter((c) => /^(Ready|Synced)=/.test(c))).to.have.members(['Ready=True@2', 'Synced=True@2']);

      // Argo CD, with the documented health check: Progressing throughout, Healthy once reconciled.
      const pending = await argoHealth(argo, script, before.filter((s) => s.generation === 2).map((s) => s.object));
      expect(pending.length).to.be.greaterThan(0);
      expect([...new Set(pending.map((h) => h.status))]).to.deep.equal(['Progressing']);
      expect(await argoHealth(argo, script, [o])).to.deep.equal([{ status: 'Healthy', message: `${k.label} key protection is available on all nodes` }]);
    });

    it(`${kind}: Argo CD health check Degraded with the reason when a Secret is missing, Suspended when suspended`, async () => {
      await w.api.create(k.type, w.ns, k.object(w.ns, 'no-secret', { svm: { name: svmNoSecret }, ...k.missingSecret }));
      await w.api.create(k.type, w.ns, k.object(w.ns, 'paused', { svm: { name: svmPaused }, suspend: true }));
      const observed = async (name: string): Promise<KubeObject | undefined> =>
        waitFor(`${name} observed`, async () => {
          const o = await w.api.get(k.type, w.ns, name);
          return (o?.status as { observedGeneration?: number } | undefined)?.observedGeneration === o?.metadata.generation ? o : undefined;
        });
      const [missing, paused] = await argoHealth(argo, script, [await observed('no-secret'), await observed('paused')]);
      expect(missing?.status).to.equal('Degraded');
      expect(missing?.message).to.match(/^SecretNotFound: .*missing/);
      expect(paused?.status).to.equal('Suspended');
      // `kubectl get` says why, in the Reason column (the Ready condition's reason).
      const table = await w.cp.kubectl(['get', k.type.plural, 'no-secret', 'paused', '-n', w.ns]);
      expect(columnOf(table, 'READY'), table).to.equal('False');
      expect(columnOf(table, 'REASON'), table).to.equal('SecretNotFound');
      expect(columnOf(table.split('\n').filter((_, i) => i !== 1).join('\n'), 'REASON'), table).to.equal('Suspended');
    });
  }

  it('OntapCluster: InProgress until the changed connection has been probed, then Current', async () => {
    const read = (): Promise<KubeObject | undefined> => w.api.get(OntapClusterType, w.ns, 'sim');
    await waitFor('cluster Current', async () => kstatusOf(await read()) === 'Current');
    const generation = (await read())?.metadata.generation ?? 0;
    const probesBefore = w.sim.control.requests().filter((r) => r.method === 'GET' && r.path === '/api/cluster').length;

    // The probe of the changed connection takes 3 s.
    w.sim.control.addFault({ method: 'GET', path: '/api/cluster', latencyMs: 3_000, count: 1 });
    await w.api.mergePatch(OntapClusterType, w.ns, 'sim', { spec: { requestTimeoutSeconds: 25 } });
    const probed = (): boolean => w.sim.control.requests().filter((r) => r.method === 'GET' && r.path === '/api/cluster').length > probesBefore;
    const samples = await sampleUntilCurrent(read, generation + 1, probed);

    const before = samples.filter((s) => !s.reconciled);
    expect(before.length, 'samples taken before the probe was answered').to.be.greaterThan(10);
    expect(before.filter((s) => s.kstatus === 'Current'), 'Current before the new connection was probed').to.deep.equal([]);
    const pending = await argoHealth(argo, 'ontapcluster-health.lua', before.filter((s) => s.generation === generation + 1).map((s) => s.object));
    expect([...new Set(pending.map((h) => h.status))]).to.deep.equal(['Progressing']);
    expect((await argoHealth(argo, 'ontapcluster-health.lua', [await read()]))[0]?.status).to.equal('Healthy');
  });
  it('ClusterOntapCluster: Argo CD Healthy when Ready, Degraded with the reason when not; kubectl get shows the reason of both cluster kinds', async () => {
    const names = [`${w.ns}-good`, `${w.ns}-untrusted`];
    const shared = (name: string, spec: Record<string, unknown>): KubeObject => ({
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'ClusterOntapCluster',
      metadata: { name },
      spec: { endpoint: w.sim.url, credentialsSecretRef: { name: 'ontap-admin' }, tenancy: { namespaceSelector: {}, svms: [] }, ...spec },
    });
    try {
      await w.api.create(ClusterOntapClusterType, '', shared(names[0]!, { caBundleSecretRef: { name: 'ontap-ca' } }));
      // No CA: the system roots do not hold ontap-sim's.
      await w.api.create(ClusterOntapClusterType, '', shared(names[1]!, {}));
      const observed = async (name: string): Promise<KubeObject> =>
        waitFor(`${name} probed`, async () => {
          const o = await w.api.get(ClusterOntapClusterType, '', name);
          const status = (o?.status ?? {}) as { observedGeneration?: number; conditions?: Condition[] };
          return status.observedGeneration === o?.metadata.generation && status.conditions?.some((c) => c.type === 'Ready' && c.status !== 'Unknown') ? o : undefined;
        }, 30_000);
      const [good, untrusted] = await argoHealth(argo, 'clusterontapcluster-health.lua', [await observed(names[0]!), await observed(names[1]!)]);
      expect(good?.status).to.equal('Healthy');
      expect(good?.message).to.match(/^connected to /);
      expect(untrusted?.status).to.equal('Degraded');
      expect(untrusted?.message).to.match(new RegExp(`^CertificateUntrusted: .*ClusterOntapCluster ${names[1]!} sets no spec.caBundleSecretRef`));
      // Before the Progressing case: a new object with no status yet.
      expect((await argoHealth(argo, 'clusterontapcluster-health.lua', [shared('fresh', {})]))[0]?.status).to.equal('Progressing');

      const row = async (args: string[]): Promise<string> => w.cp.kubectl(['get', ...args]);
      expect(columnOf(await row(['clusterontapcluster', names[1]!]), 'REASON')).to.equal('CertificateUntrusted');
      expect(columnOf(await row(['clusterontapcluster', names[0]!]), 'REASON')).to.equal('Connected');
      expect(columnOf(await row(['ontapcluster', 'sim', '-n', w.ns]), 'REASON')).to.equal('Connected');
    } finally {
      for (const n of names) await w.api.delete(ClusterOntapClusterType, '', n).catch(() => undefined);
    }
  });
});
