import { expect } from 'chai';
import { ReconcileError } from '../../../src/controller/errors.js';
import type { SecretData, SecretReader } from '../../../src/controller/secrets.js';
import { ClusterConnections, COLLECTION_PAGE, collectionQuery, MAX_SVM_FILTER_CHARS } from '../../../src/controller/ontap-cluster/connections.js';
import { CLUSTER_SCOPE } from '../../../src/controller/key-manager/observer.js';
import { OBSERVED_FIELDS } from '../../../src/controller/ontap-aws-kms/fields.js';
import { AWS_KMS } from '../../../src/ontap/client.js';
import { type Logger, nullLogger } from '../../../src/runtime/logger.js';
import { ClusterOntapClusterKind, Limits } from '../../../src/api/v1alpha1/constants.js';
import { ontapCluster } from '../../support/builders.js';
import { EndpointAllowList } from '../../../src/ontap/endpoint-policy.js';

/** LOOPBACK is the allow-list of these tests: ontap-sim and the builders' endpoints on loopback, any port. */
const LOOPBACK = EndpointAllowList.parse(['127.0.0.0/8:*']);

function secrets(versions: Map<string, string>): SecretReader & { reads: number } {
  const reader = {
    reads: 0,
    getSecret(_ns: string, name: string): Promise<SecretData | undefined> {
      reader.reads++;
      const rv = versions.get(name);
      if (rv === undefined) return Promise.resolve(undefined);
      return Promise.resolve({ name, resourceVersion: rv, type: 'kubernetes.io/basic-auth', data: new Map([['username', Buffer.from('admin')], ['password', Buffer.from('pw')]]) });
    },
  };
  return reader;
}

describe('ClusterConnections', () => {
  const versions = new Map([['prod-a-admin', '1']]);
  const make = (reader: SecretReader) =>
    new ClusterConnections({ secrets: reader, secretVersion: (_ns, n) => versions.get(n), managedKeys: () => [], logger: nullLogger, allowList: LOOPBACK });

  it('builds one connection for concurrent asks, and reuses it while nothing changed', async () => {
    const reader = secrets(versions);
    const c = make(reader);
    const cluster = ontapCluster('prod-a');
    const [a, b] = await Promise.all([c.get(cluster), c.get(cluster)]);
    expect(a).to.equal(b);
    expect(await c.get(cluster)).to.equal(a);
    expect(reader.reads).to.equal(1);
    c.close();
  });

  it('rebuilds when a referenced Secret changes version, or the spec generation changes', async () => {
    const reader = secrets(versions);
    const c = make(reader);
    const cluster = ontapCluster('prod-a');
    const first = await c.get(cluster);
    versions.set('prod-a-admin', '2');
    const second = await c.get(cluster);
    expect(second).not.to.equal(first);
    const third = await c.get({ ...cluster, metadata: { ...cluster.metadata, generation: 2 } });
    expect(third).not.to.equal(second);
    expect(reader.reads).to.equal(3);
    // One observer per cluster and family, across rebuilds: what one reconcile wrote, the next one sees.
    const aws = { family: AWS_KMS, fields: OBSERVED_FIELDS };
    expect(third.observer(aws)).to.equal(first.observer(aws));
    expect(third.observer({ family: { ...AWS_KMS, noun: 'other' }, fields: [] })).not.to.equal(first.observer(aws));
    c.close();
  });

  it('a build superseded by a newer one is not installed', async () => {
    const reader = secrets(versions);
    const c = make(reader);
    const cluster = ontapCluster('prod-a');
    const older = c.get(cluster);
    versions.set('prod-a-admin', String(Number(versions.get('prod-a-admin')) + 1));
    const newer = c.get(cluster);
    await Promise.all([older, newer]);
    expect(c.peek('default', 'prod-a')).to.equal(await newer);
    c.close();
  });

  it('a build that ends after the cluster was dropped installs nothing', async () => {
    const c = make(secrets(versions));
    const pending = c.get(ontapCluster('prod-a'));
    c.drop('default', 'prod-a');
    await pending;
    expect(c.peek('default', 'prod-a')).to.equal(undefined);
    c.close();
  });

  it("clamps a namespace's OntapCluster stored with a request timeout above its kind's bound, and says so; a ClusterOntapCluster keeps ONTAP's", async () => {
    const warned: Array<Record<string, unknown>> = [];
    const logger: Logger = { ...nullLogger, child: () => logger, warn: (_m, fields) => warned.push(fields ?? {}) };
    const c = new ClusterConnections({ secrets: secrets(versions), secretVersion: (_ns, n) => versions.get(n), managedKeys: () => [], logger, allowList: LOOPBACK });
    // The client's own timeout, read through its transport.
    const timeoutMs = (conn: { client: unknown }): number => (conn.client as { transport: { timeoutMs: number } }).transport.timeoutMs;
    const tenant = ontapCluster('prod-a', { requestTimeoutSeconds: Limits.maxRequestTimeoutSeconds });
    expect(timeoutMs(await c.get(tenant))).to.equal(Limits.maxTenantRequestTimeoutSeconds * 1000);
    expect(warned).to.deep.equal([{ namespace: 'default', name: 'prod-a', requestTimeoutSeconds: 120, used: 30 }]);
    const platform = { ...ontapCluster('prod-a', { requestTimeoutSeconds: Limits.maxRequestTimeoutSeconds }), kind: ClusterOntapClusterKind.kind };
    platform.metadata = { ...platform.metadata, namespace: '' };
    expect(timeoutMs(await c.get(platform))).to.equal(Limits.maxRequestTimeoutSeconds * 1000);
    expect(warned).to.have.length(1);
    c.close();
  });

  it('a missing Secret is SecretNotFound, and nothing is built', async () => {
    const c = make(secrets(new Map()));
    const err = await c.get(ontapCluster('prod-a', { credentialsSecretRef: { name: 'gone' } })).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ReconcileError);
    expect((err as ReconcileError).reason).to.equal('SecretNotFound');
    expect(c.peek('default', 'prod-a')).to.equal(undefined);
  });
});

describe('collectionQuery (one GET for every managed SVM of a cluster)', () => {
  const svms = (n: number): string[] => Array.from({ length: n }, (_, i) => `svm-${String(i).padStart(4, '0')}`);
  it('filters by SVM name while the filter is short', () => {
    expect(collectionQuery(['a', 'b'])).to.deep.equal({ filters: { 'svm.name': 'a|b' } });
  });
  it('reads the whole collection in pages once the filter would make the request line too long', () => {
    const q = collectionQuery(svms(1000));
    expect(q).to.deep.equal({ filters: {}, maxRecords: COLLECTION_PAGE });
  });
  it('keeps the filter at the bound and drops it just past it', () => {
    const names = svms(300);
    let n = 1;
    while (names.slice(0, n + 1).join('|').length <= MAX_SVM_FILTER_CHARS) n++;
    expect(collectionQuery(names.slice(0, n)).filters['svm.name']?.length).to.be.at.most(MAX_SVM_FILTER_CHARS);
    expect(collectionQuery(names.slice(0, n + 1)).filters).to.deep.equal({});
  });
  it('reads the whole collection for the cluster scope, which has no SVM name', () => {
    expect(collectionQuery([CLUSTER_SCOPE, 'a'])).to.deep.equal({ filters: {}, maxRecords: COLLECTION_PAGE });
  });
});

describe('ClusterConnections.trust: where a cluster\'s TLS trust comes from, for CertificateUntrusted', () => {
  const c = new ClusterConnections({ secrets: secrets(new Map()), secretVersion: () => undefined, managedKeys: () => [], logger: nullLogger, allowList: LOOPBACK, clusterResourceNamespace: 'ontap-system' });
  const own = ontapCluster('prod-a', { caBundleSecretRef: { name: 'prod-ca', key: 'bundle.pem' } });
  const base = ontapCluster('shared', { caBundleSecretRef: { name: 'shared-ca', key: 'ca.crt' } });
  const shared = { ...base, kind: ClusterOntapClusterKind.kind, metadata: { ...base.metadata, namespace: '' } };

  it("an OntapCluster's Secret is in its own namespace", () => {
    expect(c.trust(own)).to.deep.equal({ cluster: 'OntapCluster default/prod-a', caBundle: { secret: 'default/prod-ca', key: 'bundle.pem' } });
  });
  it("a ClusterOntapCluster's is in the cluster resource namespace, and hidden from its tenants", () => {
    expect(c.trust(shared)).to.deep.equal({ cluster: 'ClusterOntapCluster shared', caBundle: { secret: 'ontap-system/shared-ca', key: 'ca.crt' } });
    expect(c.trust(shared, true)).to.deep.equal({ cluster: 'ClusterOntapCluster shared', caBundle: 'hidden' });
  });
  it('none set: undefined (the system roots), which a tenant may know', () => {
    const bare = { ...shared, spec: { ...shared.spec, caBundleSecretRef: undefined } };
    expect(c.trust(bare, true)).to.deep.equal({ cluster: 'ClusterOntapCluster shared', caBundle: undefined });
  });
});
