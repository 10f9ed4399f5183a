/**
 * spec.keyRotation: ONTAP's rekey-internal once per period, counted by ontap-sim's key-generation
 * counter per SVM, across an operator that dies mid-job and a leader failover; never early, never
 * outside the window, never in Observe or while suspended; each documented refusal with its reason.
 */
import { expect } from 'chai';
import { loadavg } from 'node:os';
import type { KeyRotationStatus } from '../../src/api/v1alpha1/types.js';
import { OntapAwsKmsType, OntapAzureKeyVaultType, OntapGcpKmsType } from '../../src/controller/resources.js';
import type { Operator } from '../../src/operator.js';
import { SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { akvObject, awsSecret, condition, type E2E, getKms, kmsObject, secret, startE2E, waitFor } from '../support/e2e.js';
import { gcpKmsObject, gcpSecret } from '../support/gcp.js';
import { capturedLines, TEST_SECRETS } from '../support/log-capture.js';

const SVMS = Array.from({ length: 14 }, (_, i) => `svm${i + 1}`);

describe('e2e: key rotation as policy', function () {
  this.timeout(120_000);
  let w: E2E;
  const generations = (svm: string): number => w.sim.control.keyGenerations()[svm] ?? 0;
  const rotation = async (name: string): Promise<KeyRotationStatus | undefined> => (await getKms(w, name))?.status?.keyRotation;
  const rekeyPosts = (svm: string): number =>
    w.sim.control.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/rekey-internal') && [...w.sim.state.records.values()].some((k) => k.svm?.name === svm && r.path.includes(k.uuid))).length;
  const ready = async (name: string): Promise<void> => {
    await waitFor(`${name} Ready`, async () => condition(await getKms(w, name), 'Ready') === 'True/Available', 30_000);
  };
  /** crash stops an operator the way a killed process does: every call aborted, nothing written after, then gone. */
  const crash = async (op: Operator): Promise<void> => {
    op.manager.halt(new Error('test: the process died'));
    await op.stop();
  };

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: SVMS });
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.api.create(SecretType, w.ns, secret(w.ns, 'azure', { client_secret: TEST_SECRETS.azureSecret }));
    await w.api.create(SecretType, w.ns, gcpSecret(w.ns));
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      for (const n of ['rot', 'c1', 'admin-svm']) console.log(n, JSON.stringify((await getKms(w, n))?.status ?? {}).slice(0, 1500));
      console.log(capturedLines.filter((l) => /rekey|rotat/i.test(l)).slice(-15).join('\n'));
    }
    await w.stopOperator();
    w.sim.control.clearFaults();
    w.sim.control.setAsync({ enabled: false });
  });
  after(async () => w?.close());

  it('rotates once per period over several periods, and exactly once through a crash mid-job and a leader failover', async function () {
    this.timeout(180_000);
    const lease = `rotation-${w.ns}`;
    const args = ['--leader-elect', '--leader-election-namespace', w.ns, '--leader-election-id', lease];
    let leader = await w.startAnother(args);
    await waitFor('leader', () => leader.isLeader(), 20_000);
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'rot', { svm: { name: 'svm1' }, keyRotation: { rotateEvery: '15s' } }));
    await ready('rot');
    const since = Date.parse((await waitFor('since recorded', async () => (await rotation('rot'))?.since)) ?? '');
    // Period 1: the first rotation comes one period after the policy was applied, not before.
    await waitFor('first rotation', () => generations('svm1') >= 1, 30_000);
    expect(Date.now() - since, 'not before a period has passed').to.be.at.least(15_000 - 1_000);
    await waitFor('lastRekeyTime recorded', async () => (await rotation('rot'))?.lastResult?.result === 'Succeeded');

    // Period 2: ONTAP runs it as a slow job, and the leader dies while the job runs.
    w.sim.control.setAsync({ enabled: true, delayMs: 4000 });
    const before2 = rekeyPosts('svm1');
    await waitFor('the second rekey sent (its job running)', () => rekeyPosts('svm1') > before2, 30_000, 20);
    await new Promise((r) => setTimeout(r, 300));
    const standby = await w.startAnother(args);
    await crash(leader);
    await waitFor('the standby leads', () => standby.isLeader(), 30_000);
    leader = standby;
    await waitFor('second rotation counted', () => generations('svm1') >= 2, 30_000);
    await waitFor('its job followed to the end', async () => (await rotation('rot'))?.lastResult?.result === 'Succeeded' && generations('svm1') === 2, 30_000);

    // Period 3: the process dies again mid-job, and comes back as a fresh one.
    const before3 = rekeyPosts('svm1');
    await waitFor('the third rekey sent (its job running)', () => rekeyPosts('svm1') > before3, 30_000, 20);
    await new Promise((r) => setTimeout(r, 300));
    await crash(leader);
    leader = await w.startAnother(args);
    await waitFor('leader again', () => leader.isLeader(), 30_000);
    await waitFor('third rotation counted', () => generations('svm1') >= 3, 30_000);
    // Half a period more: nothing is sent twice.
    await new Promise((r) => setTimeout(r, 7_000));
    const posts = rekeyPosts('svm1');
    const gens = generations('svm1');
    const elapsed = (Date.now() - since) / 1000;
    console.log(`      ${gens} rotations and ${posts} rekey-internal POSTs in ${elapsed.toFixed(0)} s at a 15 s period, through a failover and a crash (load ${loadavg()[0]?.toFixed(2)})`);
    expect(posts, 'one POST per rotation').to.equal(gens);
    expect(gens, 'at most one per period passed').to.be.at.most(Math.floor(elapsed / 15));
    // Each period counts from the last rotation's send (a slow job or a takeover delays it a little): none skipped.
    expect(gens, 'no period skipped').to.be.at.least(Math.floor(elapsed / 15) - 1);
    await crash(leader);
  });

  it('Azure Key Vault and Google Cloud KMS rotate on schedule and restore on request too', async () => {
    await w.startOperator();
    await w.api.create(OntapAzureKeyVaultType, w.ns, akvObject(w.ns, 'akv', { svm: { name: 'svm13' }, keyRotation: { rotateEvery: '10s' } }));
    await w.api.create(OntapGcpKmsType, w.ns, gcpKmsObject(w.ns, 'gcp', { svm: { name: 'svm14' }, keyRotation: { rotateEvery: '10s' } }));
    await waitFor('both rotated', () => generations('svm13') >= 1 && generations('svm14') >= 1, 40_000);
    for (const [type, name] of [[OntapAzureKeyVaultType, 'akv'], [OntapGcpKmsType, 'gcp']] as const) {
      const status = async (): Promise<{ keyRotation?: KeyRotationStatus; lastRestore?: { token: string; result: string } } | undefined> =>
        (await w.api.get(type, w.ns, name))?.status as never;
      await waitFor(`${name}: rotation recorded`, async () => (await status())?.keyRotation?.lastResult?.result === 'Succeeded', 20_000);
      await w.api.mergePatch(type, w.ns, name, { metadata: { annotations: { 'kms.ontap.dev/restore': 'now' } } });
      await waitFor(`${name}: restored`, async () => (await status())?.lastRestore?.result === 'Succeeded', 20_000);
    }
    const actions = w.sim.control.keyActions().filter((a) => a.svm === 'svm13' || a.svm === 'svm14');
    expect(actions.map((a) => `${a.family} restore ${a.restore}`).sort()).to.deep.equal(['azure-key-vaults restore 1', 'gcp-kms restore 1']);
  });

  it('waits for the window, and never rotates in Observe or while suspended', async () => {
    await w.startOperator();
    const today = new Date().getUTCDay();
    const otherDay = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][(today + 3) % 7];
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'window', { svm: { name: 'svm2' }, keyRotation: { rotateEvery: '10s', window: { days: [otherDay], startHour: 0, endHour: 24 } } }));
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'observe', { svm: { name: 'svm3' }, keyRotation: { rotateEvery: '10s' } }));
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'suspended', { svm: { name: 'svm4' }, keyRotation: { rotateEvery: '10s' } }));
    for (const n of ['window', 'observe', 'suspended']) await ready(n);
    await w.api.mergePatch(OntapAwsKmsType, w.ns, 'observe', { spec: { managementPolicy: 'Observe' } });
    await w.api.mergePatch(OntapAwsKmsType, w.ns, 'suspended', { spec: { suspend: true } });
    const next = Date.parse((await waitFor('next rotation recorded', async () => (await rotation('window'))?.nextRekeyTime)) ?? '');
    expect(new Date(next).getUTCDay(), 'the next rotation is on the window\'s day').to.equal((today + 3) % 7);
    await new Promise((r) => setTimeout(r, 22_000));
    expect({ window: generations('svm2'), observe: generations('svm3'), suspended: generations('svm4') }).to.deep.equal({ window: 0, observe: 0, suspended: 0 });
  });

  it('one cluster rotates at most --max-concurrent-rekeys-per-cluster SVMs at once (default 1)', async () => {
    w.sim.control.setAsync({ enabled: true, delayMs: 2000 });
    await w.startOperator();
    const names = ['c1', 'c2', 'c3'];
    for (const [i, n] of names.entries()) await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, n, { svm: { name: `svm${5 + i}` }, keyRotation: { rotateEvery: '10s' } }));
    await waitFor('all three rotated', () => names.every((_, i) => generations(`svm${5 + i}`) >= 1), 60_000);
    // Jobs take 2 s: one at a time means each SVM's rekey-internal is sent after the previous one's job ended.
    const uuidOf = (svm: string): string => [...w.sim.state.records.values()].find((r) => r.svm?.name === svm)?.uuid ?? '?';
    const firstSent = names.map((_, i) => {
      const uuid = uuidOf(`svm${5 + i}`);
      return Math.min(...w.sim.control.requests().filter((r) => r.method === 'POST' && r.path.includes(uuid) && r.path.endsWith('/rekey-internal')).map((r) => Date.parse(r.time)));
    }).sort((a, b) => a - b);
    const gaps = firstSent.slice(1).map((t, i) => t - (firstSent[i] ?? 0));
    console.log(`      three SVMs due within ms of each other: their first rekey-internal sent ${gaps.map((g) => `${g} ms`).join(', ')} apart (jobs of 2 s, period 10 s)`);
    for (const g of gaps) expect(g, 'never two at once').to.be.at.least(1_900);
  });

  it('each documented refusal gives its reason and what happens next', async () => {
    await w.startOperator();
    const cases = [
      { name: 'admin-svm', svm: 'svm8', code: '65537547', reason: 'KeysInAdminSvm', says: /migrate/ },
      { name: 'no-keys', svm: 'svm9', code: '65537559', reason: 'NoInternalKeys', says: /no internal keys/ },
      { name: 'blocked', svm: 'svm10', code: '65537556', reason: 'KeyManagerBlocked', says: /not tried again until/ },
      { name: 'offline', svm: 'svm11', code: '65537566', reason: 'NodesOffline', says: /every node is online/ },
    ];
    for (const c of cases) await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, c.name, { svm: { name: c.svm } }));
    for (const c of cases) await ready(c.name);
    for (const c of cases) {
      const uuid = [...w.sim.state.records.values()].find((r) => r.svm?.name === c.svm)?.uuid ?? '';
      w.sim.control.addFault({ method: 'POST', path: `/api/security/aws-kms/${uuid}/rekey-internal`, status: 400, code: c.code, message: `ONTAP refused (${c.code})` });
      await w.api.mergePatch(OntapAwsKmsType, w.ns, c.name, { spec: { keyRotation: { rotateEvery: '10s' } } });
    }
    for (const c of cases) {
      const last = await waitFor<NonNullable<KeyRotationStatus['lastResult']>>(`${c.name}: refused`, async () => {
        const r = (await rotation(c.name))?.lastResult;
        return r?.result === 'Failed' ? r : undefined;
      }, 30_000);
      expect(last.reason, c.name).to.equal(c.reason);
      expect(last.message, c.name).to.contain(c.code).and.to.match(c.says);
      expect(condition(await getKms(w, c.name), 'Synced'), `${c.name}: the resource itself stays in sync`).to.equal('True/ReconcileSuccess');
    }
    // Two drift intervals later: only the node outage was tried again.
    await new Promise((r) => setTimeout(r, 21_000));
    const tries = Object.fromEntries(cases.map((c) => [c.name, rekeyPosts(c.svm)]));
    console.log(`      rekey-internal tries in ~30 s: ${JSON.stringify(tries)}`);
    expect(tries).to.deep.include({ 'admin-svm': 1, 'no-keys': 1, blocked: 1 });
    expect(tries['offline'], 'retried at each drift check').to.be.at.least(2);
  });
});
