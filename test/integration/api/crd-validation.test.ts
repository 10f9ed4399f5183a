import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OntapAwsKmsType, OntapClusterType } from '../../../src/controller/resources.js';
import { KubeApi, KubeApiError, type KubeObject, NamespaceType, type ResourceType } from '../../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS, getControlPlane } from '../../support/control-plane.js';
import { loadExamples } from '../../support/examples.js';

/** The real API server is the only faithful judge of CRD schemas and CEL rules. */
describe('CRDs on the real API server', function () {
  this.timeout(30_000);
  let api: KubeApi;
  let ns: string;
  let seq = 0;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    const cp = await getControlPlane();
    api = KubeApi.fromKubeconfig(cp.kubeconfig);
    ns = `crd-${randomBytes(3).toString('hex')}`;
    await api.create(NamespaceType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  });
  after(async () => api?.delete(NamespaceType, '', ns));

  const typeOf = (kind: string): ResourceType => (kind === 'OntapCluster' ? OntapClusterType : OntapAwsKmsType);

  /** rejection creates `obj` and returns the API server's error message ('' when accepted). */
  async function rejection(obj: KubeObject): Promise<string> {
    try {
      await api.create(typeOf(String(obj.kind)), ns, { ...obj, metadata: { ...obj.metadata, namespace: ns } });
      return '';
    } catch (e) {
      if (e instanceof KubeApiError && e.statusCode === 422) return e.message;
      throw e;
    }
  }

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

  it('rejects an unknown field as kubectl sends it (field validation Strict), naming spec.bogus', async () => {
    const cp = await getControlPlane();
    const file = join(await mkdtemp(join(tmpdir(), 'crd-')), 'bogus.json');
    await writeFile(file, JSON.stringify({ ...kms({ bogus: true }), metadata: { name: 'bogus', namespace: ns } }));
    const err = await cp.kubectl(['create', '-f', file]).then(() => '', (e: unknown) => String(e));
    expect(err).to.contain('unknown field "spec.bogus"');
  });

  describe('immutability on update', () => {
    const update = async (name: string, spec: Record<string, unknown>): Promise<string> => {
      try {
        await api.mergePatch(OntapAwsKmsType, ns, name, { spec });
        return '';
      } catch (e) {
        if (e instanceof KubeApiError && e.statusCode === 422) return e.message;
        throw e;
      }
    };
    before(async () => {
      await api.create(OntapAwsKmsType, ns, { ...kms({}), metadata: { name: 'imm', namespace: ns } });
      await api.create(OntapAwsKmsType, ns, { ...kms({ svm: undefined }), metadata: { name: 'imm-cluster', namespace: ns } });
    });
    it('refuses a clusterRef change', async () => expect(await update('imm', { clusterRef: { name: 'other' } })).to.contain('clusterRef is immutable'));
    it('refuses an svm change', async () => expect(await update('imm', { svm: { name: 'svm2' } })).to.contain('svm is immutable'));
    it('refuses removing svm', async () => expect(await update('imm', { svm: null })).to.contain('svm is immutable'));
    it('refuses adding svm to a cluster-scoped one', async () => expect(await update('imm-cluster', { svm: { name: 'svm1' } })).to.contain('svm is immutable'));
    it('allows other changes', async () => expect(await update('imm', { region: 'eu-west-1', keyId: 'k2' })).to.equal(''));
  });

  it('kubectl explain describes the fields', async () => {
    const cp = await getControlPlane();
    const out = await cp.kubectl(['explain', 'ontapawskms.spec.proxy.passwordSecretRef']);
    expect(out).to.contain('Write-only on ONTAP');
    const columns = await cp.kubectl(['get', 'awskms', '-n', ns]);
    expect(columns.split('\n')[0]).to.match(/NAME\s+CLUSTER\s+SVM\s+REGION\s+READY\s+SYNCED\s+AMAZONREACHABLE\s+AGE/);
    expect(await cp.kubectl(['get', 'ontapcl', '-n', ns])).to.match(/No resources|NAME\s+ENDPOINT\s+VERSION\s+READY\s+AGE/);
  });
});
