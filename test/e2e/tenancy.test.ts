/**
 * Tenants cannot hurt each other (issue 10), tried as a tenant would, on the real API server with
 * ontap-sim: a fake ONTAP that impersonates the real cluster, endpoints outside the allow-list,
 * an endpoint that answers with someone else's page, and a shared ClusterOntapCluster whose
 * tenancy policy decides who may manage which SVM.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ClusterOntapClusterType, OntapAwsKmsType, OntapClusterType } from '../../src/controller/resources.js';
import { type KubeObject, NamespaceType, SecretType } from '../../src/runtime/kube.js';
import { selfSignedCertificate } from '../../src/runtime/self-signed.js';
import type { SimulatorHandle } from '../../src/simulator/server.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsKmsWrites, awsSecret, condition, type E2E, kmsObject, secret, startE2E, waitFor } from '../support/e2e.js';
import { parseOntapAwsKms, parseOntapCluster } from '../../src/api/v1alpha1/parse.js';
import { SIM_PASSWORD, SIM_USER, startTestSim } from '../support/sim.js';

/** tcpCounter listens on `host` and counts the TCP connections it accepts (then drops them). */
async function tcpCounter(host: string): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function ontapCluster(ns: string, name: string, endpoint: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapCluster',
    metadata: { name, namespace: ns },
    spec: { endpoint, credentialsSecretRef: { name: 'ontap-admin' }, ...extra },
  };
}

async function createNamespace(w: E2E, name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): Promise<void> {
  await w.api.create(NamespaceType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, annotations } });
}

async function kmsIn(w: E2E, ns: string, name: string): Promise<ReturnType<typeof parseOntapAwsKms> | undefined> {
  const o = await w.api.get(OntapAwsKmsType, ns, name);
  return o ? parseOntapAwsKms(o) : undefined;
}

function syncedMessage(k: ReturnType<typeof parseOntapAwsKms> | undefined): string {
  return k?.status?.conditions?.find((c) => c.type === 'Synced')?.message ?? '';
}

async function dropNamespaces(w: E2E, names: readonly string[]): Promise<void> {
  for (const ns of names) {
    for (const o of (await w.api.list(OntapAwsKmsType, ns).catch(() => ({ items: [] }))).items) {
      await w.api.mergePatch(OntapAwsKmsType, ns, o.metadata.name, { metadata: { finalizers: null } }).catch(() => undefined);
    }
    await w.api.delete(NamespaceType, '', ns).catch(() => undefined);
  }
}

describe('e2e: tenants cannot hurt each other', function () {
  this.timeout(90_000);
  const suffix = randomBytes(3).toString('hex');

  describe('1. a fake ONTAP impersonating the real cluster', function () {
    let w: E2E;
    let fake: SimulatorHandle;
    const tenant = `e2e-spoof-${suffix}`;

    before(async function () {
      this.timeout(CONTROL_PLANE_TIMEOUT_MS);
      w = await startE2E();
      // The tenant's own ONTAP: it claims the real cluster's uuid, and has an svm3 of its own.
      fake = await startTestSim({ svms: ['svm3'], clusterUuid: w.sim.state.clusterUuid });
      await createNamespace(w, tenant);
      await w.api.create(SecretType, tenant, secret(tenant, 'ontap-admin', { username: SIM_USER, password: SIM_PASSWORD }, 'kubernetes.io/basic-auth'));
      await w.api.create(SecretType, tenant, secret(tenant, 'ontap-ca', { 'ca.crt': fake.caPem }));
      await w.api.create(SecretType, tenant, awsSecret(tenant));
      await w.api.create(SecretType, w.ns, awsSecret(w.ns));
      await w.api.create(OntapClusterType, tenant, ontapCluster(tenant, 'fake', fake.url, { caBundleSecretRef: { name: 'ontap-ca' } }));
      await w.startOperator(['--namespace', tenant]);
    });
    after(async () => {
      await w?.close();
      await fake?.close();
      await dropNamespaces(w, [tenant]);
    });

    it("the tenant claims svm3 first through its fake ONTAP, and the real owner's resource still configures the real svm3", async () => {
      await waitFor('the fake OntapCluster reports the real uuid', async () => {
        const c = await w.api.get(OntapClusterType, tenant, 'fake');
        return c ? parseOntapCluster(c).status?.clusterUUID === w.sim.state.clusterUuid : false;
      });
      await w.api.create(OntapAwsKmsType, tenant, kmsObject(tenant, 'grab', { clusterRef: { name: 'fake' }, svm: { name: 'svm3' } }));
      await waitFor('the tenant resource Ready on its fake ONTAP', async () => condition(await kmsIn(w, tenant, 'grab'), 'Ready') === 'True/Available');
      w.sim.control.clearRequests();

      await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'owner', { svm: { name: 'svm3' } }));
      await waitFor('the owner Ready on the real ONTAP', async () => condition(await kmsIn(w, w.ns, 'owner'), 'Ready') === 'True/Available');
      expect(awsKmsWrites(w.sim).map((r) => r.method)).to.include('POST');
      const real = [...w.sim.state.records.values()].find((r) => r.svm?.name === 'svm3');
      expect((await kmsIn(w, w.ns, 'owner'))?.status?.uuid).to.equal(real?.uuid);
    });

    it('the tenant still gets Conflict against the real claim, told nothing of the owner, and writes nothing', async () => {
      // Now the tenant holds real credentials to the real cluster too, and goes for the same SVM.
      await w.api.create(SecretType, tenant, secret(tenant, 'real-ca', { 'ca.crt': w.sim.caPem }));
      await w.api.create(OntapClusterType, tenant, ontapCluster(tenant, 'real', w.sim.url, { caBundleSecretRef: { name: 'real-ca' } }));
      w.sim.control.clearRequests();
      await w.api.create(OntapAwsKmsType, tenant, kmsObject(tenant, 'grab-real', { clusterRef: { name: 'real' }, svm: { name: 'svm3' }, region: 'eu-west-3' }));
      const blocked = await waitFor('Conflict', async () => {
        const k = await kmsIn(w, tenant, 'grab-real');
        return condition(k, 'Synced') === 'False/Conflict' ? k : undefined;
      });
      const message = syncedMessage(blocked);
      expect(message).to.contain('another namespace');
      expect(message).to.not.contain(w.ns);
      expect(message).to.not.contain('owner');
      expect(awsKmsWrites(w.sim), 'no write to the real ONTAP').to.deep.equal([]);
      expect(condition(await kmsIn(w, w.ns, 'owner'), 'Ready')).to.equal('True/Available');
    });
  });

  describe('2. endpoints outside the allow-list, and answers that are not ONTAP', function () {
    let w: E2E;
    let outside: Awaited<ReturnType<typeof tcpCounter>>;
    let page: { url: string; close: () => Promise<void> };

    before(async function () {
      this.timeout(CONTROL_PLANE_TIMEOUT_MS);
      w = await startE2E();
      // 127.0.0.2 is loopback too, but outside the allowed 127.0.0.1/32.
      outside = await tcpCounter('127.0.0.2');
      // An in-cluster web service the tenant would like to read through the operator.
      const tls = selfSignedCertificate({ commonName: 'intranet', ipAddresses: ['127.0.0.1'] });
      const server = createHttpsServer(tls, (_req, res) => {
        res.writeHead(404, 'PRIVATE-REASON-PHRASE', { 'content-type': 'text/html' });
        res.end('<html>PRIVATE-INTRANET-PAGE: salaries.xlsx</html>');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      page = {
        url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      };
      await w.api.create(SecretType, w.ns, awsSecret(w.ns));
      await w.startOperator(['--allowed-ontap-endpoints', '127.0.0.1/32']);
    });
    after(async () => {
      await w?.close();
      await outside?.close();
      await page?.close();
    });

    it('an OntapCluster outside the list is Ready=False/EndpointNotAllowed, and its listener never sees a connection', async () => {
      await w.api.create(OntapClusterType, w.ns, ontapCluster(w.ns, 'outside', `https://127.0.0.2:${outside.port}`, { insecureSkipTLSVerify: true }));
      await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'via-outside', { clusterRef: { name: 'outside' }, svm: { name: 'svm1' } }));
      const cluster = await waitFor('EndpointNotAllowed', async () => {
        const c = await w.api.get(OntapClusterType, w.ns, 'outside');
        const ready = c ? parseOntapCluster(c).status?.conditions?.find((x) => x.type === 'Ready') : undefined;
        return ready?.reason === 'EndpointNotAllowed' ? ready : undefined;
      });
      expect(cluster.status).to.equal('False');
      await waitFor('the OntapAwsKms says so', async () => condition(await kmsIn(w, w.ns, 'via-outside'), 'Synced') === 'False/EndpointNotAllowed');
      expect(outside.accepted(), 'TCP connections at the listener').to.equal(0);
    });

    it('a host name is dialled only at addresses inside the list: one that resolves elsewhere gets no connection', async () => {
      // localhost resolves to 127.0.0.1 (and ::1); an operator allowed only 10.255.255.0/24 must not dial either.
      const local = await tcpCounter('127.0.0.1');
      await w.stopOperator();
      await w.startOperator(['--allowed-ontap-endpoints', '10.255.255.0/24']);
      try {
        await w.api.create(OntapClusterType, w.ns, ontapCluster(w.ns, 'by-name', `https://localhost:${local.port}`, { insecureSkipTLSVerify: true }));
        const ready = await waitFor('EndpointNotAllowed', async () => {
          const c = await w.api.get(OntapClusterType, w.ns, 'by-name');
          const r = c ? parseOntapCluster(c).status?.conditions?.find((x) => x.type === 'Ready') : undefined;
          return r?.reason === 'EndpointNotAllowed' ? r : undefined;
        });
        expect(ready.message).to.contain('resolves to no address in the allowed ONTAP endpoints');
        expect(local.accepted(), 'TCP connections at the listener').to.equal(0);
      } finally {
        await w.stopOperator();
        await w.api.delete(OntapClusterType, w.ns, 'by-name');
        await local.close();
        await w.startOperator(['--allowed-ontap-endpoints', '127.0.0.1/32']);
      }
    });

    it('the simulator, inside the list, is used as before', async () => {
      await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'inside', { svm: { name: 'svm2' } }));
      await waitFor('Ready', async () => condition(await kmsIn(w, w.ns, 'inside'), 'Ready') === 'True/Available');
    });

    it('a redirect from an allowed endpoint to one outside the list is not followed', async () => {
      const tls = selfSignedCertificate({ commonName: 'redirector', ipAddresses: ['127.0.0.1'] });
      const server = createHttpsServer(tls, (_req, res) => {
        res.writeHead(302, { location: `https://127.0.0.2:${outside.port}/api/cluster` });
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        await w.api.create(OntapClusterType, w.ns, ontapCluster(w.ns, 'redirector', `https://127.0.0.1:${(server.address() as AddressInfo).port}`, { insecureSkipTLSVerify: true }));
        const ready = await waitFor('Ready=False', async () => {
          const c = await w.api.get(OntapClusterType, w.ns, 'redirector');
          const r = c ? parseOntapCluster(c).status?.conditions?.find((x) => x.type === 'Ready') : undefined;
          return r?.status === 'False' ? r : undefined;
        });
        expect(ready.message).to.contain('a redirect, which ONTAP');
        expect(outside.accepted(), 'TCP connections at the listener outside the list').to.equal(0);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });

    it("an answer that is not ONTAP's error envelope is described in status, never copied", async () => {
      await w.api.create(OntapClusterType, w.ns, ontapCluster(w.ns, 'intranet', page.url, { insecureSkipTLSVerify: true }));
      const ready = await waitFor('Ready=False', async () => {
        const c = await w.api.get(OntapClusterType, w.ns, 'intranet');
        const r = c ? parseOntapCluster(c).status?.conditions?.find((x) => x.type === 'Ready') : undefined;
        return r?.status === 'False' && r.reason !== 'EndpointNotAllowed' ? r : undefined;
      });
      expect(ready.message).to.contain("not ONTAP's error envelope (text/html, 49 bytes)");
      expect(ready.message).to.not.contain('PRIVATE');
      expect(ready.message).to.not.contain('salaries');
    });
  });

  describe('3. a shared ClusterOntapCluster and its tenancy policy', function () {
    let w: E2E;
    const platform = `e2e-platform-${suffix}`;
    const teamA = `e2e-team-a-${suffix}`;
    const teamB = `e2e-team-b-${suffix}`;
    const outsider = `e2e-outsider-${suffix}`;
    const shared = `shared-${suffix}`;

    before(async function () {
      this.timeout(CONTROL_PLANE_TIMEOUT_MS);
      w = await startE2E();
      const tenantLabel = { [`kms-tenant-${suffix}`]: 'true' };
      await createNamespace(w, platform);
      await createNamespace(w, teamA, tenantLabel);
      await createNamespace(w, teamB, tenantLabel, { 'kms.ontap.dev/svms': 'svm2' });
      await createNamespace(w, outsider, {}, { 'kms.ontap.dev/svms': 'svm3' });
      // The platform team's credentials live in the platform namespace only.
      await w.api.create(SecretType, platform, secret(platform, 'ontap-admin', { username: SIM_USER, password: SIM_PASSWORD }, 'kubernetes.io/basic-auth'));
      await w.api.create(SecretType, platform, secret(platform, 'ontap-ca', { 'ca.crt': w.sim.caPem }));
      for (const ns of [teamA, teamB, outsider]) await w.api.create(SecretType, ns, awsSecret(ns));
      await w.api.create(ClusterOntapClusterType, '', {
        apiVersion: 'kms.ontap.dev/v1alpha1',
        kind: 'ClusterOntapCluster',
        metadata: { name: shared },
        spec: {
          endpoint: w.sim.url,
          credentialsSecretRef: { name: 'ontap-admin' },
          caBundleSecretRef: { name: 'ontap-ca' },
          tenancy: { namespaceSelector: { matchLabels: tenantLabel }, svms: [{ namespace: teamA, names: ['svm1'] }], svmsAnnotation: 'kms.ontap.dev/svms' },
        },
      });
      await w.startOperator(['--namespace', `${teamA},${teamB},${outsider}`, '--cluster-resource-namespace', platform]);
    });
    after(async () => {
      await w?.close();
      await w.api.delete(ClusterOntapClusterType, '', shared).catch(() => undefined);
      await dropNamespaces(w, [platform, teamA, teamB, outsider]);
    });

    const ref = (): Record<string, unknown> => ({ clusterRef: { name: shared, kind: 'ClusterOntapCluster' } });

    it('connects with the Secrets of the cluster resource namespace and reports Ready on the ClusterOntapCluster', async () => {
      await waitFor('ClusterOntapCluster Ready', async () => {
        const c = await w.api.get(ClusterOntapClusterType, '', shared);
        return c ? parseOntapCluster(c).status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True' : false;
      });
    });

    it('each tenant manages the SVMs the policy grants it: team-a svm1 (policy list), team-b svm2 (namespace annotation)', async () => {
      await w.api.create(OntapAwsKmsType, teamA, kmsObject(teamA, 'kms', { ...ref(), svm: { name: 'svm1' } }));
      await w.api.create(OntapAwsKmsType, teamB, kmsObject(teamB, 'kms', { ...ref(), svm: { name: 'svm2' } }));
      await waitFor('team-a Ready', async () => condition(await kmsIn(w, teamA, 'kms'), 'Ready') === 'True/Available');
      await waitFor('team-b Ready', async () => condition(await kmsIn(w, teamB, 'kms'), 'Ready') === 'True/Available');
    });

    it('an SVM the namespace is not granted, or a namespace outside the selector, gets NotPermitted and no ONTAP request', async () => {
      w.sim.control.clearRequests();
      // The outsider squats on svm3 first (older wins a conflict); team-b asks for it too.
      await w.api.create(OntapAwsKmsType, outsider, kmsObject(outsider, 'kms', { ...ref(), svm: { name: 'svm3' } }));
      await w.api.create(OntapAwsKmsType, teamB, kmsObject(teamB, 'other-svm', { ...ref(), svm: { name: 'svm3' } }));
      const b = await waitFor('team-b NotPermitted', async () => {
        const k = await kmsIn(w, teamB, 'other-svm');
        return condition(k, 'Synced') === 'False/NotPermitted' ? k : undefined;
      });
      const o = await waitFor('outsider NotPermitted', async () => {
        const k = await kmsIn(w, outsider, 'kms');
        return condition(k, 'Synced') === 'False/NotPermitted' ? k : undefined;
      });
      expect(syncedMessage(b)).to.contain(`does not let namespace ${teamB} manage SVM svm3`);
      expect(syncedMessage(o)).to.contain(`does not admit namespace ${outsider}`);
      for (const m of [syncedMessage(b), syncedMessage(o)]) expect(m, 'the platform namespace is not named').to.not.contain(platform);
      const aboutSvm3 = w.sim.control.requests().filter((r) => `${r.path}?${r.query}`.includes('svm3') || JSON.stringify(r.body ?? {}).includes('svm3'));
      expect(aboutSvm3, 'requests naming svm3').to.deep.equal([]);
      expect(awsKmsWrites(w.sim), 'no write at all').to.deep.equal([]);
      expect([...w.sim.state.records.values()].some((r) => r.svm?.name === 'svm3')).to.equal(false);
    });

    it('the platform team grants svm3 to team-b by annotating its namespace, and the resource goes ahead', async () => {
      await w.api.mergePatch(NamespaceType, '', teamB, { metadata: { annotations: { 'kms.ontap.dev/svms': 'svm2,svm3' } } });
      // The outsider asked for svm3 first, but a refused resource claims nothing: team-b is not blocked.
      await waitFor('team-b svm3 Ready', async () => condition(await kmsIn(w, teamB, 'other-svm'), 'Ready') === 'True/Available');
      expect(condition(await kmsIn(w, outsider, 'kms'), 'Synced'), 'the outsider stays refused').to.equal('False/NotPermitted');
      // A refused resource learns nothing, not even that another namespace now holds svm3.
      await w.api.create(OntapAwsKmsType, outsider, kmsObject(outsider, 'late', { ...ref(), svm: { name: 'svm3' } }));
      const late = await waitFor('late refused', async () => {
        const k = await kmsIn(w, outsider, 'late');
        return condition(k, 'Synced')?.startsWith('False/') === true ? k : undefined;
      });
      expect(condition(late, 'Synced')).to.equal('False/NotPermitted');
    });
  });
});
