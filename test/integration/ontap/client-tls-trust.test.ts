/**
 * Real TLS verification failures, as Node reports them from a real handshake, classified the way
 * status shows them: CertificateUntrusted naming what to fix (the CA Secret, the certificate's
 * dates, the endpoint's host), never Unreachable, which points at the network.
 */
import { expect } from 'chai';
import type { LookupFunction } from 'node:net';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Reason } from '../../../src/api/v1alpha1/constants.js';
import { classifyError, type TrustContext } from '../../../src/controller/errors.js';
import { OntapTransportError } from '../../../src/ontap/errors.js';
import { selfSignedCertificate } from '../../../src/runtime/self-signed.js';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { generateTlsMaterial } from '../../../src/simulator/tls.js';
import { newClient, rejection, startSim } from './fixtures.js';

const TRUST: TrustContext = { cluster: 'OntapCluster storage/prod', caBundle: { secret: 'storage/prod-ca', key: 'ca.crt' } };

/** toLoopback resolves every name to 127.0.0.1, so that a certificate can be asked for a name it does not list. */
const toLoopback: LookupFunction = (_host, options, callback) => {
  if ((options as { all?: boolean }).all === true) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

describe('OntapClient against ontap-sim: a certificate that does not verify is CertificateUntrusted', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());

  async function classified(overrides: Parameters<typeof newClient>[1]): Promise<{ code: string | undefined; reason: string; message: string }> {
    const client = newClient(sim, overrides);
    try {
      const err = await rejection(client.getCluster());
      expect(err).to.be.instanceOf(OntapTransportError);
      const c = classifyError(err, 'probe', undefined, TRUST);
      return { code: (err as OntapTransportError).sysCode, reason: c.reason, message: c.message };
    } finally {
      client.close();
    }
  }

  it('another CA in the bundle: names spec.caBundleSecretRef and its Secret', async () => {
    const other = await generateTlsMaterial('other');
    const got = await classified({ caBundle: other.caPem });
    expect(got.reason).to.equal(Reason.CertificateUntrusted);
    expect(got.message).to.contain(`spec.caBundleSecretRef (Secret storage/prod-ca, key "ca.crt")`);
  });

  it('a host name the certificate does not list: names spec.endpoint', async () => {
    const port = new URL(sim.url).port;
    const got = await classified({ endpoint: `https://ontap.invalid:${port}`, lookup: toLoopback });
    expect(got.code).to.equal('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(got.reason).to.equal(Reason.CertificateUntrusted);
    expect(got.message).to.contain("does not name the host of OntapCluster storage/prod's spec.endpoint");
  });

  it('an expired certificate: says so, and that the CA Secret cannot fix it', async () => {
    const old = selfSignedCertificate({ commonName: 'expired', ipAddresses: ['127.0.0.1'], validDays: 1, now: new Date(Date.now() - 10 * 86_400_000) });
    const server: Server = createServer({ cert: old.cert, key: old.key }, (_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const got = await classified({ endpoint: `https://127.0.0.1:${port}`, caBundle: old.cert });
      expect(got.code).to.equal('CERT_HAS_EXPIRED');
      expect(got.reason).to.equal(Reason.CertificateUntrusted);
      expect(got.message).to.contain('has expired or is not valid yet');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
