import { expect } from 'chai';
import { noticeLate } from '../../../src/runtime/timers.js';

const after = <T>(ms: number, value: T): Promise<T> => new Promise((r) => setTimeout(() => r(value), ms));

describe('noticeLate', () => {
  it('returns the answer without a notice when it comes in time', async () => {
    let notices = 0;
    const v = await noticeLate(after(5, 'answer'), () => Date.now() + 200, () => Promise.resolve(void notices++));
    expect(v).to.equal('answer');
    expect(notices).to.equal(0);
  });

  it('gives notice once when the answer is late, and still returns it', async () => {
    let notices = 0;
    const start = Date.now();
    const v = await noticeLate(after(80, 'late answer'), () => start + 20, () => Promise.resolve(void notices++));
    expect(v).to.equal('late answer');
    expect(notices).to.equal(1);
  });

  it('gives the wait up with the notice\'s error, and ignores what the wait ends with later', async () => {
    const start = Date.now();
    const failing = new Promise<string>((_, reject) => setTimeout(() => reject(new Error('ended later')), 60));
    let caught: unknown;
    try {
      await noticeLate(failing, () => start + 10, () => Promise.reject(new Error('no answer yet')));
    } catch (e) {
      caught = e;
    }
    expect((caught as Error).message).to.equal('no answer yet');
    // The later rejection must not surface as an unhandled one (mocha would report it).
    await after(80, undefined);
  });

  it('reads the due time again when its timer fires: a wait that moved later gets no notice yet', async () => {
    let due = Date.now() + 10;
    let notices = 0;
    setTimeout(() => (due = Date.now() + 1_000), 5);
    const v = await noticeLate(after(60, 'answer'), () => due, () => Promise.resolve(void notices++));
    expect(v).to.equal('answer');
    expect(notices).to.equal(0);
  });
});
