import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, type WriteGate } from '../../../src/controller/controller.js';
import { StoppingError } from '../../../src/controller/errors.js';
import type { Informer } from '../../../src/runtime/informer.js';
import type { KubeObject } from '../../../src/runtime/kube.js';
import { nullLogger } from '../../../src/runtime/logger.js';

interface Obj {
  metadata: { namespace: string; name: string };
}

/** A reconcile the test steers: it says when it runs, and waits for the test to let it end. */
interface Step {
  signal?: AbortSignal;
  gate?: WriteGate;
  release: () => void;
  released: Promise<void>;
}

function step(): Step {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  return { release, released };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(2);
  }
}

/** controllerOf runs `reconcile` over any key of namespace `ns`; the informer knows every key. */
function controllerOf(reconcile: (name: string, signal: AbortSignal, gate: WriteGate) => Promise<void>): Controller<Obj> {
  const informer = { get: (namespace: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { namespace, name } }) } as unknown as Informer;
  return new Controller<Obj>({
    name: 'test',
    informer,
    parse: (o) => ({ metadata: { namespace: o.metadata.namespace ?? '', name: o.metadata.name } }),
    reconcile: async (obj, _log, signal, _trigger, _cut, gate) => {
      await reconcile(obj.metadata.name, signal, gate);
      return { requeueAfterMs: undefined };
    },
    logger: nullLogger,
  });
}

describe('Controller: stopping with work in flight', () => {
  it('aborts a reconcile that has sent no write, sees one that has through, and refuses a first write once stopping', async () => {
    const reading = step();
    const writing = step();
    const ended: Record<string, string> = {};
    const c = controllerOf(async (name, signal, gate) => {
      const s = name === 'reader' ? reading : writing;
      s.signal = signal;
      s.gate = gate;
      try {
        if (name === 'writer') gate.begin();
        await Promise.race([s.released, new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }))]);
        // The writer's second write of the same pass still goes.
        if (name === 'writer') gate.begin();
        ended[name] = 'done';
      } catch (e) {
        ended[name] = e instanceof StoppingError ? 'stopped' : String(e);
      }
    });
    c.start(2);
    // One namespace each: one namespace alone gets half the workers.
    c.enqueue('a/reader');
    c.enqueue('b/writer');
    await until(() => reading.gate !== undefined && writing.gate !== undefined);
    let stopped = false;
    const stopping = c.stop().then(() => (stopped = true));
    await until(() => ended['reader'] !== undefined);
    expect(ended['reader'], 'a reconcile that sent nothing is aborted').to.equal('stopped');
    expect(() => reading.gate?.begin(), 'no first write once stopping').to.throw(StoppingError);
    await sleep(20);
    expect(stopped, 'stop waits for the write in flight').to.equal(false);
    expect(writing.signal?.aborted).to.equal(false);
    writing.release();
    await stopping;
    expect(ended['writer'], 'the write in flight and the rest of its pass went through').to.equal('done');
  });

  it('halt aborts the writes a stop was seeing through', async () => {
    const writing = step();
    let reason: unknown;
    const c = controllerOf(async (_name, signal, gate) => {
      writing.signal = signal;
      gate.begin();
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      reason = signal.reason;
    });
    c.start(1);
    c.enqueue('ns/writer');
    await until(() => writing.signal !== undefined);
    const stopping = c.stop();
    await sleep(20);
    expect(writing.signal?.aborted).to.equal(false);
    c.halt(new Error('lost the lease'));
    await stopping;
    expect((reason as Error).message).to.equal('lost the lease');
  });

  it('starts nothing once stopped', async () => {
    let runs = 0;
    const c = controllerOf(() => {
      runs++;
      return Promise.resolve();
    });
    c.start(1);
    await c.stop();
    c.enqueue('ns/late');
    await sleep(20);
    expect(runs).to.equal(0);
  });
});
