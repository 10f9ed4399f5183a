import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import type { ResourceType } from '../../../src/runtime/kube.js';
import { nullLogger } from '../../../src/runtime/logger.js';
import { MetricsAuth } from '../../../src/runtime/metrics-auth.js';

/** fakeApi answers TokenReview and SubjectAccessReview like an API server with one known token. */
function fakeApi(known: Record<string, { user: string; allowed: boolean }>) {
  const calls: Array<{ kind: string; body: object }> = [];
  return {
    calls,
    review(type: ResourceType, body: unknown): Promise<unknown> {
      const b = body as { spec: { token?: string; user?: string; nonResourceAttributes?: { path: string; verb: string } } };
      calls.push({ kind: type.kind, body: b });
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

  it('fails closed (500) when the API server cannot review', async () => {
    const auth = new MetricsAuth({ api: { review: () => Promise.reject(new Error('down')) }, logger: nullLogger });
    expect((await auth.check(req('Bearer good')))?.status).to.equal(500);
  });
});
