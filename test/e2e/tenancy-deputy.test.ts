/**
 * The confused deputy, open by default (issue 18, item 1): a tenant who may create an
 * OntapCluster and an OntapAzureKeyVault in a namespace, but may not read its Secrets, points the
 * OntapCluster at an HTTPS server of their own (a fake ONTAP that accepts their own credentials)
 * and names a Secret they cannot read as the vault's clientSecretRef. An operator started
 * without any allow-list flag (the flag's and the chart's default) must send that server
 * nothing: not a request, not a TCP connection.
 */
import { expect } from 'chai';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { parseOntapAzureKeyVault, parseOntapCluster } from '../../src/api/v1alpha1/parse.js';
import { OntapAzureKeyVaultType, OntapClusterType } from '../../src/controller/resources.js';
import { SecretType } from '../../src/runtime/kube.js';
import type { SimulatorHandle } from '../../src/simulator/server.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { akvObject, condition, type E2E, getResource, secret, startE2E, waitFor } from '../support/e2e.js';
import { SIM_PASSWORD, SIM_USER, startTestSim } from '../support/sim.js';

/** A ServiceAccount-token-like value the tenant must never see (Opaque here: the Secret-type checks are tested apart). */
const STOLEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a3ViZS1zeXN0ZW06YWRtaW4ifQ.DEPUTY-SIGNATURE';

/** countingProxy listens on 127.0.0.1, counts the TCP connections it accepts and pipes them to `target`. */
async function countingProxy(target: number): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    accepted++;
    const up = createConnection({ host: '127.0.0.1', port: target });
    for (const x of [s, up]) {
      sockets.add(x);
      x.on('error', () => undefined);
      x.on('close', () => sockets.delete(x));
    }
    s.pipe(up).pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

describe('e2e: the confused deputy — an operator with no allow-list flag contacts no endpoint', function () {
  this.timeout(90_000);
  let w: E2E;
  let hostile: SimulatorHandle;
  let front: Awaited<ReturnType<typeof countingProxy>>;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E();
    // The tenant's own "ONTAP": it takes the tenant's credentials and records every request body.
    hostile = await startTestSim({ svms: ['svm1'] });
    front = await countingProxy(hostile.port);
    // No --allowed-ontap-endpoints and no --allow-any-ontap-endpoint: the default of the flag and the chart.
    await w.startOperator([], { allowList: 'none' });
  });
  after(async () => {
    await w?.close();
    await front?.close();
    await hostile?.close();
  });

  it('an OntapCluster pointed at a tenant server is Ready=False/EndpointNotAllowed, naming the flag, and the server sees nothing', async () => {
    // The victim's Secret, which the tenant cannot read (created here by the test's admin identity).
    await w.api.create(SecretType, w.ns, secret(w.ns, 'victim-token', { token: STOLEN }));
    // What the tenant may create: their own credentials and CA, an OntapCluster, an OntapAzureKeyVault.
    await w.api.create(SecretType, w.ns, secret(w.ns, 'mine', { username: SIM_USER, password: SIM_PASSWORD }, 'kubernetes.io/basic-auth'));
    await w.api.create(SecretType, w.ns, secret(w.ns, 'mine-ca', { 'ca.crt': hostile.caPem }));
    await w.api.create(OntapClusterType, w.ns, {
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'OntapCluster',
      metadata: { name: 'hostile', namespace: w.ns },
      spec: { endpoint: `https://127.0.0.1:${front.port}`, credentialsSecretRef: { name: 'mine' }, caBundleSecretRef: { name: 'mine-ca' } },
    });
    await w.api.create(OntapAzureKeyVaultType, w.ns, akvObject(w.ns, 'exfil', {
      clusterRef: { name: 'hostile' },
      svm: { name: 'svm1' },
      clientSecretRef: { name: 'victim-token', key: 'token' },
    }));

    // Whichever comes first: the refusal, or the operator at the tenant's door.
    const ready = await waitFor('EndpointNotAllowed (or a connection to the tenant server)', async () => {
      if (front.accepted() > 0) return { reason: 'CONNECTED', message: '' };
      const c = await w.api.get(OntapClusterType, w.ns, 'hostile');
      const r = c ? parseOntapCluster(c).status?.conditions?.find((x) => x.type === 'Ready') : undefined;
      return r?.reason === 'EndpointNotAllowed' ? r : undefined;
    });
    expect(front.accepted(), 'TCP connections to the tenant server').to.equal(0);
    expect(ready.reason).to.equal('EndpointNotAllowed');
    expect(ready.message).to.contain('--allowed-ontap-endpoints');
    expect(ready.message).to.contain('allowedOntapEndpoints');

    const akv = await waitFor('the OntapAzureKeyVault says so', async () => {
      const k = await getResource(w, OntapAzureKeyVaultType, 'exfil', parseOntapAzureKeyVault);
      return condition(k, 'Synced') === 'False/EndpointNotAllowed' ? k : undefined;
    });
    expect(akv.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('--allowed-ontap-endpoints');

    // A few more reconciles' worth of time: still nothing.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(front.accepted(), 'TCP connections to the tenant server').to.equal(0);
    expect(hostile.control.requests(), 'requests at the tenant server').to.deep.equal([]);
    expect(JSON.stringify([...hostile.state.azureKeyVaults.values()])).to.not.contain('DEPUTY-SIGNATURE');
  });
});
