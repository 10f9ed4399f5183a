/**
 * Benchmarks: speed and memory of the operator's hot paths, reported, never asserted.
 *   npm run bench
 * - delta and status: the pure functions every reconcile runs;
 * - parse: reading an OntapAwsKms from the API server's JSON (every reconcile and index update);
 * - cache memory: heap per cached OntapAwsKms;
 * - ONTAP client → ontap-sim over real HTTPS: one-record GET latency, and a collection GET of N
 *   records (what one coalesced drift check costs);
 * - a /metrics scrape at 10,000 resources: time, and the heap it takes while the text is made.
 */
import { performance } from 'node:perf_hooks';
import { parseOntapAwsKms } from '../src/api/v1alpha1/parse.js';
import { computeDelta } from '../src/controller/ontap-aws-kms/delta.js';
import { OBSERVED_FIELDS } from '../src/controller/ontap-aws-kms/fields.js';
import { computeStatus } from '../src/controller/ontap-aws-kms/status.js';
import type { OntapAwsKms } from '../src/api/v1alpha1/types.js';
import { kindMetrics } from '../src/controller/key-manager/kind.js';
import { awsKmsAdapter } from '../src/controller/ontap-aws-kms/adapter.js';
import { registerResourceMetrics, SyncTimes } from '../src/controller/resource-metrics.js';
import { OntapClient } from '../src/ontap/client.js';
import type { AwsKmsRecord } from '../src/ontap/wire.js';
import { Metrics } from '../src/runtime/metrics.js';
import { startSimulator } from '../src/simulator/server.js';
import { awsKms, fullAwsKmsSpec, withSpec } from '../test/support/builders.js';

function opsPerSec(name: string, n: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(n, 1000); i++) fn(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const ms = performance.now() - t0;
  console.log(`${name.padEnd(48)} ${(n / (ms / 1000)).toFixed(0).padStart(10)} ops/s  (${((ms * 1000) / n).toFixed(2)} µs/op)`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const record: AwsKmsRecord = {
  uuid: 'u1', scope: 'svm', svm: { name: 'svm1', uuid: 's1' }, key_id: 'key-1', region: 'us-west-2', access_key_id: 'AKIA1',
  service: 'kms', default_domain: 'amazonaws.com', port: 443, polling_period: 60, timeout: 10, verify: true, verify_host: true, verify_ip: false,
  state: { cluster_state: true, code: '0', message: '' }, amazon_reachability: { reachable: true, code: '0', message: '' },
  ekmip_reachability: [{ node: { name: 'node1' }, reachable: true, code: '0', message: '' }, { node: { name: 'node2' }, reachable: true, code: '0', message: '' }],
};
const secrets = { aws: { name: 'aws', resourceVersion: '10', keys: ['access_key_id', 'secret_access_key'], accessKeyId: 'AKIA1', secretAccessKey: 'S' } };
const obj = awsKms('k', withSpec({ ...fullAwsKmsSpec, proxy: undefined }));
const raw = JSON.parse(JSON.stringify({ ...obj, status: computeStatus(obj, { record, owned: true, drift: [], observeOnly: false }, new Date()) })) as unknown;

console.log('# pure functions (one core)');
opsPerSec('computeDelta (full spec, 3 fields drifted)', 200_000, () => computeDelta(obj.spec, record, secrets, [{ name: 'aws', resourceVersion: '10' }]));
opsPerSec('computeStatus', 100_000, () => computeStatus(obj, { record, owned: true, drift: [], observeOnly: false }, new Date()));
opsPerSec('parseOntapAwsKms (spec + status)', 100_000, () => parseOntapAwsKms(raw));

console.log('\n# memory');
{
  const N = 10_000;
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const kept = Array.from({ length: N }, () => JSON.parse(JSON.stringify(raw)) as unknown);
  global.gc?.();
  const per = (process.memoryUsage().heapUsed - before) / N;
  console.log(`heap per cached OntapAwsKms (raw JSON, ${N} objects)  ${(per / 1024).toFixed(2)} KiB${global.gc ? '' : ' (run with --expose-gc for a steadier figure)'}`);
  if (kept.length !== N) throw new Error('unreachable');
}

console.log('\n# ONTAP client → ontap-sim over HTTPS (loopback)');
{
  const svms = Array.from({ length: 200 }, (_, i) => `svm${i + 1}`);
  const sim = await startSimulator({ svms });
  const client = new OntapClient({ endpoint: sim.url, auth: { kind: 'basic', username: 'admin', password: 'netapp1!' }, caBundle: sim.caPem });
  try {
    for (const svm of svms) {
      await client.createAwsKms({ svm: { name: svm }, key_id: 'k', region: 'us-east-1', access_key_id: 'AKIA', secret_access_key: 'x' });
    }
    const uuid = (await client.listAwsKms({ filters: { 'svm.name': 'svm1' } }))[0]?.uuid ?? '';
    const lat: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now();
      await client.getAwsKms(uuid, OBSERVED_FIELDS);
      lat.push(performance.now() - t0);
    }
    lat.sort((a, b) => a - b);
    console.log(`GET one record (500 sequential, keep-alive)          p50 ${percentile(lat, 50).toFixed(2)} ms  p99 ${percentile(lat, 99).toFixed(2)} ms`);
    for (const n of [20, 200]) {
      const filter = { 'svm.name': svms.slice(0, n).join('|') };
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        const got = await client.listAwsKms({ filters: filter, fields: OBSERVED_FIELDS });
        times.push(performance.now() - t0);
        if (got.length !== n) throw new Error(`expected ${n} records, got ${got.length}`);
      }
      times.sort((a, b) => a - b);
      console.log(`coalesced collection GET of ${String(n).padEnd(3)} records (advanced fields) p50 ${percentile(times, 50).toFixed(2)} ms  p99 ${percentile(times, 99).toFixed(2)} ms`);
    }
  } finally {
    client.close();
    await sim.close();
  }
}

console.log('\n# /metrics scrape (per-resource families made as they are sent)');
{
  const N = 10_000;
  const status = computeStatus(obj, { record, owned: true, drift: [], observeOnly: false }, new Date());
  const items = Array.from({ length: N }, (_, i) => ({ metadata: { ...obj.metadata, name: `kms-${i}` }, status }));
  const syncs = new SyncTimes();
  for (const it of items) syncs.record(it.metadata.namespace, it.metadata.name, Date.now());
  const metrics = new Metrics();
  registerResourceMetrics(metrics, {
    clusters: () => [],
    keyManagers: [kindMetrics(awsKmsAdapter, () => items as unknown as OntapAwsKms[], syncs)],
  });
  for (let run = 0; run < 3; run++) {
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let bytes = 0;
    const t0 = performance.now();
    for (const chunk of (await metrics.render()).body) {
      bytes += chunk.length;
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    const ms = performance.now() - t0;
    console.log(`scrape of ${N} resources (${(bytes / 1e6).toFixed(1)} MB of text)         ${ms.toFixed(0)} ms, heap grew by at most ${((peak - before) / 1e6).toFixed(1)} MB while making it`);
  }
}
