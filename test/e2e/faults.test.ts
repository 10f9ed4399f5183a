import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OntapAwsKmsType, OntapAzureKeyVaultType, OntapClusterType, OntapGcpKmsType } from '../../src/controller/resources.js';
import { LeaseType, type ResourceType, SecretType } from '../../src/runtime/kube.js';
import type { RequestLogEntry } from '../../src/simulator/state.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { capturedLines, TEST_SECRETS } from '../support/log-capture.js';
import { akvObject, awsKmsWrites, awsSecret, condition, type E2E, getKms, kmsObject, LOOPBACK_ENDPOINTS, secret, startE2E, waitFor } from '../support/e2e.js';
import { gcpKmsObject, gcpSecret } from '../support/gcp.js';

/** clusterReady reads the OntapCluster's Ready condition as "Status/Reason". */
async function clusterReady(w: E2E): Promise<string | undefined> {
  const o = await w.api.get(OntapClusterType, w.ns, 'sim');
  const conditions = (o?.status as { conditions?: Array<{ type: string; status: string; reason: string }> } | undefined)?.conditions ?? [];
  const c = conditions.find((x) => x.type === 'Ready');
  return c ? `${c.status}/${c.reason}` : undefined;
}

/**
 * lateWatchProxy serves the run's control plane at another port, with its own certificate, and
 * hands every watch event on `lagMs` late, as a loaded control plane does; every other answer
 * passes at once. It returns an admin kubeconfig that goes through it.
 */
async function lateWatchProxy(w: E2E, lagMs: number): Promise<{ kubeconfig: string; close: () => Promise<void> }> {
  const pki = (f: string): Promise<Buffer> => readFile(join(w.cp.dir, 'pki', f));
  const [cert, key, ca, adminCert, adminKey] = await Promise.all(['serving.crt', 'serving.key', 'ca.crt', 'admin.crt', 'admin.key'].map(pki));
  const upstream = new URL(w.cp.server);
  const agent = new https.Agent({ keepAlive: true, ca, cert: adminCert, key: adminKey });
  const server = https.createServer({ cert, key }, (req, res) => {
    const watch = /[?&]watch=(true|1)(&|$)/.test(req.url ?? '');
    const up = https.request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent }, (answer) => {
      answer.on('error', () => res.destroy());
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!watch) {
        answer.pipe(res);
        return;
      }
      answer.on('data', (chunk: Buffer) => setTimeout(() => res.destroyed || res.write(chunk), lagMs));
      answer.on('end', () => setTimeout(() => res.destroyed || res.end(), lagMs));
    });
    up.on('error', () => res.destroy());
    // The operator ended a watch: end the one upstream too.
    res.on('close', () => res.writableFinished || up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kubeconfig = join(await mkdtemp(join(tmpdir(), 'late-watch-')), 'kubeconfig');
  const admin = await readFile(w.cp.kubeconfig, 'utf8');
  await writeFile(kubeconfig, admin.replaceAll(w.cp.server, `https://127.0.0.1:${(server.address() as AddressInfo).port}`));
  return {
    kubeconfig,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
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
    expect(condition(k, 'Ready'), 'Ready is Unknown too, with the same reason').to.equal('Unknown/Unreachable');
    console.log(`      ONTAP frozen: all 20 Synced=Unknown after ${allMs} ms, OntapCluster Ready=Unknown after ${clusterMs} ms (interval 10 s, request timeout 30 s; load ${loadavg()[0]?.toFixed(2)})`);
    w.sim.control.clearFaults();
    await waitFor('all 20 Synced again', async () => (await conditions('Synced')).every((c) => c === 'True/ReconcileSuccess'), 90_000);
    await waitFor('OntapCluster Ready again', async () => (await clusterReady(w)) === 'True/Connected', 60_000);
  });

  it('a 5xx storm: one probe of the OntapCluster per backoff step and one shared read per failure window, whatever its resources see and however late the watch', async function () {
    this.timeout(210_000);
    // As a user runs it: the operator as its own process, resources of every kind on one
    // OntapCluster. Its control plane hands watch events on 500 ms late, as a loaded one may.
    // Each failed request used to queue a probe as a change, even one whose retry was scheduled
    // or which was running: the probe's own 500 (the informer still showing the Ready=True it was
    // about to overwrite) ran it again right after itself, until the watch caught up. Here that
    // was 127 and 224 probes in the storm's first 0.6 s (136 and 233 requests a minute against 6).
    const INTERVAL_S = 30;
    const STORM_S = 60;
    const PER_KIND = 3;
    const WATCH_LAG_MS = 500;
    const families = ['aws-kms', 'azure-key-vaults', 'gcp-kms'] as const;
    // A clean ONTAP: the earlier tests left aws-kms records on every SVM, and an SVM takes one key manager.
    w.sim.control.reset();
    for (const s of [secret(w.ns, 'azure', { client_secret: TEST_SECRETS.azureSecret }), gcpSecret(w.ns)]) {
      if ((await w.api.get(SecretType, w.ns, s.metadata.name)) === undefined) await w.api.create(SecretType, w.ns, s);
    }
    const resources: Array<[ResourceType, string]> = [];
    const proxy = await lateWatchProxy(w, WATCH_LAG_MS);
    const log: string[] = [];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', '--kubeconfig', proxy.kubeconfig, '--namespace', w.ns, '--allowed-ontap-endpoints', LOOPBACK_ENDPOINTS,
        '--metrics-bind-address', '127.0.0.1:0', '--metrics-secure=false', '--health-probe-bind-address', '127.0.0.1:0'],
      { cwd: fileURLToPath(new URL('../../', import.meta.url)), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (c: Buffer) => log.push(...c.toString('utf8').split('\n').filter((l) => l !== '')));
    try {
      for (let i = 0; i < PER_KIND; i++) {
        const spec = (n: number) => ({ svm: { name: `svm${3 * i + n}` }, driftCheckIntervalSeconds: INTERVAL_S });
        for (const [type, o] of [
          [OntapAwsKmsType, kmsObject(w.ns, `storm-aws-${i + 1}`, spec(1))],
          [OntapAzureKeyVaultType, akvObject(w.ns, `storm-akv-${i + 1}`, spec(2))],
          [OntapGcpKmsType, gcpKmsObject(w.ns, `storm-gcp-${i + 1}`, spec(3))],
        ] as const) {
          await w.api.create(type, w.ns, o);
          resources.push([type, o.metadata.name]);
        }
      }
      const all = async (type: string, want: string): Promise<boolean> =>
        (await Promise.all(resources.map(async ([t, n]) => condition((await w.api.get(t, w.ns, n)) as Parameters<typeof condition>[0], type)))).every((c) => c === want);
      await waitFor(`all ${resources.length} Ready`, () => all('Ready', 'True/Available'), 60_000);
      await waitFor('OntapCluster Ready', async () => (await clusterReady(w)) === 'True/Connected');

      // The baseline is the 30 s before a drift-check boundary (one read of each family); the
      // storm starts 2 s before it, so reads fail first, as in a storm that begins unannounced.
      const sleepUntil = (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));
      const boundary = Math.ceil((Date.now() + (INTERVAL_S + 2) * 1000) / (INTERVAL_S * 1000)) * INTERVAL_S * 1000;
      const baseFrom = boundary - (INTERVAL_S + 2) * 1000;
      await sleepUntil(baseFrom);
      await sleepUntil(boundary - 2000);
      const stormFrom = Date.now();
      w.sim.control.addFault({ path: '/api/', status: 500, code: '1', message: 'Internal error' });
      await sleepUntil(stormFrom + STORM_S * 1000);
      const stormTo = Date.now();
      const shown = (await all('Synced', 'False/OntapError')) && (await clusterReady(w)) === 'False/OntapError';
      w.sim.control.clearFaults();
      const between = (from: number, to: number) => w.sim.control.requests().filter((r) => Date.parse(r.time) >= from && Date.parse(r.time) < to);
      const baseline = between(baseFrom, stormFrom);
      const storm = between(stormFrom, stormTo);
      const tally = (rs: readonly RequestLogEntry[]): string => {
        const n = new Map<string, number>();
        for (const r of rs) n.set(`${r.method} ${r.path}`, (n.get(`${r.method} ${r.path}`) ?? 0) + 1);
        return [...n].sort().map(([k, v]) => `${k} ${v}`).join(', ');
      };
      const perMinute = (n: number, ms: number): string => ((n * 60_000) / ms).toFixed(1);
      const probes = storm.filter((r) => r.path === '/api/cluster').map((r) => Date.parse(r.time));
      const reads = families.map((f) => storm.filter((r) => r.method === 'GET' && r.path === `/api/security/${f}`).length);
      console.log(`      ${PER_KIND} of each kind on one OntapCluster, interval ${INTERVAL_S} s, the operator as its own process, watch events ${WATCH_LAG_MS} ms late`);
      console.log(`      before: ${baseline.length} requests in ${((stormFrom - baseFrom) / 1000).toFixed(0)} s, ${perMinute(baseline.length, stormFrom - baseFrom)}/min (${tally(baseline)})`);
      console.log(`      ${((stormTo - stormFrom) / 1000).toFixed(0)} s of 500s: ${storm.length} requests, ${perMinute(storm.length, stormTo - stormFrom)}/min (${tally(storm)})`);
      console.log(`      probes at ${probes.map((t) => ((t - stormFrom) / 1000).toFixed(1)).join(', ')} s; reads ${families.map((f, i) => `${f} ${reads[i]}`).join(', ')} (load ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
      if (probes.length > 7) console.log(log.filter((l) => /ontapcluster|ONTAP cluster/.test(l)).slice(0, 12).map((l) => `      ${l}`).join('\n'));
      expect(shown, 'every resource and the OntapCluster show the 500s').to.equal(true);
      // How many attempts fit in the storm as it ran (from its first failed request): one at
      // once, then one after each step.
      const span = stormTo - Math.min(...storm.map((r) => Date.parse(r.time)));
      const fit = (step: (k: number) => number): number => {
        let n = 1;
        for (let at = step(0); at <= span; at += step(n - 1)) n++;
        return n;
      };
      // The OntapCluster's backoff doubles from 1 s, less up to 10% jitter: probes at 0, 1, 3, 7,
      // 15, 31 s (7 at most in 58 s), each gap at least 90% of its step, whatever fails meanwhile.
      const step = (k: number): number => 900 * 2 ** k;
      expect(probes.length, 'GET /api/cluster: one per backoff step').to.be.within(1, fit(step));
      const gaps = probes.slice(1).map((t, i) => t - (probes[i] ?? t));
      gaps.forEach((gap, i) => expect(gap, `gap after probe ${i + 1} (${gaps.join(', ')} ms)`).to.be.at.least(step(i) - 50));
      // The shared failure window doubles from 5 s to 30 s: reads at 0, 5, 15 and 35 s for each family.
      const failureWindow = (k: number): number => Math.min(5000 * 2 ** k, 30_000);
      reads.forEach((n, i) => expect(n, `GET /api/security/${families[i]}: one per failure window, shared by its ${PER_KIND} resources`).to.be.within(1, fit(failureWindow)));
      expect(storm.filter((r) => r.method !== 'GET'), 'nothing written to a failing ONTAP').to.deep.equal([]);
      await waitFor(`all ${resources.length} Synced again`, () => all('Synced', 'True/ReconcileSuccess'), 60_000);
      await waitFor('OntapCluster Ready again', async () => (await clusterReady(w)) === 'True/Connected', 30_000);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      child.kill('SIGKILL');
      await proxy.close();
      for (const [type, name] of resources) {
        await w.api.mergePatch(type, w.ns, name, { metadata: { finalizers: null } }).catch(() => undefined);
        await w.api.delete(type, w.ns, name).catch(() => undefined);
      }
    }
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
    w.sim.control.reset();
    await waitFor('ONTAP idle', () => w.sim.control.stats().inFlight === 0, 60_000);
    const op = await w.startOperator();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'slow', { svm: { name: 'svm4' }, driftCheckIntervalSeconds: 86_400 }));
    await waitFor('Ready', async () => condition(await getKms(w, 'slow'), 'Ready') === 'True/Available');
    const reconciles = async (): Promise<number> => {
      const m = await op.metrics.renderText();
      return [...m.matchAll(/^controller_runtime_reconcile_total\{controller="ontapawskms",result="[a-z_]+"\} (\d+)/gm)].reduce((n, x) => n + Number(x[1]), 0);
    };
    const before = await reconciles();
    await new Promise((r) => setTimeout(r, 3000));
    if ((await reconciles()) - before >= 2) console.log(capturedLines.filter((l) => l.includes('"slow"')).slice(-12).map((l) => l.slice(0, 400)).join('\n'));
    expect((await reconciles()) - before, 'no reconcile in 3 s (a 32-bit overflow would make thousands)').to.be.lessThan(2);
    await w.api.delete(OntapAwsKmsType, w.ns, 'slow');
    await waitFor('deleted', async () => (await getKms(w, 'slow')) === undefined, 20_000);
    await w.stopOperator();
  });

  it('a leader that loses its Lease during a slow ONTAP call stops at once and writes nothing after', async function () {
    this.timeout(60_000);
    // A clean ONTAP: no records or requests left by earlier tests (their key managers on this SVM).
    w.sim.control.reset();
    await waitFor('ONTAP idle', () => w.sim.control.stats().inFlight === 0, 60_000);
    const lease = `demoted-${w.ns}`;
    const op = await w.startOperator(['--leader-elect', '--leader-election-namespace', w.ns, '--leader-election-id', lease]);
    await waitFor('leader', () => op.isLeader(), 20_000);
    w.sim.control.addFault({ path: '/api/security/aws-kms', latencyMs: 60_000 });
    w.sim.control.clearRequests();
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'demoted', { svm: { name: 'svm6' } }));
    await waitFor('a GET in flight at ONTAP', () => w.sim.control.stats().inFlight > 0, 20_000).catch((e: unknown) => {
      console.log(capturedLines.filter((l) => l.includes('demoted') || l.includes('"sim"')).slice(-20).join('\n'));
      console.log(JSON.stringify(w.sim.control.requests().slice(-10)));
      throw e;
    });
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
