import { expect } from 'chai';
import { Reason } from '../../../src/api/v1alpha1/constants.js';
import { sameStatus, setConditions } from '../../../src/controller/conditions.js';
import { computeStatus } from '../../../src/controller/ontap-aws-kms/status.js';
import { ReconcileError } from '../../../src/controller/errors.js';
import type { AwsKmsRecord } from '../../../src/ontap/wire.js';
import { awsKms, withGeneration, withStatus } from '../../support/builders.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T01:00:00Z');
const healthy: AwsKmsRecord = {
  uuid: 'u1', scope: 'svm', svm: { name: 'svm1', uuid: 's1' }, key_id: 'key-1',
  state: { cluster_state: true, code: '0', message: '' },
  amazon_reachability: { reachable: true, code: '0', message: '' },
  ekmip_reachability: [{ node: { name: 'node1' }, reachable: true, code: '0', message: '' }, { node: { name: 'node2' }, reachable: true, code: '0', message: '' }],
};

describe('computeStatus', () => {
  const cases: Array<{ reason: string; record?: AwsKmsRecord; error?: ReconcileError; observeOnly?: boolean; drift?: string[]; want: Record<string, string> }> = [
    { reason: 'in sync and available: Ready', record: healthy, want: { Ready: 'True/Available', Synced: 'True/ReconcileSuccess', AmazonReachable: 'True/Reachable', EkmipReachable: 'True/Reachable' } },
    {
      reason: 'key protection unavailable: Synced but not Ready, with ONTAP\'s code',
      record: { ...healthy, state: { cluster_state: false, code: '65537551', message: 'KEK unavailable' } },
      want: { Ready: 'False/Unavailable', Synced: 'True/ReconcileSuccess' },
    },
    {
      reason: 'AWS unreachable from a node: AmazonReachable=False',
      record: { ...healthy, amazon_reachability: { reachable: false, code: '65537915', message: 'unreachable from node2' } },
      want: { AmazonReachable: 'False/NotReachable' },
    },
    {
      reason: 'one node cannot reach EKMIP: EkmipReachable=False',
      record: { ...healthy, ekmip_reachability: [{ node: { name: 'node1' }, reachable: false, code: '65537552', message: 'down' }] },
      want: { EkmipReachable: 'False/NotReachable' },
    },
    {
      reason: 'an error: Synced=False with its reason; Ready=False with the same reason, so that kubectl get says why',
      error: new ReconcileError(Reason.SecretNotFound, 'Secret ns/aws not found', 'wait'),
      want: { Synced: 'False/SecretNotFound', Ready: 'False/SecretNotFound', AmazonReachable: 'Unknown/Unknown' },
    },
    { reason: 'observe only, with drift', record: healthy, observeOnly: true, drift: ['spec.region'], want: { Synced: 'True/Observed', Ready: 'True/Available' } },
    { reason: 'observe only, nothing on ONTAP', observeOnly: true, want: { Synced: 'True/Observed', Ready: 'False/NotConfigured' } },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const s = computeStatus(awsKms('k'), { record: c.record, owned: true, drift: c.drift ?? [], observeOnly: c.observeOnly ?? false, error: c.error }, t0);
      const got = Object.fromEntries((s.conditions ?? []).map((x) => [x.type, `${x.status}/${x.reason}`]));
      expect(got).to.deep.include(c.want);
      expect(s.drift).to.deep.equal(c.drift ?? []);
    });
  }

  it('copies ONTAP\'s record into status', () => {
    const s = computeStatus(awsKms('k'), { record: healthy, owned: true, drift: [], observeOnly: false }, t0);
    expect(s).to.deep.include({ uuid: 'u1', scope: 'svm', svm: { name: 'svm1', uuid: 's1' }, keyId: 'key-1', state: { clusterState: true, code: '0', message: '' } });
    expect(s.ekmipReachability).to.deep.equal([{ node: 'node1', reachable: true, code: '0', message: '' }, { node: 'node2', reachable: true, code: '0', message: '' }]);
  });

  it('an error keeps what was last seen of ONTAP', () => {
    const prev = computeStatus(awsKms('k'), { record: healthy, owned: true, drift: [], observeOnly: false }, t0);
    const s = computeStatus(awsKms('k', withStatus(prev)), { owned: false, drift: [], observeOnly: false, error: new ReconcileError(Reason.Unreachable, 'x', 'backoff') }, t1);
    expect(s.uuid).to.equal('u1');
    expect(s.state?.clusterState).to.equal(true);
  });

  it('is stable: the same outcome an hour later is the same status (no write)', () => {
    const first = computeStatus(awsKms('k'), { record: healthy, owned: true, drift: [], observeOnly: false }, t0);
    const again = computeStatus(awsKms('k', withStatus(first)), { record: healthy, owned: true, drift: [], observeOnly: false }, t1);
    expect(sameStatus(first, again)).to.equal(true);
  });

  it('stamps observedGeneration on the status and every condition', () => {
    const s = computeStatus(awsKms('k', withGeneration(7)), { record: healthy, owned: true, drift: [], observeOnly: false }, t0);
    expect(s.observedGeneration).to.equal(7);
    expect(s.conditions?.every((c) => c.observedGeneration === 7)).to.equal(true);
  });

  it('a wait with no answer yet is Unknown, not False, and keeps what was last seen', () => {
    const prev = computeStatus(awsKms('k'), { record: healthy, owned: true, drift: [], observeOnly: false }, t0);
    const s = computeStatus(awsKms('k', withStatus(prev)), { owned: false, drift: [], observeOnly: false, error: new ReconcileError(Reason.Unreachable, 'no answer', 'wait'), waiting: true }, t1);
    const got = Object.fromEntries((s.conditions ?? []).map((x) => [x.type, `${x.status}/${x.reason}`]));
    expect(got).to.deep.include({ Synced: 'Unknown/Unreachable', Ready: 'Unknown/Unreachable' });
    expect(s.uuid).to.equal('u1');
  });

  it('keeps a write whose outcome is unknown in pendingWrite, and drops it once the outcome says nothing of one', () => {
    const pendingWrite = { operation: 'create' as const, sentAt: '2026-01-01T00:00:00Z', job: 'j1' };
    const pending = computeStatus(awsKms('k'), { owned: false, drift: [], observeOnly: false, error: new ReconcileError(Reason.WritePending, 'w', 'backoff'), pendingWrite }, t0);
    expect(pending.pendingWrite).to.deep.equal(pendingWrite);
    const settled = computeStatus(awsKms('k', withStatus(pending)), { record: healthy, owned: true, drift: [], observeOnly: false }, t1);
    expect(settled).to.not.have.property('pendingWrite');
  });

  it('never shows a record it does not own (Conflict)', () => {
    const s = computeStatus(awsKms('k'), { record: healthy, owned: false, drift: [], observeOnly: false, error: new ReconcileError(Reason.Conflict, 'c', 'wait') }, t0);
    expect(s.uuid).to.equal(undefined);
  });
});

describe('setConditions', () => {
  it('keeps lastTransitionTime while the status does not flip, even when reason or message change', () => {
    const a = setConditions(undefined, [{ type: 'Synced', status: 'False', reason: 'A', message: 'a' }], 1, t0);
    const b = setConditions(a, [{ type: 'Synced', status: 'False', reason: 'B', message: 'b' }], 2, t1);
    expect(b[0]?.lastTransitionTime).to.equal('2026-01-01T00:00:00Z');
    expect(b[0]?.reason).to.equal('B');
  });
  it('moves lastTransitionTime when the status flips', () => {
    const a = setConditions(undefined, [{ type: 'Synced', status: 'False', reason: 'A', message: 'a' }], 1, t0);
    const b = setConditions(a, [{ type: 'Synced', status: 'True', reason: 'A', message: 'a' }], 1, t1);
    expect(b[0]?.lastTransitionTime).to.equal('2026-01-01T01:00:00Z');
  });
  it('keeps conditions it was not given', () => {
    const a = setConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'A', message: '' }], 1, t0);
    expect(setConditions(a, [{ type: 'Synced', status: 'True', reason: 'A', message: '' }], 1, t0).map((c) => c.type)).to.deep.equal(['Ready', 'Synced']);
  });
});

describe('sameStatus', () => {
  const cases: Array<{ reason: string; a: unknown; b: unknown; want: boolean }> = [
    { reason: 'key order does not count', a: { x: 1, y: { p: 'a', q: [1, 2] } }, b: { y: { q: [1, 2], p: 'a' }, x: 1 }, want: true },
    { reason: 'an undefined member is as good as an absent one', a: { x: 1, y: undefined }, b: { x: 1 }, want: true },
    { reason: 'a changed leaf counts', a: { c: [{ type: 'Ready', status: 'True' }] }, b: { c: [{ type: 'Ready', status: 'False' }] }, want: false },
    { reason: 'array order counts', a: { l: [1, 2] }, b: { l: [2, 1] }, want: false },
    { reason: 'an extra member counts', a: { x: 1 }, b: { x: 1, y: null }, want: false },
    { reason: 'an array is not an object', a: { l: [] }, b: { l: {} }, want: false },
    { reason: 'no status equals an empty one', a: undefined, b: {}, want: true },
  ];
  for (const c of cases) it(c.reason, () => expect(sameStatus(c.a, c.b)).to.equal(c.want));
});
