import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseOntapAwsKms } from '../../../src/api/v1alpha1/parse.js';
import type { OntapAwsKms } from '../../../src/api/v1alpha1/types.js';
import { SecretFingerprints } from '../../../src/controller/key-manager/fingerprints.js';
import { type KindContext, KeyManagerKind } from '../../../src/controller/key-manager/kind.js';
import { awsKmsAdapter } from '../../../src/controller/ontap-aws-kms/adapter.js';
import type { KubeApi, KubeObject, WatchEvent } from '../../../src/runtime/kube.js';
import { nullLogger } from '../../../src/runtime/logger.js';
import { Metrics } from '../../../src/runtime/metrics.js';
import { awsKms, withSpec } from '../../support/builders.js';

/** FakeApi lists `items` and lets the test send watch events. */
class FakeApi {
  items: KubeObject[] = [];
  emit: ((e: WatchEvent) => void) | undefined;

  list(): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    return Promise.resolve({ items: [...this.items], resourceVersion: '5' });
  }

  watch(_type: unknown, _ns: unknown, opts: { signal: AbortSignal }, onEvent: (e: WatchEvent) => void): Promise<void> {
    this.emit = onEvent;
    return new Promise((resolve) => opts.signal.addEventListener('abort', () => resolve(), { once: true }));
  }
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(2);
  }
}

const KEYS = ['access_key_id', 'secret_access_key'];
const fp = { resourceVersion: '1', fingerprint: 'AKIA0001' };
const credentials = (name: string) => withSpec({ credentialsSecretRef: { name, accessKeyIdKey: 'access_key_id', secretAccessKeyKey: 'secret_access_key' } });

describe('SecretFingerprints', () => {
  it('remembers per Secret and keys, and forgets a Secret whatever keys were read of it', () => {
    const f = new SecretFingerprints();
    f.set('ns', 'aws', KEYS, fp);
    f.set('ns', 'aws', ['id', 'secret'], { resourceVersion: '1', fingerprint: 'AKIA0002' });
    expect(f.get('ns', 'aws', KEYS)).to.deep.equal(fp);
    expect(f.get('other', 'aws', KEYS)).to.equal(undefined);
    f.forget('ns', 'aws');
    expect(f.get('ns', 'aws', KEYS)).to.equal(undefined);
    expect(f.size).to.equal(0);
  });
});

describe('KeyManagerKind forgets the fingerprints of Secrets no resource references', () => {
  let api: FakeApi;
  let kind: KeyManagerKind<OntapAwsKms, never, unknown>;

  const send = (type: WatchEvent['type'], o: OntapAwsKms, rv: string): void => {
    api.emit?.({ type, object: { ...o, metadata: { ...o.metadata, resourceVersion: rv } } });
  };

  beforeEach(async () => {
    api = new FakeApi();
    api.items = [awsKms('a', credentials('aws-a')), awsKms('b', credentials('shared')), awsKms('c', credentials('shared'))] as unknown as KubeObject[];
    const ctx = {
      api: api as unknown as KubeApi,
      logger: nullLogger,
      metrics: new Metrics(),
      namespaces: ['default'],
      connections: {},
      recorder: { event: () => undefined },
      writer: () => ({}),
      cluster: () => undefined,
      shared: () => undefined,
      namespaceMeta: () => undefined,
      secretVersion: () => undefined,
      workers: 2,
    } as unknown as KindContext;
    kind = new KeyManagerKind(awsKmsAdapter as never, parseOntapAwsKms, ctx) as unknown as KeyManagerKind<OntapAwsKms, never, unknown>;
    await kind.informer.start();
    await waitFor(() => api.emit !== undefined);
    for (const name of ['aws-a', 'shared']) kind.reconciler.fingerprints.set('default', name, KEYS, fp);
  });

  afterEach(async () => {
    await kind.informer.stop();
  });

  it('a deleted resource takes its Secret\'s fingerprint with it; a Secret another resource still names is kept', () => {
    send('DELETED', awsKms('a', credentials('aws-a')), '6');
    expect(kind.reconciler.fingerprints.get('default', 'aws-a', KEYS), 'the deleted resource\'s Secret').to.equal(undefined);
    send('DELETED', awsKms('b', credentials('shared')), '7');
    expect(kind.reconciler.fingerprints.get('default', 'shared', KEYS), 'still named by c').to.deep.equal(fp);
    send('DELETED', awsKms('c', credentials('shared')), '8');
    expect(kind.reconciler.fingerprints.size, 'nothing left for resources that are gone').to.equal(0);
  });

  it('a resource edited to name another Secret forgets the one it named before', () => {
    send('MODIFIED', awsKms('a', credentials('aws-a2')), '6');
    expect(kind.reconciler.fingerprints.get('default', 'aws-a', KEYS)).to.equal(undefined);
    send('MODIFIED', awsKms('b', credentials('shared'), withSpec({ region: 'eu-west-1' })), '7');
    expect(kind.reconciler.fingerprints.get('default', 'shared', KEYS), 'an edit that keeps the Secret').to.deep.equal(fp);
  });

  it('churn leaves nothing behind: 100 resources created and deleted', () => {
    for (let i = 0; i < 100; i++) {
      const o = awsKms(`churn-${i}`, credentials(`churn-${i}`));
      send('ADDED', o, `${10 + 2 * i}`);
      kind.reconciler.fingerprints.set('default', `churn-${i}`, KEYS, fp);
      send('DELETED', o, `${11 + 2 * i}`);
    }
    expect(kind.reconciler.fingerprints.size, 'only the live resources\' Secrets').to.equal(2);
  });
});
