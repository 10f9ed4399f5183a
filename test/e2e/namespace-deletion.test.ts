/**
 * Deleting a namespace that holds key managers, as every user eventually does: the test control
 * plane runs kube-controller-manager, so the namespace controller deletes the namespace's content
 * (the key managers, and beside them their OntapCluster and Secrets) and waits for finalizers.
 * One namespace per case, each with one resource of each kind on an SVM of its own:
 * `Retain`; `Delete`; `Delete` while ONTAP refuses the DELETE (keys in use), through the
 * namespace's own OntapCluster and through a ClusterOntapCluster; `Delete` through a
 * ClusterOntapCluster whose grant was revoked. Each case shows what ONTAP is left with, and that
 * the namespace goes or says why (its conditions, and the resources' own). Events cannot say it:
 * a Terminating namespace takes no new objects, Events included, so the operator's log does.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { Condition } from '../../src/api/v1alpha1/types.js';
import { ClusterOntapClusterType, OntapAwsKmsType, OntapAzureKeyVaultType, OntapClusterType, OntapGcpKmsType } from '../../src/controller/resources.js';
import { type KubeObject, NamespaceType, type ResourceType, SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { akvObject, awsSecret, type E2E, kmsObject, secret, startE2E, waitFor } from '../support/e2e.js';
import { gcpKmsObject, gcpSecret } from '../support/gcp.js';
import { capturedLines, TEST_SECRETS } from '../support/log-capture.js';
import { SIM_PASSWORD, SIM_USER } from '../support/sim.js';

type Kind = 'aws' | 'azure' | 'gcp';
const KINDS: ReadonlyArray<{ kind: Kind; type: ResourceType; build: (ns: string, name: string, spec: Record<string, unknown>) => KubeObject }> = [
  { kind: 'aws', type: OntapAwsKmsType, build: kmsObject },
  { kind: 'azure', type: OntapAzureKeyVaultType, build: akvObject },
  { kind: 'gcp', type: OntapGcpKmsType, build: gcpKmsObject },
];

/** What a case created: per kind, the resource's SVM and the uuid of its record on ONTAP. */
type Made = Record<Kind, { svm: string; uuid: string }>;

/** statusOf reads the status every kind (and a Namespace) shares: conditions, and a key manager's record uuid. */
function statusOf(o: KubeObject | undefined): { conditions?: Condition[]; uuid?: string } {
  const status: unknown = o?.['status'];
  return typeof status === 'object' && status !== null ? status : {};
}

function conditionsOf(o: KubeObject | undefined): readonly Condition[] {
  return statusOf(o).conditions ?? [];
}

describe('e2e: deleting a namespace that holds key managers', function () {
  this.timeout(400_000);
  const suffix = randomBytes(3).toString('hex');
  const tenantLabel = { [`kms-ns-deletion-${suffix}`]: 'true' };
  const shared = `ns-deletion-${suffix}`;
  const cases = {
    retain: { ns: `e2e-nsdel-retain-${suffix}`, svms: ['svm1', 'svm2', 'svm3'] },
    del: { ns: `e2e-nsdel-delete-${suffix}`, svms: ['svm4', 'svm5', 'svm6'] },
    inUse: { ns: `e2e-nsdel-inuse-${suffix}`, svms: ['svm7', 'svm8', 'svm9'] },
    inUseShared: { ns: `e2e-nsdel-inuse-shared-${suffix}`, svms: ['svm13', 'svm14', 'svm15'] },
    revoked: { ns: `e2e-nsdel-revoked-${suffix}`, svms: ['svm10', 'svm11', 'svm12'] },
  } as const;
  let w: E2E;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: Object.values(cases).flatMap((c) => [...c.svms]) });
    for (const [name, c] of Object.entries(cases)) {
      const revoked = name === 'revoked' || name === 'inUseShared'; // through the ClusterOntapCluster
      await w.api.create(NamespaceType, '', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: c.ns, labels: revoked ? tenantLabel : {}, annotations: revoked ? { 'kms.ontap.dev/svms': c.svms.join(',') } : {} },
      });
      await w.api.create(SecretType, c.ns, awsSecret(c.ns));
      await w.api.create(SecretType, c.ns, secret(c.ns, 'azure', { client_secret: TEST_SECRETS.azureSecret }));
      await w.api.create(SecretType, c.ns, gcpSecret(c.ns));
      if (revoked) continue;
      // Each namespace has its own OntapCluster and ONTAP credentials, as the examples do.
      await w.api.create(SecretType, c.ns, secret(c.ns, 'ontap-admin', { username: SIM_USER, password: SIM_PASSWORD }, 'kubernetes.io/basic-auth'));
      await w.api.create(SecretType, c.ns, secret(c.ns, 'ontap-ca', { 'ca.crt': w.sim.caPem }));
      await w.api.create(OntapClusterType, c.ns, {
        apiVersion: 'kms.ontap.dev/v1alpha1',
        kind: 'OntapCluster',
        metadata: { name: 'sim', namespace: c.ns },
        spec: { endpoint: w.sim.url, credentialsSecretRef: { name: 'ontap-admin' }, caBundleSecretRef: { name: 'ontap-ca' } },
      });
    }
    // The platform's shared connection: its Secrets are those of the harness's namespace.
    await w.api.create(ClusterOntapClusterType, '', {
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'ClusterOntapCluster',
      metadata: { name: shared },
      spec: {
        endpoint: w.sim.url,
        credentialsSecretRef: { name: 'ontap-admin' },
        caBundleSecretRef: { name: 'ontap-ca' },
        tenancy: { namespaceSelector: { matchLabels: tenantLabel }, svmsAnnotation: 'kms.ontap.dev/svms' },
      },
    });
    await w.startOperator(['--namespace', Object.values(cases).map((c) => c.ns).join(','), '--cluster-resource-namespace', w.ns]);
  });
  after(async () => {
    await w?.close();
    await w?.api.delete(ClusterOntapClusterType, '', shared).catch(() => undefined);
    // A case that failed may have left its namespace held by a finalizer.
    for (const c of Object.values(cases)) {
      for (const { type } of KINDS) {
        for (const o of (await w.api.list(type, c.ns).catch(() => ({ items: [] }))).items) {
          await w.api.mergePatch(type, c.ns, o.metadata.name, { metadata: { finalizers: null } }).catch(() => undefined);
        }
      }
      await w?.api.delete(NamespaceType, '', c.ns).catch(() => undefined);
    }
  });

  /** record returns the record `uuid` of `kind` as ONTAP (the sim) holds it, with its SVM. */
  const record = (kind: Kind, uuid: string): { svm: string | undefined } | undefined => {
    const map = kind === 'aws' ? w.sim.state.records : kind === 'azure' ? w.sim.state.azureKeyVaults : w.sim.state.gcpKms;
    const r = map.get(uuid);
    return r ? { svm: r.svm?.name } : undefined;
  };

  /** makeAll creates one resource of each kind in `c.ns` and waits until each is Ready with its record on ONTAP. */
  const makeAll = async (c: { ns: string; svms: readonly string[] }, deletionPolicy: 'Retain' | 'Delete', clusterRef?: Record<string, unknown>): Promise<Made> => {
    const made = {} as Made;
    for (const [i, { kind, type, build }] of KINDS.entries()) {
      const svm = c.svms[i] ?? '';
      await w.api.create(type, c.ns, build(c.ns, kind, { svm: { name: svm }, deletionPolicy, ...(clusterRef ? { clusterRef } : {}) }));
      made[kind] = { svm, uuid: '' };
    }
    for (const { kind, type } of KINDS) {
      const ready = await waitFor(`${c.ns}/${kind} Ready`, async () => {
        const o = await w.api.get(type, c.ns, kind);
        const r = conditionsOf(o).find((x) => x.type === 'Ready');
        return r?.status === 'True' ? statusOf(o).uuid : undefined;
      }, 60_000);
      made[kind].uuid = ready;
      expect(record(kind, ready)?.svm, `${kind} record on ONTAP`).to.equal(made[kind].svm);
    }
    return made;
  };

  /** leftBecause returns why the operator's log says it left record `uuid` on ONTAP when it released the finalizer. */
  const leftBecause = (uuid: string): string | undefined => {
    for (const line of capturedLines) {
      if (!line.includes(uuid) || !line.includes('left the ONTAP record and released the finalizer')) continue;
      const entry = JSON.parse(line) as { uuid?: string; why?: string };
      if (entry.uuid === uuid) return entry.why;
    }
    return undefined;
  };

  const namespaceGone = async (ns: string): Promise<boolean> => (await w.api.get(NamespaceType, '', ns)) === undefined;

  /** deleteNamespace deletes `ns` and returns how long it took to go (undefined: still there after `waitMs`). */
  const deleteNamespace = async (ns: string, waitMs: number): Promise<number | undefined> => {
    const start = Date.now();
    await w.api.delete(NamespaceType, '', ns);
    try {
      await waitFor(`namespace ${ns} gone`, () => namespaceGone(ns), waitMs, 250);
      return Date.now() - start;
    } catch {
      return undefined;
    }
  };

  it('Retain: the namespace goes within seconds and every record stays on ONTAP, untouched', async () => {
    const c = cases.retain;
    const made = await makeAll(c, 'Retain');
    w.sim.control.clearRequests();
    const tookMs = await deleteNamespace(c.ns, 90_000);
    console.log(`      Retain: namespace gone after ${tookMs ?? 'more than 90000'} ms`);
    expect(tookMs, 'namespace gone').to.be.a('number');
    for (const { kind } of KINDS) expect(record(kind, made[kind].uuid)?.svm, `${kind} record left on ONTAP`).to.equal(made[kind].svm);
    expect(w.sim.control.requests().filter((r) => r.method === 'DELETE'), 'DELETEs sent to ONTAP').to.deep.equal([]);
  });

  it('Delete: the namespace goes; a record is deleted, or left when its OntapCluster went first, and the log says so', async () => {
    const c = cases.del;
    const made = await makeAll(c, 'Delete');
    const tookMs = await deleteNamespace(c.ns, 120_000);
    expect(tookMs, 'namespace gone').to.be.a('number');
    // The namespace controller deletes the OntapCluster and its Secrets beside the key managers:
    // a DELETE sent before they go removes the record; after, nothing can reach ONTAP any more.
    const outcome: string[] = [];
    for (const { kind } of KINDS) {
      const { uuid } = made[kind];
      if (record(kind, uuid) === undefined) {
        outcome.push(`${kind} deleted`);
        continue;
      }
      expect(leftBecause(uuid), `${kind} record ${uuid} left: the log says why`).to.match(/OntapCluster .* not found: it was deleted with namespace/);
      outcome.push(`${kind} left`);
    }
    console.log(`      Delete: namespace gone after ${tookMs} ms; on ONTAP: ${outcome.join(', ')}`);
  });

  it('Delete while ONTAP refuses (keys in use), own OntapCluster: the namespace goes once its OntapCluster is gone, the records stay and the log says why', async () => {
    const c = cases.inUse;
    const made = await makeAll(c, 'Delete');
    for (const svm of c.svms) w.sim.control.setKeysInUse(svm, true);
    const tookMs = await deleteNamespace(c.ns, 120_000);
    console.log(`      Delete, keys in use, own OntapCluster: namespace gone after ${tookMs ?? 'more than 120000'} ms`);
    expect(tookMs, 'namespace gone').to.be.a('number');
    for (const { kind } of KINDS) {
      const { uuid, svm } = made[kind];
      expect(record(kind, uuid)?.svm, `${kind} record left on ONTAP`).to.equal(svm);
      expect(leftBecause(uuid), `${kind} record ${uuid}: the log says why`).to.match(/OntapCluster .* not found: it was deleted with namespace/);
    }
    for (const svm of c.svms) w.sim.control.setKeysInUse(svm, false);
  });

  it('Delete while ONTAP refuses (keys in use), through a ClusterOntapCluster: the namespace stays Terminating and says why; Retain gives one record up, freeing the keys lets the rest go', async () => {
    const c = cases.inUseShared;
    const made = await makeAll(c, 'Delete', { name: shared, kind: 'ClusterOntapCluster' });
    for (const svm of c.svms) w.sim.control.setKeysInUse(svm, true);
    await w.api.delete(NamespaceType, '', c.ns);
    const start = Date.now();
    // The namespace says which finalizer holds it...
    const held = await waitFor('NamespaceFinalizersRemaining', async () => {
      const n = await w.api.get(NamespaceType, '', c.ns);
      const cond = conditionsOf(n).find((x) => x.type === 'NamespaceFinalizersRemaining' && x.status === 'True');
      return cond?.message?.includes('kms.ontap.dev/finalizer') ? cond : undefined;
    }, 90_000);
    console.log(`      Delete, keys in use, ClusterOntapCluster: ${held.type}: ${held.message} (after ${Date.now() - start} ms)`);
    // ...and each resource why: ONTAP's refusal, with its code.
    for (const { kind, type } of KINDS) {
      const synced = await waitFor(`${kind} DeletionBlocked`, async () => {
        const s = conditionsOf(await w.api.get(type, c.ns, kind)).find((x) => x.type === 'Synced');
        return s?.status === 'False' && s.reason === 'DeletionBlocked' ? s : undefined;
      }, 60_000);
      expect(synced.message, `${kind} Synced message`).to.match(/ONTAP error \d+/);
      expect(record(kind, made[kind].uuid)?.svm, `${kind} record still on ONTAP`).to.equal(made[kind].svm);
    }
    expect(await namespaceGone(c.ns), 'namespace gone while the keys are in use').to.equal(false);

    // The documented way to give up on a record: Retain, even while the resource is being deleted.
    await w.api.mergePatch(OntapGcpKmsType, c.ns, 'gcp', { spec: { deletionPolicy: 'Retain' } });
    await waitFor('gcp released', async () => (await w.api.get(OntapGcpKmsType, c.ns, 'gcp')) === undefined, 60_000);
    expect(record('gcp', made.gcp.uuid)?.svm, 'gcp record left on ONTAP').to.equal(made.gcp.svm);
    expect(await namespaceGone(c.ns), 'namespace gone while two keys are in use').to.equal(false);

    for (const svm of c.svms) w.sim.control.setKeysInUse(svm, false);
    const freed = Date.now();
    await waitFor(`namespace ${c.ns} gone once the keys are freed`, () => namespaceGone(c.ns), 240_000, 250);
    console.log(`      Delete, keys in use, ClusterOntapCluster: namespace gone ${Date.now() - freed} ms after the keys were freed`);
    for (const kind of ['aws', 'azure'] as const) expect(record(kind, made[kind].uuid), `${kind} record on ONTAP`).to.equal(undefined);
    expect(record('gcp', made.gcp.uuid)?.svm, 'gcp record (Retain) on ONTAP').to.equal(made.gcp.svm);
  });

  it('Delete through a ClusterOntapCluster whose grant was revoked: the namespace goes, the records stay and the log says why', async () => {
    const c = cases.revoked;
    const made = await makeAll(c, 'Delete', { name: shared, kind: 'ClusterOntapCluster' });
    // The platform team takes the SVMs back.
    await w.api.mergePatch(NamespaceType, '', c.ns, { metadata: { annotations: { 'kms.ontap.dev/svms': '' } } });
    for (const { kind, type } of KINDS) {
      await waitFor(`${kind} NotPermitted`, async () => {
        const s = conditionsOf(await w.api.get(type, c.ns, kind)).find((x) => x.type === 'Synced');
        return s?.reason === 'NotPermitted';
      }, 60_000);
    }
    w.sim.control.clearRequests();
    const tookMs = await deleteNamespace(c.ns, 90_000);
    console.log(`      Delete, grant revoked: namespace gone after ${tookMs ?? 'more than 90000'} ms`);
    expect(tookMs, 'namespace gone').to.be.a('number');
    for (const { kind } of KINDS) {
      const { uuid, svm } = made[kind];
      expect(record(kind, uuid)?.svm, `${kind} record left on ONTAP`).to.equal(svm);
      expect(leftBecause(uuid), `${kind} record ${uuid}: the log says why`).to.contain(`ClusterOntapCluster ${shared} no longer permits it`);
    }
    expect(w.sim.control.requests().filter((r) => r.method === 'DELETE'), 'DELETEs sent to ONTAP').to.deep.equal([]);
  });
});
