import { expect } from 'chai';
import { parseOntapKmip } from '../../src/api/v1alpha1/parse.js';
import type { OntapKmip } from '../../src/api/v1alpha1/types.js';
import { certificatePrefix } from '../../src/controller/ontap-kmip/adapter.js';
import { ClusterOntapClusterType, OntapAwsKmsType, OntapKmipType } from '../../src/controller/resources.js';
import { EventType, type KubeObject, SecretType } from '../../src/runtime/kube.js';
import { selfSignedCertificate } from '../../src/runtime/self-signed.js';
import { fingerprint } from '../../src/simulator/fingerprint.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsSecret, condition, type E2E, kmsObject, secret, startE2E, waitFor, writesTo } from '../support/e2e.js';
import { TEST_SECRETS } from '../support/log-capture.js';
import { SIM_PASSWORD, SIM_USER, simRequest } from '../support/sim.js';

const KM = '/api/security/key-managers';
const CERTS = '/api/security/certificates';

/** tlsSecret is a kubernetes.io/tls Secret with a fresh certificate and key, as cert-manager writes one. */
function tlsSecret(ns: string, name: string, cn: string): { secret: KubeObject; cert: string; key: string } {
  const c = selfSignedCertificate({ commonName: cn, validDays: 90 });
  return { secret: secret(ns, name, { 'tls.crt': c.cert, 'tls.key': c.key }, 'kubernetes.io/tls'), ...c };
}

/** kmipObject builds an OntapKmip on the e2e namespace's OntapCluster `sim`. */
function kmipObject(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapKmip',
    metadata: { name, namespace: ns },
    spec: { clusterRef: { name: 'sim' }, clientCertificateSecretRef: { name: 'kmip-client' }, serverCASecretRef: { name: 'kmip-ca' }, driftCheckIntervalSeconds: 10, ...spec },
  };
}

describe('e2e: OntapKmip on the real API server and ontap-sim', function () {
  this.timeout(90_000);
  let w: E2E;
  let client: { cert: string; key: string };
  const get = async (name: string): Promise<OntapKmip | undefined> => {
    const o = await w.api.get(OntapKmipType, w.ns, name);
    return o ? parseOntapKmip(o) : undefined;
  };
  const writes = (prefix = '/api/security/') => writesTo(w.sim, prefix).map((r) => `${r.method} ${r.path} ${r.status}`);
  const bodyOf = (method: string, pathPart: string): unknown => writesTo(w.sim, '/api/security/').find((r) => r.method === method && r.path.includes(pathPart))?.body;
  const reasons = async (name: string) => (await w.api.list(EventType, w.ns, { fieldSelector: `involvedObject.name=${name}` })).items.map((e) => e.reason as string);
  const record = (svm: string) =>
    (w.sim.control.keyManagers() as Array<{ kind: string; uuid: string; svm?: { name: string }; servers?: Array<{ server: string; timeout?: number }> }>).find((r) => r.kind === 'external' && r.svm?.name === svm);
  const certNames = (svm: string): string[] =>
    (w.sim.control.certificates() as Array<{ name: string; svm?: { name: string } }>).filter((c) => c.svm?.name === svm).map((c) => c.name).sort();
  const ready = async (name: string): Promise<OntapKmip> =>
    waitFor(`${name} Ready`, async () => {
      const o = await get(name);
      return condition(o, 'Ready') === 'True/Available' && condition(o, 'Synced') === 'True/ReconcileSuccess' ? o : undefined;
    });

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: ['svm1', 'svm2', 'svm3', 'svm4', 'svm5'] });
    const tls = tlsSecret(w.ns, 'kmip-client', 'ontap-svm1');
    client = tls;
    await w.api.create(SecretType, w.ns, tls.secret);
    await w.api.create(SecretType, w.ns, secret(w.ns, 'kmip-ca', { 'ca.crt': selfSignedCertificate({ commonName: 'kmip-ca' }).cert }));
    await w.api.create(SecretType, w.ns, secret(w.ns, 'kmip-login', { password: TEST_SECRETS.kmipPassword }));
    await w.startOperator(['--cluster-resource-namespace', w.ns]);
  });
  after(async () => {
    await w?.close();
    await w?.api.delete(ClusterOntapClusterType, '', `kmip-${w.ns}`).catch(() => undefined);
  });
  beforeEach(() => w.sim.control.clearRequests());

  it('installs the certificates first, then creates the key manager with its servers, then sets a server\'s settings and password', async () => {
    await w.api.create(
      OntapKmipType,
      w.ns,
      kmipObject(w.ns, 'k1', {
        svm: { name: 'svm1' },
        servers: [{ host: '10.0.0.5' }, { host: 'kmip2.example', port: 5697, timeout: 20, username: 'ontap', passwordSecretRef: { name: 'kmip-login' }, secondaryKeyServers: ['kmip2-dr.example'] }],
      }),
    );
    const k = await ready('k1');
    expect(writes()).to.deep.equal([
      `POST ${CERTS} 201`,
      `POST ${CERTS} 201`,
      `POST ${KM} 201`,
      `PATCH ${KM}/${record('svm1')?.uuid ?? ''}/key-servers/kmip2.example%3A5697 200`,
    ]);
    // The key as read from the Secret (surrounding whitespace trimmed), never the text itself.
    expect(bodyOf('POST', CERTS)).to.deep.include({ type: 'client', private_key: fingerprint(client.key.trim()), svm: { name: 'svm1' } });
    expect(bodyOf('PATCH', 'key-servers')).to.deep.equal({ timeout: 20, secondary_key_servers: ['kmip2-dr.example'], username: 'ontap', password: fingerprint(TEST_SECRETS.kmipPassword) });
    const prefix = certificatePrefix({ namespace: w.ns, name: 'k1' });
    expect(k.status?.clientCertificate?.name).to.match(new RegExp(`^${prefix}-client-[0-9a-f]{12}$`));
    expect(Date.parse(k.status?.clientCertificate?.expiryTime ?? '')).to.be.greaterThan(Date.now() + 80 * 86_400_000);
    expect(k.status?.serverCaCertificates?.map((c) => c.name)).to.have.length(1);
    expect(k.status?.keyServers?.map((s) => [s.server, s.available])).to.deep.equal([
      ['10.0.0.5:5696', true],
      ['kmip2.example:5697', true],
    ]);
    expect(k.status?.keyServers?.[1]).to.include({ timeout: 20, username: 'ontap' });
    expect(condition(k, 'KeyServersReachable')).to.equal('True/Reachable');
    expect(await reasons('k1')).to.include('Created');
  });

  it('a second OntapKmip on the same SVM: the younger reports Conflict and writes nothing', async () => {
    await w.api.create(OntapKmipType, w.ns, kmipObject(w.ns, 'k1-twin', { svm: { name: 'svm1' }, servers: [{ host: '10.0.0.99' }] }));
    const twin = await waitFor('Conflict', async () => {
      const o = await get('k1-twin');
      return condition(o, 'Synced') === 'False/Conflict' ? o : undefined;
    });
    expect(twin.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('k1');
    expect(writes()).to.deep.equal([]);
    await w.api.delete(OntapKmipType, w.ns, 'k1-twin');
    await waitFor('twin gone', async () => (await get('k1-twin')) === undefined);
    expect(writes(), 'its deletion (Retain) writes nothing either').to.deep.equal([]);
  });

  it('adds and removes key servers by difference, the new one first', async () => {
    const uuid = record('svm1')?.uuid ?? '';
    await w.api.mergePatch(OntapKmipType, w.ns, 'k1', {
      spec: { servers: [{ host: '10.0.0.7' }, { host: 'kmip2.example', port: 5697, timeout: 20, username: 'ontap', passwordSecretRef: { name: 'kmip-login' }, secondaryKeyServers: ['kmip2-dr.example'] }] },
    });
    await waitFor('servers changed', () => (record('svm1')?.servers ?? []).map((s) => s.server).sort().join(',') === '10.0.0.7:5696,kmip2.example:5697');
    expect(writes()).to.deep.equal([`POST ${KM}/${uuid}/key-servers 201`, `DELETE ${KM}/${uuid}/key-servers/10.0.0.5%3A5696 200`]);
    await ready('k1');
  });

  it('corrects a key server setting changed behind its back', async () => {
    const uuid = record('svm1')?.uuid ?? '';
    expect((await simRequest(w.sim, 'PATCH', `${KM}/${uuid}/key-servers/kmip2.example%3A5697`, { body: { timeout: 45 } })).status).to.equal(200);
    w.sim.control.clearRequests();
    await waitFor('timeout corrected', () => record('svm1')?.servers?.find((s) => s.server === 'kmip2.example:5697')?.timeout === 20, 30_000);
    expect(writes()).to.deep.equal([`PATCH ${KM}/${uuid}/key-servers/kmip2.example%3A5697 200`]);
    expect(bodyOf('PATCH', 'key-servers')).to.deep.equal({ timeout: 20 });
  });

  it('rotates the client certificate make-before-break: install the new one, switch, then delete the old one', async () => {
    const before = (await get('k1'))?.status?.clientCertificate?.name ?? '';
    const renewed = tlsSecret(w.ns, 'kmip-client', 'ontap-svm1');
    await w.api.replace(SecretType, w.ns, 'kmip-client', renewed.secret);
    const k = await waitFor('switched', async () => {
      const o = await get('k1');
      const name = o?.status?.clientCertificate?.name;
      return name !== undefined && name !== before && !certNames('svm1').includes(before) ? o : undefined;
    });
    const uuid = record('svm1')?.uuid ?? '';
    const w1 = writes();
    expect(w1[0]).to.equal(`POST ${CERTS} 201`);
    expect(w1[1]).to.equal(`PATCH ${KM}/${uuid} 200`);
    expect(w1[2]).to.match(new RegExp(`^DELETE ${CERTS}/[0-9a-f-]+ 200$`));
    expect(w1).to.have.length(3);
    expect(bodyOf('PATCH', `${KM}/${uuid}`)).to.deep.equal({ external: { client_certificate: { name: k.status?.clientCertificate?.name } } });
    expect(certNames('svm1')).to.include(k.status?.clientCertificate?.name).and.to.have.length(2);
    expect(await reasons('k1')).to.include('DriftCorrected');
  });

  it('a switch ONTAP refuses leaves the old certificate in place and says why; the next pass finishes it', async () => {
    const before = (await get('k1'))?.status?.clientCertificate?.name ?? '';
    const uuid = record('svm1')?.uuid ?? '';
    const fault = w.sim.control.addFault({ method: 'PATCH', path: `^${KM}/${uuid}$`, status: 400, code: '65536822', message: 'Injected: the certificate could not be switched.' });
    await w.api.replace(SecretType, w.ns, 'kmip-client', tlsSecret(w.ns, 'kmip-client', 'ontap-svm1').secret);
    const k = await waitFor('refused', async () => {
      const o = await get('k1');
      return condition(o, 'Synced') === 'False/OntapError' ? o : undefined;
    });
    expect(k.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('65536822');
    expect(certNames('svm1'), 'old and new both installed').to.include(before).and.to.have.length(3);
    expect(writes().filter((x) => x.startsWith('DELETE')), 'nothing deleted').to.deep.equal([]);
    w.sim.control.clearFaults(fault);
    await waitFor('switched after all', async () => (await get('k1'))?.status?.clientCertificate?.name !== before && !certNames('svm1').includes(before), 40_000);
    expect(certNames('svm1')).to.have.length(2);
  });

  it('a key server down on one node: KeyServersReachable and Ready False naming the node; back again when it answers', async () => {
    expect(w.sim.control.setKeyServerReachable('10.0.0.7:5696', 'node2', false)).to.equal(true);
    const k = await waitFor('not reachable', async () => {
      const o = await get('k1');
      return condition(o, 'KeyServersReachable') === 'False/NotReachable' ? o : undefined;
    }, 30_000);
    expect(k.status?.conditions?.find((c) => c.type === 'KeyServersReachable')?.message).to.contain('10.0.0.7:5696: node2 not_responding');
    expect(condition(k, 'Ready')).to.equal('False/Unavailable');
    const metrics = (await w.operator?.metrics.renderText()) ?? '';
    expect(metrics).to.match(new RegExp(`ontap_kms_kmip_key_server_available\\{namespace="${w.ns}",name="k1",server="10.0.0.7:5696",node="node2"\\} 0`));
    expect(metrics).to.match(new RegExp(`ontap_kms_kmip_client_certificate_expiry_timestamp_seconds\\{namespace="${w.ns}",name="k1"\\} \\d+`));
    w.sim.control.setKeyServerReachable('10.0.0.7:5696', 'node2', true);
    await ready('k1');
  });

  it('a server holding keys no other server has is not removed: KeysOnlyOnServer', async () => {
    w.sim.control.setKeysOnlyOn('kmip2.example:5697', true);
    await w.api.mergePatch(OntapKmipType, w.ns, 'k1', { spec: { servers: [{ host: '10.0.0.7' }] } });
    await waitFor('KeysOnlyOnServer', async () => condition(await get('k1'), 'Synced') === 'False/KeysOnlyOnServer');
    expect((record('svm1')?.servers ?? []).map((s) => s.server)).to.include('kmip2.example:5697');
    w.sim.control.setKeysOnlyOn('kmip2.example:5697', false);
    await waitFor('removed', () => (record('svm1')?.servers ?? []).length === 1, 30_000);
    await ready('k1');
  });

  it('adopts a key manager configured by hand: Observe reports the drift and writes nothing; Manage installs its certificates and switches, leaving the others', async () => {
    // The storage team installed the very client certificate the Secret holds, and another CA.
    const tlsNow = (await w.api.get(SecretType, w.ns, 'kmip-client')) as unknown as { data: Record<string, string> };
    const manual = { cert: Buffer.from(tlsNow.data['tls.crt'] ?? '', 'base64').toString(), key: Buffer.from(tlsNow.data['tls.key'] ?? '', 'base64').toString() };
    const ca = selfSignedCertificate({ commonName: 'manual-ca' });
    for (const body of [
      { svm: { name: 'svm2' }, type: 'client', name: 'manual-client', public_certificate: manual.cert, private_key: manual.key },
      { svm: { name: 'svm2' }, type: 'server_ca', name: 'manual-ca', public_certificate: ca.cert },
    ]) expect((await simRequest(w.sim, 'POST', CERTS, { body })).status).to.be.oneOf([201, 202]);
    const made = await simRequest(w.sim, 'POST', KM, {
      body: { svm: { name: 'svm2' }, external: { client_certificate: { name: 'manual-client' }, server_ca_certificates: [{ name: 'manual-ca' }], servers: [{ server: '10.0.0.9:5696' }] } },
    });
    expect(made.status, JSON.stringify(made.json)).to.be.oneOf([201, 202]);
    w.sim.control.clearRequests();
    await w.api.create(OntapKmipType, w.ns, kmipObject(w.ns, 'k2', { svm: { name: 'svm2' }, managementPolicy: 'Observe', servers: [{ host: '10.0.0.9' }] }));
    const o = await waitFor('Observed', async () => {
      const x = await get('k2');
      return condition(x, 'Synced') === 'True/Observed' ? x : undefined;
    });
    // The client certificate is the Secret's (installed by hand under another name): no drift there.
    expect(o.status?.drift).to.deep.equal(['spec.serverCASecretRef']);
    expect(writes()).to.deep.equal([]);
    await w.api.mergePatch(OntapKmipType, w.ns, 'k2', { spec: { managementPolicy: 'Manage' } });
    await ready('k2');
    expect(writes().map((x) => x.split(' ').slice(0, 2).join(' ')), 'only its CA installed, then the switch').to.deep.equal([`POST ${CERTS}`, `PATCH ${KM}/${record('svm2')?.uuid ?? ''}`]);
    expect(bodyOf('PATCH', `${KM}/`)).to.not.have.nested.property('external.client_certificate');
    expect((await get('k2'))?.status?.clientCertificate?.name).to.equal('manual-client');
    expect(certNames('svm2')).to.include.members(['manual-ca', 'manual-client']).and.to.have.length(3);
    expect(await reasons('k2')).to.include('Adopted');
  });

  it('another key manager on the SVM: AnotherKeyManager, and the certificates it installed wait unused', async () => {
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'aws3', { svm: { name: 'svm3' } }));
    await waitFor('aws Ready', () => [...w.sim.state.records.values()].some((r) => r.svm?.name === 'svm3'));
    await w.api.create(OntapKmipType, w.ns, kmipObject(w.ns, 'k3', { svm: { name: 'svm3' }, servers: [{ host: '10.0.0.5' }] }));
    const k = await waitFor('AnotherKeyManager', async () => {
      const x = await get('k3');
      return condition(x, 'Synced') === 'False/AnotherKeyManager' ? x : undefined;
    });
    expect(k.status?.conditions?.find((c) => c.type === 'Synced')?.message).to.contain('already has another key manager');
    expect(record('svm3')).to.equal(undefined);
  });

  it('deletionPolicy Delete removes the key manager and every certificate it installed; Retain leaves both', async () => {
    await w.api.delete(OntapKmipType, w.ns, 'k3');
    await waitFor('k3 gone', async () => (await get('k3')) === undefined);
    expect(certNames('svm3').length, 'Retain: its certificates stay').to.equal(2);
    // Never created (AnotherKeyManager), with deletionPolicy Delete: the certificates it installed go.
    // Its own client certificate (the CA is k3's: the same certificate, found installed, not installed twice).
    await w.api.create(SecretType, w.ns, tlsSecret(w.ns, 'kmip-client-b', 'ontap-svm3').secret);
    await w.api.create(OntapKmipType, w.ns, kmipObject(w.ns, 'k3b', { svm: { name: 'svm3' }, servers: [{ host: '10.0.0.5' }], deletionPolicy: 'Delete', clientCertificateSecretRef: { name: 'kmip-client-b' } }));
    await waitFor('k3b AnotherKeyManager', async () => condition(await get('k3b'), 'Synced') === 'False/AnotherKeyManager').catch(async (e: unknown) => {
      throw new Error(`${String(e)}: ${JSON.stringify((await get('k3b'))?.status?.conditions)}`);
    });
    expect(certNames('svm3').length, 'k3b installed its client certificate').to.equal(3);
    await w.api.delete(OntapKmipType, w.ns, 'k3b');
    await waitFor('k3b gone', async () => (await get('k3b')) === undefined);
    expect(certNames('svm3').every((n) => n.startsWith(certificatePrefix({ namespace: w.ns, name: 'k3' }))), 'only k3\'s left').to.equal(true);
    expect(certNames('svm3')).to.have.length(2);
    await w.api.mergePatch(OntapKmipType, w.ns, 'k1', { spec: { deletionPolicy: 'Delete' } });
    await waitFor('Delete seen', async () => {
      const o = await get('k1');
      return o?.status?.observedGeneration === o?.metadata.generation;
    });
    await w.api.delete(OntapKmipType, w.ns, 'k1');
    await waitFor('k1 gone', async () => (await get('k1')) === undefined && record('svm1') === undefined, 30_000);
    expect(certNames('svm1')).to.deep.equal([]);
    expect(await reasons('k1')).to.include('Deleted');
  });

  it('through a ClusterOntapCluster: the SVM the policy grants goes ahead, another is NotPermitted with no request', async () => {
    const shared = `kmip-${w.ns}`;
    await w.api.create(SecretType, w.ns, secret(w.ns, 'shared-admin', { username: SIM_USER, password: SIM_PASSWORD }, 'kubernetes.io/basic-auth'));
    await w.api.create(SecretType, w.ns, secret(w.ns, 'shared-ca', { 'ca.crt': w.sim.caPem }));
    await w.api.create(ClusterOntapClusterType, '', {
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'ClusterOntapCluster',
      metadata: { name: shared },
      spec: { endpoint: w.sim.url, credentialsSecretRef: { name: 'shared-admin' }, caBundleSecretRef: { name: 'shared-ca' }, tenancy: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': w.ns } }, svms: [{ namespace: w.ns, names: ['svm4'] }] } },
    });
    const ref = { clusterRef: { kind: 'ClusterOntapCluster', name: shared } };
    await w.api.create(OntapKmipType, w.ns, kmipObject(w.ns, 'k4', { ...ref, svm: { name: 'svm4' }, servers: [{ host: '10.0.0.5' }] }));
    await w.api.create(OntapKmipType, w.ns, kmipObject(w.ns, 'k5', { ...ref, svm: { name: 'svm5' }, servers: [{ host: '10.0.0.5' }] }));
    await ready('k4');
    await waitFor('k5 NotPermitted', async () => condition(await get('k5'), 'Synced') === 'False/NotPermitted');
    const aboutSvm5 = w.sim.control.requests().filter((r) => `${r.path}?${r.query}`.includes('svm5') || JSON.stringify(r.body ?? {}).includes('svm5'));
    expect(aboutSvm5).to.deep.equal([]);
  });
});
