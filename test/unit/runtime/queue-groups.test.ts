import { expect } from 'chai';
import { GroupLimits } from '../../../src/runtime/queue-groups.js';

describe('GroupLimits (the work queue: one cluster cannot hold every worker)', () => {
  it('is full at maxPerGroup running keys of a group, and other groups are not', () => {
    const groups = new GroupLimits(2);
    expect(groups.full('a', 'high')).to.equal(false);
    groups.start('a/1', 'a', 'high');
    expect(groups.full('a', 'high')).to.equal(false);
    groups.start('a/2', 'a', 'high');
    expect(groups.full('a', 'high')).to.equal(true);
    expect(groups.full('a', 'low')).to.equal(true);
    expect(groups.full('b', 'high')).to.equal(false);
  });

  it('low keys leave one slot of a group to changes', () => {
    const groups = new GroupLimits(3);
    groups.start('a/1', 'a', 'low');
    expect(groups.full('a', 'low')).to.equal(false);
    groups.start('a/2', 'a', 'low');
    expect(groups.full('a', 'low'), 'a third drift check would take the slot of changes').to.equal(true);
    expect(groups.full('a', 'high'), 'a change still has its slot').to.equal(false);
  });

  it('a group of one slot takes a drift check when nothing runs in it', () => {
    const groups = new GroupLimits(1);
    expect(groups.full('a', 'low')).to.equal(false);
    groups.start('a/1', 'a', 'low');
    expect(groups.full('a', 'high')).to.equal(true);
  });

  it('a key that ends lets go the first key parked for its group, changes first, each lane in order', () => {
    const groups = new GroupLimits(2);
    groups.start('a/1', 'a', 'high');
    groups.start('a/2', 'a', 'high');
    groups.park('a', 'a/low1', 'low');
    groups.park('a', 'a/high1', 'high');
    groups.park('a', 'a/high2', 'high');
    groups.park('a', 'a/low2', 'low');
    expect(groups.size).to.equal(4);
    // Each key let go starts, in its lane, and is the next to end; a/2 runs throughout.
    const order: Array<string | undefined> = [];
    let ending = 'a/1';
    for (let i = 0; i < 5; i++) {
      const next = groups.end(ending);
      order.push(next);
      if (next === undefined) break;
      groups.start(next, 'a', next.includes('low') ? 'low' : 'high');
      ending = next;
    }
    expect(order).to.deep.equal(['a/high1', 'a/high2', 'a/low1', 'a/low2', undefined]);
    expect(groups.size).to.equal(0);
  });

  it('keeps a parked drift check while drift checks hold every slot but one, and lets it go when one ends', () => {
    const groups = new GroupLimits(3);
    groups.start('a/low1', 'a', 'low');
    groups.start('a/low2', 'a', 'low');
    groups.start('a/change', 'a', 'high');
    groups.park('a', 'a/low3', 'low');
    expect(groups.end('a/change'), 'the slot freed is the one of changes').to.equal(undefined);
    expect(groups.size).to.equal(1);
    expect(groups.end('a/low1')).to.equal('a/low3');
    expect(groups.size).to.equal(0);
  });

  it('a key of another group ending lets nothing go', () => {
    const groups = new GroupLimits(1);
    groups.start('a/1', 'a', 'high');
    groups.start('b/1', 'b', 'high');
    groups.park('a', 'a/2', 'high');
    expect(groups.end('b/1')).to.equal(undefined);
    expect(groups.end('a/1')).to.equal('a/2');
  });

  it('upgrade lets a parked drift check go at once when a change fits in its group', () => {
    const groups = new GroupLimits(2);
    groups.start('a/1', 'a', 'low');
    expect(groups.full('a', 'low')).to.equal(true);
    groups.park('a', 'a/2', 'low');
    expect(groups.upgrade('a', 'a/2')).to.equal(true);
    expect(groups.size).to.equal(0);
    expect(groups.end('a/1'), 'it left the parked keys').to.equal(undefined);
  });

  it('upgrade moves a parked drift check behind the parked changes of a full group', () => {
    const groups = new GroupLimits(1);
    groups.start('a/1', 'a', 'high');
    groups.park('a', 'a/low', 'low');
    groups.park('a', 'a/change', 'high');
    groups.park('a', 'a/upgraded', 'low');
    expect(groups.upgrade('a', 'a/upgraded')).to.equal(false);
    expect(groups.size).to.equal(3);
    const order: Array<string | undefined> = [];
    let ending = 'a/1';
    for (let i = 0; i < 3; i++) {
      const next = groups.end(ending);
      order.push(next);
      if (next === undefined) break;
      groups.start(next, 'a', 'high');
      ending = next;
    }
    expect(order).to.deep.equal(['a/change', 'a/upgraded', 'a/low']);
  });

  it('upgrade of a key not parked as a drift check changes nothing', () => {
    const groups = new GroupLimits(1);
    groups.start('a/1', 'a', 'high');
    groups.park('a', 'a/change', 'high');
    expect(groups.upgrade('a', 'a/change')).to.equal(false);
    expect(groups.upgrade('a', 'a/unknown')).to.equal(false);
    expect(groups.upgrade('b', 'b/unknown')).to.equal(false);
    expect(groups.size).to.equal(1);
  });

  it('end of a key it did not count frees nothing', () => {
    const groups = new GroupLimits(1);
    groups.start('a/1', 'a', 'high');
    groups.park('a', 'a/2', 'high');
    expect(groups.end('a/other')).to.equal(undefined);
    expect(groups.full('a', 'high')).to.equal(true);
    expect(groups.end('a/1')).to.equal('a/2');
    expect(groups.end('a/1'), 'counted once').to.equal(undefined);
  });

  it('clear returns the parked keys and keeps counting the running ones', () => {
    const groups = new GroupLimits(1);
    groups.start('a/1', 'a', 'high');
    groups.park('a', 'a/2', 'low');
    groups.park('a', 'a/3', 'high');
    expect(groups.clear().sort()).to.deep.equal(['a/2', 'a/3']);
    expect(groups.size).to.equal(0);
    expect(groups.full('a', 'high')).to.equal(true);
    expect(groups.end('a/1')).to.equal(undefined);
    expect(groups.full('a', 'high')).to.equal(false);
  });
});
