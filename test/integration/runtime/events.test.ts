import { expect } from 'chai';
import { EventRecorder } from '../../../src/runtime/events.js';
import { EventType, SecretType, type KubeObject } from '../../../src/runtime/kube.js';
import { nullLogger } from '../../../src/runtime/logger.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../../support/control-plane.js';
import { setupEnv, teardownEnv, type RuntimeEnv } from './helpers.js';

describe('EventRecorder (real API server)', function () {
  let env: RuntimeEnv;
  let target: KubeObject;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    env = await setupEnv('events');
    target = await env.api.create(SecretType, env.namespace, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'subject' } });
  });
  after(async () => teardownEnv(env));

  const eventsFor = async (reason: string): Promise<KubeObject[]> =>
    (await env.api.list(EventType, env.namespace)).items.filter((e) => e.reason === reason);

  it('creates an Event about the object', async () => {
    const recorder = new EventRecorder(env.api, { component: 'ontap-kms-operator', logger: nullLogger });
    recorder.event({ apiVersion: 'v1', kind: 'Secret', metadata: target.metadata }, 'Normal', 'Adopted', 'adopted ONTAP record 1cd8');
    await recorder.flush();
    const [event, ...more] = await eventsFor('Adopted');
    expect(more).to.have.length(0);
    expect(event).to.deep.include({ type: 'Normal', message: 'adopted ONTAP record 1cd8', count: 1 });
    expect(event?.involvedObject).to.deep.include({ kind: 'Secret', name: 'subject', namespace: env.namespace, uid: target.metadata.uid });
    expect(event?.source).to.deep.include({ component: 'ontap-kms-operator' });
  });

  it('counts an identical repeat on the same Event instead of creating another', async () => {
    const recorder = new EventRecorder(env.api, { component: 'ontap-kms-operator', logger: nullLogger });
    const obj = { apiVersion: 'v1', kind: 'Secret', metadata: target.metadata };
    recorder.event(obj, 'Warning', 'DeletionBlocked', 'ONTAP error 65537106: keys in use');
    recorder.event(obj, 'Warning', 'DeletionBlocked', 'ONTAP error 65537106: keys in use');
    recorder.event(obj, 'Warning', 'DeletionBlocked', 'a different message');
    await recorder.flush();
    const events = await eventsFor('DeletionBlocked');
    expect(events.map((e) => [e.message, e.count]).sort()).to.deep.equal([
      ['ONTAP error 65537106: keys in use', 2],
      ['a different message', 1],
    ]);
  });

  it('never throws, even when the API rejects the Event', async () => {
    const recorder = new EventRecorder(env.api, { component: 'ontap-kms-operator', logger: nullLogger });
    // A namespace that does not exist: the create fails and is only logged.
    recorder.event({ kind: 'Secret', metadata: { name: 'x', namespace: 'no-such-namespace' } }, 'Normal', 'Nothing', 'lost');
    await recorder.flush();
  });
});
