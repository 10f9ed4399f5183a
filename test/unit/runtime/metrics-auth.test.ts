import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import type { ResourceType } from '../../../src/runtime/kube.js';
import { nullLogger } from '../../../src/runtime/logger.js';
import { MetricsAuth, NEGATIVE_TTL_MS, POSITIVE_TTL_MS, REVIEW_BURST, REVIEW_RATE } from '../../../src/runtime/metrics-auth.js';

/** fakeApi answers TokenReview and SubjectAccessReview like an API server with one known token; each answer waits `delayMs`. */
function fakeApi(known: Record<string, { user: string; allowed: boolean }>, delayMs = 0) {
  const calls: Array<{ kind: string; body: object }> = [];
  return {
    calls,
    async review(type: ResourceType, body: unknown): Promise<unknown> {
      const b = body as { spec: { token?: string; user?: string; nonResourceAttributes?: { path: string; verb: string } } };
      calls.push({ kind: type.kind, body: b });
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      if (type.kind === 'TokenReview') {
        const hit = known[b.spec.token ?? ''];
        return Promise.resolve({ status: hit ? { authenticated: true, user: { username: hit.user, uid: 'u1', groups: ['g'] } } : { authenticated: false } });
      }
      const hit = Object.values(known).find((k) => k.user === b.spec.user);
      const ok = hit?.allowed === true && b.spec.nonResourceAttributes?.path === '/metrics' && b.spec.nonResourceAttributes.verb === 'get';
      return Promise.resolve({ status: { allowed: ok } });
    },
  };
}

const req = (authorization?: string): IncomingMessage => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

describe('MetricsAuth', () => {
  const known = { good: { user: 'system:serviceaccount:mon:prom', allowed: true }, bound: { user: 'system:serviceaccount:x:nobody', allowed: false } };
  const cases: Array<{ reason: string; header: string | undefined; status: number | undefined }> = [
    { reason: 'no Authorization header: 401', header: undefined, status: 401 },
    { reason: 'Basic auth: 401', header: 'Basic YTpi', status: 401 },
    { reason: 'an unknown token: 401', header: 'Bearer nope', status: 401 },
    { reason: 'a known token not allowed get /metrics: 403', header: 'Bearer bound', status: 403 },
    { reason: 'a known token allowed get /metrics: served', header: 'Bearer good', status: undefined },
  ];
  for (const c of cases) {
    it(c.reason, async () => {
      const auth = new MetricsAuth({ api: fakeApi(known), logger: nullLogger });
      expect((await auth.check(req(c.header)))?.status).to.equal(c.status);
    });
  }

  it('asks the SubjectAccessReview about the user the TokenReview names, on /metrics with get', async () => {
    const api = fakeApi(known);
    await new MetricsAuth({ api, logger: nullLogger }).check(req('Bearer good'));
    expect(api.calls.map((c) => c.kind)).to.deep.equal(['TokenReview', 'SubjectAccessReview']);
    expect(api.calls[1]?.body).to.have.nested.property('spec.user', 'system:serviceaccount:mon:prom');
    expect((api.calls[1]?.body as { spec?: { nonResourceAttributes?: unknown } }).spec?.nonResourceAttributes).to.deep.equal({ path: '/metrics', verb: 'get' });
  });

  it('reuses an answer for a while (two reviews per token, not per scrape), and asks again after', async () => {
    const api = fakeApi(known);
    let now = 0;
    const auth = new MetricsAuth({ api, logger: nullLogger, now: () => now });
    for (let i = 0; i < 5; i++) await auth.check(req('Bearer good'));
    expect(api.calls).to.have.length(2);
    now = 11_000;
    await auth.check(req('Bearer good'));
    expect(api.calls).to.have.length(4);
  });

  it('makes one TokenReview and one SubjectAccessReview for 50 concurrent requests with one token (not 50 + 50)', async () => {
    const api = fakeApi(known, 20);
    const auth = new MetricsAuth({ api, logger: nullLogger });
    const results = await Promise.all(Array.from({ length: 50 }, () => auth.check(req('Bearer good'))));
    expect(results.every((r) => r === undefined), 'every request served').to.equal(true);
    expect(api.calls.map((c) => c.kind)).to.deep.equal(['TokenReview', 'SubjectAccessReview']);
  });

  it('shares a refusal in flight too: 50 concurrent requests with one junk token make one TokenReview, all 401', async () => {
    const api = fakeApi(known, 20);
    const auth = new MetricsAuth({ api, logger: nullLogger });
    const results = await Promise.all(Array.from({ length: 50 }, () => auth.check(req('Bearer junk'))));
    expect(results.map((r) => r?.status)).to.deep.equal(Array(50).fill(401));
    expect(api.calls).to.have.length(1);
  });

  it('sends at most the burst of reviews for 2,000 junk tokens at once, and answers the rest 429 with Retry-After, serving none', async () => {
    const api = fakeApi(known, 5);
    const auth = new MetricsAuth({ api, logger: nullLogger, now: () => 0 });
    const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => auth.check(req(`Bearer junk-${i}`))));
    expect(api.calls).to.have.length(REVIEW_BURST);
    expect(results.filter((r) => r?.status === 401)).to.have.length(REVIEW_BURST);
    const limited = results.filter((r) => r?.status === 429);
    expect(limited).to.have.length(2000 - REVIEW_BURST);
    expect(limited[0]?.headers?.['Retry-After']).to.equal('1');
    expect(results.some((r) => r === undefined), 'no junk token served').to.equal(false);
  });

  it('refills the budget at REVIEW_RATE a second; a token answered before stays served from the cache while the budget is spent', async () => {
    const api = fakeApi(known);
    let now = 0;
    const auth = new MetricsAuth({ api, logger: nullLogger, now: () => now });
    expect(await auth.check(req('Bearer good'))).to.equal(undefined);
    for (let i = 0; i < 100; i++) await auth.check(req(`Bearer junk-${i}`));
    expect(api.calls).to.have.length(2 + REVIEW_BURST - 1);
    expect(await auth.check(req('Bearer good')), 'cached: served without a review').to.equal(undefined);
    expect((await auth.check(req('Bearer junk-new')))?.status).to.equal(429);
    now = 1_000;
    for (let i = 0; i < 100; i++) await auth.check(req(`Bearer more-${i}`));
    expect(api.calls).to.have.length(2 + REVIEW_BURST - 1 + REVIEW_RATE);
  });

  it('past the budget an unreviewed valid token is refused (429), never served', async () => {
    const api = fakeApi(known);
    const auth = new MetricsAuth({ api, logger: nullLogger, now: () => 0 });
    for (let i = 0; i < REVIEW_BURST; i++) await auth.check(req(`Bearer junk-${i}`));
    expect((await auth.check(req('Bearer good')))?.status).to.equal(429);
  });

  it('remembers a refusal for a shorter time than an acceptance', async () => {
    const api = fakeApi(known);
    let now = 0;
    const auth = new MetricsAuth({ api, logger: nullLogger, now: () => now });
    await auth.check(req('Bearer good'));
    await auth.check(req('Bearer nope'));
    expect(api.calls).to.have.length(3);
    now = NEGATIVE_TTL_MS;
    await auth.check(req('Bearer good'));
    await auth.check(req('Bearer nope'));
    expect(api.calls.map((c) => c.kind), 'the refusal is asked again, the acceptance is not').to.deep.equal(['TokenReview', 'SubjectAccessReview', 'TokenReview', 'TokenReview']);
    expect(NEGATIVE_TTL_MS).to.be.lessThan(POSITIVE_TTL_MS);
  });

  it('bounds its cache by evicting the oldest answer, not by forgetting all of them', async () => {
    const api = fakeApi({ a: { user: 'a', allowed: true }, b: { user: 'b', allowed: true }, c: { user: 'c', allowed: true } });
    const auth = new MetricsAuth({ api, logger: nullLogger, cacheMax: 2 });
    for (const t of ['a', 'b', 'c']) await auth.check(req(`Bearer ${t}`));
    expect(api.calls).to.have.length(6);
    await auth.check(req('Bearer c'));
    await auth.check(req('Bearer b'));
    expect(api.calls, 'b and c still cached').to.have.length(6);
    await auth.check(req('Bearer a'));
    expect(api.calls, 'a was evicted').to.have.length(8);
  });

  it('fails closed (500) when the API server cannot review', async () => {
    const auth = new MetricsAuth({ api: { review: () => Promise.reject(new Error('down')) }, logger: nullLogger });
    expect((await auth.check(req('Bearer good')))?.status).to.equal(500);
  });
});
