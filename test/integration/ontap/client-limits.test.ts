import { expect } from 'chai';
import { OntapProtocolError, OntapResponseTooLargeError, OntapTimeoutError } from '../../../src/ontap/errors.js';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import type { RequestLogEntry } from '../../../src/simulator/state.js';
import { simRequest } from '../../support/sim.js';
import { createBody, newClient, ONTAP_USER, rejection, SECRETS, startSim } from './fixtures.js';

const KMS = '/api/security/aws-kms';
const MiB = 1024 * 1024;

/**
 * SOCKET_SLACK is what the server may hand to a socket beyond what the client read before it
 * closed: the client's chunk in hand plus both loopback socket buffers, which the kernel grows
 * to a few MiB. An unbounded read would instead run until the timeout, gigabytes on loopback.
 */
const SOCKET_SLACK = 8 * MiB;

/** streamedEntry waits until the simulator has logged the streamed answer to `path` (it logs when the stream stops). */
async function streamedEntry(sim: SimulatorHandle, path: string): Promise<RequestLogEntry> {
  for (let i = 0; i < 200; i++) {
    const entry = sim.control.requests().find((r) => r.path === path && r.bodyBytesSent !== undefined);
    if (entry !== undefined) return entry;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the simulator never logged the end of its stream to ${path}`);
}

describe('OntapClient against ontap-sim: bounded responses and pagination', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  describe('response size', () => {
    it('stops reading an endless body at maxResponseBytes, closes the socket and does not retry', async () => {
      const client = newClient(sim, { maxResponseBytes: MiB, requestTimeoutSeconds: 5 });
      try {
        sim.control.addFault({ method: 'GET', path: KMS, endlessBody: true });
        const rssBefore = process.memoryUsage().rss;
        const err = await rejection(client.listAwsKms());
        const rssGrowth = process.memoryUsage().rss - rssBefore;
        expect(err).to.be.instanceOf(OntapResponseTooLargeError).and.instanceOf(OntapProtocolError);
        expect(err.message).to.equal('list aws-kms: response body exceeds 1 MiB (maxResponseBytes); the rest was not read');
        expect((err as OntapResponseTooLargeError).limitBytes).to.equal(MiB);
        const entry = await streamedEntry(sim, KMS);
        expect(entry.clientClosed, 'the client closed the connection mid-body').to.equal(true);
        expect(entry.bodyBytesSent).to.be.above(MiB).and.below(MiB + SOCKET_SLACK);
        expect(sim.control.requests(), 'one request: a body too large is not retried').to.have.length(1);
        expect(rssGrowth, 'rss growth').to.be.below(MiB + 64 * MiB);
      } finally {
        client.close();
      }
    });

    it('names the 16 MiB default in the error', async () => {
      const client = newClient(sim, { requestTimeoutSeconds: 10 });
      try {
        sim.control.addFault({ method: 'GET', path: '/api/cluster', endlessBody: true });
        const err = await rejection(client.getCluster());
        expect(err).to.be.instanceOf(OntapResponseTooLargeError);
        expect(err.message).to.equal('get cluster: response body exceeds 16 MiB (maxResponseBytes); the rest was not read');
        expect((await streamedEntry(sim, '/api/cluster')).bodyBytesSent).to.be.below(16 * MiB + SOCKET_SLACK);
        expect(sim.control.requests()).to.have.length(1);
      } finally {
        client.close();
      }
    });

    it('refuses a declared Content-Length past the bound before reading the body', async () => {
      const client = newClient(sim, { maxResponseBytes: MiB });
      try {
        sim.control.addFault({ method: 'GET', path: KMS, bodyBytes: 512 * MiB });
        expect(await rejection(client.listAwsKms())).to.be.instanceOf(OntapResponseTooLargeError);
        const entry = await streamedEntry(sim, KMS);
        expect(entry.clientClosed).to.equal(true);
        expect(entry.bodyBytesSent).to.be.below(SOCKET_SLACK);
        expect(sim.control.requests()).to.have.length(1);
      } finally {
        client.close();
      }
    });

    const boundary: Array<{ reason: string; bytes: number; fails: boolean }> = [
      { reason: 'a body of exactly the bound is read', bytes: 64 * 1024, fails: false },
      { reason: 'one byte more is refused', bytes: 64 * 1024 + 1, fails: true },
    ];
    for (const c of boundary) {
      it(`bounds at maxResponseBytes inclusive: ${c.reason}`, async () => {
        const client = newClient(sim, { maxResponseBytes: 64 * 1024 });
        try {
          sim.control.addFault({ method: 'GET', path: KMS, bodyBytes: c.bytes, bodyChunkBytes: 1000, count: 1 });
          const result = client.listAwsKms();
          if (c.fails) expect(await rejection(result)).to.be.instanceOf(OntapResponseTooLargeError);
          else expect(await result).to.deep.equal([]);
        } finally {
          client.close();
        }
      });
    }

    it('times out a body that trickles, under the same per-request timeout', async () => {
      const client = newClient(sim, { requestTimeoutSeconds: 0.3 });
      try {
        sim.control.addFault({ method: 'GET', path: KMS, endlessBody: true, bodyChunkBytes: 1, bodyChunkDelayMs: 20 });
        const started = Date.now();
        const err = await rejection(client.listAwsKms());
        expect(err).to.be.instanceOf(OntapTimeoutError);
        expect((err as OntapTimeoutError).timeoutMs).to.equal(300);
        expect(Date.now() - started).to.be.below(2000);
        const entry = await streamedEntry(sim, KMS);
        // The headers and some of the body had arrived: it was the body's read that timed out.
        expect(entry.status).to.equal(200);
        expect(entry.bodyBytesSent).to.be.above(0);
        expect(entry.clientClosed).to.equal(true);
      } finally {
        client.close();
      }
    });
  });

  describe('pagination', () => {
    async function threeRecords(): Promise<void> {
      const client = newClient(sim);
      try {
        for (const svm of ['svm1', 'svm2', 'svm3']) await client.createAwsKms(createBody(svm));
      } finally {
        client.close();
      }
      sim.control.clearRequests();
    }

    it('still reads a collection across pages', async () => {
      await threeRecords();
      const client = newClient(sim);
      try {
        const recs = await client.listAwsKms({ fields: ['svm.name'], maxRecords: 1 });
        expect(recs.map((r) => r.svm?.name)).to.deep.equal(['svm1', 'svm2', 'svm3']);
        expect(sim.control.requests()).to.have.length(3);
      } finally {
        client.close();
      }
    });

    it('stops at a _links.next that points back to the page itself, before requesting it again', async () => {
      const client = newClient(sim);
      try {
        sim.control.addFault({ method: 'GET', path: KMS, nextHref: 'self' });
        const err = await rejection(client.listAwsKms({ fields: ['uuid'] }));
        expect(err).to.be.instanceOf(OntapProtocolError);
        expect(err.message).to.match(/^list aws-kms: pagination loop: _links.next "\/api\/security\/aws-kms\?fields=uuid" points back to a page already read$/);
        expect(sim.control.requests()).to.have.length(1);
      } finally {
        client.close();
      }
    });

    it('stops at a _links.next that points back to an earlier page', async () => {
      await threeRecords();
      const client = newClient(sim);
      try {
        // The first page answers normally (its next is page 2); page 2 links back to page 1.
        sim.control.addFault({ method: 'GET', path: KMS, latencyMs: 0, count: 1 });
        sim.control.addFault({ method: 'GET', path: KMS, nextHref: `${KMS}?max_records=1` });
        expect(await rejection(client.listAwsKms({ maxRecords: 1 }))).to.be.instanceOf(OntapProtocolError);
        expect(sim.control.requests()).to.have.length(2);
      } finally {
        client.close();
      }
    });

    it('fails past maxCollectionPages instead of returning the pages read so far', async () => {
      await threeRecords();
      const client = newClient(sim, { maxCollectionPages: 2 });
      try {
        const err = await rejection(client.listAwsKms({ maxRecords: 1 }));
        expect(err).to.be.instanceOf(OntapProtocolError);
        expect(err.message).to.equal('list aws-kms: more than 2 pages (maxCollectionPages); refusing to read on');
        expect(sim.control.requests()).to.have.length(2);
      } finally {
        client.close();
      }
    });

    it('bounds the pages of a collection together by maxResponseBytes', async () => {
      await threeRecords();
      const auth = { username: ONTAP_USER, password: SECRETS.ontapPassword };
      const sizes: number[] = [];
      for (let href: string | undefined = `${KMS}?fields=*&max_records=1`; href !== undefined; ) {
        const page = await simRequest(sim, 'GET', href, { auth });
        sizes.push(JSON.stringify(page.json).length);
        href = (page.json['_links'] as { next?: { href: string } } | undefined)?.next?.href;
      }
      expect(sizes).to.have.length(3);
      // Every page fits the bound alone; the first two together do not.
      const limit = (sizes[0] ?? 0) + (sizes[1] ?? 0) - 1;
      expect(Math.max(...sizes)).to.be.below(limit);
      sim.control.clearRequests();
      const client = newClient(sim, { maxResponseBytes: limit });
      try {
        const err = await rejection(client.listAwsKms({ fields: ['*'], maxRecords: 1 }));
        expect(err).to.be.instanceOf(OntapResponseTooLargeError);
        expect(err.message).to.match(/^list aws-kms: collection \(2 pages\) exceeds \d+ bytes \(maxResponseBytes\)/);
        expect(sim.control.requests()).to.have.length(2);
      } finally {
        client.close();
      }
    });

    describe('refuses a _links.next off /api/ on this cluster, and sends nothing there', () => {
      let other: SimulatorHandle;
      before(async () => {
        other = await startSim();
      });
      after(() => other.close());

      const hrefs: Array<{ reason: string; href: () => string }> = [
        { reason: 'an absolute URL to another host', href: () => `${other.url}${KMS}` },
        { reason: 'a protocol-relative URL', href: () => `//127.0.0.1:${other.port}${KMS}` },
        { reason: 'userinfo that would turn the cluster into a user name', href: () => `@127.0.0.1:${other.port}${KMS}` },
        { reason: 'a path outside /api/', href: () => '/_sim/reset' },
        { reason: 'a path that leaves /api/ through ..', href: () => '/api/../_sim/reset' },
        { reason: 'a relative path', href: () => 'security/aws-kms' },
      ];
      for (const c of hrefs) {
        it(c.reason, async () => {
          await threeRecords();
          other.control.reset();
          const client = newClient(sim);
          try {
            sim.control.addFault({ method: 'GET', path: KMS, nextHref: c.href() });
            const err = await rejection(client.listAwsKms());
            expect(err).to.be.instanceOf(OntapProtocolError);
            expect(err.message).to.include('is not a path under /api/ on this cluster; refusing to follow it');
            expect(sim.control.requests()).to.have.length(1);
            expect(other.control.requests()).to.have.length(0);
            expect(sim.state.records.size, 'the control API was not reached').to.equal(3);
          } finally {
            client.close();
          }
        });
      }
    });
  });
});
