import { expect } from 'chai';
import { Semaphore, SemaphoreAbortedError } from '../../../src/ontap/semaphore.js';

describe('Semaphore', () => {
  it('admits at most limit holders and hands slots over in FIFO order', async () => {
    const sem = new Semaphore(2);
    const order: number[] = [];
    const releases: Array<() => void> = [];
    releases.push(await sem.acquire(), await sem.acquire());
    const waiting = [3, 4].map((n) => sem.acquire().then((release) => {
      order.push(n);
      return release;
    }));
    await Promise.resolve();
    expect(sem.inFlight).to.equal(2);
    expect(sem.waiting).to.equal(2);
    expect(order).to.deep.equal([]);
    releases[0]?.();
    const r3 = await waiting[0];
    expect(order).to.deep.equal([3]);
    expect(sem.inFlight).to.equal(2);
    releases[1]?.();
    const r4 = await waiting[1];
    expect(order).to.deep.equal([3, 4]);
    r3?.();
    r4?.();
    expect(sem.inFlight).to.equal(0);
  });

  it('ignores a second release of the same slot', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    release();
    release();
    expect(sem.inFlight).to.equal(0);
  });

  it('releases the slot when run() throws', async () => {
    const sem = new Semaphore(1);
    let caught: unknown;
    try {
      await sem.run(() => Promise.reject(new Error('boom')));
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(Error);
    expect(sem.inFlight).to.equal(0);
  });

  it('takes an aborted waiter out of the queue and hands the slot to the next one', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const controller = new AbortController();
    const aborted = sem.acquire(controller.signal).then(
      () => 'acquired',
      (err: unknown) => err,
    );
    const next = sem.acquire();
    expect(sem.waiting).to.equal(2);
    controller.abort();
    expect(await aborted).to.be.instanceOf(SemaphoreAbortedError);
    expect(sem.waiting).to.equal(1);
    release();
    const releaseNext = await next;
    expect(sem.inFlight).to.equal(1);
    releaseNext();
    expect(sem.inFlight).to.equal(0);
  });

  it('refuses an already-aborted acquire without taking a slot', async () => {
    const sem = new Semaphore(1);
    let caught: unknown;
    try {
      await sem.acquire(AbortSignal.abort());
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(SemaphoreAbortedError);
    expect(sem.inFlight).to.equal(0);
  });

  it('keeps a slot already handed over when the signal aborts afterwards', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const controller = new AbortController();
    const waiting = sem.acquire(controller.signal);
    release();
    controller.abort();
    const releaseWaiter = await waiting;
    expect(sem.inFlight).to.equal(1);
    releaseWaiter();
    expect(sem.inFlight).to.equal(0);
  });

  it('refuses a limit below 1', () => {
    expect(() => new Semaphore(0)).to.throw(RangeError);
  });
});
