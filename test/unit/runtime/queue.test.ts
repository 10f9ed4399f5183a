import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../../../src/runtime/backoff.js';
import { Metrics } from '../../../src/runtime/metrics.js';
import { WorkQueue } from '../../../src/runtime/queue.js';
import { MAX_TIMER_MS, timerDelay } from '../../../src/runtime/timers.js';

/** deferred returns a promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** waitFor polls `cond` until it holds, failing after `ms`. */
async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(2);
  }
}

describe('WorkQueue', () => {
  let queue: WorkQueue;
  afterEach(async () => {
    await queue.shutdown();
  });

  it('de-duplicates a key that is already waiting', async () => {
    queue = new WorkQueue({ name: 'test' });
    queue.add('a');
    queue.add('a');
    queue.add('b');
    expect(queue.len()).to.equal(2);
    const seen: string[] = [];
    queue.run(1, (key) => {
      seen.push(key);
      return Promise.resolve();
    });
    await waitFor(() => seen.length === 2);
    await sleep(10);
    expect(seen).to.deep.equal(['a', 'b']);
  });

  it('runs one handler per key at a time and re-runs a key added while it was processing', async () => {
    queue = new WorkQueue({ name: 'test' });
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    queue.run(4, async () => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (calls === 1) await gate.promise;
      running--;
    });
    queue.add('a');
    await waitFor(() => calls === 1);
    // Added twice while processing: marked dirty once, so exactly one more run, after the first.
    queue.add('a');
    queue.add('a');
    await sleep(20);
    expect(calls, 'no second run while the first is in flight').to.equal(1);
    gate.resolve();
    await waitFor(() => calls === 2);
    await sleep(20);
    expect(calls).to.equal(2);
    expect(maxRunning).to.equal(1);
  });

  it('runs different keys in parallel', async () => {
    queue = new WorkQueue({ name: 'test' });
    const gate = deferred();
    let running = 0;
    queue.run(2, async () => {
      running++;
      await gate.promise;
    });
    queue.add('a');
    queue.add('b');
    await waitFor(() => running === 2);
    gate.resolve();
  });

  it('addAfter keeps the earliest time when a key is scheduled twice', async () => {
    queue = new WorkQueue({ name: 'test' });
    const seen: Array<{ key: string; at: number }> = [];
    queue.run(1, (key) => {
      seen.push({ key, at: Date.now() });
      return Promise.resolve();
    });
    const start = Date.now();
    queue.addAfter('a', 5_000);
    queue.addAfter('a', 30);
    queue.addAfter('a', 10_000);
    await waitFor(() => seen.length === 1);
    expect(seen[0]?.at).to.be.lessThan(start + 4_000);
    await sleep(50);
    expect(seen).to.have.length(1);
  });

  it('addRateLimited backs off exponentially per key, and forget resets it', async () => {
    queue = new WorkQueue({ name: 'test', baseDelayMs: 5, maxDelayMs: 40, jitter: 0 });
    const seen: string[] = [];
    queue.run(1, (key) => {
      seen.push(key);
      return Promise.resolve();
    });
    queue.addRateLimited('a');
    queue.addRateLimited('a');
    queue.addRateLimited('b');
    expect(queue.numRequeues('a')).to.equal(2);
    expect(queue.numRequeues('b')).to.equal(1);
    await waitFor(() => seen.includes('a') && seen.includes('b'));
    queue.forget('a');
    expect(queue.numRequeues('a')).to.equal(0);
    expect(queue.numRequeues('b')).to.equal(1);
    expect([0, 1, 2, 3, 4, 10].map((n) => queue.rateLimitDelay(n))).to.deep.equal([5, 10, 20, 40, 40, 40]);
  });

  it('add runs a key waiting out its backoff at once (a change does not wait for a retry)', async () => {
    queue = new WorkQueue({ name: 'test', baseDelayMs: 5_000, jitter: 0 });
    const seen: number[] = [];
    queue.run(1, () => {
      seen.push(Date.now());
      return Promise.resolve();
    });
    queue.addRateLimited('a');
    const start = Date.now();
    queue.add('a');
    await waitFor(() => seen.length === 1);
    expect((seen[0] ?? Infinity) - start).to.be.lessThan(1_000);
  });

  it('addIfIdle leaves a key waiting out its backoff to its retry, however often it is called', async () => {
    queue = new WorkQueue({ name: 'test', baseDelayMs: 200, jitter: 0 });
    const seen: number[] = [];
    queue.run(1, () => {
      seen.push(Date.now());
      return Promise.resolve();
    });
    const start = Date.now();
    queue.addRateLimited('a');
    expect(queue.backingOff('a')).to.equal(true);
    for (let i = 0; i < 5; i++) expect(queue.addIfIdle('a'), 'not queued: its retry is scheduled').to.equal(false);
    await sleep(100);
    expect(queue.addIfIdle('a')).to.equal(false);
    await waitFor(() => seen.length === 1);
    expect((seen[0] ?? 0) - start, 'ran at its backoff, not before').to.be.at.least(195);
    await sleep(250);
    expect(seen, 'and once').to.have.length(1);
  });

  it('addIfIdle does not mark a key being processed to run again, where add does', async () => {
    queue = new WorkQueue({ name: 'test' });
    const gate = deferred();
    let calls = 0;
    queue.run(2, async () => {
      calls++;
      if (calls === 1) await gate.promise;
    });
    queue.add('a');
    await waitFor(() => calls === 1);
    expect(queue.addIfIdle('a'), 'the run in progress answers it').to.equal(false);
    gate.resolve();
    await sleep(50);
    expect(calls, 'no second run').to.equal(1);
  });

  it('addIfIdle queues an idle key at once, and one whose delay is a requeue rather than a backoff', async () => {
    queue = new WorkQueue({ name: 'test' });
    const seen: string[] = [];
    queue.run(1, (key) => {
      seen.push(key);
      return Promise.resolve();
    });
    queue.addAfter('periodic', 60_000);
    expect(queue.backingOff('periodic')).to.equal(false);
    expect(queue.addIfIdle('idle')).to.equal(true);
    expect(queue.addIfIdle('periodic')).to.equal(true);
    await waitFor(() => seen.length === 2);
    expect(seen).to.deep.equal(['idle', 'periodic']);
    // Forgotten after a success, a key that failed before is idle again.
    queue.addRateLimited('failed');
    queue.forget('failed');
    expect(queue.backingOff('failed')).to.equal(false);
  });

  it('shutdown waits for in-flight handlers and drains waiting keys when asked', async () => {
    queue = new WorkQueue({ name: 'test' });
    const gate = deferred();
    const done: string[] = [];
    queue.run(1, async (key) => {
      if (key === 'a') await gate.promise;
      done.push(key);
    });
    queue.add('a');
    queue.add('b');
    await waitFor(() => queue.len() === 1);
    let finished = false;
    const stopped = queue.shutdown({ drain: true }).then(() => (finished = true));
    queue.add('c'); // refused: the queue is shutting down
    await sleep(20);
    expect(finished, 'shutdown waits for the in-flight handler').to.equal(false);
    gate.resolve();
    await stopped;
    expect(done).to.deep.equal(['a', 'b']);
  });

  it('shutdown without drain drops waiting keys and cancels delayed ones', async () => {
    queue = new WorkQueue({ name: 'test' });
    const gate = deferred();
    const done: string[] = [];
    queue.run(1, async (key) => {
      if (key === 'a') await gate.promise;
      done.push(key);
    });
    queue.add('a');
    queue.add('b');
    queue.addAfter('c', 10);
    await waitFor(() => queue.len() === 1);
    const stopped = queue.shutdown();
    gate.resolve();
    await stopped;
    await sleep(30);
    expect(done).to.deep.equal(['a']);
  });

  it('keeps its worker alive when a handler throws', async () => {
    queue = new WorkQueue({ name: 'test' });
    const seen: string[] = [];
    queue.run(1, (key) => {
      seen.push(key);
      return key === 'a' ? Promise.reject(new Error('boom')) : Promise.resolve();
    });
    queue.add('a');
    queue.add('b');
    await waitFor(() => seen.length === 2);
  });

  it('reports depth, adds and retries to its metrics', async () => {
    const metrics = new Metrics();
    queue = new WorkQueue({ name: 'm', metrics: metrics.queueMetrics('m'), baseDelayMs: 1000 });
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.addRateLimited('c');
    const text = await metrics.registry.metrics();
    expect(text).to.include('workqueue_depth{name="m"} 2');
    expect(text).to.include('workqueue_adds_total{name="m"} 2');
    expect(text).to.include('workqueue_retries_total{name="m"} 1');
  });
});

describe('WorkQueue groups (one cluster cannot hold every worker)', () => {
  let queue: WorkQueue;
  afterEach(async () => {
    await queue.shutdown();
  });
  const groupOf = (key: string): string | undefined => (key.includes(':') ? key.split(':')[0] : undefined);

  it('runs at most maxPerGroup keys of a group at once, and others meanwhile', async () => {
    queue = new WorkQueue({ name: 'test', groupOf, maxPerGroup: 1 });
    const gate = deferred();
    const started: string[] = [];
    queue.run(2, async (key) => {
      started.push(key);
      if (key.startsWith('dead:')) await gate.promise;
    });
    // Four keys of a dead cluster ahead of one of a healthy cluster, as in the fault matrix.
    for (const k of ['dead:a', 'dead:b', 'dead:c', 'dead:d', 'live:x']) queue.add(k);
    await waitFor(() => started.includes('live:x'));
    expect(started).to.deep.equal(['dead:a', 'live:x']);
    expect(queue.len(), 'three dead keys parked, still counted as waiting').to.equal(3);
    // A key added to a free group while the dead one is full runs at once.
    queue.add('live:y');
    await waitFor(() => started.includes('live:y'));
    gate.resolve();
    await waitFor(() => started.length === 6);
    expect(started.slice(3)).to.deep.equal(['dead:b', 'dead:c', 'dead:d']);
  });

  it('keeps the one-handler-per-key rule and de-duplication for parked keys', async () => {
    queue = new WorkQueue({ name: 'test', groupOf, maxPerGroup: 1 });
    const gate = deferred();
    const started: string[] = [];
    queue.run(3, async (key) => {
      started.push(key);
      if (key === 'g:a' && started.length === 1) await gate.promise;
    });
    queue.add('g:a');
    await waitFor(() => started.length === 1);
    queue.add('g:b');
    queue.add('g:b');
    queue.add('g:a');
    await sleep(20);
    expect(started).to.deep.equal(['g:a']);
    gate.resolve();
    await waitFor(() => started.length === 3);
    await sleep(20);
    expect(started.slice(1).sort()).to.deep.equal(['g:a', 'g:b']);
  });

  it('low keys leave one slot of a group to changes: a drift check on a slow cluster never holds up a change to it', async () => {
    queue = new WorkQueue({ name: 'test', groupOf, maxPerGroup: 2 });
    const gate = deferred();
    const started: string[] = [];
    queue.run(3, async (key) => {
      started.push(key);
      if (key.startsWith('slow:drift')) await gate.promise;
    });
    queue.add('slow:drift-a', 'low');
    queue.add('slow:drift-b', 'low');
    await waitFor(() => started.length === 1);
    await sleep(10);
    expect(started, 'the second drift check waits: one slot stays free for changes').to.deep.equal(['slow:drift-a']);
    queue.add('slow:rotation');
    await waitFor(() => started.includes('slow:rotation'));
    // A parked drift check that becomes a change takes the free slot too.
    queue.add('slow:drift-b');
    await waitFor(() => started.includes('slow:drift-b'));
    gate.resolve();
  });

  it('a drift check its group lets go waits in the low lane: a change waiting meanwhile runs first', async () => {
    queue = new WorkQueue({ name: 'test', groupOf, maxPerGroup: 2 });
    const gates = new Map([['g:1', deferred()], ['g:h', deferred()], ['g:2', deferred()], ['x', deferred()]]);
    const started: string[] = [];
    queue.run(2, async (key) => {
      started.push(key);
      await gates.get(key)?.promise;
    });
    try {
      queue.add('g:1', 'low');
      queue.add('g:2', 'low'); // parked: g's low slot is taken
      queue.add('g:h'); // g's slot for changes, on the second worker
      await waitFor(() => started.length === 2);
      queue.add('x'); // a change; both workers busy
      gates.get('g:1')?.resolve(); // g:2 is let go while no worker waits
      await waitFor(() => started.length === 3);
      expect(started[2], 'the change goes before the released drift check').to.equal('x');
    } finally {
      for (const g of gates.values()) g.resolve();
    }
    await waitFor(() => started.length === 4);
  });

  it('a drift check its group lets go ages too: a steady stream of changes does not starve it', async () => {
    queue = new WorkQueue({ name: 'test', groupOf, maxPerGroup: 2, agingMs: 20 });
    const gates = new Map([['g:1', deferred()], ['g:h', deferred()]]);
    const started: string[] = [];
    let n = 0;
    queue.run(2, async (key) => {
      started.push(key);
      await gates.get(key)?.promise;
      // Every change brings another, for a while: the high lane is never empty meanwhile.
      if (key.startsWith('event') && n < 300) queue.add(`event-${++n}`);
      await sleep(5);
    });
    try {
      queue.add('g:1', 'low');
      queue.add('g:2', 'low'); // parked: g's low slot is taken
      queue.add('g:h'); // holds the second worker
      await waitFor(() => started.length === 2);
      queue.add('event-0');
      gates.get('g:1')?.resolve(); // g:2 is let go while no worker waits, then events keep coming
      await waitFor(() => started.includes('g:2'), 1000);
      expect(started.indexOf('g:2'), 'it runs after a few changes, not after all of them').to.be.lessThan(30);
    } finally {
      for (const g of gates.values()) g.resolve();
    }
  });

  it('drops parked keys on shutdown without drain', async () => {
    queue = new WorkQueue({ name: 'test', groupOf, maxPerGroup: 1 });
    const gate = deferred();
    const started: string[] = [];
    queue.run(2, async (key) => {
      started.push(key);
      await gate.promise;
    });
    queue.add('g:a');
    queue.add('g:b');
    await waitFor(() => queue.len() === 1);
    const stopped = queue.shutdown();
    gate.resolve();
    await stopped;
    expect(started).to.deep.equal(['g:a']);
    expect(queue.len()).to.equal(0);
  });
});


describe('WorkQueue tenants (one namespace cannot hold every worker)', () => {
  let queue: WorkQueue;
  afterEach(async () => {
    await queue.shutdown();
  });
  // Keys are tenant/group:name here; tenantOf is the part before the slash, as the namespace of a key.
  const groupOf = (key: string): string | undefined => key.split(':')[0];
  const tenantOf = (key: string): string | undefined => key.split('/')[0];

  for (const dead of [2, 4]) {
    it(`a key of another tenant starts at once while one tenant's ${dead} dead clusters hang`, async () => {
      queue = new WorkQueue({ name: 'test', groupOf, maxPerGroup: 2, tenantOf });
      const gate = deferred();
      const started = new Map<string, number>();
      queue.run(4, async (key) => {
        started.set(key, Date.now());
        if (key.startsWith('a/')) await Promise.race([gate.promise, sleep(1500)]);
      });
      try {
        // One resource on each dead cluster, and a few more behind them: the tenant has work for every worker.
        for (let i = 0; i < dead; i++) for (const r of ['x', 'y']) queue.add(`a/dead-${i}:${r}`);
        await waitFor(() => started.size >= Math.min(3, dead));
        const added = Date.now();
        queue.add('b/live:new');
        await waitFor(() => started.has('b/live:new'), 3000);
        const waited = (started.get('b/live:new') ?? 0) - added;
        console.log(`      tenant b's key started ${waited} ms after it was added (tenant a: ${dead} dead clusters)`);
        expect(waited, 'it found an idle worker').to.be.lessThan(50);
      } finally {
        gate.resolve();
      }
    });
  }
  it('one tenant alone borrows every worker but one, and a change of its own takes that one', async () => {
    queue = new WorkQueue({ name: 'test', groupOf, maxPerGroup: 2, tenantOf });
    const gate = deferred();
    const started: string[] = [];
    queue.run(4, async (key) => {
      started.push(key);
      await gate.promise;
    });
    try {
      // Drift checks on many clusters of one namespace, as the bench's: three run (the fourth worker is kept).
      for (let i = 0; i < 8; i++) queue.add(`a/c${i}:drift`, 'low');
      await waitFor(() => started.length === 3);
      await sleep(10);
      expect(started, 'past its share of 2, while a worker stays idle').to.have.length(3);
      queue.add('a/c9:rotation');
      await waitFor(() => started.includes('a/c9:rotation'));
      expect(queue.len()).to.equal(5);
    } finally {
      gate.resolve();
    }
    await waitFor(() => started.length === 9);
  });

  it('changes of one tenant alone run on all workers but one: the last is kept for another tenant', async () => {
    queue = new WorkQueue({ name: 'test', groupOf, maxPerGroup: 2, tenantOf });
    const gate = deferred();
    const started: string[] = [];
    queue.run(4, async (key) => {
      started.push(key);
      await gate.promise;
    });
    try {
      for (let i = 0; i < 8; i++) queue.add(`a/c${i}:create`);
      await waitFor(() => started.length === 3);
      await sleep(10);
      expect(started).to.have.length(3);
      queue.add('b/c0:create');
      await waitFor(() => started.includes('b/c0:create'));
    } finally {
      gate.resolve();
    }
    await waitFor(() => started.length === 9);
  });

  it('a key of a tenant under its share goes before a borrower waiting longer', async () => {
    queue = new WorkQueue({ name: 'test', groupOf, maxPerGroup: 2, tenantOf });
    const gates = new Map<string, { promise: Promise<void>; resolve: () => void }>();
    const started: string[] = [];
    queue.run(4, async (key) => {
      started.push(key);
      const g = deferred();
      gates.set(key, g);
      await g.promise;
    });
    try {
      for (let i = 0; i < 4; i++) queue.add(`a/c${i}:x`);
      await waitFor(() => started.length === 3);
      queue.add('b/c0:x'); // takes the idle worker
      queue.add('b/c1:x'); // waits: no worker free
      await waitFor(() => started.length === 4);
      // A worker frees: a/c3 (parked first, a is over its share) and b/c1 (b under its share) both wait.
      gates.get('a/c0:x')?.resolve();
      await waitFor(() => started.length === 5);
      expect(started[4]).to.equal('b/c1:x');
    } finally {
      for (const g of gates.values()) g.resolve();
    }
    await waitFor(() => started.length === 6);
    for (const g of gates.values()) g.resolve();
  });

  it("a tenant that finds every worker taken cuts one of a borrower's runs short, which runs again later", async () => {
    // Tenant a's drift checks borrow past its share and a change of its own takes the last worker
    // (all four hang on dead clusters): tenant b's new key must not wait for them to time out.
    const cuts = new Map<string, () => void>();
    const preempted: string[] = [];
    queue = new WorkQueue({
      name: 'test',
      groupOf,
      maxPerGroup: 2,
      tenantOf,
      onPreempt: (key) => {
        preempted.push(key);
        cuts.get(key)?.();
      },
    });
    const started: Array<{ key: string; at: number }> = [];
    queue.run(4, async (key) => {
      started.push({ key, at: Date.now() });
      if (!key.startsWith('a/')) return;
      await new Promise<void>((resolve) => {
        cuts.set(key, resolve);
        setTimeout(resolve, 1500);
      });
      cuts.delete(key);
    });
    for (let i = 0; i < 3; i++) queue.add(`a/dead-${i}:drift`, 'low');
    await waitFor(() => started.length === 3);
    queue.add('a/dead-3:change');
    await waitFor(() => started.length === 4);
    const added = Date.now();
    queue.add('b/live:new');
    await waitFor(() => started.some((s) => s.key === 'b/live:new'), 3000);
    const waited = (started.find((s) => s.key === 'b/live:new')?.at ?? 0) - added;
    console.log(`      tenant b's key started ${waited} ms after it was added (tenant a held all 4 workers)`);
    expect(waited).to.be.lessThan(100);
    expect(preempted, 'one run cut short: a borrowed drift check, the latest').to.deep.equal(['a/dead-2:drift']);
    // The run cut short is not lost: it runs again.
    await waitFor(() => started.filter((s) => s.key === 'a/dead-2:drift').length === 2, 3000);
  });

  it('cuts nothing short for a tenant at its share, nor while a worker is idle', async () => {
    const preempted: string[] = [];
    queue = new WorkQueue({ name: 'test', groupOf, maxPerGroup: 2, tenantOf, onPreempt: (key) => preempted.push(key) });
    const gate = deferred();
    const started: string[] = [];
    queue.run(4, async (key) => {
      started.push(key);
      await gate.promise;
    });
    try {
      queue.add('a/c0:x');
      queue.add('a/c1:x');
      queue.add('b/c0:x');
      await waitFor(() => started.length === 3);
      queue.add('b/c1:x'); // an idle worker takes it: b at its share, every worker busy
      await waitFor(() => started.length === 4);
      queue.add('b/c2:x'); // b is at its share, a is at its share: nobody borrowed, nothing to cut
      queue.add('a/c2:x');
      await sleep(20);
      expect(preempted).to.deep.equal([]);
    } finally {
      gate.resolve();
    }
    await waitFor(() => started.length === 6);
  });

  it('drops keys parked by their tenant on shutdown without drain', async () => {
    queue = new WorkQueue({ name: 'test', tenantOf, maxPerTenant: 1 });
    const gate = deferred();
    const started: string[] = [];
    queue.run(2, async (key) => {
      started.push(key);
      await gate.promise;
    });
    queue.add('a/1');
    queue.add('a/2');
    await waitFor(() => queue.len() === 1);
    const stopped = queue.shutdown();
    gate.resolve();
    await stopped;
    expect(started).to.deep.equal(['a/1']);
    expect(queue.len()).to.equal(0);
  });
});

describe('WorkQueue priorities (changes ahead of drift checks, without starving them)', () => {
  let queue: WorkQueue;
  afterEach(async () => {
    await queue.shutdown();
  });

  it('runs a high key added after a thousand low ones next', async () => {
    queue = new WorkQueue({ name: 'test' });
    for (let i = 0; i < 1000; i++) queue.add(`drift-${i}`, 'low');
    queue.add('rotation');
    const seen: string[] = [];
    queue.run(1, (key) => {
      seen.push(key);
      return Promise.resolve();
    });
    await waitFor(() => seen.length === 1001);
    expect(seen[0]).to.equal('rotation');
  });

  it('lets I/O in between keys: a change arriving while instant drift checks run goes next, not after all of them', async () => {
    queue = new WorkQueue({ name: 'test' });
    for (let i = 0; i < 1000; i++) queue.add(`drift-${i}`, 'low');
    const seen: string[] = [];
    // The change arrives from outside the microtask queue, as a watch event does: a timer.
    setTimeout(() => queue.add('rotation'), 0);
    queue.run(2, (key) => {
      seen.push(key);
      // Each check takes a little CPU (50 us) and no I/O, as one answered from a snapshot does.
      const until = process.hrtime.bigint() + 50_000n;
      while (process.hrtime.bigint() < until);
      return Promise.resolve();
    });
    await waitFor(() => seen.length === 1001);
    // Without a turn for the event loop between keys, the change runs last (index 1000).
    expect(seen.indexOf('rotation')).to.be.lessThan(500);
  });

  it('keeps one worker for changes: low keys never take them all', async () => {
    queue = new WorkQueue({ name: 'test' });
    const gate = deferred();
    const started: string[] = [];
    queue.run(3, async (key) => {
      started.push(key);
      if (key.startsWith('drift')) await gate.promise;
    });
    for (let i = 0; i < 5; i++) queue.add(`drift-${i}`, 'low');
    await waitFor(() => started.length === 2);
    await sleep(10);
    expect(started, 'two of three workers on drift checks, blocked on a slow cluster').to.deep.equal(['drift-0', 'drift-1']);
    queue.add('rotation');
    await waitFor(() => started.includes('rotation'));
    gate.resolve();
    await waitFor(() => started.length === 6);
  });

  it('a change to a key already waiting as a drift check runs at once on the worker kept for changes', async () => {
    // At a drift-check boundary every key waits in the low lane while the other workers wait on
    // their clusters' reads; a Secret rotation then adds one of those keys as high. Moved to the
    // high lane, it must go to the idle worker, not wait until a drift check ends (which held
    // the first rotations of a 10,000-resource pass for most of a second).
    queue = new WorkQueue({ name: 'test' });
    const gate = deferred();
    const started: string[] = [];
    queue.run(3, async (key) => {
      started.push(key);
      if (key !== 'drift-4') await gate.promise;
    });
    for (let i = 0; i < 5; i++) queue.add(`drift-${i}`, 'low');
    try {
      await waitFor(() => started.length === 2);
      queue.add('drift-4');
      await sleep(20);
      expect(started, 'the change runs while both drift checks are still blocked').to.deep.equal(['drift-0', 'drift-1', 'drift-4']);
    } finally {
      gate.resolve();
    }
    await waitFor(() => started.length === 5);
  });

  it('tells its owner when a key running as low is added as high, so the low run can be cut short', async () => {
    const promoted: string[] = [];
    queue = new WorkQueue({ name: 'test', onPromote: (key) => promoted.push(key) });
    const gate = deferred();
    queue.run(1, async () => {
      await gate.promise;
    });
    queue.add('drift', 'low');
    await sleep(10);
    queue.add('drift', 'low');
    expect(promoted, 'another low add is no change').to.deep.equal([]);
    queue.add('drift');
    expect(promoted).to.deep.equal(['drift']);
    gate.resolve();
  });

  it('moves a waiting low key to the high lane when it is added again as high', async () => {
    queue = new WorkQueue({ name: 'test' });
    queue.add('a', 'low');
    queue.add('b', 'low');
    queue.add('b');
    expect(queue.len()).to.equal(2);
    const seen: string[] = [];
    queue.run(1, (key) => {
      seen.push(key);
      return Promise.resolve();
    });
    await waitFor(() => seen.length === 2);
    expect(seen).to.deep.equal(['b', 'a']);
  });

  it('a retry keeps the priority its key ran with: a failed drift check does not jump ahead of events', async () => {
    queue = new WorkQueue({ name: 'test', baseDelayMs: 1, maxDelayMs: 1, jitter: 0 });
    const gate = deferred();
    const seen: string[] = [];
    queue.run(1, async (key) => {
      seen.push(key);
      if (key === 'drift' && seen.length === 1) queue.addRateLimited(key);
      if (key === 'blocker') await gate.promise;
    });
    queue.add('drift', 'low');
    queue.add('blocker', 'low');
    await waitFor(() => seen.includes('blocker'));
    await sleep(20); // the retry's 1 ms backoff has run out: it waits again
    queue.add('event');
    gate.resolve();
    await waitFor(() => seen.length === 4);
    expect(seen).to.deep.equal(['drift', 'blocker', 'event', 'drift']);
  });

  it('gives an aged low key every other turn under a steady stream of high keys', async () => {
    queue = new WorkQueue({ name: 'test', agingMs: 20 });
    queue.add('drift-a', 'low');
    queue.add('drift-b', 'low');
    queue.add('event-0');
    const seen: string[] = [];
    let n = 0;
    queue.run(1, async (key) => {
      seen.push(key);
      // Every high key brings another: the high lane is never empty.
      if (key.startsWith('event')) queue.add(`event-${++n}`);
      await sleep(5);
    });
    await waitFor(() => seen.includes('drift-b'), 3000);
    const firstDrift = seen.indexOf('drift-a');
    expect(firstDrift, 'a low key runs while events keep coming').to.be.greaterThan(0);
    expect(seen.indexOf('drift-b') - firstDrift, 'then the next low key after one high one').to.equal(2);
  });
});

describe('timers that cannot overflow', () => {
  const cases: Array<{ reason: string; ms: number; want: number }> = [
    { reason: 'a normal delay is kept', ms: 1500, want: 1500 },
    { reason: 'a negative delay means now', ms: -5, want: 0 },
    { reason: 'NaN means now, never a 1 ms loop', ms: Number.NaN, want: 0 },
    { reason: '2^31 ms is the longest Node honours', ms: 2 ** 31, want: MAX_TIMER_MS },
    { reason: 'driftCheckIntervalSeconds 10,000,000 is capped, not 1 ms', ms: 10_000_000 * 1000, want: MAX_TIMER_MS },
    { reason: 'Infinity is capped', ms: Infinity, want: MAX_TIMER_MS },
  ];
  for (const c of cases) it(c.reason, () => expect(timerDelay(c.ms)).to.equal(c.want));

  it('addAfter with a delay past 2^31 ms does not fire at once', async () => {
    const queue = new WorkQueue({ name: 'test' });
    let calls = 0;
    queue.run(1, () => {
      calls++;
      return Promise.resolve();
    });
    queue.addAfter('a', 10_000_000 * 1000);
    await sleep(50);
    await queue.shutdown();
    expect(calls, 'Node turns an overflowing delay into 1 ms; the queue must not').to.equal(0);
  });
});

describe('backoffDelay', () => {
  const cases: Array<{ reason: string; failures: number; jitter: number; random: number; want: number }> = [
    { reason: 'first retry waits the initial delay', failures: 0, jitter: 0, random: 0.5, want: 100 },
    { reason: 'doubles with each failure', failures: 3, jitter: 0, random: 0.5, want: 800 },
    { reason: 'is capped', failures: 20, jitter: 0, random: 0.5, want: 5000 },
    { reason: 'does not overflow on huge counts', failures: 10_000, jitter: 0, random: 0.5, want: 5000 },
    { reason: 'jitter only shortens', failures: 1, jitter: 0.1, random: 1, want: 180 },
    { reason: 'jitter keeps the cap a hard bound', failures: 20, jitter: 0.1, random: 0, want: 5000 },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const got = backoffDelay(c.failures, { initialMs: 100, maxMs: 5000, jitter: c.jitter }, () => c.random);
      expect(got).to.equal(c.want);
    });
  }
});
