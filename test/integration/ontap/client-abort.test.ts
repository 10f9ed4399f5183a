import { expect } from 'chai';
import net from 'node:net';
import type { OntapClient } from '../../../src/ontap/client.js';
import { isNotFound, OntapAbortedError, OntapErrorBase } from '../../../src/ontap/errors.js';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { createBody, newClient, rejection, startSim } from './fixtures.js';

/** BlackHole accepts TCP connections and never answers, not even the TLS handshake. */
interface BlackHole {
  readonly url: string;
  /** connections counts the sockets accepted so far. */
  readonly connections: () => number;
  /** open counts the sockets the client has not closed yet. */
  readonly open: () => number;
  close(): Promise<void>;
}

async function startBlackHole(): Promise<BlackHole> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    // Read and discard (the ClientHello): a paused socket would never see the client's FIN.
    socket.resume();
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    connections: () => accepted,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function blackHoleClient(hole: BlackHole, sim: SimulatorHandle, overrides: Parameters<typeof newClient>[1] = {}): OntapClient {
  return newClient({ ...sim, url: hole.url }, { requestTimeoutSeconds: 30, ...overrides });
}

/** abortAfter aborts a fresh controller after `ms` and records when. */
function abortAfter(ms: number): { signal: AbortSignal; abortedAt: () => number } {
  const controller = new AbortController();
  let at = 0;
  setTimeout(() => {
    at = performance.now();
    controller.abort();
  }, ms);
  return { signal: controller.signal, abortedAt: () => at };
}

async function waitFor(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('OntapClient: AbortSignal', () => {
  let sim: SimulatorHandle;
  let hole: BlackHole;
  before(async () => {
    sim = await startSim();
    hole = await startBlackHole();
  });
  after(async () => {
    await hole.close();
    await sim.close();
  });
  beforeEach(() => sim.control.reset());

  it('aborts a GET in flight to a server that never answers within 100 ms, and closes its socket', async () => {
    const client = blackHoleClient(hole, sim);
    try {
      const before = hole.connections();
      const { signal, abortedAt } = abortAfter(100);
      const err = await rejection(client.getCluster(signal));
      const took = performance.now() - abortedAt();
      expect(err).to.be.instanceOf(OntapAbortedError);
      expect(err.message).to.equal('get cluster: aborted');
      expect(took, 'ms from abort() to the rejection').to.be.below(100);
      expect(isNotFound(err)).to.equal(false);
      expect(hole.connections() - before, 'one attempt, no retry').to.equal(1);
      await waitFor('the socket to close', () => hole.open() === 0);
    } finally {
      client.close();
    }
  });

  it('says that an aborted write in flight has an unknown outcome', async () => {
    const client = blackHoleClient(hole, sim);
    try {
      const { signal, abortedAt } = abortAfter(100);
      const err = await rejection(client.patchAwsKms('1cd8a442-86d1-11e0-ae1c-123478563412', { region: 'us-east-2' }, signal));
      expect(performance.now() - abortedAt()).to.be.below(100);
      expect(err).to.be.instanceOf(OntapAbortedError);
      expect((err as OntapAbortedError).outcomeUnknown).to.equal(true);
      expect(err.message).to.equal('patch aws-kms 1cd8a442-86d1-11e0-ae1c-123478563412: aborted; the outcome of the write is unknown');
    } finally {
      client.close();
    }
  });

  it('sends nothing when the signal is already aborted', async () => {
    const client = blackHoleClient(hole, sim);
    try {
      const before = hole.connections();
      const calls: Array<[string, (s: AbortSignal) => Promise<unknown>]> = [
        ['getCluster', (s) => client.getCluster(s)],
        ['listAwsKms', (s) => client.listAwsKms({}, s)],
        ['createAwsKms', (s) => client.createAwsKms(createBody('svm1'), s)],
        ['deleteAwsKms', (s) => client.deleteAwsKms('1cd8a442-86d1-11e0-ae1c-123478563412', s)],
      ];
      for (const [name, call] of calls) {
        const err = await rejection(call(AbortSignal.abort()));
        expect(err, name).to.be.instanceOf(OntapAbortedError);
        expect((err as OntapAbortedError).outcomeUnknown, name).to.equal(false);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(hole.connections() - before, 'connections opened').to.equal(0);
    } finally {
      client.close();
    }
  });

  it('gives up the wait for a request slot at once', async () => {
    const client = blackHoleClient(hole, sim, { maxConcurrentRequests: 1 });
    const holder = new AbortController();
    try {
      const before = hole.connections();
      const first = rejection(client.getCluster(holder.signal));
      await waitFor('the first request to connect', () => hole.connections() === before + 1);
      expect(client.inFlight).to.equal(1);
      const { signal, abortedAt } = abortAfter(50);
      const err = await rejection(client.getCluster(signal));
      expect(performance.now() - abortedAt()).to.be.below(100);
      expect(err).to.be.instanceOf(OntapAbortedError);
      expect(hole.connections() - before, 'the queued call never connected').to.equal(1);
      expect(client.inFlight, 'the first call still holds its slot').to.equal(1);
      holder.abort();
      expect(await first).to.be.instanceOf(OntapAbortedError);
    } finally {
      holder.abort();
      client.close();
    }
  });

  it('stops a retry backoff at once', async () => {
    const client = newClient(sim, { retryBackoffMs: 30_000 });
    try {
      sim.control.addFault({ method: 'GET', path: '/api/cluster', drop: true });
      const { signal, abortedAt } = abortAfter(100);
      const err = await rejection(client.getCluster(signal));
      expect(performance.now() - abortedAt()).to.be.below(100);
      expect(err).to.be.instanceOf(OntapAbortedError);
      expect(sim.control.requests(), 'no attempt after the abort').to.have.length(1);
    } finally {
      client.close();
    }
  });

  it('stops polling a job on abort; the write outcome is unknown', async () => {
    const client = newClient(sim, { jobPollIntervalMs: 50 });
    try {
      sim.control.setAsync({ enabled: true, delayMs: 60_000 });
      const { signal, abortedAt } = abortAfter(200);
      const err = await rejection(client.createAwsKms(createBody('svm1'), signal));
      expect(performance.now() - abortedAt()).to.be.below(100);
      expect(err).to.be.instanceOf(OntapAbortedError).and.instanceOf(OntapErrorBase);
      const aborted = err as OntapAbortedError;
      expect(aborted.jobUuid).to.be.a('string');
      expect(aborted.outcomeUnknown).to.equal(true);
      expect(aborted.method).to.equal('POST');
      expect(err.message).to.equal(`create aws-kms for svm1: aborted while waiting for job ${aborted.jobUuid}; the outcome of the write is unknown`);
      const polls = (): number => sim.control.requests().filter((r) => r.path.startsWith('/api/cluster/jobs/')).length;
      expect(polls(), 'the job was polled before the abort').to.be.above(0);
      const afterAbort = polls();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(polls(), 'polls after the abort').to.equal(afterAbort);
    } finally {
      client.close();
    }
  });
});
