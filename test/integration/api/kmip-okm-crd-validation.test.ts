import { expect } from 'chai';
import { OntapKmipType, OntapOnboardKeyManagerType } from '../../../src/controller/resources.js';
import type { KubeObject } from '../../../src/runtime/kube.js';
import { admission, type Admission } from '../../support/admission.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../../support/control-plane.js';

/**
 * OntapKmip and OntapOnboardKeyManager on the real API server: each rule of their schemas both
 * ways (a value it accepts, values it refuses, naming the field), and the defaults it applies.
 */
describe('CRDs on the real API server: OntapKmip and OntapOnboardKeyManager', function () {
  this.timeout(30_000);
  let server: Admission;
  let seq = 0;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    server = await admission('kmipokm');
  });
  after(async () => server?.close());

  const kmip = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapKmip',
    metadata: { name: `kmip-${++seq}` },
    spec: { clusterRef: { name: 'c' }, svm: { name: 'svm1' }, servers: [{ host: 'kmip1.example' }], clientCertificateSecretRef: { name: 'tls' }, serverCASecretRef: { name: 'ca' }, ...spec },
  });
  const okm = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapOnboardKeyManager',
    metadata: { name: `okm-${++seq}` },
    spec: { clusterRef: { name: 'c' }, passphraseSecretRef: { name: 'p' }, ...spec },
  });

  const cases: Array<{ rule: string; obj: (spec: Record<string, unknown>) => KubeObject; accepted: Array<Record<string, unknown>>; refused: Array<Record<string, unknown>>; says: string }> = [
    {
      rule: 'KMIP: 1 to 4 primary servers',
      obj: kmip,
      accepted: [{ servers: ['a', 'b', 'c', 'd'].map((host) => ({ host })) }],
      refused: [{ servers: [] }, { servers: ['a', 'b', 'c', 'd', 'e'].map((host) => ({ host })) }],
      says: 'spec.servers',
    },
    {
      rule: 'KMIP: each host:port once',
      obj: kmip,
      accepted: [{ servers: [{ host: 'a' }, { host: 'a', port: 5697 }] }],
      refused: [{ servers: [{ host: 'a' }, { host: 'a', port: 5696 }] }],
      says: 'Duplicate value',
    },
    {
      rule: 'KMIP: a host name or an IP address, IPv6 in brackets',
      obj: kmip,
      accepted: [{ servers: [{ host: '10.0.0.5' }, { host: '[2001:db8::5]' }, { host: 'kmip-1.corp.example' }] }],
      refused: [{ servers: [{ host: 'kmip1.example:5696' }] }, { servers: [{ host: '2001:db8::5' }] }, { servers: [{ host: '-bad' }] }],
      says: 'spec.servers[0].host',
    },
    {
      rule: 'KMIP: username and passwordSecretRef go together',
      obj: kmip,
      accepted: [{ servers: [{ host: 'a', username: 'u', passwordSecretRef: { name: 'pw' } }] }],
      refused: [{ servers: [{ host: 'a', username: 'u' }] }, { servers: [{ host: 'a', passwordSecretRef: { name: 'pw' } }] }],
      says: 'username and passwordSecretRef go together',
    },
    {
      rule: 'KMIP: a timeout of 1 to 60 seconds',
      obj: kmip,
      accepted: [{ servers: [{ host: 'a', timeout: 60 }] }],
      refused: [{ servers: [{ host: 'a', timeout: 0 }] }, { servers: [{ host: 'a', timeout: 61 }] }],
      says: 'spec.servers[0].timeout',
    },
    {
      rule: 'Onboard: the backup in another Secret than the passphrase',
      obj: okm,
      accepted: [{ backupSecretRef: { name: 'b' } }],
      refused: [{ backupSecretRef: { name: 'p' } }],
      says: 'backupSecretRef must name another Secret than passphraseSecretRef',
    },
    {
      rule: 'Onboard: the passphrase and the existing one under two keys',
      obj: okm,
      accepted: [{ passphraseSecretRef: { name: 'p', key: 'new', existingKey: 'old' } }],
      refused: [{ passphraseSecretRef: { name: 'p', key: 'same', existingKey: 'same' } }, { passphraseSecretRef: { name: 'p', key: 'existingPassphrase' } }],
      says: 'passphraseSecretRef.key and passphraseSecretRef.existingKey must differ',
    },
  ];
  for (const c of cases) {
    it(`${c.rule}: accepts ${c.accepted.length}, refuses ${c.refused.length}`, async () => {
      for (const spec of c.accepted) expect(await server.rejection(c.obj(spec)), `accepts ${JSON.stringify(spec)}`).to.equal('');
      for (const spec of c.refused) expect(await server.rejection(c.obj(spec)), `refuses ${JSON.stringify(spec)}`).to.contain(c.says);
    });
  }

  it('applies the defaults: port 5696, the CA key ca.crt, the passphrase keys and the policies', async () => {
    const k = await server.api.create(OntapKmipType, server.ns, { ...kmip({}), metadata: { name: 'kmip-defaults', namespace: server.ns } });
    const o = await server.api.create(OntapOnboardKeyManagerType, server.ns, { ...okm({ backupSecretRef: { name: 'b' } }), metadata: { name: 'okm-defaults', namespace: server.ns } });
    expect((k.spec as { servers: unknown[] }).servers).to.deep.equal([{ host: 'kmip1.example', port: 5696 }]);
    expect(k.spec).to.deep.include({ serverCASecretRef: { name: 'ca', key: 'ca.crt' }, deletionPolicy: 'Retain', managementPolicy: 'Manage' });
    expect(o.spec).to.deep.include({ passphraseSecretRef: { name: 'p', key: 'passphrase', existingKey: 'existingPassphrase' }, backupSecretRef: { name: 'b', key: 'backup' } });
    expect(o.spec).to.not.have.property('keyRotation');
  });
});
