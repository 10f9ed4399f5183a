// Captures the upgrade fixtures of this release: every kind as this operator leaves it once all is
// Ready (objects and status), and the ONTAP state ontap-sim must hold to match, into
// test/fixtures/upgrade/<version>/ (the version of package.json unless --out says where).
//
//   npx tsx hack/capture-upgrade-fixtures.ts [--out DIR]
//
// It starts its own control plane (tools/controlplane/build.sh's binaries, or
// $ONTAP_KMS_CONTROLPLANE_BIN), ontap-sim and the operator in this process, applies the objects
// below, waits until every one is Ready and nothing has been written for a whole drift interval,
// and writes the trimmed objects (see trimObject in test/support/upgrade-fixtures.ts). Run it at
// the release's commit, on a clean tree: test/fixtures/upgrade/README.md says when and how.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig, type Config } from '../src/config.js';
import { ClusterOntapClusterType, OntapAwsKmsType, OntapAzureKeyVaultType, OntapClusterType, OntapGcpKmsType } from '../src/controller/resources.js';
import { startOperator } from '../src/operator.js';
import { EventType, KubeApi, type KubeObject, NamespaceType, type ResourceType, SecretType } from '../src/runtime/kube.js';
import { createLogger } from '../src/runtime/logger.js';
import { startSimulator } from '../src/simulator/server.js';
import type { StoredAwsKms, StoredAzureKeyVault, StoredGcpKms } from '../src/simulator/state.js';
import { startControlPlane } from '../src/testenv/index.js';
import { TEST_SECRETS } from '../test/support/log-capture.js';
import { FIXTURE_FILES, ONTAP_FILE, type OntapFixture, toYaml, trimObject } from '../test/support/upgrade-fixtures.js';

const ROOT = new URL('../', import.meta.url).pathname;
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out ?? join(ROOT, 'test/fixtures/upgrade', version);

// Names carry the version, so the fixtures of several releases can live in one control plane.
const V = `upgrade-${version.replace(/\./g, '-')}`;
const STORAGE = `${V}-storage`;
const TENANT = `${V}-tenant`;
const SYSTEM = `${V}-system`;
const SHARED = `${V}-shared`;
const SVMS = ['svm1', 'svm2', 'svm3', 'svm4', 'svm5'];
const USER = 'admin';
const PASSWORD = TEST_SECRETS.ontapPassword;
const GROUP = 'kms.ontap.dev/v1alpha1';
const DRIFT_S = 10;

/** gcpKey is a service account JSON key as test/support/gcp.ts makes them (that module needs mocha). */
const gcpKey = (): string =>
  JSON.stringify({
    type: 'service_account',
    project_id: 'kms-upgrade-4711',
    private_key: `-----BEGIN PRIVATE KEY-----\n${TEST_SECRETS.gcpPrivateKey}\n-----END PRIVATE KEY-----\n`,
    client_email: 'ontap-upgrade@kms-upgrade-4711.iam.gserviceaccount.com',
  });

const secret = (ns: string, name: string, data: Record<string, string>, type = 'Opaque'): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type, stringData: data });
const cr = (kind: string, ns: string | undefined, name: string, spec: Record<string, unknown>): KubeObject =>
  ({ apiVersion: GROUP, kind, metadata: ns === undefined ? { name } : { name, namespace: ns }, spec });

/** objects are what users of this release have: every kind, through both kinds of connection, SVM and cluster scope. */
function objects(simUrl: string, caPem: string): Array<{ type: ResourceType; ns: string; body: KubeObject }> {
  const aws = { access_key_id: 'AKIAUPGRADE000000001', secret_access_key: TEST_SECRETS.awsSecret };
  const ns = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): KubeObject =>
    ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, annotations } });
  const awsSpec = { keyId: 'arn:aws:kms:us-east-1:111122223333:key/upgrade-1', region: 'us-east-1', driftCheckIntervalSeconds: DRIFT_S };
  const akvSpec = {
    clientId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    tenantId: '9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
    driftCheckIntervalSeconds: DRIFT_S,
  };
  const gcpSpec = { projectId: 'kms-upgrade-4711', keyRingName: 'ontap', keyRingLocation: 'global', keyName: 'kek', driftCheckIntervalSeconds: DRIFT_S };
  return [
    { type: NamespaceType, ns: '', body: ns(SYSTEM) },
    { type: NamespaceType, ns: '', body: ns(STORAGE) },
    // A tenant of the ClusterOntapCluster: svm4 granted in its policy, svm2 by this annotation.
    { type: NamespaceType, ns: '', body: ns(TENANT, { 'kms.ontap.dev/tenant': 'true' }, { 'kms.ontap.dev/svms': 'svm2' }) },
    { type: SecretType, ns: SYSTEM, body: secret(SYSTEM, 'shared-admin', { username: USER, password: PASSWORD }, 'kubernetes.io/basic-auth') },
    { type: SecretType, ns: SYSTEM, body: secret(SYSTEM, 'shared-ca', { 'ca.crt': caPem }) },
    { type: SecretType, ns: STORAGE, body: secret(STORAGE, 'ontap-admin', { username: USER, password: PASSWORD }, 'kubernetes.io/basic-auth') },
    { type: SecretType, ns: STORAGE, body: secret(STORAGE, 'ontap-ca', { 'ca.crt': caPem }) },
    { type: SecretType, ns: STORAGE, body: secret(STORAGE, 'aws', aws) },
    { type: SecretType, ns: STORAGE, body: secret(STORAGE, 'proxy', { password: TEST_SECRETS.proxyPassword }) },
    { type: SecretType, ns: STORAGE, body: secret(STORAGE, 'azure', { client_secret: TEST_SECRETS.azureSecret }) },
    { type: SecretType, ns: STORAGE, body: secret(STORAGE, 'gcp', { application_credentials: gcpKey() }) },
    { type: SecretType, ns: TENANT, body: secret(TENANT, 'aws', aws) },
    { type: SecretType, ns: TENANT, body: secret(TENANT, 'azure', { client_secret: TEST_SECRETS.azureSecret }) },
    {
      type: ClusterOntapClusterType,
      ns: '',
      body: cr('ClusterOntapCluster', undefined, SHARED, {
        endpoint: simUrl,
        credentialsSecretRef: { name: 'shared-admin' },
        caBundleSecretRef: { name: 'shared-ca' },
        tenancy: { namespaceSelector: { matchLabels: { 'kms.ontap.dev/tenant': 'true' } }, svms: [{ namespace: TENANT, names: ['svm4'] }], svmsAnnotation: 'kms.ontap.dev/svms' },
      }),
    },
    { type: OntapClusterType, ns: STORAGE, body: cr('OntapCluster', STORAGE, 'prod', { endpoint: simUrl, credentialsSecretRef: { name: 'ontap-admin' }, caBundleSecretRef: { name: 'ontap-ca' } }) },
    {
      // Most of what an OntapAwsKms can say: proxy with its password, PATCH-only fields, Delete, a rotation policy.
      type: OntapAwsKmsType,
      ns: STORAGE,
      body: cr('OntapAwsKms', STORAGE, 'svm1-aws', {
        ...awsSpec,
        clusterRef: { name: 'prod' },
        svm: { name: 'svm1' },
        credentialsSecretRef: { name: 'aws' },
        port: 443,
        proxy: { type: 'http', host: 'proxy.corp.example', port: 3128, username: 'kms', passwordSecretRef: { name: 'proxy', key: 'password' } },
        pollingPeriodMinutes: 60,
        timeoutSeconds: 10,
        verifyHost: true,
        deletionPolicy: 'Delete',
        // Ten years, the longest period admission takes: no rotation falls due while these fixtures live.
        keyRotation: { rotateEvery: '87600h', window: { days: ['Sunday'], startHour: 1, endHour: 5 } },
      }),
    },
    // The least an OntapAwsKms needs, at the cluster scope (no svm).
    { type: OntapAwsKmsType, ns: STORAGE, body: cr('OntapAwsKms', STORAGE, 'cluster-aws', { ...awsSpec, clusterRef: { name: 'prod' }, credentialsSecretRef: { name: 'aws' } }) },
    {
      type: OntapAzureKeyVaultType,
      ns: STORAGE,
      body: cr('OntapAzureKeyVault', STORAGE, 'svm3-akv', {
        ...akvSpec,
        clusterRef: { name: 'prod' },
        svm: { name: 'svm3' },
        vaultName: 'https://kv-upgrade.vault.azure.net/',
        keyId: 'https://kv-upgrade.vault.azure.net/keys/kek/a8e619fd8f234db3b0b95c59540e2a74',
        clientSecretRef: { name: 'azure', key: 'client_secret' },
      }),
    },
    { type: OntapGcpKmsType, ns: STORAGE, body: cr('OntapGcpKms', STORAGE, 'svm5-gcp', { ...gcpSpec, clusterRef: { name: 'prod' }, svm: { name: 'svm5' }, applicationCredentialsSecretRef: { name: 'gcp' } }) },
    {
      type: OntapAwsKmsType,
      ns: TENANT,
      body: cr('OntapAwsKms', TENANT, 'svm4-aws', { ...awsSpec, clusterRef: { kind: 'ClusterOntapCluster', name: SHARED }, svm: { name: 'svm4' }, credentialsSecretRef: { name: 'aws' } }),
    },
    {
      type: OntapAzureKeyVaultType,
      ns: TENANT,
      body: cr('OntapAzureKeyVault', TENANT, 'svm2-akv', {
        ...akvSpec,
        clusterRef: { kind: 'ClusterOntapCluster', name: SHARED },
        svm: { name: 'svm2' },
        vaultName: 'https://kv-tenant.vault.azure.net/',
        keyId: 'https://kv-tenant.vault.azure.net/keys/kek/0123456789abcdef0123456789abcdef',
        clientSecretRef: { name: 'azure' },
      }),
    },
  ];
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function readyProblems(o: KubeObject): string[] {
  const conditions = ((o as { status?: { conditions?: Array<{ type: string; status: string; reason: string }> } }).status?.conditions ?? []);
  const want = o.kind === 'OntapCluster' || o.kind === 'ClusterOntapCluster' ? ['Ready'] : ['Ready', 'Synced'];
  return want.filter((t) => conditions.find((c) => c.type === t)?.status !== 'True').map((t) => `${o.kind} ${o.metadata.name}: ${t} not True`);
}

async function main(): Promise<void> {
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'crds'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  if (dirty) process.stderr.write('warning: src/ or crds/ has uncommitted changes: the fixtures will not be those of a commit\n');
  const dir = mkdtempSync(join(tmpdir(), 'upgrade-capture-'));
  const cp = await startControlPlane({ dir });
  const sim = await startSimulator({ username: USER, password: PASSWORD, svms: SVMS, clusterName: 'sim-cluster' });
  let stopOperator: (() => Promise<void>) | undefined;
  try {
    execFileSync(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfig, 'apply', '--server-side', '-f', join(ROOT, 'crds')], { stdio: 'inherit' });
    execFileSync(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfig, 'wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s'], { stdio: 'inherit' });
    const api = await KubeApi.fromKubeconfig(cp.kubeconfig);
    const list = objects(sim.url, sim.caPem);
    for (const { type, ns, body } of list) await api.create(type, ns, body);
    const operatorArgs = ['--namespace', STORAGE, '--namespace', TENANT, '--namespace', SYSTEM, '--cluster-resource-namespace', SYSTEM];
    const config = parseConfig(['--kubeconfig', cp.kubeconfig, '--metrics-bind-address', '127.0.0.1:0', '--metrics-secure=false', '--health-probe-bind-address', '127.0.0.1:0', '--allowed-ontap-endpoints=127.0.0.0/8:*', ...operatorArgs]) as Config;
    const operator = await startOperator(config, { logger: createLogger({ level: 'warn', format: 'text' }) });
    stopOperator = () => operator.stop();

    const readAll = async (): Promise<KubeObject[]> => {
      const got: KubeObject[] = [];
      for (const f of FIXTURE_FILES) {
        for (const { body } of list.filter((x) => x.body.kind === f.type.kind)) {
          const o = await api.get(f.type, f.namespaced ? (body.metadata.namespace ?? '') : '', body.metadata.name);
          if (o === undefined) throw new Error(`${body.kind} ${body.metadata.name} is gone`);
          got.push(o);
        }
      }
      return got;
    };
    await waitFor('every object Ready', async () => {
      const problems = (await readAll()).filter((o) => FIXTURE_FILES.find((f) => f.type.kind === o.kind)?.status).flatMap(readyProblems);
      if (problems.length > 0) process.stderr.write(`waiting: ${problems.join('; ')}\n`);
      return problems.length === 0 ? true : undefined;
    });
    // Settled: a whole drift interval (and a bit) with no write to any object and none to ONTAP.
    const settled = await waitFor('a drift interval without writes', async () => {
      const before = await readAll();
      sim.control.clearRequests();
      await new Promise((r) => setTimeout(r, (DRIFT_S + 2) * 1000));
      const after = await readAll();
      const writes = sim.control.requests().filter((r) => r.method !== 'GET');
      const moved = after.filter((o, i) => o.metadata.resourceVersion !== before[i]?.metadata.resourceVersion).map((o) => `${o.kind} ${o.metadata.name}`);
      if (writes.length > 0 || moved.length > 0) process.stderr.write(`not settled: ${writes.length} ONTAP writes, objects written: ${moved.join(', ')}\n`);
      return writes.length === 0 && moved.length === 0 ? after : undefined;
    }, 180_000);
    await stopOperator();
    stopOperator = undefined;

    // Every Secret version a status says was sent is the Secret's version now: the test maps one to the other.
    const secretVersion = new Map(settled.filter((o) => o.kind === 'Secret').map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s.metadata.resourceVersion]));
    for (const o of settled) {
      const applied = (o as { status?: { appliedSecrets?: Array<{ name: string; resourceVersion: string }> } }).status?.appliedSecrets ?? [];
      const ns = o.kind === 'ClusterOntapCluster' ? SYSTEM : o.metadata.namespace;
      for (const a of applied) {
        if (secretVersion.get(`${ns}/${a.name}`) !== a.resourceVersion) throw new Error(`${o.kind} ${o.metadata.name}: appliedSecrets ${a.name}@${a.resourceVersion} is not the Secret's version`);
      }
    }
    const events = (await api.list(EventType, undefined)).items.filter((e) => [STORAGE, TENANT, SYSTEM, 'default'].includes(e.metadata.namespace ?? ''));

    mkdirSync(out, { recursive: true });
    const header = (what: string): string =>
      `${what}\nCaptured by hack/capture-upgrade-fixtures.ts at ${commit}${dirty ? ' (with uncommitted changes)' : ''}; see README.md. Do not edit by hand.`;
    for (const f of FIXTURE_FILES) {
      const items = settled.filter((o) => o.kind === f.type.kind).map(trimObject);
      writeFileSync(join(out, f.file), toYaml(items, header(`${f.type.kind} objects as ontap-kms-operator ${version} leaves them once everything is Ready.`)));
    }
    const dump = sim.control.dump() as { cluster: OntapFixture['cluster']; svms: OntapFixture['svms']; nodes: OntapFixture['nodes']; records: StoredAwsKms[]; azureKeyVaults: StoredAzureKeyVault[]; gcpKms: StoredGcpKms[] };
    const ontap: OntapFixture = {
      version,
      capturedAt: new Date().toISOString(),
      commit: dirty ? `${commit}+dirty` : commit,
      operatorArgs,
      cluster: dump.cluster,
      svms: dump.svms,
      nodes: dump.nodes,
      records: dump.records,
      azureKeyVaults: dump.azureKeyVaults,
      gcpKms: dump.gcpKms,
    };
    writeFileSync(join(out, ONTAP_FILE), toYaml([ontap], header(`The ONTAP state (ontap-sim) the objects of ontap-kms-operator ${version} describe; write-only values are fingerprints of Secret values.`)));
    process.stdout.write(`wrote ${FIXTURE_FILES.length + 1} files to ${out}: ${settled.length} objects, ${dump.records.length + dump.azureKeyVaults.length + dump.gcpKms.length} ONTAP records; ${events.length} events during the capture\n`);
  } finally {
    await stopOperator?.().catch(() => undefined);
    await sim.close();
    await cp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
