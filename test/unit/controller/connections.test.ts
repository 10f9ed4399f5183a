import { expect } from 'chai';
import { ReconcileError } from '../../../src/controller/errors.js';
import type { SecretData, SecretReader } from '../../../src/controller/ontap-aws-kms/secrets.js';
import { ClusterConnections } from '../../../src/controller/ontap-cluster/connections.js';
import { nullLogger } from '../../../src/runtime/logger.js';
import { ontapCluster } from '../../support/builders.js';

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
    new ClusterConnections({ secrets: reader, secretVersion: (_ns, n) => versions.get(n), managedKeys: () => [], logger: nullLogger });

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
    // One observer per cluster, across rebuilds: what one reconcile wrote, the next one sees.
    expect(third.observer).to.equal(first.observer);
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

  it('a missing Secret is SecretNotFound, and nothing is built', async () => {
    const c = make(secrets(new Map()));
    const err = await c.get(ontapCluster('prod-a', { credentialsSecretRef: { name: 'gone' } })).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ReconcileError);
    expect((err as ReconcileError).reason).to.equal('SecretNotFound');
    expect(c.peek('default', 'prod-a')).to.equal(undefined);
  });
});
