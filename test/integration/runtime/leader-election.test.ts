import { expect } from 'chai';
import { LeaseType } from '../../../src/runtime/kube.js';
import { LeaderElector } from '../../../src/runtime/leader-election.js';
import { nullLogger } from '../../../src/runtime/logger.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../../support/control-plane.js';
import { setupEnv, teardownEnv, waitFor, type RuntimeEnv } from './helpers.js';

interface Candidate {
  elector: LeaderElector;
  started: number;
  stopped: number;
  signal: AbortSignal | undefined;
  done: Promise<void>;
}

describe('LeaderElector (real API server)', function () {
  this.timeout(30_000);
  let env: RuntimeEnv;
  const candidates: Candidate[] = [];

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    env = await setupEnv('leader');
  });
  after(async () => {
    await Promise.all(candidates.map((c) => c.elector.stop()));
    await teardownEnv(env);
  });

  function candidate(identity: string, lease = 'op-lock'): Candidate {
    const elector = new LeaderElector(env.api, {
      namespace: env.namespace,
      name: lease,
      identity,
      logger: nullLogger,
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 200,
    });
    const c: Candidate = { elector, started: 0, stopped: 0, signal: undefined, done: Promise.resolve() };
    c.done = elector.run({
      onStartedLeading: (signal) => {
        c.started++;
        c.signal = signal;
      },
      onStoppedLeading: () => {
        c.stopped++;
      },
    });
    candidates.push(c);
    return c;
  }

  it('lets exactly one of two candidates lead, and hands over quickly on stop()', async () => {
    const a = candidate('a');
    const b = candidate('b');
    await waitFor('a leader', () => a.elector.isLeader() || b.elector.isLeader());
    // Several renew periods: the follower must never take over a lease that is being renewed.
    for (let i = 0; i < 10; i++) {
      expect([a, b].filter((c) => c.elector.isLeader())).to.have.length(1);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    const lease = await env.api.get(LeaseType, env.namespace, 'op-lock');
    expect((lease?.spec as { holderIdentity?: string }).holderIdentity).to.equal(leader === a ? 'a' : 'b');

    const stoppedAt = Date.now();
    await leader.elector.stop();
    await leader.done;
    expect(leader.stopped).to.equal(1);
    expect(leader.signal?.aborted).to.equal(true);
    expect(leader.elector.isLeader()).to.equal(false);
    await waitFor('the follower to take over', () => follower.elector.isLeader(), 5_000);
    // Released, not expired: well before the 3 s lease duration.
    expect(Date.now() - stoppedAt).to.be.lessThan(2_500);
    expect(follower.started).to.equal(1);
    const taken = await env.api.get(LeaseType, env.namespace, 'op-lock');
    expect(taken?.spec).to.deep.include({ holderIdentity: follower === a ? 'a' : 'b', leaseTransitions: 1 });
  });

  it('takes over a dead holder\'s lease when it expires, not a retry period later, and never before', async () => {
    // A holder that stopped renewing (killed): its record stays as last written.
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    await env.api.create(LeaseType, env.namespace, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'dead-lock', namespace: env.namespace },
      spec: { holderIdentity: 'killed', leaseDurationSeconds: 3, acquireTime: now, renewTime: now, leaseTransitions: 0 },
    });
    const startedAt = Date.now();
    // Retries every 2-2.4 s: at 0, about 2.2 and 4.4 s; the lease (as first observed) ends at 3 s.
    const elector = new LeaderElector(env.api, { namespace: env.namespace, name: 'dead-lock', identity: 'standby', logger: nullLogger, leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 });
    let ledAt = 0;
    const done = elector.run({ onStartedLeading: () => (ledAt = Date.now()), onStoppedLeading: () => undefined });
    await waitFor('the standby to take over', () => ledAt > 0, 8_000);
    await elector.stop();
    await done;
    const after = ledAt - startedAt;
    expect(after, 'not before the observed lease expired').to.be.at.least(3_000);
    expect(after, 'at its expiry, not at the next retry (4 s or later)').to.be.lessThan(3_800);
  });

  it('gives up leadership when someone else overwrites the lease', async () => {
    const c = candidate('solo', 'stolen-lock');
    await waitFor('leadership', () => c.elector.isLeader());
    const lease = await env.api.get(LeaseType, env.namespace, 'stolen-lock');
    if (lease === undefined) throw new Error('no lease');
    await env.api.replace(LeaseType, env.namespace, 'stolen-lock', {
      ...lease,
      spec: { ...(lease.spec as object), holderIdentity: 'intruder' },
    });
    await c.done;
    expect(c.stopped).to.equal(1);
    expect(c.elector.isLeader()).to.equal(false);
  });

  it('a stopped candidate that never led calls no callback', async () => {
    const holder = candidate('holder', 'busy-lock');
    await waitFor('holder leads', () => holder.elector.isLeader());
    const waiting = candidate('waiting', 'busy-lock');
    await new Promise((r) => setTimeout(r, 300));
    await waiting.elector.stop();
    await waiting.done;
    expect([waiting.started, waiting.stopped]).to.deep.equal([0, 0]);
    expect(holder.elector.isLeader()).to.equal(true);
  });
});
