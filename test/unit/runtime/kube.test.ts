import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { identityOnly, KubeApi, KubeApiError, LAST_APPLIED, SecretType, resourcePath, trimForCache, type WatchEvent } from '../../../src/runtime/kube.js';

interface Seen {
  method: string;
  url: string;
  accept: string | undefined;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

/** fakeServer answers every request with `handler` and records what it received. */
async function fakeServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ api: KubeApi; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        accept: req.headers.accept,
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body,
      });
      handler(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'tok' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { api: new KubeApi(kc, { requestTimeoutMs: 300 }), seen, server };
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('KubeApi (fake server)', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('builds core, group and subresource paths', () => {
    expect(resourcePath(SecretType, 'ns', 'a')).to.equal('/api/v1/namespaces/ns/secrets/a');
    expect(resourcePath({ group: 'kms.ontap.dev', version: 'v1alpha1', plural: 'ontapclusters', kind: 'OntapCluster' }, 'ns', 'c', 'status')).to.equal(
      '/apis/kms.ontap.dev/v1alpha1/namespaces/ns/ontapclusters/c/status',
    );
    expect(resourcePath(SecretType, undefined)).to.equal('/api/v1/secrets');
  });

  it('sends merge patches as application/merge-patch+json with the bearer token', async () => {
    const f = await fakeServer((_req, res) => json(res, 200, { metadata: { name: 'a' } }));
    server = f.server;
    await f.api.mergePatch(SecretType, 'ns', 'a', { metadata: { labels: { x: 'y' } } }, { subresource: 'status' });
    expect(f.seen[0]).to.deep.include({
      method: 'PATCH',
      url: '/api/v1/namespaces/ns/secrets/a/status',
      contentType: 'application/merge-patch+json',
      authorization: 'Bearer tok',
      body: '{"metadata":{"labels":{"x":"y"}}}',
    });
  });

  it('asks for PartialObjectMetadataList on a metadata-only list', async () => {
    const f = await fakeServer((_req, res) => json(res, 200, { items: [], metadata: { resourceVersion: '7', continue: 'next' } }));
    server = f.server;
    const page = await f.api.list(SecretType, 'ns', { metadataOnly: true, limit: 10 });
    expect(page).to.deep.equal({ items: [], resourceVersion: '7', continue: 'next' });
    expect(f.seen[0]?.accept).to.equal('application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
    expect(f.seen[0]?.url).to.equal('/api/v1/namespaces/ns/secrets?limit=10');
  });

  it('reads an empty metadata-only list answered with "items": null as an empty list', async () => {
    // kube-apiserver answers an empty PartialObjectMetadataList this way (a namespace without Secrets).
    const f = await fakeServer((_req, res) => json(res, 200, { kind: 'PartialObjectMetadataList', metadata: { resourceVersion: '9' }, items: null }));
    server = f.server;
    expect(await f.api.list(SecretType, 'empty', { metadataOnly: true })).to.deep.equal({ items: [], resourceVersion: '9' });
  });

  it('refuses an answer that is not a list', async () => {
    const f = await fakeServer((_req, res) => json(res, 200, { kind: 'Status', items: 'nope' }));
    server = f.server;
    const err = await f.api.list(SecretType, 'ns').catch((e: unknown) => e);
    expect((err as Error).message).to.equal('list secrets in ns: not a list');
  });

  it('maps a Status answer to KubeApiError, and 404 on get to undefined', async () => {
    const f = await fakeServer((req, res) =>
      req.method === 'GET'
        ? json(res, 404, { kind: 'Status', reason: 'NotFound', message: 'secrets "a" not found', code: 404 })
        : json(res, 409, { kind: 'Status', reason: 'Conflict', message: 'the object has been modified', code: 409 }),
    );
    server = f.server;
    expect(await f.api.get(SecretType, 'ns', 'a')).to.equal(undefined);
    const err = await f.api.create(SecretType, 'ns', { metadata: { name: 'a' } }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KubeApiError);
    expect(err).to.include({ statusCode: 409, reason: 'Conflict' });
    expect((err as Error).message).to.equal('POST /api/v1/namespaces/ns/secrets: 409 Conflict: the object has been modified');
  });

  it('times a request out', async () => {
    const f = await fakeServer(() => undefined);
    server = f.server;
    const err = await f.api.get(SecretType, 'ns', 'slow').catch((e: unknown) => e);
    expect((err as Error).message).to.match(/^GET \/api\/v1\/namespaces\/ns\/secrets\/slow: /);
  });

  it('reads a watch stream split across chunks, passing ERROR events through', async () => {
    const lines = [
      JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '2' } } }),
      // A bookmark as kube-apiserver sends it: only metadata.resourceVersion (and an annotation).
      JSON.stringify({ type: 'BOOKMARK', object: { kind: 'PartialObjectMetadata', metadata: { resourceVersion: '3', annotations: { 'k8s.io/initial-events-end': 'true' } } } }),
      JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', metadata: {} } }),
    ].join('\n');
    const f = await fakeServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // Cut mid-line: the reader must join the pieces.
      res.write(lines.slice(0, 30));
      setTimeout(() => res.end(lines.slice(30) + '\n'), 20);
    });
    server = f.server;
    const events: WatchEvent[] = [];
    await f.api.watch(SecretType, 'ns', { resourceVersion: '1', metadataOnly: true, timeoutSeconds: 5, signal: new AbortController().signal }, (e) =>
      events.push(e),
    );
    expect(events.map((e) => e.type)).to.deep.equal(['ADDED', 'BOOKMARK', 'ERROR']);
    expect(events[1]?.object.metadata.resourceVersion).to.equal('3');
    expect(events[2]?.object.code).to.equal(410);
    expect(f.seen[0]?.url).to.equal('/api/v1/namespaces/ns/secrets?watch=true&resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=5');
    expect(f.seen[0]?.accept).to.equal('application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
  });

  it('rejects a watch whose connection breaks, and resolves one that is aborted', async () => {
    const f = await fakeServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }) + '\n');
      if (req.url?.includes('resourceVersion=1&')) setTimeout(() => res.destroy(), 20);
    });
    server = f.server;
    const broken = await f.api
      .watch(SecretType, 'ns', { resourceVersion: '1', signal: new AbortController().signal }, () => undefined)
      .then(() => 'resolved', (e: unknown) => (e as Error).message);
    expect(broken).to.match(/watch secrets in ns: stream broken/);

    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await f.api.watch(SecretType, 'ns', { resourceVersion: '2', signal: ac.signal }, () => undefined);
  });
});

describe('trimming cached objects', () => {
  const big = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 's',
      namespace: 'ns',
      uid: 'u',
      resourceVersion: '7',
      labels: { app: 'x' },
      annotations: { [LAST_APPLIED]: '{"a":"whole copy"}', keep: 'me' },
      managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:data': {} } }],
    },
    spec: { a: 1 },
  };
  it('trimForCache drops managedFields and the last-applied copy, nothing else', () => {
    const t = trimForCache(big);
    expect(t.metadata).to.deep.equal({ name: 's', namespace: 'ns', uid: 'u', resourceVersion: '7', labels: { app: 'x' }, annotations: { keep: 'me' } });
    expect(t.spec).to.deep.equal({ a: 1 });
    expect(big.metadata.managedFields, 'the original is not changed').to.have.length(1);
  });
  it('identityOnly keeps namespace, name and resourceVersion', () => {
    expect(identityOnly(big)).to.deep.equal({ metadata: { name: 's', namespace: 'ns', resourceVersion: '7' } });
  });
});
