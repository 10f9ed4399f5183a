import { expect } from 'chai';
import { Informer, type InformerEvent } from '../../../src/runtime/informer.js';
import { KubeApi, SecretType, type KubeObject, type WatchEvent } from '../../../src/runtime/kube.js';
import { nullLogger } from '../../../src/runtime/logger.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../../support/control-plane.js';
import { setupEnv, teardownEnv, waitFor, type RuntimeEnv } from './helpers.js';

function secret(name: string, ref?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, ...(ref !== undefined ? { annotations: { ref } } : {}) },
    data: { password: Buffer.from('hunter2').toString('base64') },
  };
}

const names = (objs: KubeObject[]): string[] => objs.map((o) => o.metadata.name).sort();

/**
 * FlakyApi is the real KubeApi whose watches can be cut from the test, and whose next watch can
 * be answered with the API server's 410 Gone ERROR event, as after a long disconnection. (This
 * API server's watch cache replays even resourceVersion "1", so a real 410 cannot be provoked.)
 */
class FlakyApi extends KubeApi {
  cut: Array<() => void> = [];
  nextWatchGone = false;
  /** hold, while set, keeps the next watch from starting until it resolves. */
  hold: Promise<void> | undefined;
  watchesFrom: string[] = [];
  lists = 0;

  override list(...args: Parameters<KubeApi['list']>): ReturnType<KubeApi['list']> {
    this.lists++;
    return super.list(...args);
  }

  override async watch(...[type, namespace, opts, onEvent]: Parameters<KubeApi['watch']>): Promise<void> {
    const hold = this.hold;
    this.hold = undefined;
    await hold;
    this.watchesFrom.push(opts.resourceVersion);
    if (this.nextWatchGone) {
      this.nextWatchGone = false;
      const status = { kind: 'Status', apiVersion: 'v1', metadata: { name: '' }, status: 'Failure', reason: 'Expired', code: 410 };
      onEvent({ type: 'ERROR', object: status });
      return;
    }
    const ac = new AbortController();
    opts.signal.addEventListener('abort', () => ac.abort(), { once: true });
    let broken = false;
    this.cut.push(() => {
      broken = true;
      ac.abort();
    });
    const events = (e: WatchEvent): void => onEvent(e);
    await super.watch(type, namespace, { ...opts, signal: ac.signal }, events);
    if (broken) throw new Error('connection cut by the test');
  }
}

describe('Informer (real API server)', function () {
  let env: RuntimeEnv;
  let api: FlakyApi;
  let informer: Informer;
  const events: InformerEvent[] = [];
  const seen = (type: InformerEvent['type'], name: string): boolean =>
    events.some((e) => e.type === type && e.object.metadata.name === name);

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    env = await setupEnv('informer');
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromFile(env.cp.kubeconfig);
    api = new FlakyApi(kc);
    await env.api.create(SecretType, env.namespace, secret('pre-existing', `${env.namespace}/owner-a`));
    informer = new Informer(api, {
      type: SecretType,
      namespaces: [env.namespace],
      metadataOnly: true,
      logger: nullLogger,
      backoff: { initialMs: 50, maxMs: 200 },
      watchTimeoutSeconds: 2,
    });
    informer.addIndex('owner', (o) => (o.metadata.annotations?.ref ? [o.metadata.annotations.ref] : []));
    informer.on((e) => events.push(e));
    await informer.start();
  });
  after(async () => {
    await informer?.stop();
    await teardownEnv(env);
  });

  it('lists an empty namespace (metadata-only "items": null) as empty', async () => {
    const empty = await setupEnv('informer-empty');
    try {
      const page = await env.api.list(SecretType, empty.namespace, { metadataOnly: true });
      expect(page.items).to.deep.equal([]);
    } finally {
      await teardownEnv(empty);
    }
  });

  it('starts synced with the existing objects, metadata only', () => {
    expect(informer.hasSynced()).to.equal(true);
    const cached = informer.get(env.namespace, 'pre-existing');
    expect(cached?.metadata.name).to.equal('pre-existing');
    expect(cached).not.to.have.property('data');
    expect(seen('add', 'pre-existing')).to.equal(true);
  });

  it('sees add, update and delete', async () => {
    const { namespace } = env;
    await env.api.create(SecretType, namespace, secret('s1'));
    await waitFor('add s1', () => seen('add', 's1'));
    await env.api.mergePatch(SecretType, namespace, 's1', { metadata: { labels: { v: '2' } } });
    await waitFor('update s1', () => events.some((e) => e.type === 'update' && e.object.metadata.labels?.v === '2'));
    const update = events.find((e) => e.type === 'update' && e.object.metadata.name === 's1');
    expect(update?.old?.metadata.labels?.v).to.equal(undefined);
    await env.api.delete(SecretType, namespace, 's1');
    await waitFor('delete s1', () => seen('delete', 's1'));
    expect(informer.get(namespace, 's1')).to.equal(undefined);
  });

  it('looks objects up by index', async () => {
    const { namespace } = env;
    await env.api.create(SecretType, namespace, secret('s2', `${namespace}/owner-a`));
    await env.api.create(SecretType, namespace, secret('s3', `${namespace}/owner-b`));
    await waitFor('s2 and s3 cached', () => informer.get(namespace, 's3') !== undefined && informer.get(namespace, 's2') !== undefined);
    expect(names(informer.byIndex('owner', `${namespace}/owner-a`))).to.deep.equal(['pre-existing', 's2']);
    expect(names(informer.byIndex('owner', `${namespace}/owner-b`))).to.deep.equal(['s3']);
    await env.api.mergePatch(SecretType, namespace, 's3', { metadata: { annotations: { ref: `${namespace}/owner-a` } } });
    await waitFor('s3 re-indexed', () => informer.byIndex('owner', `${namespace}/owner-b`).length === 0);
    expect(names(informer.byIndex('owner', `${namespace}/owner-a`))).to.deep.equal(['pre-existing', 's2', 's3']);
  });

  it('resumes after the server ends the watch (short watch timeout)', async function () {
    this.timeout(15_000);
    const before = api.watchesFrom.length;
    await waitFor('a server-side watch timeout and re-watch', () => api.watchesFrom.length >= before + 2, 8_000);
    await env.api.create(SecretType, env.namespace, secret('after-timeout'));
    await waitFor('add after-timeout', () => seen('add', 'after-timeout'));
  });

  it('recovers when the connection is cut, missing nothing', async () => {
    const watches = api.watchesFrom.length;
    for (const cut of api.cut.splice(0)) cut();
    // Written while the informer is (probably) backing off: the re-watch from the last RV replays it.
    await env.api.create(SecretType, env.namespace, secret('during-cut'));
    await waitFor('re-watch', () => api.watchesFrom.length > watches);
    await waitFor('add during-cut', () => seen('add', 'during-cut'));
  });

  it('re-lists after 410 Gone and emits a delete for an object removed meanwhile', async () => {
    const { namespace } = env;
    await env.api.create(SecretType, namespace, secret('doomed'));
    await waitFor('add doomed', () => seen('add', 'doomed'));
    // Disconnect, delete behind the informer's back, then answer its re-watch with 410 Gone:
    // only the re-list can tell it about the deletion.
    let release: () => void = () => undefined;
    api.hold = new Promise((r) => (release = r));
    api.nextWatchGone = true;
    const stale = api.watchesFrom.length;
    const lists = api.lists;
    for (const cut of api.cut.splice(0)) cut();
    await env.api.delete(SecretType, namespace, 'doomed');
    expect(seen('delete', 'doomed'), 'no delete while disconnected').to.equal(false);
    release();
    await waitFor('delete doomed', () => seen('delete', 'doomed'));
    expect(api.lists).to.equal(lists + 1);
    expect(api.watchesFrom.length).to.be.greaterThan(stale);
    expect(informer.get(namespace, 'doomed')).to.equal(undefined);
    // And it carries on watching.
    await env.api.create(SecretType, namespace, secret('after-gone'));
    await waitFor('add after-gone', () => seen('add', 'after-gone'));
  });
});
