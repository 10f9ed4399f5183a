import { expect } from 'chai';
import { loadavg } from 'node:os';
import { OntapAwsKmsType, OntapClusterType } from '../../src/controller/resources.js';
import { LeaseType, SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { capturedLines } from '../support/log-capture.js';
import { awsKmsWrites, awsSecret, condition, type E2E, getKms, kmsObject, startE2E, waitFor } from '../support/e2e.js';

/** clusterReady reads the OntapCluster's Ready condition as "Status/Reason". */
async function clusterReady(w: E2E): Promise<string | undefined> {
  const o = await w.api.get(OntapClusterType, w.ns, 'sim');
  const conditions = (o?.status as { conditions?: Array<{ type: string; status: string; reason: string }> } | undefined)?.conditions ?? [];
  const c = conditions.find((x) => x.type === 'Ready');
  return c ? `${c.status}/${c.reason}` : undefined;
}

describe('e2e: faults and bad input', function () {
  this.timeout(90_000);
  let w: E2E;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: Array.from({ length: 20 }, (_, i) => `svm${i + 1}`) });
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
  });
  after(async () => w?.close());
  afterEach(async () => {
    // A failed test must not leave its operator, or its resources, to the next one.
    await w.stopOperator();
    w.sim.control.clearFaults();
    for (const o of (await w.api.list(OntapAwsKmsType, w.ns)).items) {
      await w.api.mergePatch(OntapAwsKmsType, w.ns, o.metadata.name, { metadata: { finalizers: null } });
      await w.api.delete(OntapAwsKmsType, w.ns, o.metadata.name);
    }
  });

  it('ONTAP down: every resource and the OntapCluster show it within one drift interval, and recover', async function () {
    this.timeout(150_000);
    await w.startOperator();
    const names = Array.from({ length: 20 }, (_, i) => `down-${i + 1}`);
    for (const [i, name] of names.entries()) await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, name, { svm: { name: `svm${i + 1}` } }));
    const all = async (type: string, want: string): Promise<boolean> =>
      (await Promise.all(names.map(async (n) => condition(await getKms(w, n), type)))).every((c) => c === want);
    await waitFor('all 20 Ready', () => all('Ready', 'True/Available'), 60_000);
    await waitFor('OntapCluster Ready', async () => (await clusterReady(w)) === 'True/Connected');

    // ONTAP goes away: every connection to its REST API is dropped.
    w.sim.control.addFault({ path: '/api/', drop: true });
    const downAt = Date.now();
    await waitFor('OntapCluster Ready=False', async () => (await clusterReady(w))?.startsWith('False/') === true, 15_000);
    const clusterMs = Date.now() - downAt;
    // driftCheckIntervalSeconds is 10: all must show it within one interval, plus the write time.
    await waitFor('all 20 Synced=False/Unreachable', () => all('Synced', 'False/Unreachable'), 15_000);
    const allMs = Date.now() - downAt;
    console.log(`      ONTAP down: OntapCluster Ready=False after ${clusterMs} ms, all 20 Synced=False after ${allMs} ms (interval 10 s; load ${loadavg()[0]?.toFixed(2)})`);

    w.sim.control.clearFaults();
    const upAt = Date.now();
    await waitFor('all 20 Synced again', () => all('Synced', 'True/ReconcileSuccess'), 45_000);
    await waitFor('OntapCluster Ready again', async () => (await clusterReady(w)) === 'True/Connected', 15_000);
    console.log(`      ONTAP back: all 20 Synced after ${Date.now() - upAt} ms`);
    for (const n of names) await w.api.delete(OntapAwsKmsType, w.ns, n);
    await waitFor('all deleted', async () => (await w.api.list(OntapAwsKmsType, w.ns)).items.length === 0, 30_000);
    await w.stopOperator();
  });

  it('ONTAP frozen: within one drift interval of a read going unanswered, every resource and the OntapCluster say so, before the request timeout', async function () {
    this.timeout(150_000);
    await w.startOperator();
    const names = Array.from({ length: 20 }, (_, i) => `frozen-${i + 1}`);
    for (const [i, name] of names.entries()) await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, name, { svm: { name: `svm${i + 1}` } }));
    const conditions = async (type: string): Promise<Array<string | undefined>> => Promise.all(names.map(async (n) => condition(await getKms(w, n), type)));
    await waitFor('all 20 Ready', async () => (await conditions('Ready')).every((c) => c === 'True/Available'), 60_000);
    await waitFor('OntapCluster Ready', async () => (await clusterReady(w)) === 'True/Connected');
    // ONTAP stops answering (the request timeout is the default 30 s; the drift interval 10 s).
    w.sim.control.addFault({ path: '/api/', latencyMs: 40_000 });
    const frozenAt = Date.now();
    // The next drift boundary sends a read within 10 s; it has gone unanswered for 10 s 10 s later.
    await waitFor('all 20 Synced=Unknown/Unreachable', async () => (await conditions('Synced')).every((c) => c === 'Unknown/Unreachable'), 24_000);
    const allMs = Date.now() - frozenAt;
    await waitFor('OntapCluster Ready=Unknown', async () => (await clusterReady(w)) === 'Unknown/Unreachable', 24_000 - allMs);
    const clusterMs = Date.now() - frozenAt;
    const k = await getKms(w, 'frozen-1');
    const synced = k?.status?.conditions?.find((c) => c.type === 'Synced');
    expect(synced?.message, 'says how long it has waited').to.match(/^no answer from ONTAP for over 10 s \(one drift interval\) to the read of aws-kms sent at \d{4}-/);
    expect(condition(k, 'Ready'), 'Ready is Unknown too').to.equal('Unknown/NotSynced');
    console.log(`      ONTAP frozen: all 20 Synced=Unknown after ${allMs} ms, OntapCluster Ready=Unknown after ${clusterMs} ms (interval 10 s, request timeout 30 s; load ${loadavg()[0]?.toFixed(2)})`);
    w.sim.control.clearFaults();
    await waitFor('all 20 Synced again', async () => (await conditions('Synced')).every((c) => c === 'True/ReconcileSuccess'), 90_000);
    await waitFor('OntapCluster Ready again', async () => (await clusterReady(w)) === 'True/Connected', 60_000);
  });

  it('a 5xx storm: one probe per backoff step and one shared read per failure window, not a request per resource or per failure', async function () {
    this.timeout(150_000);
    await w.startOperator();
    const names = Array.from({ length: 10 }, (_, i) => `storm-${i + 1}`);
    for (const [i, name] of names.entries()) await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, name, { svm: { name: `svm${i + 1}` } }));
    const all = async (type: string, want: string): Promise<boolean> =>
      (await Promise.all(names.map(async (n) => condition(await getKms(w, n), type)))).every((c) => c === want);
    await waitFor('all 10 Ready', () => all('Ready', 'True/Available'), 60_000);
    await waitFor('OntapCluster Ready', async () => (await clusterReady(w)) === 'True/Connected');
    const STORM_S = 40;
    w.sim.control.clearRequests();
    await new Promise((r) => setTimeout(r, 20_000));
    const baseline = w.sim.control.requests().length;
    w.sim.control.clearRequests();
    w.sim.control.addFault({ path: '/api/', status: 500, code: '1', message: 'Internal error' });
    await waitFor('all 10 show it', () => all('Synced', 'False/OntapError'), 20_000);
    await new Promise((r) => setTimeout(r, STORM_S * 1000 - 0));
    const seen = w.sim.control.requests();
    w.sim.control.clearFaults();
    const probes = seen.filter((r) => r.path === '/api/cluster').length;
    const reads = seen.filter((r) => r.path === '/api/security/aws-kms' && r.method === 'GET').length;
    const perMinute = (n: number, s: number): string => ((n * 60) / s).toFixed(1);
    console.log(`      ${STORM_S + 1} s of 500s on 10 resources (interval 10 s): ${seen.length} requests (${perMinute(seen.length, STORM_S)}/min against ${perMinute(baseline, 20)}/min before), ${probes} probes, ${reads} collection reads (load ${loadavg()[0]?.toFixed(2)})`);
    // The OntapCluster's backoff doubles from 1 s: in 40 s that is 6 steps (0, 1, 3, 7, 15, 31 s).
    expect(probes, 'GET /api/cluster: at most one per backoff step').to.be.at.most(7);
    // The shared failure window doubles from 5 s: reads at 0, 5, 15 and 35 s, whatever the resources do.
    expect(reads, 'collection GETs: one per failure window, shared by every resource').to.be.at.most(5);
    expect(seen.filter((r) => r.method !== 'GET'), 'nothing written to a failing ONTAP').to.deep.equal([]);
    await waitFor('all 10 Synced again', () => all('Synced', 'True/ReconcileSuccess'), 60_000);
    await waitFor('OntapCluster Ready again', async () => (await clusterReady(w)) === 'True/Connected', 30_000);
  });

  it('an endless body from ONTAP is cut at the documented bound, shown clearly, and not retried in a loop', async function () {
    this.timeout(60_000);
    await w.startOperator();
    w.sim.control.addFault({ method: 'GET', path: '/api/security/aws-kms', endlessBody: true });
    w.sim.control.clearRequests();
    const rssBefore = process.memoryUsage().rss;
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'endless', { svm: { name: 'svm1' } }));
    await waitFor('Synced=False naming the bound', async () => {
      const k = await getKms(w, 'endless');
      const c = k?.status?.conditions?.find((x) => x.type === 'Synced');
      return c?.status === 'False' && /exceeds \d+ MiB/.test(c.message);
    }, 30_000);
    const rssAfter = process.memoryUsage().rss;
    // The simulator logs a streamed answer when it ends: when the operator hangs up.
    await waitFor('the operator hung up on the endless body', () => w.sim.control.requests().some((r) => r.clientClosed === true), 10_000);
    const endless = w.sim.control.requests().filter((r) => r.method === 'GET' && r.path === '/api/security/aws-kms');
    const gets = endless.length;
    console.log(`      endless body: RSS ${Math.round(rssBefore / 2 ** 20)} -> ${Math.round(rssAfter / 2 ** 20)} MiB, ${gets} collection GET(s) sent, ${Math.round((endless[0]?.bodyBytesSent ?? 0) / 2 ** 20)} MiB streamed before the hang-up`);
    expect(gets, 'one GET per attempt, not retried on the spot').to.be.lessThan(4);
    expect(rssAfter - rssBefore, 'memory bounded by the body limit').to.be.lessThan(200 * 2 ** 20);
    expect(awsKmsWrites(w.sim)).to.deep.equal([]);
    w.sim.control.clearFaults();
    await w.api.delete(OntapAwsKmsType, w.ns, 'endless');
    await waitFor('deleted', async () => (await getKms(w, 'endless')) === undefined, 20_000);
    await w.stopOperator();
  });

  it('a Secret value that is not UTF-8 is refused with SecretInvalid naming the key, and nothing is sent', async () => {
    await w.startOperator();
    const bad = Buffer.from([0x41, 0x4b, 0xff, 0xfe, 0x49, 0x41]).toString('base64');
    await w.api.create(SecretType, w.ns, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'latin1', namespace: w.ns }, data: { access_key_id: bad, secret_access_key: Buffer.from('ok-secret').toString('base64') } });
    w.sim.control.clearRequests();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'latin1', { svm: { name: 'svm3' }, credentialsSecretRef: { name: 'latin1' } }));
    const c = await waitFor('SecretInvalid', async () => {
      const k = await getKms(w, 'latin1');
      const s = k?.status?.conditions?.find((x) => x.type === 'Synced');
      return s?.reason === 'SecretInvalid' ? s : undefined;
    });
    expect(c.message).to.match(/access_key_id/).and.match(/UTF-8/);
    expect(awsKmsWrites(w.sim)).to.deep.equal([]);
    await w.api.delete(OntapAwsKmsType, w.ns, 'latin1');
    await waitFor('deleted', async () => (await getKms(w, 'latin1')) === undefined, 20_000);
    await w.stopOperator();
  });

  it('the longest drift interval admission allows does not turn into a hot loop', async () => {
    const op = await w.startOperator();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'slow', { svm: { name: 'svm4' }, driftCheckIntervalSeconds: 86_400 }));
    await waitFor('Ready', async () => condition(await getKms(w, 'slow'), 'Ready') === 'True/Available');
    const reconciles = async (): Promise<number> => {
      const m = await op.metrics.renderText();
      return [...m.matchAll(/^controller_runtime_reconcile_total\{controller="ontapawskms",result="[a-z_]+"\} (\d+)/gm)].reduce((n, x) => n + Number(x[1]), 0);
    };
    const before = await reconciles();
    await new Promise((r) => setTimeout(r, 3000));
    expect((await reconciles()) - before, 'no reconcile in 3 s (a 32-bit overflow would make thousands)').to.be.lessThan(2);
    await w.api.delete(OntapAwsKmsType, w.ns, 'slow');
    await waitFor('deleted', async () => (await getKms(w, 'slow')) === undefined, 20_000);
    await w.stopOperator();
  });

  it('a leader that loses its Lease during a slow ONTAP call stops at once and writes nothing after', async function () {
    this.timeout(60_000);
    const lease = `demoted-${w.ns}`;
    const op = await w.startOperator(['--leader-elect', '--leader-election-namespace', w.ns, '--leader-election-id', lease]);
    await waitFor('leader', () => op.isLeader(), 20_000);
    w.sim.control.addFault({ path: '/api/security/aws-kms', latencyMs: 60_000 });
    w.sim.control.clearRequests();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'demoted', { svm: { name: 'svm6' } }));
    await waitFor('a GET in flight at ONTAP', () => w.sim.control.stats().inFlight > 0, 20_000);
    // Another candidate takes the Lease (as after a network partition healed on its side).
    const current = await w.api.get(LeaseType, w.ns, lease);
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    await w.api.replace(LeaseType, w.ns, lease, { ...current!, spec: { holderIdentity: 'usurper', leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 1 } });
    const takenAt = Date.now();
    await waitFor('leadership lost', () => !op.isLeader(), 10_000, 20);
    console.log(`      lease taken: leadership given up after ${Date.now() - takenAt} ms (retry period 2 s)`);
    w.sim.control.clearFaults();
    await new Promise((r) => setTimeout(r, 1500));
    expect(awsKmsWrites(w.sim), 'no ONTAP write without the lease').to.deep.equal([]);
    expect((await getKms(w, 'demoted'))?.status?.conditions ?? [], 'no status write without the lease').to.deep.equal([]);
  });

  it('SIGTERM with creates in flight: the leader sees them through before it gives up the Lease, and its successor sends none again', async function () {
    this.timeout(90_000);
    // A clean ONTAP (no records left by earlier tests, nothing of theirs still in flight).
    w.sim.control.reset();
    await waitFor('ONTAP idle', () => w.sim.control.stats().inFlight === 0, 60_000);
    const lease = `drain-${w.ns}`;
    const args = ['--leader-elect', '--leader-election-namespace', w.ns, '--leader-election-id', lease];
    const leader = await w.startAnother(args);
    await waitFor('leader', () => leader.isLeader(), 20_000);
    const standby = await w.startAnother(args);
    await waitFor('standby synced', () => standby.manager.synced(), 20_000);
    // ONTAP takes 1.5 s over every create: the stop comes while some are in flight.
    w.sim.control.addFault({ method: 'POST', path: '/api/security/aws-kms', latencyMs: 1500 });
    w.sim.control.clearRequests();
    const names = Array.from({ length: 20 }, (_, i) => `drain-${i + 1}`);
    for (const [i, name] of names.entries()) await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, name, { svm: { name: `svm${i + 1}` } }));
    await waitFor('creates in flight at ONTAP', () => w.sim.control.stats().inFlight >= 2, 20_000, 10);
    const inFlight = w.sim.control.stats().inFlight;
    const stopAt = Date.now();
    await leader.stop();
    const stopMs = Date.now() - stopAt;
    // The standby sends nothing yet: what is still in flight at ONTAP was sent by the old leader.
    const unanswered = w.sim.control.stats().inFlight;
    console.log(`      SIGTERM with ${inFlight} requests in flight: stopped in ${stopMs} ms, ${unanswered} left unanswered (load ${loadavg()[0]?.toFixed(2)})`);
    if (unanswered !== 0) console.log(capturedLines.filter((l) => /halt|stopp|abort|creat|ontap request|lease|leader/i.test(l)).slice(-40).join('\n'));
    expect(unanswered, 'every request sent was answered before the lease was given up').to.equal(0);
    await waitFor('the standby leads', () => standby.isLeader(), 20_000);
    await waitFor('all 20 Ready', async () => (await Promise.all(names.map(async (n) => condition(await getKms(w, n), 'Ready')))).every((c) => c === 'True/Available'), 60_000);
    const writes = awsKmsWrites(w.sim).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(writes.filter((r) => r.startsWith('POST')), 'one create per resource, none refused').to.have.length(20);
    expect(writes.filter((r) => !/^POST \/api\/security\/aws-kms 20[12]$/.test(r)), 'no other write: nothing adopted, resent or refused').to.deep.equal([]);
  });

  it('SIGTERM during a slow ONTAP call: stops within seconds, releases the lease, writes nothing after', async function () {
    this.timeout(60_000);
    const lease = `faults-${w.ns}`;
    const op = await w.startOperator(['--leader-elect', '--leader-election-namespace', w.ns, '--leader-election-id', lease]);
    await waitFor('leader', () => op.isLeader(), 20_000);
    // Every ONTAP call now takes a minute (the request timeout is 30 s by default).
    w.sim.control.addFault({ path: '/api/security/aws-kms', latencyMs: 60_000 });
    w.sim.control.clearRequests();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'sigterm', { svm: { name: 'svm5' } }));
    await waitFor('a GET in flight at ONTAP', () => w.sim.control.stats().inFlight > 0, 20_000);
    const started = Date.now();
    await w.stopOperator();
    const stopMs = Date.now() - started;
    console.log(`      stop with an ONTAP call in flight: ${stopMs} ms`);
    expect(stopMs, 'stop does not wait for the ONTAP call').to.be.lessThan(5_000);
    const held = await w.api.get(LeaseType, w.ns, lease);
    expect((held?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '', 'lease released').to.equal('');
    w.sim.control.clearFaults();
    await new Promise((r) => setTimeout(r, 1000));
    expect(awsKmsWrites(w.sim), 'nothing written after the stop').to.deep.equal([]);
    const k = await getKms(w, 'sigterm');
    expect(k?.status?.conditions ?? [], 'no status written after the stop either').to.deep.equal([]);
    await w.api.mergePatch(OntapAwsKmsType, w.ns, 'sigterm', { metadata: { finalizers: null } });
    await w.api.delete(OntapAwsKmsType, w.ns, 'sigterm');
  });
});
