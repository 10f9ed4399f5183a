/**
 * /metrics as the chart deploys it (issue 10): HTTPS, a bearer token checked by TokenReview, and
 * `get` on the non-resource URL /metrics checked by SubjectAccessReview, with exactly the RBAC
 * the chart grants. The operator runs as the chart's ServiceAccount; a scraper ServiceAccount
 * bound to the chart's metrics-reader ClusterRole reads the metrics with its token.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';
import { parseConfig, type Config } from '../../src/config.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { CONTROL_PLANE_TIMEOUT_MS, getControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { LOOPBACK_ENDPOINTS, waitFor } from '../support/e2e.js';
import { capturingLogger } from '../support/log-capture.js';
import { installChart, type InstalledChart } from '../integration/deploy/install.js';

/** scrape GETs a URL over HTTPS (the certificate is self-signed: not verified here) with an optional bearer token. */
function scrape(url: string, token?: string, agent?: Agent): Promise<{ status: number; body: string; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', rejectUnauthorized: false, agent, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), retryAfter: res.headers['retry-after'] }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('e2e: /metrics over HTTPS with TokenReview and SubjectAccessReview, with the chart RBAC', function () {
  this.timeout(120_000);
  const id = randomBytes(3).toString('hex');
  const system = `kms-m-${id}`;
  const watched = `kms-mw-${id}`;
  let cp: TestControlPlane;
  let release: InstalledChart;
  let op: Operator;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    cp = await getControlPlane();
    release = await installChart(cp, {
      namespace: system,
      release: `m-${id}`,
      watchNamespaces: [watched],
      extraArgs: [
        '--set', 'metrics.reader.subjects[0].kind=ServiceAccount',
        '--set', 'metrics.reader.subjects[0].name=scraper',
        '--set', `metrics.reader.subjects[0].namespace=${system}`,
      ],
    });
    for (const sa of ['scraper', 'nobody']) await cp.kubectl(['create', 'serviceaccount', sa, '-n', system]);
    // The operator as the chart runs it: its ServiceAccount's permissions, secure metrics (the default).
    const config = parseConfig([
      '--kubeconfig', release.serviceAccountKubeconfig, '--namespace', watched, '--cluster-resource-namespace', system,
      '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', `--allowed-ontap-endpoints=${LOOPBACK_ENDPOINTS}`,
    ]) as Config;
    op = await startOperator(config, { logger: capturingLogger().child({ test: 'metrics-auth' }) });
  });
  after(async () => {
    await op?.stop();
    await release?.uninstall().catch(() => undefined);
    for (const ns of [system, watched]) await cp?.kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  });

  it('serves HTTPS, and the chart RBAC is enough for every cache (ready)', async () => {
    expect(op.metricsUrl).to.match(/^https:\/\//);
    await waitFor('/readyz 200', async () => (await fetch(`${op.healthUrl}/readyz`)).status === 200, 20_000);
  });

  it('refuses an anonymous request (401) and a token that is not one (401)', async () => {
    expect((await scrape(`${op.metricsUrl}/metrics`)).status).to.equal(401);
    expect((await scrape(`${op.metricsUrl}/metrics`, 'not-a-token')).status).to.equal(401);
  });

  it('refuses a valid token whose ServiceAccount may not get /metrics (403)', async () => {
    const token = (await cp.kubectl(['create', 'token', 'nobody', '-n', system])).trim();
    const res = await scrape(`${op.metricsUrl}/metrics`, token);
    expect(res.status).to.equal(403);
    expect(res.body).to.not.contain('controller_runtime');
  });

  it('serves the metrics to a ServiceAccount bound to the chart metrics-reader ClusterRole, with its token', async () => {
    const token = (await cp.kubectl(['create', 'token', 'scraper', '-n', system])).trim();
    const res = await scrape(`${op.metricsUrl}/metrics`, token);
    expect(res.status).to.equal(200);
    expect(res.body).to.contain('workqueue_depth');
  });

  // The operator's POSTs to the API server, as its own rest_client_requests_total counts them: with
  // no resources, the TokenReviews and SubjectAccessReviews of /metrics are all of them.
  const posts = (body: string): number =>
    body.split('\n').filter((l) => l.startsWith('rest_client_requests_total{') && l.includes('method="POST"')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  /** counter reads the POST count with a token already reviewed (its answer cached: reading costs no review). */
  async function counter(): Promise<() => Promise<number>> {
    const token = (await cp.kubectl(['create', 'token', 'scraper', '-n', system])).trim();
    await waitFor('the counting token served', async () => (await scrape(`${op.metricsUrl}/metrics`, token)).status === 200, 10_000);
    return async () => {
      const res = await scrape(`${op.metricsUrl}/metrics`, token);
      expect(res.status, 'the counting token is still cached').to.equal(200);
      return posts(res.body);
    };
  }

  it('serves 50 concurrent requests with one new token after one TokenReview and one SubjectAccessReview (not 50 + 50)', async () => {
    const count = await counter();
    const before = await count();
    const token = (await cp.kubectl(['create', 'token', 'scraper', '-n', system])).trim();
    // 50 connections open first (anonymous requests: refused without a review), so that the 50
    // requests arrive together rather than one TLS handshake apart, after the first one's review.
    const agent = new Agent({ keepAlive: true, maxSockets: 50, rejectUnauthorized: false });
    try {
      const warm = await Promise.all(Array.from({ length: 50 }, () => scrape(`${op.metricsUrl}/metrics`, undefined, agent)));
      expect(warm.map((r) => r.status)).to.deep.equal(Array(50).fill(401));
      const results = await Promise.all(Array.from({ length: 50 }, () => scrape(`${op.metricsUrl}/metrics`, token, agent)));
      expect(results.map((r) => r.status)).to.deep.equal(Array(50).fill(200));
    } finally {
      agent.destroy();
    }
    const reviews = (await count()) - before;
    console.log(`      50 concurrent requests, one token: ${reviews} reviews`);
    expect(reviews).to.equal(2);
  });

  it('answers 200 junk tokens at once with at most the budget of TokenReviews (20 at once, 10 a second), the rest 429 with Retry-After; serves none', async () => {
    const count = await counter();
    const before = await count();
    const started = performance.now();
    const agent = new Agent({ keepAlive: true, maxSockets: 50, rejectUnauthorized: false });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => scrape(`${op.metricsUrl}/metrics`, `junk-${id}-${i}`, agent))).finally(() => agent.destroy());
    const seconds = (performance.now() - started) / 1000;
    const reviews = (await count()) - before;
    const byStatus = new Map<number, number>();
    for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    console.log(`      200 junk tokens in ${seconds.toFixed(2)} s: ${reviews} reviews, answers ${JSON.stringify(Object.fromEntries(byStatus))}`);
    expect([...byStatus.keys()].every((s) => s === 401 || s === 429), 'only 401 and 429').to.equal(true);
    expect(results.some((r) => r.body.includes('workqueue_depth'))).to.equal(false);
    expect(reviews).to.be.at.most(20 + Math.ceil(seconds * 10));
    expect(byStatus.get(401)).to.equal(reviews);
    expect(results.find((r) => r.status === 429)?.retryAfter).to.match(/^[1-9][0-9]*$/);
  });
});
