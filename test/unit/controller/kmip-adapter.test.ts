import { expect } from 'chai';
import { Reason } from '../../../src/api/v1alpha1/constants.js';
import type { AppliedSecret, OntapKmipSpec } from '../../../src/api/v1alpha1/types.js';
import type { ReconcileError } from '../../../src/controller/errors.js';
import type { SideReads } from '../../../src/controller/key-manager/adapter.js';
import { certificatePrefix, kmipCleanup, kmipCreateBody, kmipPlan, kmipReads, type KmipSecrets, reachableCondition, readKmipSecrets } from '../../../src/controller/ontap-kmip/adapter.js';
import type { SecretData, SecretReader } from '../../../src/controller/secrets.js';
import type { KmipRecord } from '../../../src/ontap/wire-kmip.js';
import { selfSignedCertificate } from '../../../src/runtime/self-signed.js';
import { keyManagerPolicies } from '../../support/builders.js';

const META = { namespace: 'ns', name: 'k' };
const PASSWORD = 'unit-KMIP-password-0001';
const client = selfSignedCertificate({ commonName: 'client' });
const ca = selfSignedCertificate({ commonName: 'ca' });

const spec = (s: Partial<OntapKmipSpec> = {}): OntapKmipSpec => ({
  ...keyManagerPolicies,
  clusterRef: { kind: 'OntapCluster', name: 'prod' },
  svm: { name: 'svm1' },
  servers: [{ host: '10.0.0.5', port: 5696 }],
  clientCertificateSecretRef: { name: 'tls' },
  serverCASecretRef: { name: 'ca', key: 'ca.crt' },
  ...s,
});

function reader(data: Record<string, { type?: string; data: Record<string, string> }>): SecretReader {
  return {
    getSecret: (_ns, name) => {
      const d = data[name];
      return Promise.resolve<SecretData | undefined>(d ? { name, resourceVersion: '7', type: d.type ?? 'Opaque', data: new Map(Object.entries(d.data).map(([k, v]) => [k, Buffer.from(v)])) } : undefined);
    },
  };
}
const goodSecrets = {
  tls: { type: 'kubernetes.io/tls', data: { 'tls.crt': client.cert, 'tls.key': client.key } },
  ca: { data: { 'ca.crt': ca.cert } },
  login: { data: { password: PASSWORD } },
};
const read = (s: OntapKmipSpec = spec(), data: Parameters<typeof reader>[0] = goodSecrets): Promise<KmipSecrets> => readKmipSecrets(reader(data), 'ns', s, 'k');

const record = (r: Partial<KmipRecord> = {}): KmipRecord => ({ uuid: 'km-1', scope: 'svm', svm: { name: 'svm1', uuid: 's1' }, ...r });
const cert = (name: string, uuid: string, type = 'client') => ({ name, uuid, type, expiry_time: '2027-01-01T00:00:00Z' });
const server = (s: string, extra: Record<string, unknown> = {}) => ({ server: s, ...extra });

describe('kmip adapter', () => {
  describe('readKmipSecrets', () => {
    it('names each certificate after the resource and the certificate itself', async () => {
      const s = await read();
      expect(s.client.name).to.match(new RegExp(`^${certificatePrefix(META)}-client-[0-9a-f]{12}$`));
      expect(s.cas.map((c) => c.name)).to.have.length(1);
      expect(s.cas[0]!.name).to.match(/-ca-[0-9a-f]{12}$/);
      const other = await readKmipSecrets(reader(goodSecrets), 'ns', spec(), 'other');
      expect(other.client.name, 'another resource: another prefix').to.not.equal(s.client.name);
    });

    const refusals: Array<{ why: string; data: Parameters<typeof reader>[0]; says: string }> = [
      { why: 'a key that is not the certificate\'s', data: { ...goodSecrets, tls: { type: 'kubernetes.io/tls', data: { 'tls.crt': client.cert, 'tls.key': ca.key } } }, says: 'is not the private key of the certificate' },
      { why: 'no PEM certificate', data: { ...goodSecrets, tls: { type: 'kubernetes.io/tls', data: { 'tls.crt': 'not a certificate', 'tls.key': client.key } } }, says: 'holds no PEM certificate' },
      { why: 'a key that is no key', data: { ...goodSecrets, tls: { type: 'kubernetes.io/tls', data: { 'tls.crt': client.cert, 'tls.key': `-----BEGIN PRIVATE KEY-----\n${PASSWORD}\n-----END PRIVATE KEY-----` } } }, says: 'is not a PEM private key' },
      { why: 'a Secret of another type (a service account token)', data: { ...goodSecrets, tls: { type: 'kubernetes.io/service-account-token', data: { 'tls.crt': client.cert, 'tls.key': client.key } } }, says: 'is of type kubernetes.io/service-account-token' },
    ];
    for (const c of refusals) {
      it(`${c.why}: SecretInvalid, never quoting the Secret`, async () => {
        const err = await read(spec(), c.data).then(
          () => expect.fail('should refuse'),
          (e: unknown) => e as ReconcileError,
        );
        expect(err.reason).to.equal(Reason.SecretInvalid);
        expect(err.message).to.contain(c.says);
        expect(err.message).to.not.contain(PASSWORD).and.to.not.contain('-----BEGIN PRIVATE');
      });
    }
  });

  describe('kmipPlan', () => {
    it('before the create: installs the client and CA certificates on the SVM, nothing else', async () => {
      const s = await read();
      const plan = kmipPlan(spec(), undefined, s, {}, [], META);
      expect(plan.before.map((w) => [w.method, w.path, (w.body as { type: string }).type])).to.deep.equal([
        ['POST', '/api/security/certificates', 'client'],
        ['POST', '/api/security/certificates', 'server_ca'],
      ]);
      expect(plan.before[0]!.body).to.deep.include({ svm: { name: 'svm1' }, name: s.client.name, private_key: client.key.trim() });
      expect(plan.before[1]!.body).to.not.have.property('private_key');
      expect(plan.after).to.deep.equal([]);
      expect(kmipCreateBody(spec(), s)).to.deep.equal({
        svm: { name: 'svm1' },
        external: { client_certificate: { name: s.client.name }, server_ca_certificates: [{ name: s.cas[0]!.name }], servers: [{ server: '10.0.0.5:5696' }] },
      });
    });

    it('in step: nothing to write, no drift', async () => {
      const s = await read();
      const side: SideReads = { certificates: [cert(s.client.name, 'c1'), cert(s.cas[0]!.name, 'a1', 'server_ca')], keyServers: [server('10.0.0.5:5696')] };
      const plan = kmipPlan(spec(), record({ external: { client_certificate: { uuid: 'c1' }, server_ca_certificates: [{ uuid: 'a1' }] } }), s, side, [], META);
      expect([plan.before, plan.after, plan.drift]).to.deep.equal([[], [], []]);
      expect(plan.recordPatch).to.equal(undefined);
    });

    it('a renewed client certificate: install it, switch by name, then delete the old one (in that order)', async () => {
      const s = await read();
      const old = `${certificatePrefix(META)}-client-000000000000`;
      const side: SideReads = { certificates: [cert(old, 'c0'), cert(s.cas[0]!.name, 'a1', 'server_ca')], keyServers: [server('10.0.0.5:5696')] };
      const plan = kmipPlan(spec(), record({ external: { client_certificate: { uuid: 'c0' }, server_ca_certificates: [{ uuid: 'a1' }] } }), s, side, [], META);
      expect(plan.before.map((w) => (w.body as { name: string }).name)).to.deep.equal([s.client.name]);
      expect(plan.recordPatch).to.deep.equal({ external: { client_certificate: { name: s.client.name } } });
      expect(plan.after.map((w) => `${w.method} ${w.path}`)).to.deep.equal(['DELETE /api/security/certificates/c0']);
      expect(plan.drift).to.deep.equal(['spec.clientCertificateSecretRef']);
    });

    it('a certificate someone else installed is switched away from but never deleted', async () => {
      const s = await read();
      const side: SideReads = { certificates: [], keyServers: [server('10.0.0.5:5696')] };
      const plan = kmipPlan(spec(), record({ external: { client_certificate: { uuid: 'manual', name: 'manual-client' }, server_ca_certificates: [{ name: 'manual-ca' }] } }), s, side, [], META);
      expect(plan.recordPatch).to.have.nested.property('external.client_certificate.name', s.client.name);
      expect(plan.after.filter((w) => w.method === 'DELETE')).to.deep.equal([]);
    });

    it('key servers by difference: the new one added before the old one goes; past four, removed first', async () => {
      const s = await read();
      const inStep = { certificates: [cert(s.client.name, 'c1'), cert(s.cas[0]!.name, 'a1', 'server_ca')] };
      const r = record({ external: { client_certificate: { uuid: 'c1' }, server_ca_certificates: [{ uuid: 'a1' }] } });
      const moved = kmipPlan(spec({ servers: [{ host: '10.0.0.7', port: 5696 }] }), r, s, { ...inStep, keyServers: [server('10.0.0.5:5696')] }, [], META);
      expect(moved.after.map((w) => `${w.method} ${w.path}`)).to.deep.equal([
        'POST /api/security/key-managers/km-1/key-servers',
        'DELETE /api/security/key-managers/km-1/key-servers/10.0.0.5%3A5696',
      ]);
      expect(moved.after[0]!.body).to.deep.equal({ server: '10.0.0.7:5696' });
      const four = ['a', 'b', 'c', 'd'].map((h) => server(`${h}:5696`));
      const full = kmipPlan(spec({ servers: ['a', 'b', 'c', 'e'].map((h) => ({ host: h, port: 5696 })) }), r, s, { ...inStep, keyServers: four }, [], META);
      expect(full.after.map((w) => w.method)).to.deep.equal(['DELETE', 'POST']);
      expect(full.drift).to.deep.equal(['spec.servers']);
    });

    it('server settings: timeout and the secondary list when they drift; username and password when the password Secret was not sent', async () => {
      const withLogin = spec({ servers: [{ host: '10.0.0.5', port: 5696, timeout: 20, username: 'ontap', passwordSecretRef: { name: 'login', key: 'password' }, secondaryKeyServers: ['dr1'] }] });
      const s = await read(withLogin);
      const inStep = { certificates: [cert(s.client.name, 'c1'), cert(s.cas[0]!.name, 'a1', 'server_ca')] };
      const r = record({ external: { client_certificate: { uuid: 'c1' }, server_ca_certificates: [{ uuid: 'a1' }] } });
      const first = kmipPlan(withLogin, r, s, { ...inStep, keyServers: [server('10.0.0.5:5696', { timeout: 25 })] }, [], META);
      expect(first.after).to.have.length(1);
      expect(first.after[0]!.body).to.deep.equal({ timeout: 20, secondary_key_servers: ['dr1'], username: 'ontap', password: PASSWORD });
      expect(first.after[0]!.what).to.not.contain(PASSWORD);
      expect(first.after[0]!.sent).to.deep.equal({ name: 'login', resourceVersion: '7', keys: ['password'] });
      const sent: AppliedSecret[] = [{ name: 'login', resourceVersion: '7', keys: ['password'] }];
      const after = kmipPlan(withLogin, r, s, { ...inStep, keyServers: [server('10.0.0.5:5696', { timeout: 20, username: 'ontap', secondary_key_servers: ['dr1'] })] }, sent, META);
      expect(after.after, 'in step, the password already sent').to.deep.equal([]);
      const rotated = kmipPlan(withLogin, r, s, { ...inStep, keyServers: [server('10.0.0.5:5696', { timeout: 20, username: 'ontap', secondary_key_servers: ['dr1'] })] }, [{ ...sent[0]!, resourceVersion: '6' }], META);
      expect(rotated.after[0]!.body, 'a rotated password is sent with the username').to.deep.equal({ username: 'ontap', password: PASSWORD });
      expect(rotated.drift, 'a password is no drift').to.deep.equal([]);
    });
  });

  it('reads the client and CA certificates of the SVM (or the cluster scope), and the key servers with their connectivity once the record exists', () => {
    expect(kmipReads(spec(), undefined, META).map((r) => r.key)).to.deep.equal(['certificates']);
    const reads = kmipReads(spec({ svm: undefined }), 'km-1', META);
    expect(reads[0]!.query).to.deep.include({ scope: 'cluster', type: 'client|server_ca' });
    expect(reads[0]!.query['fields']).to.contain('serial_number');
    expect(reads[1]).to.deep.include({ key: 'keyServers', path: '/api/security/key-managers/km-1/key-servers' });
    expect(reads[1]!.query['fields']).to.contain('connectivity');
  });

  it('cleanup deletes every certificate this resource installed (its prefix), no other', () => {
    const p = certificatePrefix(META);
    const certs = [cert(`${p}-client-1`, 'c1'), cert(`${p}-ca-1`, 'a1', 'server_ca'), cert('manual-client', 'm1'), cert(`${certificatePrefix({ namespace: 'ns', name: 'other' })}-client-1`, 'o1')];
    expect(kmipCleanup(spec(), { certificates: certs }, META).map((w) => `${w.method} ${w.path}`)).to.deep.equal([
      'DELETE /api/security/certificates/c1',
      'DELETE /api/security/certificates/a1',
    ]);
  });

  it('a certificate already installed on the SVM under another name (by hand, before an adoption) is used, not installed twice', async () => {
    const s = await read();
    const same = { name: 'manual-client', uuid: 'm1', type: 'client', serial_number: s.client.serial, ca: s.client.issuer };
    const before = kmipPlan(spec(), undefined, s, { certificates: [same] }, [], META);
    expect(before.before.map((w) => (w.body as { type: string }).type), 'only the CA is installed').to.deep.equal(['server_ca']);
    expect(before.createBody).to.have.nested.property('external.client_certificate.name', 'manual-client');
    const r = record({ external: { client_certificate: { uuid: 'm1' }, server_ca_certificates: [{ uuid: 'a1' }] } });
    const plan = kmipPlan(spec(), r, s, { certificates: [same, cert(s.cas[0]!.name, 'a1', 'server_ca')], keyServers: [server('10.0.0.5:5696')] }, [], META);
    expect([plan.before, plan.after, plan.drift, plan.recordPatch]).to.deep.equal([[], [], [], undefined]);
  });

  it('KeyServersReachable: True when every server reaches every node, False naming the node, Unknown before a read', () => {
    expect(reachableCondition(undefined).status).to.equal('Unknown');
    expect(reachableCondition([{ server: 'a:5696', available: true }]).status).to.equal('True');
    const down = reachableCondition([{ server: 'a:5696', available: false, nodes: [{ node: 'n1', state: 'available' }, { node: 'n2', state: 'not_responding' }] }]);
    expect(down).to.include({ status: 'False', reason: Reason.NotReachable, message: 'a:5696: n2 not_responding' });
  });
});
