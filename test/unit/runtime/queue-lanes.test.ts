import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { PriorityLanes } from '../../../src/runtime/queue-lanes.js';

/** drain shifts every key out of `lanes`, low keys allowed. */
function drain(lanes: PriorityLanes): string[] {
  const out: string[] = [];
  for (let key = lanes.shift(true); key !== undefined; key = lanes.shift(true)) out.push(key);
  return out;
}

describe('PriorityLanes (the work queue: changes ahead of drift checks, without starving them)', () => {
  it('hands out high keys before low ones, each lane in order', () => {
    const lanes = new PriorityLanes(60_000);
    lanes.push('l1', 'low');
    lanes.push('h1', 'high');
    lanes.push('l2', 'low');
    lanes.push('h2', 'high');
    expect(lanes.size).to.equal(4);
    expect(drain(lanes)).to.deep.equal(['h1', 'h2', 'l1', 'l2']);
    expect(lanes.size).to.equal(0);
  });

  it('a released key goes first in its lane, but a released drift check not ahead of a change', () => {
    const lanes = new PriorityLanes(60_000);
    lanes.push('h1', 'high');
    lanes.push('l1', 'low');
    lanes.push('l0', 'low', true);
    lanes.push('h0', 'high', true);
    expect(drain(lanes)).to.deep.equal(['h0', 'h1', 'l0', 'l1']);
  });

  it('takes no low key while low keys may not start', () => {
    const lanes = new PriorityLanes(0);
    lanes.push('l1', 'low');
    expect(lanes.shift(false)).to.equal(undefined);
    lanes.push('h1', 'high');
    expect(lanes.shift(false)).to.equal('h1');
    expect(lanes.shift(false)).to.equal(undefined);
    expect(lanes.shift(true)).to.equal('l1');
  });

  it('gives an aged low key every other turn', () => {
    const fresh = new PriorityLanes(60_000);
    const aged = new PriorityLanes(0);
    for (const lanes of [fresh, aged]) {
      for (const key of ['h1', 'h2', 'h3']) lanes.push(key, 'high');
      for (const key of ['l1', 'l2']) lanes.push(key, 'low');
    }
    expect(drain(fresh)).to.deep.equal(['h1', 'h2', 'h3', 'l1', 'l2']);
    expect(drain(aged)).to.deep.equal(['l1', 'h1', 'l2', 'h2', 'h3']);
  });

  it('ages a released drift check from when it was let go', async () => {
    const lanes = new PriorityLanes(50);
    lanes.push('released', 'low', true);
    for (const key of ['h1', 'h2']) lanes.push(key, 'high');
    expect(lanes.shift(true)).to.equal('h1');
    await sleep(80);
    expect(lanes.shift(true)).to.equal('released');
    expect(lanes.shift(true)).to.equal('h2');
  });

  it('promote moves a waiting low key, released or not, to the end of the high lane', () => {
    const lanes = new PriorityLanes(60_000);
    lanes.push('l1', 'low');
    lanes.push('l2', 'low');
    lanes.push('r', 'low', true);
    lanes.push('h1', 'high');
    expect(lanes.promote('l2')).to.equal(true);
    expect(lanes.promote('r')).to.equal(true);
    expect(lanes.promote('h1'), 'already high').to.equal(false);
    expect(lanes.promote('unknown')).to.equal(false);
    expect(lanes.size).to.equal(4);
    expect(drain(lanes)).to.deep.equal(['h1', 'l2', 'r', 'l1']);
  });

  it('clear returns every waiting key', () => {
    const lanes = new PriorityLanes(60_000);
    lanes.push('h', 'high');
    lanes.push('l', 'low');
    lanes.push('rh', 'high', true);
    lanes.push('rl', 'low', true);
    expect(lanes.clear().sort()).to.deep.equal(['h', 'l', 'rh', 'rl']);
    expect(lanes.size).to.equal(0);
    expect(lanes.shift(true)).to.equal(undefined);
  });
});
