import { expect } from 'chai';
import https from 'node:https';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import type { RequestLogEntry } from '../../../src/simulator/state.js';
import { SIM_PASSWORD, SIM_USER, simRequest, startTestSim } from '../../support/sim.js';
import { createKms, KMS, records } from './helpers.js';

/** Partial is what a client saw of an answer it stopped reading. */
interface Partial {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly bytes: number;
}

/** readFor reads an answer for at most `ms` or `maxBytes`, then closes the connection. */
function readFor(sim: SimulatorHandle, path: string, limits: { ms: number; maxBytes: number }): Promise<Partial> {
  const auth = `Basic ${Buffer.from(`${SIM_USER}:${SIM_PASSWORD}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, sim.url), { headers: { authorization: auth }, ca: sim.caPem, agent: false }, (res) => {
      let bytes = 0;
      const done = (): void => {
        clearTimeout(timer);
        res.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes });
      };
      const timer = setTimeout(done, limits.ms);
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes >= limits.maxBytes) done();
      });
      res.on('end', done);
    });
    req.on('error', reject);
    req.end();
  });
}

/** loggedStream waits for the log entry the simulator writes when a streamed answer stops. */
async function loggedStream(sim: SimulatorHandle): Promise<RequestLogEntry> {
  for (let i = 0; i < 200; i++) {
    const entry = sim.control.requests().find((r) => r.bodyBytesSent !== undefined);
    if (entry !== undefined) return entry;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no streamed answer logged');
}

describe('ontap-sim: faults that misbehave (huge, endless and trickling bodies, bad next links)', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startTestSim();
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  it('bodyBytes answers 200 with valid JSON of exactly that size, declared in Content-Length', async () => {
    await simRequest(sim, 'POST', '/_sim/faults', { body: { method: 'GET', path: KMS, bodyBytes: 200_000, count: 1 } });
    const res = await simRequest(sim, 'GET', KMS);
    expect(res.status).to.equal(200);
    expect(res.headers['content-length']).to.equal('200000');
    expect(JSON.stringify(res.json)).to.have.length(200_000);
    expect(records(res)).to.deep.equal([]);
    expect(await loggedStream(sim)).to.include({ status: 200, bodyBytesSent: 200_000 });
  });

  it('endlessBody streams past any size until the client goes away, then logs what it sent', async () => {
    await simRequest(sim, 'POST', '/_sim/faults', { body: { method: 'GET', path: KMS, endlessBody: true } });
    const seen = await readFor(sim, KMS, { ms: 5000, maxBytes: 4 * 1024 * 1024 });
    expect(seen.status).to.equal(200);
    expect(seen.headers['content-length']).to.equal(undefined);
    expect(seen.bytes).to.be.at.least(4 * 1024 * 1024);
    const entry = await loggedStream(sim);
    expect(entry.clientClosed).to.equal(true);
    expect(entry.bodyBytesSent).to.be.at.least(seen.bytes);
    expect(sim.control.stats().inFlight, 'the stream stopped').to.equal(0);
  });

  it('bodyChunkBytes and bodyChunkDelayMs make a body trickle', async () => {
    await simRequest(sim, 'POST', '/_sim/faults', { body: { path: KMS, endlessBody: true, bodyChunkBytes: 1, bodyChunkDelayMs: 20 } });
    const seen = await readFor(sim, KMS, { ms: 300, maxBytes: Infinity });
    expect(seen.status).to.equal(200);
    // The collection-shaped head, then about one byte every 20 ms.
    expect(seen.bytes).to.be.within(42, 200);
  });

  it('nextHref "self" answers normally with _links.next pointing at the request itself', async () => {
    await createKms(sim);
    await simRequest(sim, 'POST', '/_sim/faults', { body: { method: 'GET', path: KMS, nextHref: 'self' } });
    const res = await simRequest(sim, 'GET', `${KMS}?fields=uuid&svm.name=svm1`);
    expect(records(res)).to.have.length(1);
    expect(res.json['_links']).to.deep.include({ next: { href: `${KMS}?fields=uuid&svm.name=svm1` } });
  });

  it('nextHref sends any other link as given', async () => {
    await simRequest(sim, 'POST', '/_sim/faults', { body: { method: 'GET', path: KMS, nextHref: 'https://elsewhere.example/api/x' } });
    const res = await simRequest(sim, 'GET', KMS);
    expect(res.json['_links']).to.deep.include({ next: { href: 'https://elsewhere.example/api/x' } });
  });

  const refused: Array<{ reason: string; rule: Record<string, unknown> }> = [
    { reason: 'bodyBytes with endlessBody', rule: { path: KMS, bodyBytes: 10, endlessBody: true } },
    { reason: 'endlessBody that is not a boolean', rule: { path: KMS, endlessBody: 'yes' } },
    { reason: 'a zero bodyChunkBytes', rule: { path: KMS, endlessBody: true, bodyChunkBytes: 0 } },
    { reason: 'a nextHref that is not a string', rule: { path: KMS, nextHref: 3 } },
    { reason: 'chunk settings alone', rule: { path: KMS, bodyChunkDelayMs: 10 } },
  ];
  for (const c of refused) {
    it(`refuses a rule with ${c.reason}`, async () => {
      expect((await simRequest(sim, 'POST', '/_sim/faults', { body: c.rule })).status).to.equal(400);
    });
  }
});
