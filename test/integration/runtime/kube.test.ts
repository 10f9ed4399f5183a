import { expect } from 'chai';
import { API_VERSION, GROUP, OntapClusterKind, VERSION } from '../../../src/api/v1alpha1/constants.js';
import {
  isConflict,
  KubeApiError,
  SecretType,
  type KubeObject,
  type ResourceType,
  type WatchEvent,
} from '../../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../../support/control-plane.js';
import { setupEnv, teardownEnv, type RuntimeEnv } from './helpers.js';

const ClusterType: ResourceType = { group: GROUP, version: VERSION, plural: OntapClusterKind.plural, kind: OntapClusterKind.kind };

function secret(name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, labels: { app: 'kube-test' } },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

describe('KubeApi (real API server)', function () {
  let env: RuntimeEnv;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    env = await setupEnv('kube-api');
  });
  after(async () => teardownEnv(env));

  it('creates, gets, lists, replaces and deletes', async () => {
    const { api, namespace } = env;
    const created = await api.create(SecretType, namespace, secret('crud', { password: 'hunter2' }));
    expect(created.metadata.uid).to.be.a('string');
    expect((await api.get(SecretType, namespace, 'crud'))?.metadata.resourceVersion).to.equal(created.metadata.resourceVersion);

    const listed = await api.list(SecretType, namespace, { labelSelector: 'app=kube-test' });
    expect(listed.items.map((s) => s.metadata.name)).to.include('crud');
    expect(listed.resourceVersion).to.match(/^\d+$/);

    const replaced = await api.replace(SecretType, namespace, 'crud', { ...created, data: { password: Buffer.from('new').toString('base64') } });
    expect(replaced.metadata.resourceVersion).not.to.equal(created.metadata.resourceVersion);
    const decoded = await api.getSecret(namespace, 'crud');
    expect(decoded?.data.get('password')?.toString()).to.equal('new');
    expect(decoded?.type).to.equal('Opaque');

    await api.delete(SecretType, namespace, 'crud');
    expect(await api.get(SecretType, namespace, 'crud')).to.equal(undefined);
    expect(await api.getSecret(namespace, 'crud')).to.equal(undefined);
    await api.delete(SecretType, namespace, 'crud'); // already gone: not an error
  });

  it('merge-patches the status subresource of a custom resource', async () => {
    const { api, namespace } = env;
    await api.create(ClusterType, namespace, {
      apiVersion: API_VERSION,
      kind: OntapClusterKind.kind,
      metadata: { name: 'c1' },
      spec: { endpoint: 'https://10.0.0.10', credentialsSecretRef: { name: 'admin' } },
    });
    const patched = await api.mergePatch(ClusterType, namespace, 'c1', { status: { clusterName: 'prod-a', version: '9.15.1' } }, { subresource: 'status' });
    expect(patched.status).to.deep.include({ clusterName: 'prod-a', version: '9.15.1' });
    // Status written through the main resource is ignored by the API server: that is the subresource's point.
    await api.mergePatch(ClusterType, namespace, 'c1', { status: { clusterName: 'ignored' }, metadata: { labels: { a: 'b' } } });
    const got = await api.get(ClusterType, namespace, 'c1');
    expect(got?.status).to.deep.include({ clusterName: 'prod-a' });
    expect(got?.metadata.labels).to.deep.equal({ a: 'b' });
  });

  it('fails with Conflict on a stale resourceVersion (patch and replace)', async () => {
    const { api, namespace } = env;
    const first = await api.create(SecretType, namespace, secret('occ', { k: 'v1' }));
    await api.mergePatch(SecretType, namespace, 'occ', { metadata: { labels: { touched: 'yes' } } });

    const stalePatch = api.mergePatch(SecretType, namespace, 'occ', {
      metadata: { resourceVersion: first.metadata.resourceVersion, labels: { again: 'yes' } },
    });
    const err = await stalePatch.then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(KubeApiError);
    expect(isConflict(err)).to.equal(true);
    expect((err as KubeApiError).reason).to.equal('Conflict');

    const staleReplace = await api.replace(SecretType, namespace, 'occ', first).then(() => undefined, (e: unknown) => e);
    expect(isConflict(staleReplace)).to.equal(true);
  });

  it('reports NotFound and Forbidden-style errors with status and reason', async () => {
    const { api, namespace } = env;
    const err = await api
      .mergePatch(SecretType, namespace, 'missing', { metadata: { labels: { a: 'b' } } })
      .then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(KubeApiError);
    expect((err as KubeApiError).statusCode).to.equal(404);
    expect((err as KubeApiError).reason).to.equal('NotFound');
  });

  it('lists and watches Secrets metadata-only: no data reaches the client', async () => {
    const { api, namespace } = env;
    await api.create(SecretType, namespace, secret('meta', { password: 'hunter2' }));
    const listed = await api.list(SecretType, namespace, { metadataOnly: true });
    const item = listed.items.find((s) => s.metadata.name === 'meta');
    expect(item, 'secret listed').not.to.equal(undefined);
    expect(item).not.to.have.property('data');
    expect(item?.kind).to.equal('PartialObjectMetadata');
    expect(JSON.stringify(listed)).not.to.include(Buffer.from('hunter2').toString('base64'));

    const events: WatchEvent[] = [];
    const ac = new AbortController();
    const watching = api.watch(SecretType, namespace, { resourceVersion: listed.resourceVersion, metadataOnly: true, signal: ac.signal }, (e) => {
      events.push(e);
      if (e.type === 'MODIFIED') ac.abort();
    });
    await api.mergePatch(SecretType, namespace, 'meta', { data: { password: Buffer.from('rotated').toString('base64') } });
    await watching;
    const modified = events.find((e) => e.type === 'MODIFIED');
    expect(modified?.object.metadata.name).to.equal('meta');
    expect(modified?.object).not.to.have.property('data');
  });

  it('ends a watch when the server times it out', async () => {
    const { api, namespace } = env;
    const ac = new AbortController();
    const started = Date.now();
    const from = (await api.list(SecretType, namespace)).resourceVersion;
    await api.watch(SecretType, namespace, { resourceVersion: from, timeoutSeconds: 1, signal: ac.signal }, () => undefined);
    expect(Date.now() - started).to.be.lessThan(5_000);
  });

  it('resolves a watch when its signal aborts', async () => {
    const { api, namespace } = env;
    const ac = new AbortController();
    const from = (await api.list(SecretType, namespace)).resourceVersion;
    setTimeout(() => ac.abort(), 200);
    await api.watch(SecretType, namespace, { resourceVersion: from, timeoutSeconds: 60, signal: ac.signal }, () => undefined);
  });
});
