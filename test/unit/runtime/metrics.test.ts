import { get, type IncomingMessage } from 'node:http';
import { expect } from 'chai';
import { Metrics } from '../../../src/runtime/metrics.js';
import { startHttpServer } from '../../../src/runtime/http-server.js';
import { nullLogger } from '../../../src/runtime/logger.js';

describe('Metrics', () => {
  it('exposes every metric with its labels in the text format', async () => {
    const m = new Metrics();
    m.reconcileTotal.inc({ controller: 'ontapawskms', result: 'success' });
    m.reconcileTotal.inc({ controller: 'ontapawskms', result: 'requeue_after' });
    m.reconcileErrors.inc({ controller: 'ontapawskms' });
    m.reconcileTime.observe({ controller: 'ontapawskms' }, 0.2);
    m.queueMetrics('ontapawskms').incAdds();
    m.ontapRequests.inc({ cluster: 'prod-a', method: 'GET', status: '200' });
    m.ontapRequestDuration.observe({ cluster: 'prod-a', method: 'GET' }, 0.05);
    m.driftCorrections.inc({ field: 'polling_period' });
    m.leaderStatus.set({ name: 'ontap-kms-operator' }, 1);
    m.restClientRequests.inc({ method: 'PATCH', code: '200' });

    const { contentType } = await m.render();
    const body = await m.renderText();
    expect(contentType).to.match(/^text\/plain/);
    for (const line of [
      'controller_runtime_reconcile_total{controller="ontapawskms",result="success"} 1',
      'controller_runtime_reconcile_total{controller="ontapawskms",result="requeue_after"} 1',
      'controller_runtime_reconcile_errors_total{controller="ontapawskms"} 1',
      'controller_runtime_reconcile_time_seconds_bucket{le="0.25",controller="ontapawskms"} 1',
      'controller_runtime_reconcile_time_seconds_count{controller="ontapawskms"} 1',
      'workqueue_depth{name="ontapawskms"} 0',
      'workqueue_adds_total{name="ontapawskms"} 1',
      'workqueue_retries_total{name="ontapawskms"} 0',
      'ontap_requests_total{cluster="prod-a",method="GET",status="200"} 1',
      'ontap_request_duration_seconds_count{cluster="prod-a",method="GET"} 1',
      'ontap_kms_drift_corrections_total{field="polling_period"} 1',
      'leader_election_master_status{name="ontap-kms-operator"} 1',
      'rest_client_requests_total{method="PATCH",code="200"} 1',
    ]) {
      expect(body.split('\n'), line).to.include(line);
    }
  });

  it('keeps two instances apart (no global registry)', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.driftCorrections.inc({ field: 'region' });
    expect(await a.registry.metrics()).to.include('ontap_kms_drift_corrections_total{field="region"} 1');
    expect(await b.registry.metrics()).not.to.include('field="region"');
  });
});

describe('startHttpServer', () => {
  it('serves its routes, 404 elsewhere, 500 when a route throws', async () => {
    const m = new Metrics();
    m.leaderStatus.set({ name: 'x' }, 0);
    const server = await startHttpServer({
      address: '127.0.0.1:0',
      logger: nullLogger,
      routes: {
        '/metrics': async () => {
          const r = await m.render();
          return { status: 200, body: r.body, contentType: r.contentType };
        },
        '/healthz': () => Promise.resolve({ status: 200, body: 'ok\n' }),
        '/readyz': () => Promise.reject(new Error('not ready')),
      },
    });
    try {
      const metrics = await fetch(`${server.url}/metrics`);
      expect(metrics.status).to.equal(200);
      expect(await metrics.text()).to.include('leader_election_master_status{name="x"} 0');
      const health = await fetch(`${server.url}/healthz?verbose`);
      expect([health.status, await health.text()]).to.deep.equal([200, 'ok\n']);
      expect((await fetch(`${server.url}/readyz`)).status).to.equal(500);
      expect((await fetch(`${server.url}/nope`)).status).to.equal(404);
      expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).to.equal(405);
    } finally {
      await server.close();
    }
  });

  it('says it listens on every interface for `:port`, and reaches itself on loopback', async () => {
    const all = await startHttpServer({ address: ':0', routes: {}, logger: nullLogger });
    const one = await startHttpServer({ address: '127.0.0.1:0', routes: {}, logger: nullLogger });
    try {
      const port = new URL(all.url).port;
      expect([all.url, all.listening]).to.deep.equal([`http://127.0.0.1:${port}`, `*:${port}`]);
      expect(one.listening).to.equal(`127.0.0.1:${new URL(one.url).port}`);
    } finally {
      await all.close();
      await one.close();
    }
  });

  it('streams a chunked answer as the client reads it: an unread answer is not made ahead', async () => {
    const MB = 'x'.repeat(1024 * 1024);
    let made = 0;
    const server = await startHttpServer({
      address: '127.0.0.1:0',
      logger: nullLogger,
      routes: {
        '/big': () =>
          Promise.resolve({
            status: 200,
            body: (function* () {
              for (let i = 0; i < 100; i++) {
                made++;
                yield MB;
              }
            })(),
          }),
      },
    });
    try {
      // A client that asks and does not read: the server stops at what the sockets buffer.
      const stalled = await new Promise<IncomingMessage>((resolve, reject) => {
        get(`${server.url}/big`, resolve).on('error', reject);
      });
      stalled.pause();
      await new Promise((r) => setTimeout(r, 300));
      expect(made, 'chunks made for a client that reads none').to.be.lessThan(40);
      stalled.destroy();
      // One that reads gets all of it.
      made = 0;
      const body = await (await fetch(`${server.url}/big`)).text();
      expect(body.length).to.equal(100 * MB.length);
      expect(made).to.equal(100);
    } finally {
      await server.close();
    }
  });

  it('rejects a bind address without a port', async () => {
    let err: unknown;
    try {
      await startHttpServer({ address: 'localhost', routes: {}, logger: nullLogger });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/not host:port/);
  });
});
