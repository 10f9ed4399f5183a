import { expect } from 'chai';
import { createServer } from 'node:net';
import tls from 'node:tls';
import { OntapClient } from '../../../src/ontap/client.js';
import { OntapTransportError } from '../../../src/ontap/errors.js';
import { IDLE_SOCKET_MS } from '../../../src/ontap/transport.js';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { generateTlsMaterial } from '../../../src/simulator/tls.js';
import { captureLogger, newClient, ONTAP_USER, rejection, SECRETS, startSim } from './fixtures.js';

describe('OntapClient against ontap-sim: TLS and connections', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  it('refuses a server whose certificate is not signed by the given CA, without falling back', async () => {
    const other = await generateTlsMaterial('other');
    const client = newClient(sim, { caBundle: other.caPem });
    try {
      const err = await rejection(client.getCluster());
      expect(err).to.be.instanceOf(OntapTransportError);
      expect((err as OntapTransportError).kind).to.equal('tls');
      expect((err as OntapTransportError).mayHaveBeenSent).to.equal(false);
      expect(sim.control.requests()).to.deep.equal([]);
    } finally {
      client.close();
    }
  });

  it('refuses the self-signed simulator with the system roots', async () => {
    const client = new OntapClient({ endpoint: sim.url, auth: { kind: 'basic', username: ONTAP_USER, password: SECRETS.ontapPassword }, logger: captureLogger() });
    try {
      const err = await rejection(client.getCluster());
      expect((err as OntapTransportError).kind).to.equal('tls');
    } finally {
      client.close();
    }
  });

  it('connects without verification only when insecureSkipTLSVerify is set', async () => {
    const client = new OntapClient({
      endpoint: sim.url,
      auth: { kind: 'basic', username: ONTAP_USER, password: SECRETS.ontapPassword },
      insecureSkipTLSVerify: true,
      logger: captureLogger(),
    });
    try {
      expect((await client.getCluster()).name).to.equal('sim-cluster');
    } finally {
      client.close();
    }
  });

  it('reports connection refused as a transport error that was not sent', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const address = srv.address();
        srv.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const client = newClient(sim, { endpoint: `https://127.0.0.1:${port}` });
    try {
      const err = await rejection(client.patchAwsKms('1cd8a442-86d1-11e0-ae1c-123478563412', { region: 'x' }));
      expect(err).to.be.instanceOf(OntapTransportError);
      expect(err).to.include({ kind: 'connection', sysCode: 'ECONNREFUSED', mayHaveBeenSent: false });
    } finally {
      client.close();
    }
  });

  it('opens every socket of a connection on one TLS context, built once from its CA bundle', async () => {
    // Node builds a context per TLS connection from plain ca/cert/key options: parsing the bundle
    // again for every socket the agent opens after an idle close, a drop or a timeout.
    const built = { count: 0 };
    const original = tls.createSecureContext;
    tls.createSecureContext = (options) => {
      built.count++;
      return original(options);
    };
    let client: OntapClient | undefined;
    try {
      const c = (client = newClient(sim));
      sim.control.addFault({ path: '/api/cluster', latencyMs: 80 });
      const clusters = await Promise.all(Array.from({ length: 4 }, () => c.getCluster()));
      expect(clusters.map((x) => x.name)).to.deep.equal(Array(4).fill('sim-cluster'));
      expect(sim.control.stats().maxInFlight, 'four sockets at once').to.equal(4);
      expect(built.count, 'TLS contexts built for four sockets').to.equal(1);
    } finally {
      tls.createSecureContext = original;
      client?.close();
    }
  });

  it('closes an idle socket after IDLE_SOCKET_MS, though the server would keep it, and not a busy one', async () => {
    // A fleet's clusters are read once an interval: a socket kept idle until the server closes it
    // (ontap-sim, as Node's server, after 5 s) held every cluster's TLS buffers through the pass.
    const c = newClient(sim);
    try {
      await c.getCluster();
      expect(c.openSockets, 'the socket of the request, kept alive').to.equal(1);
      await new Promise((r) => setTimeout(r, IDLE_SOCKET_MS + 400));
      expect(c.openSockets, `sockets ${IDLE_SOCKET_MS + 400} ms after the request`).to.equal(0);
      // A busy socket is not cut by the idle bound: a read slower than it still gets its answer.
      sim.control.addFault({ path: '/api/cluster', latencyMs: IDLE_SOCKET_MS + 500 });
      await c.getCluster();
      await c.getCluster();
      expect(c.openSockets).to.equal(1);
    } finally {
      sim.control.clearFaults();
      c.close();
    }
  });

  it('refuses a plain-http endpoint', () => {
    expect(() => newClient(sim, { endpoint: 'http://127.0.0.1:1' })).to.throw(/only https/);
  });
});
