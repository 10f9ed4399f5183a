import { expect } from 'chai';
import type { OntapAwsKms } from '../../../src/api/v1alpha1/types.js';
import { conflictMessage, conflictWinner } from '../../../src/controller/key-manager/conflicts.js';
import { awsKms, withSpec } from '../../support/builders.js';

describe('conflictWinner: only claims this resource can confirm', () => {
  const at = (name: string, ts: string, opts: { svm?: string; ns?: string; cluster?: string; kind?: 'OntapCluster' | 'ClusterOntapCluster'; uuid?: string; policy?: 'Manage' | 'Observe' } = {}): OntapAwsKms =>
    awsKms(name, withSpec({ svm: { name: opts.svm ?? 'svm1' }, clusterRef: { name: opts.cluster ?? 'prod-a', kind: opts.kind ?? 'OntapCluster' }, managementPolicy: opts.policy ?? 'Manage' }), (o) => {
      o.metadata.creationTimestamp = ts;
      o.metadata.namespace = opts.ns ?? 'default';
      if (opts.uuid !== undefined) o.status = { uuid: opts.uuid };
    });
  const T1 = '2026-01-01T00:00:00Z';
  const T2 = '2026-01-02T00:00:00Z';

  const cases: Array<{ reason: string; me: OntapAwsKms; peers: OntapAwsKms[]; record: string | undefined; winner: string }> = [
    { reason: 'same OntapCluster, same SVM: the oldest wins before ONTAP is read', me: at('young', T2), peers: [at('old', T1)], record: undefined, winner: 'old' },
    { reason: 'the oldest keeps winning against a younger one', me: at('old', T1), peers: [at('young', T2)], record: undefined, winner: 'old' },
    { reason: 'same connection, different SVMs: no conflict', me: at('b', T2, { svm: 'svm2' }), peers: [at('a', T1)], record: undefined, winner: 'b' },
    { reason: 'same ClusterOntapCluster from two namespaces: the same connection, the oldest wins', me: at('b', T2, { ns: 'team-b', kind: 'ClusterOntapCluster', cluster: 'shared' }), peers: [at('a', T1, { ns: 'team-a', kind: 'ClusterOntapCluster', cluster: 'shared' })], record: undefined, winner: 'a' },
    { reason: 'an OntapCluster and a ClusterOntapCluster of one name are different connections', me: at('b', T2, { kind: 'ClusterOntapCluster' }), peers: [at('a', T1)], record: undefined, winner: 'b' },
    { reason: 'another namespace, unconfirmed (no record seen yet): no conflict', me: at('owner', T2, { ns: 'owner' }), peers: [at('spoof', T1, { ns: 'tenant', uuid: 'fake-record' })], record: undefined, winner: 'owner' },
    { reason: 'another namespace whose record is not the one this connection sees (a fake ONTAP): no conflict', me: at('owner', T2, { ns: 'owner' }), peers: [at('spoof', T1, { ns: 'tenant', uuid: 'fake-record' })], record: 'real-record', winner: 'owner' },
    {
      reason: 'another namespace claiming the very record this connection sees through its own OntapCluster (a fake ONTAP can report any uuid): not confirmed, no conflict',
      me: at('victim', T2, { ns: 'victim' }),
      peers: [at('forger', T1, { ns: 'tenant', cluster: 'fake-ontap', uuid: 'real-record' })],
      record: 'real-record',
      winner: 'victim',
    },
    {
      reason: 'the same forged claim against a resource on a ClusterOntapCluster: not confirmed either',
      me: at('victim', T2, { ns: 'victim', kind: 'ClusterOntapCluster', cluster: 'shared' }),
      peers: [at('forger', T1, { ns: 'tenant', cluster: 'fake-ontap', uuid: 'real-record' })],
      record: 'real-record',
      winner: 'victim',
    },
    {
      reason: 'another namespace holding the very record this connection sees through a ClusterOntapCluster: confirmed, the oldest wins',
      me: at('tenant', T2, { ns: 'tenant' }),
      peers: [at('owner', T1, { ns: 'owner', kind: 'ClusterOntapCluster', cluster: 'shared', uuid: 'real-record' })],
      record: 'real-record',
      winner: 'owner',
    },
    {
      reason: 'the same namespace holding the record through another OntapCluster: confirmed (a tenant can only hurt itself)',
      me: at('b', T2, { ns: 'team' }),
      peers: [at('a', T1, { ns: 'team', cluster: 'prod-a-readonly', uuid: 'real-record' })],
      record: 'real-record',
      winner: 'a',
    },
    { reason: 'an Observe resource holding the record claims nothing over another connection', me: at('owner', T2, { ns: 'owner' }), peers: [at('watcher', T1, { ns: 'tenant', uuid: 'real-record', policy: 'Observe' })], record: 'real-record', winner: 'owner' },
    { reason: 'ties on creation time are broken by name, the same way from both sides (a)', me: at('a', T1), peers: [at('b', T1)], record: undefined, winner: 'a' },
    { reason: 'ties on creation time are broken by name, the same way from both sides (b)', me: at('b', T1), peers: [at('a', T1)], record: undefined, winner: 'a' },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      expect(conflictWinner(c.me, [...c.peers, c.me], c.record).metadata.name).to.equal(c.winner);
    });
  }

  it('names a winner in the same namespace, never one in another', () => {
    const me = at('me', T2, { ns: 'tenant' });
    expect(conflictMessage(me, at('neighbour', T1, { ns: 'tenant' }))).to.contain('tenant/neighbour');
    const msg = conflictMessage(me, at('secret-owner', T1, { ns: 'platform-x' }));
    expect(msg).to.not.contain('secret-owner');
    expect(msg).to.not.contain('platform-x');
    expect(msg).to.contain('another namespace');
  });
});

describe('conflictWinner: refused resources claim nothing', () => {
  it('an older resource its tenancy policy refuses does not block a younger allowed one on the same shared cluster', () => {
    const mk = (name: string, ns: string, ts: string): OntapAwsKms =>
      awsKms(name, withSpec({ svm: { name: 'svm3' }, clusterRef: { name: 'shared', kind: 'ClusterOntapCluster' } }), (o) => {
        o.metadata.creationTimestamp = ts;
        o.metadata.namespace = ns;
      });
    const outsider = mk('squat', 'outsider', '2026-01-01T00:00:00Z');
    const tenant = mk('kms', 'team-b', '2026-01-02T00:00:00Z');
    const allowed = (p: OntapAwsKms): boolean => p.metadata.namespace !== 'outsider';
    expect(conflictWinner(tenant, [outsider, tenant], undefined, allowed).metadata.name).to.equal('kms');
    expect(conflictWinner(tenant, [outsider, tenant], undefined).metadata.name, 'without the policy the squatter would win').to.equal('squat');
  });
});
