import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { Informer, type InformerEvent } from '../../../src/runtime/informer.js';
import { SecretType, type KubeApi, type KubeObject, type WatchEvent } from '../../../src/runtime/kube.js';
import { nullLogger } from '../../../src/runtime/logger.js';

function obj(name: string, rv: string, labels: Record<string, string> = {}): KubeObject {
  return { metadata: { name, namespace: 'ns', resourceVersion: rv, labels } };
}

/** FakeApi serves `items` to list and lets the test drive each watch stream. */
class FakeApi {
  items: KubeObject[] = [];
  rv = '1';
  lists = 0;
  watches: Array<{ resourceVersion: string; emit: (e: WatchEvent) => void; end: (err?: Error) => void }> = [];

  list(): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    this.lists++;
    return Promise.resolve({ items: [...this.items], resourceVersion: this.rv });
  }

  watch(
    _type: unknown,
    _ns: unknown,
    opts: { resourceVersion: string; signal: AbortSignal },
    onEvent: (e: WatchEvent) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let open = true;
      const end = (err?: Error): void => {
        open = false;
        if (err) reject(err);
        else resolve();
      };
      const emit = (e: WatchEvent): void => {
        if (!open) return;
        try {
          onEvent(e);
        } catch (err) {
          end(err as Error);
        }
      };
      opts.signal.addEventListener('abort', () => end(), { once: true });
      this.watches.push({ resourceVersion: opts.resourceVersion, emit, end });
    });
  }

  current(): FakeApi['watches'][number] {
    const w = this.watches.at(-1);
    if (w === undefined) throw new Error('no watch');
    return w;
  }
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(2);
  }
}

describe('Informer (fake API)', () => {
  let api: FakeApi;
  let informer: Informer;
  let events: string[];

  beforeEach(async () => {
    api = new FakeApi();
    api.items = [obj('a', '1', { ref: 'x' }), obj('b', '1')];
    api.rv = '5';
    informer = new Informer(api as unknown as KubeApi, {
      type: SecretType,
      namespaces: ['ns'],
      logger: nullLogger,
      backoff: { initialMs: 1, maxMs: 5 },
    });
    informer.addIndex('ref', (o) => (o.metadata.labels?.ref ? [o.metadata.labels.ref] : []));
    events = [];
    informer.on((e: InformerEvent) => events.push(`${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}`));
    await informer.start();
  });
  afterEach(async () => {
    await informer.stop();
  });

  it('lists, then watches from the list resourceVersion', async () => {
    expect(informer.hasSynced()).to.equal(true);
    expect(events).to.deep.equal(['add a@1', 'add b@1']);
    await waitFor(() => api.watches.length === 1);
    expect(api.current().resourceVersion).to.equal('5');
    expect(informer.byIndex('ref', 'x').map((o) => o.metadata.name)).to.deep.equal(['a']);
  });

  it('applies watch events to the cache and indexes', async () => {
    await waitFor(() => api.watches.length === 1);
    const w = api.current();
    w.emit({ type: 'ADDED', object: obj('c', '6', { ref: 'x' }) });
    w.emit({ type: 'MODIFIED', object: obj('a', '7', { ref: 'y' }) });
    w.emit({ type: 'DELETED', object: obj('b', '8') });
    expect(events.slice(2)).to.deep.equal(['add c@6', 'update a@7', 'delete b@8']);
    expect(informer.get('ns', 'b')).to.equal(undefined);
    expect(informer.list('ns').map((o) => o.metadata.name).sort()).to.deep.equal(['a', 'c']);
    expect(informer.byIndex('ref', 'x').map((o) => o.metadata.name)).to.deep.equal(['c']);
    expect(informer.byIndex('ref', 'y').map((o) => o.metadata.name)).to.deep.equal(['a']);
  });

  it('indexes objects sharing a value, and an object with several values, through every change', async () => {
    await waitFor(() => api.watches.length === 1);
    informer.addIndex('refs', (o) => (o.metadata.labels?.refs ?? '').split(',').filter((r) => r !== ''));
    const names = (v: string): string[] => informer.byIndex('refs', v).map((o) => o.metadata.name).sort();
    const w = api.current();
    w.emit({ type: 'ADDED', object: obj('p', '20', { refs: 's1,s2,s1' }) });
    w.emit({ type: 'ADDED', object: obj('q', '21', { refs: 's2' }) });
    w.emit({ type: 'ADDED', object: obj('r', '22', { refs: 's2' }) });
    expect([names('s1'), names('s2')]).to.deep.equal([['p'], ['p', 'q', 'r']]);
    w.emit({ type: 'DELETED', object: obj('q', '23', { refs: 's2' }) });
    w.emit({ type: 'MODIFIED', object: obj('r', '24', { refs: 's3' }) });
    expect([names('s1'), names('s2'), names('s3')]).to.deep.equal([['p'], ['p'], ['r']]);
    w.emit({ type: 'MODIFIED', object: obj('p', '25', { refs: 's3' }) });
    expect([names('s1'), names('s2'), names('s3')]).to.deep.equal([[], [], ['p', 'r']]);
    w.emit({ type: 'DELETED', object: obj('p', '26', { refs: 's3' }) });
    w.emit({ type: 'DELETED', object: obj('r', '27', { refs: 's3' }) });
    expect(names('s3')).to.deep.equal([]);
  });

  it('re-watches from the last resourceVersion when the server ends the watch', async () => {
    await waitFor(() => api.watches.length === 1);
    api.current().emit({ type: 'MODIFIED', object: obj('a', '9') });
    api.current().emit({ type: 'BOOKMARK', object: obj('', '12') });
    api.current().end();
    await waitFor(() => api.watches.length === 2);
    expect(api.current().resourceVersion).to.equal('12');
    expect(api.lists).to.equal(1);
  });

  it('retries a broken watch from the last resourceVersion', async () => {
    await waitFor(() => api.watches.length === 1);
    api.current().emit({ type: 'MODIFIED', object: obj('a', '9') });
    api.current().end(new Error('connection reset'));
    await waitFor(() => api.watches.length === 2);
    expect(api.current().resourceVersion).to.equal('9');
  });

  it('re-lists on 410 Gone and emits the differences, deletes included', async () => {
    await waitFor(() => api.watches.length === 1);
    api.items = [obj('a', '20'), obj('b', '1'), obj('d', '21')];
    api.rv = '22';
    api.current().emit({ type: 'ERROR', object: { metadata: { name: '' }, kind: 'Status', code: 410 } });
    await waitFor(() => api.watches.length === 2);
    expect(api.lists).to.equal(2);
    expect(api.current().resourceVersion).to.equal('22');
    // b is unchanged (same resourceVersion): no event for it.
    expect(events.slice(2)).to.deep.equal(['update a@20', 'add d@21']);
    api.items = [obj('d', '21')];
    api.current().emit({ type: 'ERROR', object: { metadata: { name: '' }, kind: 'Status', code: 410 } });
    await waitFor(() => api.watches.length === 3);
    expect(events.slice(4).sort()).to.deep.equal(['delete a@20', 'delete b@1']);
    expect(informer.byIndex('ref', 'x')).to.deep.equal([]);
  });

  it('keeps going when a handler throws', async () => {
    informer.on(() => {
      throw new Error('handler bug');
    });
    await waitFor(() => api.watches.length === 1);
    api.current().emit({ type: 'ADDED', object: obj('e', '30') });
    expect(informer.get('ns', 'e')?.metadata.resourceVersion).to.equal('30');
    api.current().emit({ type: 'ADDED', object: obj('f', '31') });
    expect(informer.get('ns', 'f')).not.to.equal(undefined);
  });
});

describe('Informer versionsOnly (fake API)', () => {
  it('keeps only versions, and gives objects with namespace, name and version to get, list, indexes and events', async () => {
    const api = new FakeApi();
    api.items = [obj('a', '1', { ref: 'x' }), obj('b', '2')];
    api.rv = '5';
    const informer = new Informer(api as unknown as KubeApi, { type: SecretType, namespaces: ['ns'], logger: nullLogger, versionsOnly: true });
    informer.addIndex('name', (o) => [o.metadata.name]);
    const events: string[] = [];
    informer.on((e) => events.push(`${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}${e.old ? ` was ${e.old.metadata.resourceVersion}` : ''}`));
    try {
      await informer.start();
      expect(informer.get('ns', 'a')).to.deep.equal({ metadata: { name: 'a', namespace: 'ns', resourceVersion: '1' } });
      expect(informer.list('ns').map((o) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`)).to.deep.equal(['ns/a@1', 'ns/b@2']);
      expect(informer.byIndex('name', 'b')).to.deep.equal([{ metadata: { name: 'b', namespace: 'ns', resourceVersion: '2' } }]);
      await waitFor(() => api.watches.length === 1);
      api.current().emit({ type: 'MODIFIED', object: obj('a', '7', { ref: 'y' }) });
      api.current().emit({ type: 'DELETED', object: obj('b', '8') });
      expect(events).to.deep.equal(['add a@1', 'add b@2', 'update a@7 was 1', 'delete b@8 was 2']);
      expect(informer.get('ns', 'a')?.metadata.resourceVersion).to.equal('7');
      expect(informer.get('ns', 'b')).to.equal(undefined);
    } finally {
      await informer.stop();
    }
  });
});

describe('Informer reconnect backoff (fake API)', () => {
  it('starts the backoff afresh after a watch that delivered events, even if it then broke', async function () {
    this.timeout(10_000);
    const api = new FakeApi();
    api.items = [obj('a', '1')];
    const informer = new Informer(api as unknown as KubeApi, {
      type: SecretType,
      namespaces: ['ns'],
      logger: nullLogger,
      backoff: { initialMs: 20, maxMs: 5000 },
    });
    try {
      await informer.start();
      // Six broken watches in a row that delivered nothing: the backoff grows to 640 ms and more.
      for (let i = 1; i <= 6; i++) {
        await waitFor(() => api.watches.length === i, 5000);
        api.current().end(new Error('connection reset'));
      }
      await waitFor(() => api.watches.length === 7, 5000);
      // This one works (a bookmark is an event too), then breaks.
      api.current().emit({ type: 'BOOKMARK', object: { metadata: { name: '', resourceVersion: '40' } } });
      const brokeAt = Date.now();
      api.current().end(new Error('connection reset'));
      await waitFor(() => api.watches.length === 8, 5000);
      expect(Date.now() - brokeAt, 'retried after the initial delay, not the grown one').to.be.lessThan(150);
      expect(api.current().resourceVersion).to.equal('40');
    } finally {
      await informer.stop();
    }
  });
});

describe('Informer watchdog (fake API)', () => {
  it('re-lists a watch that stays silent too long', async () => {
    const api = new FakeApi();
    api.items = [obj('a', '1')];
    const informer = new Informer(api as unknown as KubeApi, {
      type: SecretType,
      namespaces: undefined,
      logger: nullLogger,
      resyncWatchdogSeconds: 0.05,
      backoff: { initialMs: 1, maxMs: 5 },
    });
    try {
      await informer.start();
      await waitFor(() => api.lists >= 2);
    } finally {
      await informer.stop();
    }
  });
});
