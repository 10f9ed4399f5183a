import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventRecorder } from '../../../src/runtime/events.js';
import type { KubeApi, KubeObject } from '../../../src/runtime/kube.js';
import { nullLogger } from '../../../src/runtime/logger.js';

/** FakeApi records the Events created and the counts patched. */
class FakeApi {
  created: string[] = [];
  patched: Array<{ name: string; count: unknown }> = [];
  create(_type: unknown, _ns: string, body: KubeObject): Promise<KubeObject> {
    this.created.push(String(body['message']));
    return Promise.resolve(body);
  }
  mergePatch(_type: unknown, _ns: string, name: string, patch: { count?: unknown }): Promise<KubeObject> {
    this.patched.push({ name, count: patch.count });
    return Promise.resolve({ metadata: { name } });
  }
}

describe('EventRecorder de-duplication memory', function () {
  this.timeout(10_000);
  const obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns', uid: 'u1' } };

  it('forgets the events not seen within the window, however few there are', async () => {
    const api = new FakeApi();
    const recorder = new EventRecorder(api as unknown as KubeApi, { component: 'test', logger: nullLogger, dedupeWindowMs: 100 });
    for (let i = 0; i < 50; i++) recorder.event(obj, 'Normal', 'CredentialsApplied', `sent access key AKIA${i}`);
    await recorder.flush();
    expect(recorder.remembered()).to.equal(50);
    await sleep(250);
    recorder.event(obj, 'Normal', 'CredentialsApplied', 'sent access key AKIANEW');
    await recorder.flush();
    expect(recorder.remembered()).to.equal(1);
    expect(api.created).to.have.length(51);
  });

  it('keeps an event repeated within the window (and counts the repeat), in order of when it was last seen', async () => {
    const api = new FakeApi();
    const recorder = new EventRecorder(api as unknown as KubeApi, { component: 'test', logger: nullLogger, dedupeWindowMs: 1000 });
    recorder.event(obj, 'Warning', 'ReconcileError', 'A');
    await sleep(600);
    recorder.event(obj, 'Warning', 'ReconcileError', 'B');
    await sleep(300);
    // A again, 0.9 s after it was first seen: the same Event, counted; last seen now.
    recorder.event(obj, 'Warning', 'ReconcileError', 'A');
    await sleep(800);
    // B was last seen 1.1 s ago, A 0.8 s ago: B is forgotten, A is kept (though first recorded).
    recorder.event(obj, 'Warning', 'ReconcileError', 'C');
    await recorder.flush();
    expect(recorder.remembered()).to.equal(2);
    expect(api.created).to.deep.equal(['A', 'B', 'C']);
    expect(api.patched.map((p) => p.count)).to.deep.equal([2]);
    recorder.event(obj, 'Warning', 'ReconcileError', 'A');
    await recorder.flush();
    expect(api.patched.map((p) => p.count)).to.deep.equal([2, 3]);
  });
});
