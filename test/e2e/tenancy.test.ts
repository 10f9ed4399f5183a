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
import { ClusterOntapClusterType, OntapAwsKmsType, OntapClusterType, OntapOnboardKeyManagerType } from '../../src/controller/resources.js';
import { EventType, type KubeObject, NamespaceType, SecretType } from '../../src/runtime/kube.js';
import { selfSignedCertificate } from '../../src/runtime/self-signed.js';
import type { SimulatorHandle } from '../../src/simulator/server.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsKmsWrites, awsSecret, condition, type E2E, kmsObject, secret, startE2E, waitFor } from '../support/e2e.js';
import { parseOntapAwsKms, parseOntapCluster, parseOntapOnboardKeyManager } from '../../src/api/v1alpha1/parse.js';
import { TEST_SECRETS } from '../support/log-capture.js';
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

function syncedMessage(k: { status?: { conditions?: ReadonlyArray<{ type: string; message: string }> } } | undefined): string {
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
    // The owner manages svm3 through the platform's ClusterOntapCluster: a claim made there counts
    // against every namespace. A claim made through a namespace's own OntapCluster counts only in
    // that namespace, since its endpoint is that tenant's to choose (see the forged-claim test).
    const platformShared = `owner-shared-${suffix}`;

    before(async function () {
      this.timeout(CONTROL_PLANE_TIMEOUT_MS);
      w = await startE2E();
      // The tenant's own ONTAP: it claims the real cluster's uuid, and has an svm3 and svm2 of its own.
      fake = await startTestSim({ svms: ['svm3', 'svm2'], clusterUuid: w.sim.state.clusterUuid });
      await createNamespace(w, tenant);
      await w.api.create(SecretType, tenant, secret(tenant, 'ontap-admin', { username: SIM_USER, password: SIM_PASSWORD }, 'kubernetes.io/basic-auth'));
      await w.api.create(SecretType, tenant, secret(tenant, 'ontap-ca', { 'ca.crt': fake.caPem }));
      await w.api.create(SecretType, tenant, awsSecret(tenant));
      await w.api.create(SecretType, w.ns, awsSecret(w.ns));
      await w.api.create(OntapClusterType, tenant, ontapCluster(tenant, 'fake', fake.url, { caBundleSecretRef: { name: 'ontap-ca' } }));
      await w.api.create(ClusterOntapClusterType, '', {
        apiVersion: 'kms.ontap.dev/v1alpha1',
        kind: 'ClusterOntapCluster',
        metadata: { name: platformShared },
        spec: { endpoint: w.sim.url, credentialsSecretRef: { name: 'ontap-admin' }, caBundleSecretRef: { name: 'ontap-ca' }, tenancy: { namespaceSelector: {}, svms: [{ namespace: w.ns, names: ['svm3'] }] } },
      });
      await w.startOperator(['--namespace', tenant, '--cluster-resource-namespace', w.ns]);
    });
    after(async () => {
      await w?.close();
      await fake?.close();
      await w.api.delete(ClusterOntapClusterType, '', platformShared).catch(() => undefined);
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

      await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'owner', { clusterRef: { name: platformShared, kind: 'ClusterOntapCluster' }, svm: { name: 'svm3' } }));
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

    it("a forged claim: the tenant's fake ONTAP reports the victim's record uuid, and the victim is not put in Conflict", async function () {
      this.timeout(120_000);
      // The tenant's resource on svm2 comes first (the older wins a confirmed conflict), on its fake ONTAP.
      await w.api.create(OntapAwsKmsType, tenant, kmsObject(tenant, 'forger', { clusterRef: { name: 'fake' }, svm: { name: 'svm2' } }));
      await waitFor('the forger Ready on its fake ONTAP', async () => condition(await kmsIn(w, tenant, 'forger'), 'Ready') === 'True/Available');
      // creationTimestamp has whole seconds, and a tie goes by namespace/name: make the forger strictly older.
      await new Promise((r) => setTimeout(r, 1_100));
      // The victim configures the real svm2 through its own namespace's OntapCluster.
      await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'victim', { svm: { name: 'svm2' } }));
      const victim = await waitFor('the victim Ready', async () => {
        const k = await kmsIn(w, w.ns, 'victim');
        return condition(k, 'Ready') === 'True/Available' ? k : undefined;
      });
      const realUuid = victim.status?.uuid ?? '';
      expect(realUuid).to.not.equal('');
      // The fake ONTAP now shows its svm2 record under the victim's uuid: the forger adopts it as its own.
      const forged = [...fake.state.records.values()].find((r) => r.svm?.name === 'svm2');
      expect(forged, "the fake's svm2 record").to.not.equal(undefined);
      if (forged) {
        fake.state.records.delete(forged.uuid);
        fake.state.records.set(realUuid, { ...forged, uuid: realUuid });
      }
      await waitFor('the forger claims the victim uuid', async () => (await kmsIn(w, tenant, 'forger'))?.status?.uuid === realUuid, 30_000);
      // Through two of the victim's drift checks (10 s each) it keeps its record, and keeps managing it.
      w.sim.control.clearRequests();
      const until = Date.now() + 25_000;
      while (Date.now() < until) {
        const k = await kmsIn(w, w.ns, 'victim');
        expect(condition(k, 'Synced'), 'the victim').to.equal('True/ReconcileSuccess');
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(w.sim.control.requests().filter((r) => r.method === 'GET' && r.path.startsWith('/api/security/aws-kms')).length, 'the victim kept reading its record').to.be.greaterThan(0);
      const record = w.sim.state.records.get(realUuid);
      expect(record?.svm?.name).to.equal('svm2');
    });
  });

  describe('2. endpoints outside the allow-list, and answers that are not ONTAP', function () {
    let w: E2E;
    let outside: Awaited<ReturnType<typeof tcpCounter>>;
    let page: { url: string; close: () => Promise<void> };

    before(async function () {
      this.timeout(CONTROL_PLANE_TIMEOUT_MS);
      w = await startE2E();
      // 127.0.0.2 is loopback too, but outside the allowed 127.0.0.1/32 (any port: ontap-sim's is random).
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
      await w.startOperator(['--allowed-ontap-endpoints', '127.0.0.1/32:*']);
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
      // localhost resolves to 127.0.0.1 (and ::1); an operator allowed only 10.255.255.0/24 must not
      // dial either. Any port, so that the name passes to the socket's lookup, which refuses it.
      const local = await tcpCounter('127.0.0.1');
      await w.stopOperator();
      await w.startOperator(['--allowed-ontap-endpoints', '10.255.255.0/24:*']);
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
        await w.startOperator(['--allowed-ontap-endpoints', '127.0.0.1/32:*']);
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

    it('a tenant granted an SVM cannot take the cluster scope: its OntapOnboardKeyManager is NotPermitted and nothing reaches ONTAP', async () => {
      w.sim.control.clearRequests();
      await w.api.create(SecretType, teamA, secret(teamA, 'okm', { passphrase: TEST_SECRETS.onboardPassphrase }));
      await w.api.create(OntapOnboardKeyManagerType, teamA, {
        apiVersion: 'kms.ontap.dev/v1alpha1',
        kind: 'OntapOnboardKeyManager',
        metadata: { name: 'okm', namespace: teamA },
        spec: { ...ref(), passphraseSecretRef: { name: 'okm' }, backupSecretRef: { name: 'okm-backup' } },
      });
      const o = await waitFor('NotPermitted', async () => {
        const raw = await w.api.get(OntapOnboardKeyManagerType, teamA, 'okm');
        const x = raw ? parseOntapOnboardKeyManager(raw) : undefined;
        return condition(x, 'Synced') === 'False/NotPermitted' ? x : undefined;
      });
      expect(syncedMessage(o)).to.contain('cluster scope');
      expect(w.sim.control.requests().filter((r) => r.path.startsWith('/api/security/key-managers')), 'no request to key-managers').to.deep.equal([]);
      expect(await w.api.get(SecretType, teamA, 'okm-backup'), 'no backup Secret').to.equal(undefined);
      await w.api.delete(OntapOnboardKeyManagerType, teamA, 'okm');
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

    const events = async (ns: string, name: string): Promise<Array<{ type: string; reason: string; message: string }>> =>
      (await w.api.list(EventType, ns, { fieldSelector: `involvedObject.name=${name}` })).items.map((e) => ({ type: e.type as string, reason: e.reason as string, message: e.message as string }));
    const gone = async (ns: string, name: string): Promise<boolean> => (await w.api.get(OntapAwsKmsType, ns, name)) === undefined;

    it("a tenant writes another SVM's record uuid into its own status and deletes: nothing is deleted on ONTAP", async () => {
      const victim = (await kmsIn(w, teamA, 'kms'))?.status?.uuid ?? '';
      const own = (await kmsIn(w, teamB, 'kms'))?.status?.uuid ?? '';
      expect(victim, "team-a's svm1 record").to.not.equal('');
      expect(w.sim.state.records.get(victim)?.svm?.name).to.equal('svm1');
      await w.api.mergePatch(OntapAwsKmsType, teamB, 'kms', { spec: { deletionPolicy: 'Delete' } });
      await waitFor('team-b kms sees its Delete policy', async () => (await kmsIn(w, teamB, 'kms'))?.metadata.generation === (await kmsIn(w, teamB, 'kms'))?.status?.observedGeneration);
      // The operator is down (an upgrade, a drain) while the tenant writes the status subresource
      // (a role with resources ["*"] includes it) and then deletes the resource.
      await w.stopOperator();
      await w.api.mergePatch(OntapAwsKmsType, teamB, 'kms', { status: { uuid: victim } }, { subresource: 'status' });
      expect((await kmsIn(w, teamB, 'kms'))?.status?.uuid).to.equal(victim);
      await w.api.delete(OntapAwsKmsType, teamB, 'kms');
      w.sim.control.clearRequests();
      await w.startOperator(['--namespace', `${teamA},${teamB},${outsider}`, '--cluster-resource-namespace', platform]);
      await waitFor('team-b kms deleted from Kubernetes', () => gone(teamB, 'kms'));
      expect(awsKmsWrites(w.sim).filter((r) => r.method === 'DELETE'), 'DELETEs sent to ONTAP').to.deep.equal([]);
      expect(w.sim.state.records.get(victim)?.svm?.name, "team-a's record").to.equal('svm1');
      expect(w.sim.state.records.get(own)?.svm?.name, "team-b's own record: status named another, so it is left too").to.equal('svm2');
      expect(condition(await kmsIn(w, teamA, 'kms'), 'Ready')).to.equal('True/Available');
      const orphaned = (await events(teamB, 'kms')).find((e) => e.reason === 'Orphaned');
      expect(orphaned?.type).to.equal('Warning');
      expect(orphaned?.message).to.contain(`ONTAP shows ${victim} on SVM svm1, not on SVM svm2`);
    });

    it('a Delete-policy resource whose grant was revoked is released without touching ONTAP, so its namespace can go', async () => {
      const own = (await kmsIn(w, teamB, 'other-svm'))?.status?.uuid ?? '';
      expect(w.sim.state.records.get(own)?.svm?.name).to.equal('svm3');
      await w.api.mergePatch(OntapAwsKmsType, teamB, 'other-svm', { spec: { deletionPolicy: 'Delete' } });
      await waitFor('the Delete policy seen', async () => {
        const k = await kmsIn(w, teamB, 'other-svm');
        return k?.metadata.generation === k?.status?.observedGeneration;
      });
      // The platform team takes svm3 back from team-b.
      await w.api.mergePatch(NamespaceType, '', teamB, { metadata: { annotations: { 'kms.ontap.dev/svms': 'svm2' } } });
      await waitFor('NotPermitted', async () => condition(await kmsIn(w, teamB, 'other-svm'), 'Synced') === 'False/NotPermitted');
      w.sim.control.clearRequests();
      await w.api.delete(OntapAwsKmsType, teamB, 'other-svm');
      await waitFor('released and gone', () => gone(teamB, 'other-svm'), 15_000);
      expect(w.sim.control.requests().filter((r) => r.path.startsWith('/api/security/aws-kms')), 'requests to ONTAP').to.deep.equal([]);
      expect(w.sim.state.records.get(own)?.svm?.name, 'the record is left on ONTAP').to.equal('svm3');
      const orphaned = (await events(teamB, 'other-svm')).find((e) => e.reason === 'Orphaned');
      expect(orphaned?.type).to.equal('Warning');
      expect(orphaned?.message).to.contain(`ClusterOntapCluster ${shared} no longer permits it`);
    });
  });

  describe('4. Secrets of a type the reference does not take', function () {
    let w: E2E;

    before(async function () {
      this.timeout(CONTROL_PLANE_TIMEOUT_MS);
      w = await startE2E();
      await w.startOperator();
    });
    after(async () => {
      await w?.close();
    });

    const stolen: Array<{ name: string; type: string; data: Record<string, string>; annotations?: Record<string, string>; key: string }> = [
      { name: 'sa-token', type: 'kubernetes.io/service-account-token', data: { token: 'eyJhbGciOiJSUzI1NiJ9.STOLEN-SA-TOKEN.sig' }, annotations: { 'kubernetes.io/service-account.name': 'default' }, key: 'token' },
      { name: 'registry', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': '{"auths":{"r.example":{"auth":"U1RPTEVO"}}}' }, key: '.dockerconfigjson' },
    ];
    for (const s of stolen) {
      it(`an OntapAwsKms naming a ${s.type} Secret is SecretInvalid naming it and its type, and nothing reaches ONTAP`, async () => {
        await w.api.create(SecretType, w.ns, { apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace: w.ns, annotations: s.annotations ?? {} }, type: s.type, stringData: s.data });
        w.sim.control.clearRequests();
        const name = `via-${s.name}`;
        await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, name, { svm: { name: 'svm1' }, credentialsSecretRef: { name: s.name, accessKeyIdKey: s.key, secretAccessKeyKey: s.key } }));
        const k = await waitFor('SecretInvalid', async () => {
          const o = await kmsIn(w, w.ns, name);
          return condition(o, 'Synced') === 'False/SecretInvalid' ? o : undefined;
        });
        expect(syncedMessage(k)).to.contain(`Secret ${w.ns}/${s.name} is of type ${s.type}, which spec.credentialsSecretRef does not take (it takes Opaque)`);
        expect(awsKmsWrites(w.sim), 'writes to ONTAP').to.deep.equal([]);
        for (const v of Object.values(s.data)) expect(JSON.stringify(w.sim.control.requests())).to.not.contain(v);
        await w.api.delete(OntapAwsKmsType, w.ns, name);
      });
    }
  });
});
