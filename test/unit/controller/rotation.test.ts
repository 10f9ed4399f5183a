import { expect } from 'chai';
import { nextOpening, rotationClock, windowOpen } from '../../../src/controller/key-manager/rotation.js';

const at = (iso: string): number => Date.parse(iso);

describe('key rotation schedule', () => {
  // 2026-12-05 is a Saturday.
  const weekendNights = { days: ['Saturday' as const, 'Sunday' as const], startHour: 1, endHour: 5 };

  it('a window is open on its days from startHour up to (not including) endHour, UTC', () => {
    expect(windowOpen(at('2026-12-05T01:00:00Z'), weekendNights)).to.equal(true);
    expect(windowOpen(at('2026-12-05T04:59:59Z'), weekendNights)).to.equal(true);
    expect(windowOpen(at('2026-12-05T05:00:00Z'), weekendNights)).to.equal(false);
    expect(windowOpen(at('2026-12-05T00:59:59Z'), weekendNights)).to.equal(false);
    expect(windowOpen(at('2026-12-04T02:00:00Z'), weekendNights), 'a Friday').to.equal(false);
    expect(windowOpen(at('2026-12-04T02:00:00Z'), { days: [], startHour: 1, endHour: 5 }), 'no days: every day').to.equal(true);
    expect(windowOpen(at('2026-12-04T23:30:00Z'), { days: [], startHour: 0, endHour: 24 })).to.equal(true);
    expect(windowOpen(at('2026-12-04T02:00:00Z'), undefined), 'no window: always').to.equal(true);
  });

  it('the next opening is now when open, else the next start on a window day', () => {
    expect(nextOpening(at('2026-12-05T02:00:00Z'), weekendNights)).to.equal(at('2026-12-05T02:00:00Z'));
    expect(nextOpening(at('2026-12-02T12:00:00Z'), weekendNights), 'Wednesday noon: Saturday 01:00').to.equal(at('2026-12-05T01:00:00Z'));
    expect(nextOpening(at('2026-12-05T06:00:00Z'), weekendNights), 'Saturday after it closed: Sunday 01:00').to.equal(at('2026-12-06T01:00:00Z'));
    expect(nextOpening(at('2026-12-06T06:00:00Z'), weekendNights), 'Sunday after it closed: next Saturday').to.equal(at('2026-12-12T01:00:00Z'));
  });

  it('counts the first period from when the policy was applied, then from the last rotation, and waits for the window', () => {
    const policy = { rotateEvery: '2160h', window: weekendNights };
    const first = rotationClock(policy, undefined, at('2026-12-02T12:00:00Z'));
    expect(first.since).to.equal('2026-12-02T12:00:00.000Z');
    // 90 days after Wednesday 2026-12-02 is Tuesday 2027-03-02: the next Saturday night.
    expect(new Date(first.due).toISOString()).to.equal('2027-03-06T01:00:00.000Z');
    const later = rotationClock(policy, { since: first.since, lastRekeyTime: '2027-03-06T01:00:05Z' }, at('2027-03-06T02:00:00Z'));
    expect(later.base).to.equal(at('2027-03-06T01:00:05Z'));
    expect(new Date(later.due).toISOString()).to.equal('2027-06-04T01:00:05.000Z'.replace('06-04T01:00:05', '06-05T01:00:00'));
  });

  it('holds a period below the minimum to the minimum (no hot loop from a stored object)', () => {
    const c = rotationClock({ rotateEvery: '1s' }, { since: '2026-12-02T00:00:00Z' }, at('2026-12-02T00:00:00Z'));
    expect(c.due - c.base).to.equal(10_000);
  });
});

describe('rekeySlots', () => {
  it('hands out at most N per cluster, each released once, other clusters apart', async () => {
    const { rekeySlots } = await import('../../../src/controller/key-manager/engine.js');
    const slots = rekeySlots(2);
    const a1 = slots.tryAcquire('ns/a');
    const a2 = slots.tryAcquire('ns/a');
    expect(a1).to.be.a('function');
    expect(a2).to.be.a('function');
    expect(slots.tryAcquire('ns/a'), 'a third on the same cluster waits').to.equal(undefined);
    expect(slots.tryAcquire('ns/b'), 'another cluster has its own').to.be.a('function');
    a1?.();
    a1?.();
    expect(slots.tryAcquire('ns/a'), 'one released: one more').to.be.a('function');
    expect(slots.tryAcquire('ns/a'), 'a release counted once').to.equal(undefined);
  });
});
