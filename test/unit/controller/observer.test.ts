import { expect } from 'chai';
import { CLUSTER_SCOPE, ClusterObserver, lastBoundary, nextDriftCheck } from '../../../src/controller/key-manager/observer.js';
import type { AwsKmsRecord } from '../../../src/ontap/wire.js';

const rec = (svm: string, region = 'us-east-1'): AwsKmsRecord => ({ uuid: `u-${svm}`, scope: 'svm', svm: { name: svm, uuid: `s-${svm}` }, region });

/** A fetcher whose answers the test releases by hand, counting calls and the keys asked for. */
function manualFetcher(world: Map<string, AwsKmsRecord>) {
  const calls: string[][] = [];
  const pending: Array<() => void> = [];
  const fetch = (keys: readonly string[]): Promise<readonly AwsKmsRecord[]> => {
    calls.push([...keys]);
    const snapshot = keys.map((k) => world.get(k)).filter((r): r is AwsKmsRecord => r !== undefined);
    return new Promise((resolve) => pending.push(() => resolve(snapshot)));
  };
  const release = async (): Promise<void> => {
    while (pending.length === 0) await new Promise((r) => setImmediate(r));
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { fetch, calls, release };
}

describe('ClusterObserver', () => {
  let now = 1000;
  const clock = (): number => now;

  it('serves every managed SVM from one collection GET', async () => {
    const world = new Map([['a', rec('a')], ['b', rec('b')], ['c', rec('c')]]);
    const f = manualFetcher(world);
    const o = new ClusterObserver(f.fetch, () => ['a', 'b', 'c'], clock);
    const results = Promise.all(['a', 'b', 'c'].map((k) => o.observe(k, 0)));
    await f.release();
    expect((await results).map((r) => r?.svm?.name)).to.deep.equal(['a', 'b', 'c']);
    expect(f.calls).to.deep.equal([['a', 'b', 'c']]);
    // Later asks with an older notBefore are answered from the snapshot.
    expect((await o.observe('b', 500))?.region).to.equal('us-east-1');
    expect(f.calls).to.have.length(1);
  });

  it('a key created between boundaries is read alone, not with the whole collection', async () => {
    const world = new Map([['a', rec('a')], ['b', rec('b')], ['c', rec('c')]]);
    const f = manualFetcher(world);
    const managed = ['a', 'b'];
    const o = new ClusterObserver(f.fetch, () => managed, clock);
    now = 1000;
    const first = Promise.all([o.observe('a', 0), o.observe('b', 0)]);
    await f.release();
    await first;
    // c is created later in the same interval: its read names c only.
    managed.push('c');
    const third = o.observe('c', 0);
    await f.release();
    expect((await third)?.uuid).to.equal('u-c');
    expect(f.calls).to.deep.equal([['a', 'b'], ['c']]);
  });

  it('reads again when the snapshot is older than asked', async () => {
    const f = manualFetcher(new Map([['a', rec('a')]]));
    const o = new ClusterObserver(f.fetch, () => ['a'], clock);
    now = 1000;
    const first = o.observe('a', 0);
    await f.release();
    await first;
    now = 2000;
    const second = o.observe('a', 1500);
    await f.release();
    await second;
    expect(f.calls).to.have.length(2);
  });

  it('reports a missing record as undefined', async () => {
    const f = manualFetcher(new Map());
    const o = new ClusterObserver(f.fetch, () => ['a'], clock);
    const r = o.observe('a', 0);
    await f.release();
    expect(await r).to.equal(undefined);
  });

  it('a GET that started before a create does not hide the created record', async () => {
    const world = new Map<string, AwsKmsRecord>();
    const f = manualFetcher(world);
    const o = new ClusterObserver(f.fetch, () => ['a', 'b'], clock);
    now = 1000;
    const slow = o.observe('b', 0); // in flight: sees no record for a
    now = 1100;
    o.remember('a', rec('a')); // a was created and re-read meanwhile
    await f.release();
    await slow;
    expect((await o.observe('a', 1000))?.uuid).to.equal('u-a');
  });

  it('forget before a write: a GET in flight during the write cannot bring the old record back', async () => {
    const world = new Map([['a', rec('a', 'old')]]);
    const f = manualFetcher(world);
    const o = new ClusterObserver(f.fetch, () => ['a'], clock);
    now = 1000;
    const inflight = o.observe('a', 0); // reads 'old'
    o.forget('a'); // a write to a starts (and, say, fails)
    world.set('a', rec('a', 'new'));
    await f.release();
    const second = o.observe('a', 0); // must read again, not serve the in-flight result
    await f.release();
    // Whoever waited on the stale read reads again too.
    expect((await inflight)?.region).to.equal('new');
    expect((await second)?.region).to.equal('new');
    expect(f.calls).to.have.length(2);
  });

  it('a write\'s re-read serves the key again after forget', async () => {
    const f = manualFetcher(new Map());
    const o = new ClusterObserver(f.fetch, () => ['a'], clock);
    o.forget('a');
    o.remember('a', rec('a'));
    expect((await o.observe('a', 0))?.uuid).to.equal('u-a');
    expect(f.calls).to.have.length(0);
  });

  it('a failed GET rejects every waiter; asks within the failure window share it, later ones try again', async () => {
    let fail = true;
    let calls = 0;
    const health: boolean[] = [];
    let t = 10_000;
    const o = new ClusterObserver(
      () => {
        calls++;
        return fail ? Promise.reject(new Error('boom')) : Promise.resolve([rec('a')]);
      },
      () => ['a', 'b'],
      () => t,
      (healthy) => health.push(healthy),
    );
    const results = await Promise.allSettled([o.observe('a', 0), o.observe('b', 0)]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    expect(calls).to.equal(1);
    expect(health, 'told once, on the first failure').to.deep.equal([false]);
    expect(o.failing).to.equal(true);
    // Within 5 s every other resource of the cluster is answered with the failure at once.
    t += 4_000;
    const fast = await o.observe('b', t).catch((e: unknown) => e);
    expect((fast as Error).message).to.equal('boom');
    expect(calls, 'no new GET to a cluster that just failed').to.equal(1);
    // After the window one read is tried; it fails again and the window doubles (10 s).
    t += 1_001;
    await o.observe('a', t).catch(() => undefined);
    expect(calls).to.equal(2);
    t += 9_000;
    await o.observe('a', t).catch(() => undefined);
    expect(calls).to.equal(2);
    t += 1_001;
    fail = false;
    expect((await o.observe('a', t))?.uuid).to.equal('u-a');
    expect(calls).to.equal(3);
    expect(health, 'told once when it works again').to.deep.equal([false, true]);
    expect(o.failing).to.equal(false);
  });

  it('new connection settings end the failure window: the next ask reads ONTAP at once', async () => {
    // A wrong ONTAP password fixed in its Secret rebuilds the connection; the 401 read with the old
    // one must not answer for the cluster until its window ends.
    let fail = true;
    let calls = 0;
    const health: boolean[] = [];
    const t = 10_000;
    const o = new ClusterObserver(
      () => {
        calls++;
        return fail ? Promise.reject(new Error('401 with the old password')) : Promise.resolve([rec('a')]);
      },
      () => ['a'],
      () => t,
      (healthy) => health.push(healthy),
    );
    await o.observe('a', 0).catch(() => undefined);
    expect(calls).to.equal(1);
    fail = false;
    o.forgetAll();
    expect(o.failing, 'still failing until a read works').to.equal(true);
    expect((await o.observe('a', t))?.uuid).to.equal('u-a');
    expect(calls, 'read again within what was the failure window').to.equal(2);
    expect(health).to.deep.equal([false, true]);
  });

  it('keys the cluster-scoped record as CLUSTER_SCOPE', async () => {
    const o = new ClusterObserver(() => Promise.resolve([{ uuid: 'cl', scope: 'cluster' }]), () => [CLUSTER_SCOPE], clock);
    expect((await o.observe(CLUSTER_SCOPE, 0))?.uuid).to.equal('cl');
  });
});

describe('drift-check alignment', () => {
  const cases = [
    { reason: 'mid-interval waits for the next boundary', now: 12_345, interval: 10_000, delay: 7_655 + 50 },
    { reason: 'on a boundary waits a whole interval', now: 20_000, interval: 10_000, delay: 10_000 + 50 },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      expect(nextDriftCheck(c.now, c.interval)).to.equal(c.delay);
      expect(lastBoundary(c.now + nextDriftCheck(c.now, c.interval), c.interval) % c.interval).to.equal(0);
    });
  }
  it('resources created at different times are checked at the same instants', () => {
    const at = (created: number): number => created + nextDriftCheck(created, 300_000);
    expect(at(1_000)).to.equal(at(299_000));
  });
});
