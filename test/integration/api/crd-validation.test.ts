import { expect } from 'chai';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Limits } from '../../../src/api/v1alpha1/constants.js';
import { OntapAwsKmsType } from '../../../src/controller/resources.js';
import { type KubeApi, type KubeObject } from '../../../src/runtime/kube.js';
import { admission, type Admission } from '../../support/admission.js';
import { CONTROL_PLANE_TIMEOUT_MS, getControlPlane } from '../../support/control-plane.js';
import { loadExamples } from '../../support/examples.js';

/** The real API server is the only faithful judge of CRD schemas and CEL rules. */
describe('CRDs on the real API server', function () {
  this.timeout(30_000);
  let server: Admission;
  let api: KubeApi;
  let ns: string;
  let seq = 0;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    server = await admission('crd');
    ({ api, ns } = server);
  });
  after(async () => server?.close());

  const rejection = (obj: KubeObject): Promise<string> => server.rejection(obj);

  const kms = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapAwsKms',
    metadata: { name: `kms-${++seq}` },
    spec: { clusterRef: { name: 'c' }, svm: { name: 'svm1' }, keyId: 'k', region: 'us-east-1', credentialsSecretRef: { name: 'aws' }, ...spec },
  });
  const cluster = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapCluster',
    metadata: { name: `cl-${++seq}` },
    spec: { endpoint: 'https://10.0.0.10', credentialsSecretRef: { name: 'admin' }, ...spec },
  });

  for (const d of loadExamples().filter((x) => x.kind !== 'Secret')) {
    it(`accepts ${d.file}: ${d.kind}/${d.name}`, async () => {
      expect(await rejection({ ...(d.doc as KubeObject), metadata: { name: `${d.name}-${++seq}` } })).to.equal('');
    });
  }

  it('ClusterOntapCluster: cluster-scoped, needs a tenancy policy with a namespaceSelector', async () => {
    const shared = (spec: Record<string, unknown>): KubeObject => ({
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'ClusterOntapCluster',
      metadata: { name: `shared-${++seq}` },
      spec: { endpoint: 'https://10.0.0.10', credentialsSecretRef: { name: 'admin' }, ...spec },
    });
    expect(await rejection(shared({ tenancy: { namespaceSelector: {} } }))).to.equal('');
    expect(await rejection(shared({}))).to.contain('spec.tenancy');
    expect(await rejection(shared({ tenancy: {} }))).to.contain('spec.tenancy.namespaceSelector');
    expect(await rejection(shared({ tenancy: { namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } } }))).to.contain('operator');
    expect(await rejection(shared({ endpoint: 'http://10.0.0.10', tenancy: { namespaceSelector: {} } })), 'the OntapCluster endpoint rules hold').to.contain('endpoint must be an https:// URL');
  });

  it("requestTimeoutSeconds: a namespace's OntapCluster may set at most 30 (its calls hold a shared worker), a ClusterOntapCluster up to ONTAP's 120", async () => {
    const shared = (spec: Record<string, unknown>): KubeObject => ({
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'ClusterOntapCluster',
      metadata: { name: `shared-${++seq}` },
      spec: { endpoint: 'https://10.0.0.10', credentialsSecretRef: { name: 'admin' }, tenancy: { namespaceSelector: {} }, ...spec },
    });
    expect(await rejection(cluster({ requestTimeoutSeconds: 30 }))).to.equal('');
    expect(await rejection(cluster({ requestTimeoutSeconds: 31 }))).to.contain('spec.requestTimeoutSeconds');
    expect(await rejection(cluster({ requestTimeoutSeconds: 120 }))).to.contain('spec.requestTimeoutSeconds');
    expect(await rejection(shared({ requestTimeoutSeconds: 120 }))).to.equal('');
    expect(await rejection(shared({ requestTimeoutSeconds: 121 }))).to.contain('spec.requestTimeoutSeconds');
  });

  it('OntapAwsKms clusterRef.kind: OntapCluster by default, ClusterOntapCluster allowed, nothing else', async () => {
    const created = await api.create(OntapAwsKmsType, ns, { ...kms({}), metadata: { name: `kind-${++seq}`, namespace: ns } });
    expect(created.spec).to.have.nested.property('clusterRef.kind', 'OntapCluster');
    expect(await rejection(kms({ clusterRef: { name: 'c', kind: 'ClusterOntapCluster' } }))).to.equal('');
    expect(await rejection(kms({ clusterRef: { name: 'c', kind: 'Secret' } }))).to.contain('spec.clusterRef.kind');
  });

  it('applies the schema defaults', async () => {
    const created = await api.create(OntapAwsKmsType, ns, { ...kms({}), metadata: { name: 'defaults', namespace: ns } });
    expect(created.spec).to.deep.include({ deletionPolicy: 'Retain', managementPolicy: 'Manage', driftCheckIntervalSeconds: 300, suspend: false });
    expect(created.spec).to.have.nested.property('credentialsSecretRef.accessKeyIdKey', 'access_key_id');
  });

  const invalid: Array<{ reason: string; obj: () => KubeObject; field: string }> = [
    { reason: 'port above 65535', obj: () => kms({ port: 65536 }), field: 'spec.port' },
    { reason: 'port 0', obj: () => kms({ port: 0 }), field: 'spec.port' },
    { reason: 'proxy.port out of range', obj: () => kms({ proxy: { host: 'p', port: 70000 } }), field: 'spec.proxy.port' },
    { reason: 'proxy.type other than http/https', obj: () => kms({ proxy: { host: 'p', type: 'socks5' } }), field: 'spec.proxy.type' },
    { reason: 'a proxy without host', obj: () => kms({ proxy: { port: 3128 } }), field: 'spec.proxy.host' },
    { reason: 'pollingPeriodMinutes 0', obj: () => kms({ pollingPeriodMinutes: 0 }), field: 'spec.pollingPeriodMinutes' },
    { reason: 'timeoutSeconds 0', obj: () => kms({ timeoutSeconds: 0 }), field: 'spec.timeoutSeconds' },
    { reason: 'driftCheckIntervalSeconds 9', obj: () => kms({ driftCheckIntervalSeconds: 9 }), field: 'spec.driftCheckIntervalSeconds' },
    { reason: 'a missing keyId', obj: () => kms({ keyId: undefined }), field: 'spec.keyId' },
    { reason: 'an http endpoint', obj: () => cluster({ endpoint: 'http://10.0.0.10' }), field: 'spec.endpoint' },
    { reason: 'both credential refs', obj: () => cluster({ clientCertificateSecretRef: { name: 'cert' } }), field: 'credentialsSecretRef and clientCertificateSecretRef' },
    { reason: 'neither credential ref', obj: () => cluster({ credentialsSecretRef: undefined }), field: 'credentialsSecretRef and clientCertificateSecretRef' },
  ];
  for (const c of invalid) {
    it(`rejects ${c.reason}, naming ${c.field}`, async () => {
      const message = await rejection(c.obj());
      expect(message, 'accepted').not.to.equal('');
      expect(message).to.contain(c.field);
    });
  }

  describe('limits (issue 9: nothing unbounded reaches ONTAP or the queue)', () => {
    const a = (n: number): string => 'a'.repeat(n);
    const proxy = (p: Record<string, unknown>): Record<string, unknown> => ({ proxy: { host: 'proxy.corp', ...p } });
    const aws = (r: Record<string, unknown>): Record<string, unknown> => ({ credentialsSecretRef: { name: 'aws', ...r } });
    // Each limit both ways: `at` is accepted, `past` (just beyond it) is refused naming `field`.
    const limits: Array<{ limit: string; field: string; obj: (spec: Record<string, unknown>) => KubeObject; at: Record<string, unknown>; past: Record<string, unknown> }> = [
      { limit: 'at most 2048 characters', field: 'spec.keyId', obj: kms, at: { keyId: a(Limits.maxKeyIdLength) }, past: { keyId: a(Limits.maxKeyIdLength + 1) } },
      { limit: 'at most 64 characters', field: 'spec.region', obj: kms, at: { region: a(Limits.maxRegionLength) }, past: { region: a(Limits.maxRegionLength + 1) } },
      { limit: "lower case, digits and '-'", field: 'spec.region', obj: kms, at: { region: 'us-gov-west-1' }, past: { region: 'US-EAST-1' } },
      { limit: 'at most 47 characters, ONTAP\'s limit', field: 'spec.svm.name', obj: kms, at: { svm: { name: a(Limits.maxSvmNameLength) } }, past: { svm: { name: a(Limits.maxSvmNameLength + 1) } } },
      { limit: 'at most 253 characters', field: 'spec.clusterRef.name', obj: kms, at: { clusterRef: { name: a(253) } }, past: { clusterRef: { name: a(254) } } },
      { limit: 'a DNS subdomain', field: 'spec.clusterRef.name', obj: kms, at: { clusterRef: { name: 'prod-a.storage' } }, past: { clusterRef: { name: 'Prod_A' } } },
      { limit: 'at most 253 characters', field: 'spec.credentialsSecretRef.name', obj: kms, at: aws({ name: a(253) }), past: aws({ name: a(254) }) },
      { limit: 'a DNS subdomain', field: 'spec.credentialsSecretRef.name', obj: kms, at: aws({ name: 'svm1-aws' }), past: aws({ name: 'svm1_aws' }) },
      { limit: 'at most 253 characters', field: 'spec.credentialsSecretRef.accessKeyIdKey', obj: kms, at: aws({ accessKeyIdKey: a(253) }), past: aws({ accessKeyIdKey: a(254) }) },
      { limit: "letters, digits, '-', '_' and '.'", field: 'spec.credentialsSecretRef.secretAccessKeyKey', obj: kms, at: aws({ secretAccessKeyKey: 'AWS_secret.key-2' }), past: aws({ secretAccessKeyKey: 'aws/secret' }) },
      { limit: 'at most 253 characters', field: 'spec.service', obj: kms, at: { service: a(253) }, past: { service: a(254) } },
      { limit: 'at most 253 characters', field: 'spec.defaultDomain', obj: kms, at: { defaultDomain: a(253) }, past: { defaultDomain: a(254) } },
      { limit: 'at most 253 characters', field: 'spec.host', obj: kms, at: { host: a(253) }, past: { host: a(254) } },
      { limit: '1..65535', field: 'spec.port', obj: kms, at: { port: 65535 }, past: { port: 65536 } },
      { limit: 'at most 253 characters', field: 'spec.proxy.host', obj: kms, at: proxy({ host: a(253) }), past: proxy({ host: a(254) }) },
      { limit: '1..65535', field: 'spec.proxy.port', obj: kms, at: proxy({ port: 65535 }), past: proxy({ port: 65536 }) },
      { limit: 'at most 256 characters', field: 'spec.proxy.username', obj: kms, at: proxy({ username: a(Limits.maxProxyUsernameLength) }), past: proxy({ username: a(Limits.maxProxyUsernameLength + 1) }) },
      { limit: 'at most 253 characters', field: 'spec.proxy.passwordSecretRef.name', obj: kms, at: proxy({ passwordSecretRef: { name: a(253), key: 'password' } }), past: proxy({ passwordSecretRef: { name: a(254), key: 'password' } }) },
      { limit: 'at most 253 characters', field: 'spec.proxy.passwordSecretRef.key', obj: kms, at: proxy({ passwordSecretRef: { name: 'p', key: a(253) } }), past: proxy({ passwordSecretRef: { name: 'p', key: a(254) } }) },
      { limit: '1..1440', field: 'spec.pollingPeriodMinutes', obj: kms, at: { pollingPeriodMinutes: Limits.maxPollingPeriodMinutes }, past: { pollingPeriodMinutes: Limits.maxPollingPeriodMinutes + 1 } },
      { limit: '1..300', field: 'spec.timeoutSeconds', obj: kms, at: { timeoutSeconds: Limits.maxTimeoutSeconds }, past: { timeoutSeconds: Limits.maxTimeoutSeconds + 1 } },
      { limit: 'at most 2048 characters', field: 'spec.encryptionContext', obj: kms, at: { encryptionContext: a(Limits.maxEncryptionContextLength) }, past: { encryptionContext: a(Limits.maxEncryptionContextLength + 1) } },
      { limit: '10..86400', field: 'spec.driftCheckIntervalSeconds', obj: kms, at: { driftCheckIntervalSeconds: Limits.maxDriftCheckIntervalSeconds }, past: { driftCheckIntervalSeconds: Limits.maxDriftCheckIntervalSeconds + 1 } },
      { limit: 'at most 2048 characters', field: 'spec.endpoint', obj: cluster, at: { endpoint: `https://${a(2040)}` }, past: { endpoint: `https://${a(2041)}` } },
      { limit: 'a port of at most 65535', field: 'spec.endpoint', obj: cluster, at: { endpoint: 'https://10.0.0.10:65535' }, past: { endpoint: 'https://10.0.0.10:65536' } },
      { limit: 'a port of at least 1', field: 'spec.endpoint', obj: cluster, at: { endpoint: 'https://10.0.0.10:1' }, past: { endpoint: 'https://10.0.0.10:0' } },
      { limit: 'no path beyond /', field: 'spec.endpoint', obj: cluster, at: { endpoint: 'https://10.0.0.10/' }, past: { endpoint: 'https://10.0.0.10/api' } },
      { limit: '1..30', field: 'spec.requestTimeoutSeconds', obj: cluster, at: { requestTimeoutSeconds: Limits.maxTenantRequestTimeoutSeconds }, past: { requestTimeoutSeconds: Limits.maxTenantRequestTimeoutSeconds + 1 } },
      { limit: '1..64', field: 'spec.maxConcurrentRequests', obj: cluster, at: { maxConcurrentRequests: 64 }, past: { maxConcurrentRequests: 65 } },
      { limit: 'at most 253 characters', field: 'spec.credentialsSecretRef.name', obj: cluster, at: { credentialsSecretRef: { name: a(253) } }, past: { credentialsSecretRef: { name: a(254) } } },
      { limit: 'at most 253 characters', field: 'spec.clientCertificateSecretRef.name', obj: cluster, at: { credentialsSecretRef: undefined, clientCertificateSecretRef: { name: a(253) } }, past: { credentialsSecretRef: undefined, clientCertificateSecretRef: { name: a(254) } } },
      { limit: 'at most 253 characters', field: 'spec.caBundleSecretRef.name', obj: cluster, at: { caBundleSecretRef: { name: a(253) } }, past: { caBundleSecretRef: { name: a(254) } } },
      { limit: "letters, digits, '-', '_' and '.'", field: 'spec.caBundleSecretRef.key', obj: cluster, at: { caBundleSecretRef: { name: 'ca', key: a(253) } }, past: { caBundleSecretRef: { name: 'ca', key: 'ca crt' } } },
    ];
    for (const c of limits) {
      it(`${c.field}: ${c.limit}; accepted at the limit, refused just past it naming the field`, async () => {
        expect(await rejection(c.obj(c.at)), 'at the limit').to.equal('');
        const message = await rejection(c.obj(c.past));
        expect(message, 'past the limit: accepted').not.to.equal('');
        expect(message).to.contain(`${c.field}:`);
      });
    }

    const endpoints: Array<{ endpoint: string; message: string }> = [
      { endpoint: 'https://127.0.0.1:99999', message: 'endpoint port must be 1..65535' },
      { endpoint: 'https://127.0.0.1:4294967297', message: 'endpoint port must be 1..65535' },
      { endpoint: 'https://10.0.0.10?x=1', message: 'no path, query, fragment or user info' },
      { endpoint: 'https://10.0.0.10#f', message: 'no path, query, fragment or user info' },
      { endpoint: 'https://admin:pw@10.0.0.10', message: 'no path, query, fragment or user info' },
      { endpoint: 'https://:443', message: 'endpoint must name a host' },
      { endpoint: 'https://10.0.0.10:x', message: 'endpoint must be an https:// URL' },
    ];
    for (const c of endpoints) {
      it(`refuses endpoint ${c.endpoint}: "${c.message}"`, async () => {
        const message = await rejection(cluster({ endpoint: c.endpoint }));
        expect(message).to.contain('spec.endpoint:');
        expect(message).to.contain(c.message);
      });
    }
    for (const endpoint of ['https://cluster1.example.com', 'https://[fd20::10]:8443', 'https://10.0.0.10:443/']) {
      it(`accepts endpoint ${endpoint}`, async () => expect(await rejection(cluster({ endpoint }))).to.equal(''));
    }
    for (const region of ['us-gov-west-1', 'cn-north-1', 'eu-central-2', 'us-isob-east-1', 'eusc-de-east-1']) {
      it(`accepts region ${region}`, async () => expect(await rejection(kms({ region }))).to.equal(''));
    }

    it('refuses the inputs issue 9 reported, each naming its field', async () => {
      const reported: Array<{ obj: KubeObject; field: string }> = [
        { obj: cluster({ endpoint: 'https://127.0.0.1:99999' }), field: 'spec.endpoint' },
        { obj: kms({ pollingPeriodMinutes: 1e15 }), field: 'spec.pollingPeriodMinutes' },
        { obj: kms({ timeoutSeconds: 2 ** 40 }), field: 'spec.timeoutSeconds' },
        { obj: kms({ keyId: a(100_000) }), field: 'spec.keyId' },
        { obj: kms({ region: a(100_000) }), field: 'spec.region' },
        { obj: kms({ svm: { name: a(100_000) } }), field: 'spec.svm.name' },
      ];
      for (const r of reported) expect(await rejection(r.obj), r.field).to.contain(`${r.field}:`);
    });

    it('kubectl explain states the limits', async () => {
      const cp = await getControlPlane();
      expect(await cp.kubectl(['explain', 'ontapawskms.spec.pollingPeriodMinutes'])).to.contain('1..1440');
      expect(await cp.kubectl(['explain', 'ontapawskms.spec.svm.name'])).to.contain('at most 47 characters');
      expect(await cp.kubectl(['explain', 'ontapcluster.spec.requestTimeoutSeconds'])).to.contain('1..30');
      expect(await cp.kubectl(['explain', 'clusterontapcluster.spec.requestTimeoutSeconds'])).to.contain('1..120');
      expect(await cp.kubectl(['explain', 'ontapcluster.spec.endpoint'])).to.contain('1..65535');
    });

    it('kubectl explain documents the tenancy fields', async () => {
      const cp = await getControlPlane();
      const explain = async (path: string): Promise<string> => (await cp.kubectl(['explain', path])).replace(/\s+/g, ' ');
      expect(await explain('ontapawskms.spec.clusterRef.kind')).to.contain('ClusterOntapCluster (cluster-scoped; its tenancy policy decides');
      expect(await explain('clusterontapcluster.spec')).to.contain("operator's cluster resource namespace");
      expect(await explain('clusterontapcluster.spec.tenancy')).to.contain('NotPermitted');
      expect(await explain('clusterontapcluster.spec.tenancy.namespaceSelector')).to.contain('selects the namespaces that may reference this cluster');
      expect(await explain('clusterontapcluster.spec.tenancy.svms')).to.contain('grants SVMs to namespaces');
      expect(await explain('clusterontapcluster.spec.tenancy.svmsAnnotation')).to.contain('comma-separated');
    });
  });

  it('rejects an unknown field as kubectl sends it (field validation Strict), naming spec.bogus', async () => {
    const cp = await getControlPlane();
    const file = join(await mkdtemp(join(tmpdir(), 'crd-')), 'bogus.json');
    await writeFile(file, JSON.stringify({ ...kms({ bogus: true }), metadata: { name: 'bogus', namespace: ns } }));
    const err = await cp.kubectl(['create', '-f', file]).then(() => '', (e: unknown) => String(e));
    expect(err).to.contain('unknown field "spec.bogus"');
  });

  it('kubectl explain describes the fields', async () => {
    const cp = await getControlPlane();
    const out = await cp.kubectl(['explain', 'ontapawskms.spec.proxy.passwordSecretRef']);
    expect(out).to.contain('Write-only on ONTAP');
    const columns = await cp.kubectl(['get', 'awskms', '-n', ns]);
    expect(columns.split('\n')[0]).to.match(/NAME\s+CLUSTER\s+SVM\s+REGION\s+READY\s+REASON\s+SYNCED\s+AMAZONREACHABLE\s+AGE/);
    expect(await cp.kubectl(['get', 'ontapcl', '-n', ns])).to.match(/No resources|NAME\s+ENDPOINT\s+VERSION\s+READY\s+REASON\s+AGE/);
  });
});
