import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseConfig, type Config } from '../../src/config.js';
import { OntapAwsKmsType, OntapClusterType } from '../../src/controller/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { NamespaceType, SecretType } from '../../src/runtime/kube.js';
import { blackHole } from '../support/black-hole.js';
import { CONTROL_PLANE_TIMEOUT_MS, serviceAccount } from '../support/control-plane.js';
import { awsKmsWrites, awsSecret, condition, type E2E, getKms, kmsObject, LOOPBACK_ENDPOINTS, secret, startE2E, waitFor } from '../support/e2e.js';
import { capturingLogger } from '../support/log-capture.js';

/** probe answers the HTTP status of a probe URL. */
async function probe(url: string): Promise<number> {
  return (await fetch(url)).status;
}

describe('e2e: the operator in an unfriendly cluster (empty namespaces, no RBAC, a dead tenant)', function () {
  this.timeout(90_000);
  let w: E2E;
  let empty: string;
  let dead: string;
  let hole: Awaited<ReturnType<typeof blackHole>>;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E();
    hole = await blackHole();
    const suffix = randomBytes(3).toString('hex');
    // A fresh namespace has no Secrets at all: its metadata-only list comes back with "items": null.
    empty = `e2e-empty-${suffix}`;
    dead = `e2e-dead-${suffix}`;
    for (const ns of [empty, dead]) await w.api.create(NamespaceType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  });
  after(async () => {
    await w?.close();
    await hole?.close();
    for (const o of (await w.api.list(OntapAwsKmsType, dead).catch(() => ({ items: [] }))).items) {
      await w.api.mergePatch(OntapAwsKmsType, dead, o.metadata.name, { metadata: { finalizers: null } }).catch(() => undefined);
    }
    for (const ns of [empty, dead]) await w.api.delete(NamespaceType, '', ns).catch(() => undefined);
  });

  it('becomes ready watching a namespace that has no Secrets, and reconciles what is created later', async () => {
    const op = await w.startOperator(['--namespace', empty]);
    await waitFor('/readyz 200', async () => (await probe(`${op.healthUrl}/readyz`)) === 200, 15_000);
    expect(await probe(`${op.healthUrl}/healthz`)).to.equal(200);
    // Everything it needs arrives after it started: Secret first, then the resource.
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'late', { svm: { name: 'svm1' } }));
    await waitFor('Ready', async () => condition(await getKms(w, 'late'), 'Ready') === 'True/Available');
    await w.stopOperator();
  });

  it('fails /healthz when its caches cannot sync (no RBAC), instead of hanging on silently', async () => {
    const kubeconfig = await w.cp.kubeconfigFor(serviceAccount(w.ns, 'no-rbac'));
    const config = parseConfig([
      '--kubeconfig', kubeconfig, '--namespace', w.ns, '--metrics-bind-address', '0', `--allowed-ontap-endpoints=${LOOPBACK_ENDPOINTS}`,
      '--health-probe-bind-address', '127.0.0.1:0', '--cache-sync-timeout', '2',
    ]) as Config;
    const op: Operator = await startOperator(config, { logger: capturingLogger().child({ test: 'no-rbac' }) });
    try {
      expect(await probe(`${op.healthUrl}/healthz`), 'healthy while within the sync timeout').to.equal(200);
      await waitFor('/healthz 503 after the cache-sync timeout', async () => (await probe(`${op.healthUrl}/healthz`)) === 503, 10_000);
      expect(await probe(`${op.healthUrl}/readyz`)).to.equal(503);
    } finally {
      await op.stop();
    }
  });

  it("another tenant's resource becomes Ready while a dead ONTAP cluster has four resources", async function () {
    this.timeout(120_000);
    await w.api.create(SecretType, dead, secret(dead, 'admin', { username: 'u', password: 'p' }, 'kubernetes.io/basic-auth'));
    await w.api.create(SecretType, dead, awsSecret(dead));
    // The worst a tenant may set: the longest request timeout admission allows a namespace's own OntapCluster (30 s).
    await w.api.create(OntapClusterType, dead, {
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'OntapCluster',
      metadata: { name: 'dead', namespace: dead },
      spec: { endpoint: hole.url, credentialsSecretRef: { name: 'admin' }, insecureSkipTLSVerify: true, requestTimeoutSeconds: 30 },
    });
    for (const svm of ['a', 'b', 'c', 'd']) {
      await w.api.create(OntapAwsKmsType, dead, kmsObject(dead, `dead-${svm}`, { clusterRef: { name: 'dead' }, svm: { name: svm } }));
    }
    const op = await w.startOperator(['--namespace', dead]);
    await waitFor('the dead cluster holds a worker', () => hole.accepted() > 0, 15_000);
    w.sim.control.clearRequests();
    const started = Date.now();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'neighbour', { svm: { name: 'svm2' } }));
    await waitFor('the neighbour Ready', async () => condition(await getKms(w, 'neighbour'), 'Ready') === 'True/Available', 30_000);
    const readyMs = Date.now() - started;
    expect(awsKmsWrites(w.sim).map((r) => r.method)).to.include('POST');
    console.log(`      neighbour Ready ${readyMs} ms after create, beside a dead cluster with 4 resources (load ${loadavg()[0]?.toFixed(2)})`);
    expect(op.isLeader()).to.equal(true);
    // Stopping does not wait for the requests hanging on the dead cluster.
    const stopping = Date.now();
    await w.stopOperator();
    expect(Date.now() - stopping, 'stop aborts the calls to the dead cluster').to.be.lessThan(5_000);
  });
});
