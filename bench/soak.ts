/**
 * The soak benchmark: is the operator's memory flat over a long run with faults, rotations and
 * drift? The real API server, one ontap-sim per cluster (each its own process) and the operator
 * as its own process (built dist/, as in a pod, with the chart's nodeOptions), N OntapAwsKms on M
 * OntapClusters with a short drift interval, and every minute a mix of disturbances, each checked
 * until it is fixed:
 *
 * - Secret rotations (the credentials Secret changes: ONTAP PATCH of the access key);
 * - out-of-band drift, made as an admin would, through ontap-sim's ONTAP REST API (a record's
 *   region PATCHed), which the operator must put back at its next drift check;
 * - faults on one cluster, in turn, through the sim's /_sim/ control API: a burst of 500s, latency,
 *   dropped connections (each for some seconds), GETs that outlast the request timeout;
 * - spec edits (the region), and creates and deletes of a few resources (deletionPolicy Delete, on
 *   SVMs kept spare for them, with their Secrets).
 *
 *   npm run bench:soak -- --duration 60m [--warmup 5m] [--resources 200] [--clusters 4] [--interval 30]
 *     [--rotations 5] [--drifts 5] [--edits 3] [--churn 2] [--seed 1] [--out DIR] [--node-options="..."]
 *     [--snapshots warmup,mid,end] [--log-level warn]
 *
 * The run lasts a whole number of fault cycles (4 minutes) after the warm-up, up to 3 minutes more
 * than asked, so that every heap snapshot follows the same kind of fault.
 *
 * The operator's RSS (/proc) and V8 heap (its /metrics) are sampled every 30 s; heap snapshots are
 * written (SIGUSR2) at the end of the warm-up, half-way and at the end (--snapshots), then compared
 * (bench/heap-diff.ts). It prints the memory every 5 minutes, the least-squares slope of RSS and
 * heap after the warm-up, the disturbances fixed and how fast, the ONTAP writes beyond one per
 * disturbance, and the load average beside the timings. Reported, never asserted; not part of
 * `make test` (`make soak DURATION=60m`).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { OntapAwsKmsType, OntapClusterType } from '../src/controller/resources.js';
import { KubeApi, type KubeObject, NamespaceType, SecretType } from '../src/runtime/kube.js';
import type { RequestLogEntry } from '../src/simulator/state.js';
import { startControlPlane } from '../src/testenv/index.js';
import { type SimResponse, simRequest, spawnSim, type SpawnedSim } from '../test/support/sim.js';
import { heapDiff } from './heap-diff.js';
import { HeapSnapshot } from './heap-snapshot.js';
import { balanceWrites, leastSquares, type LoggedRequest, mulberry32, parseDuration, percentile, tallyWrites } from './soak-stats.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NS = 'soak';
const SIM_AUTH = { username: 'admin', password: 'pw' };

/** chartNodeOptions is the chart's default NODE_OPTIONS (values.yaml `nodeOptions`). */
async function chartNodeOptions(): Promise<string> {
  const values = parseYaml(await readFile(join(ROOT, 'charts/ontap-kms-operator/values.yaml'), 'utf8')) as { nodeOptions?: unknown };
  return typeof values.nodeOptions === 'string' ? values.nodeOptions : '';
}

const { values: args } = parseArgs({
  options: {
    /** duration of the disturbed run, from the converge of the first N resources (then a drain of up to 3 minutes). */
    duration: { type: 'string', default: '60m' },
    /** warmup: the slopes are fitted to the samples after it; the first heap snapshot ends it. */
    warmup: { type: 'string', default: '5m' },
    resources: { type: 'string', default: '200' },
    clusters: { type: 'string', default: '4' },
    /** interval is every resource's driftCheckIntervalSeconds. */
    interval: { type: 'string', default: '30' },
    /** per round (a minute): Secret rotations, out-of-band drifts, spec edits, creates (and as many deletes). */
    rotations: { type: 'string', default: '5' },
    drifts: { type: 'string', default: '5' },
    edits: { type: 'string', default: '3' },
    churn: { type: 'string', default: '2' },
    /** seed of the choices (which resources, when in the minute). */
    seed: { type: 'string', default: '1' },
    /** out DIR keeps the samples (CSV), the heap snapshots and the operator's log; a new temporary directory by default. */
    out: { type: 'string' },
    /** node-options of the operator's node; the chart's nodeOptions by default. */
    'node-options': { type: 'string' },
    /**
     * snapshots: when to write heap snapshots, of warmup, mid, end. Writing one leaves the
     * operator's malloc heap some 70 MB larger (freed, kept by glibc, reused before the RSS grows
     * again), which hides native growth after it: `--snapshots end` keeps the RSS line clean.
     */
    snapshots: { type: 'string', default: 'warmup,mid,end' },
    /** log-level of the operator (its log goes to OUT/operator.log). */
    'log-level': { type: 'string', default: 'warn' },
  },
});
const DURATION_MS = parseDuration(args.duration ?? '60m');
const WARMUP_MS = Math.min(parseDuration(args.warmup ?? '5m'), DURATION_MS / 2);
const N = Number(args.resources);
const M = Math.min(Number(args.clusters), N);
const INTERVAL_S = Number(args.interval);
const ROTATIONS = Number(args.rotations);
const DRIFTS = Number(args.drifts);
const EDITS = Number(args.edits);
const CHURN = Number(args.churn);
const ROUND_MS = 60_000;
const SAMPLE_MS = 30_000;
const SWEEP_MS = 3000;
/** A disturbance not fixed within this long counts as late (it is still followed to the end). */
const FIX_WITHIN_MS = 180_000;
const DRAIN_MS = 180_000;
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-south-1'];
const FAULT_KINDS = ['500s', 'latency', 'drop', 'timeout'] as const;
const random = mulberry32(Number(args.seed));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const mb = (n: number): string => (n / 2 ** 20).toFixed(1);
const load = (): string => `load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
const log = (line: string): void => void process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Sim is one spawned ontap-sim and the cluster it stands for. */
interface Sim extends SpawnedSim {
  readonly caPem: string;
}

/** Rec is what the bench reads of an aws-kms record in a sim's /_sim/state. */
interface Rec {
  readonly uuid: string;
  readonly svm?: { readonly name: string };
  readonly region?: string;
  readonly access_key_id?: string;
}

/** World is one look at both sides: the records of every sim by SVM, and every OntapAwsKms by name. */
interface World {
  readonly records: ReadonlyArray<ReadonlyMap<string, Rec>>;
  readonly kms: ReadonlyMap<string, KubeObject>;
}

/** Res is a resource the bench made, with what ONTAP should hold for it. */
interface Res {
  readonly name: string;
  readonly cluster: number;
  readonly svm: string;
  readonly secret: string;
  region: string;
  accessKeyId: string;
  busy: boolean;
}

type Kind = 'rotation' | 'drift' | 'edit' | 'create' | 'delete';

/** Disturbance is one change the bench made and waits to see fixed. */
interface Disturbance {
  readonly kind: Kind;
  readonly name: string;
  readonly at: number;
  fixedAt?: number;
  readonly done: (w: World) => boolean;
  readonly then?: () => Promise<void> | void;
}

/** Sample is one look at the operator's memory. */
interface Sample {
  /** t: minutes since the converge. */
  readonly t: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  /** code: V8's code space (and large code objects), used. */
  readonly code: number;
  /** malloc: the resident part of the brk heap ([heap] in smaps), where glibc's main arena is. */
  readonly malloc: number;
  /** anon: the resident part of anonymous mappings (V8's heap and code, other threads' malloc arenas). */
  readonly anon: number;
  readonly cpu: number;
  readonly load1: number;
}

const ready = (o: KubeObject | undefined): boolean => ((o?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

async function cpuOf(pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** rssRegions sums a process's resident memory by kind of mapping (as bench/scale.ts does): [heap], anonymous mmap, files, ... */
async function rssRegions(pid: number): Promise<Map<string, number>> {
  const smaps = await readFile(`/proc/${pid}/smaps`, 'utf8').catch(() => '');
  const by = new Map<string, number>();
  let kind = 'anon';
  for (const line of smaps.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) kind = head[1] === '' ? 'anonymous mmap' : head[1]?.startsWith('/') ? 'files' : (head[1] ?? '?');
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) by.set(kind, (by.get(kind) ?? 0) + Number(rss[1]) * 1024);
  }
  return by;
}

async function rssByRegion(pid: number): Promise<string> {
  return [...(await rssRegions(pid))].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => `${k} ${mb(v)} MB`).join(', ');
}

/**
 * metrics reads the operator's /metrics into name -> sum of its samples, and for the names in
 * `by`, name{label="value"} -> sum of those samples too.
 */
async function metrics(url: string, by: Readonly<Record<string, string>> = {}): Promise<Map<string, number>> {
  const body = await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).text();
  const out = new Map<string, number>();
  const add = (key: string, v: number): void => void out.set(key, (out.get(key) ?? 0) + v);
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = line.slice(0, line.search(/[{ ]/));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    add(name, value);
    const label = by[name];
    const m = label === undefined ? null : new RegExp(`[{,]${label}="([^"]*)"`).exec(line);
    if (m) add(`${name}{${label}="${m[1]}"}`, value);
  }
  return out;
}

/** podIdentity gives the operator what a pod has (as bench/scale.ts does), its token valid for `hours`. */
async function podIdentity(binDir: string, kubeconfig: string, dir: string, hours: number): Promise<{ dir: string; host: string; port: string }> {
  const kubectl = (...a: string[]): Promise<{ stdout: string }> => run(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfig, ...a]);
  await kubectl('create', 'serviceaccount', 'ontap-kms-operator', '-n', NS);
  await kubectl('create', 'clusterrolebinding', 'soak-operator', '--clusterrole=cluster-admin', `--serviceaccount=${NS}:ontap-kms-operator`);
  const token = (await kubectl('create', 'token', 'ontap-kms-operator', '-n', NS, `--duration=${Math.ceil(hours)}h`)).stdout.trim();
  const config = parseYaml(await readFile(kubeconfig, 'utf8')) as { clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }> };
  const cluster = config.clusters[0]?.cluster;
  if (cluster === undefined) throw new Error('soak: the kubeconfig has no cluster');
  const saDir = join(dir, 'serviceaccount');
  await mkdir(saDir);
  await writeFile(join(saDir, 'token'), token);
  await writeFile(join(saDir, 'ca.crt'), Buffer.from(cluster['certificate-authority-data'], 'base64'));
  await writeFile(join(saDir, 'namespace'), NS);
  const url = new URL(cluster.server);
  return { dir: saDir, host: url.hostname, port: url.port };
}

async function main(): Promise<void> {
  const out = args.out ?? (await mkdtemp(join(tmpdir(), 'ontap-kms-soak-')));
  await mkdir(out, { recursive: true });
  const diagDir = join(out, 'diag');
  await mkdir(diagDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'ontap-kms-soak-work-'));
  const nodeOptions = args['node-options'] ?? (await chartNodeOptions());
  log(`soak: ${N} OntapAwsKms on ${M} clusters, drift interval ${INTERVAL_S} s, ${args.duration} (warm-up ${WARMUP_MS / 60_000} min), node ${nodeOptions}; output in ${out}`);
  const cp = await startControlPlane({ dir: join(work, 'cp') });
  const sims: Sim[] = [];
  let operator: ChildProcess | undefined;
  const operatorLog = await open(join(out, 'operator.log'), 'w');
  const benchErrors: string[] = [];
  try {
    const kubectl = (...a: string[]): Promise<unknown> => run(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfig, ...a]);
    await kubectl('apply', '--server-side', '-f', join(ROOT, 'crds'));
    await kubectl('wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s');
    const api = await KubeApi.fromKubeconfig(cp.kubeconfig);
    await api.create(NamespaceType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });

    // The clusters: resource i is on cluster i % M, SVM svm-(i / M); each also has SVMs kept
    // spare for the resources created and deleted as the soak goes.
    const perCluster = Math.ceil(N / M);
    const spares = Math.max(4, 3 * CHURN);
    const svmName = (k: number): string => `svm-${String(k).padStart(5, '0')}`;
    const spareName = (k: number): string => `spare-${String(k).padStart(3, '0')}`;
    for (let c = 0; c < M; c++) {
      const names = [...Array.from({ length: perCluster }, (_, k) => svmName(k)), ...Array.from({ length: spares }, (_, k) => spareName(k))];
      const spawned = await spawnSim(['--username', SIM_AUTH.username, '--password', SIM_AUTH.password, '--ca-file', join(work, `sim-${c}.crt`), ...names.flatMap((s) => ['--svm', s])], 60_000);
      sims.push({ ...spawned, caPem: await readFile(spawned.caFile, 'utf8') });
    }
    const control = async (c: number, method: string, path: string, body?: unknown): Promise<SimResponse> => {
      const res = await simRequest(sims[c] as Sim, method, path, { auth: 'none', ...(body === undefined ? {} : { body }) });
      if (res.status >= 300) throw new Error(`ontap-sim ${c} ${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
      return res;
    };

    const secret = (name: string, data: Record<string, string>, type = 'Opaque'): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, type, stringData: data });
    await api.create(SecretType, NS, secret('admin', SIM_AUTH, 'kubernetes.io/basic-auth'));
    for (const [c, sim] of sims.entries()) {
      await api.create(SecretType, NS, secret(`ca-${c}`, { 'ca.crt': sim.caPem }));
      await api.create(OntapClusterType, NS, { apiVersion: 'kms.ontap.dev/v1alpha1', kind: 'OntapCluster', metadata: { name: `c${c}`, namespace: NS }, spec: { endpoint: sim.url, credentialsSecretRef: { name: 'admin' }, caBundleSecretRef: { name: `ca-${c}` } } });
    }
    const base: Res[] = Array.from({ length: N }, (_, i) => ({ name: `kms-${i}`, cluster: i % M, svm: svmName(Math.floor(i / M)), secret: `aws-${i}`, region: 'us-east-1', accessKeyId: `AKIA${String(i).padStart(16, '0')}`, busy: false }));
    for (const r of base) await api.create(SecretType, NS, secret(r.secret, { access_key_id: r.accessKeyId, secret_access_key: `secret-${r.name}` }));

    // The operator, as in a pod, with the chart's node options and a heap snapshot on SIGUSR2.
    const sa = await podIdentity(cp.binDir, cp.kubeconfig, work, DURATION_MS / 3_600_000 + 2);
    const [metricsPort, healthPort] = [18_000 + Math.floor(Math.random() * 1000), 19_000 + Math.floor(Math.random() * 1000)];
    operator = spawn(
      process.execPath,
      [...nodeOptions.split(' ').filter((o) => o !== ''), '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${diagDir}`, join(ROOT, 'dist/main.js'), '--namespace', NS, '--allowed-ontap-endpoints', '127.0.0.0/8:*', '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--metrics-secure=false', '--health-probe-bind-address', `127.0.0.1:${healthPort}`, '--log-level', args['log-level'] ?? 'warn'],
      { stdio: ['ignore', operatorLog.fd, operatorLog.fd], env: { PATH: process.env.PATH, KUBERNETES_SERVICE_HOST: sa.host, KUBERNETES_SERVICE_PORT: sa.port, ONTAP_KMS_SERVICEACCOUNT_DIR: sa.dir } },
    );
    const op = operator;
    const pid = op.pid ?? 0;
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const healthy = (): Promise<boolean> => fetch(`http://127.0.0.1:${healthPort}/readyz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
    for (let i = 0; !(await healthy()); i++) {
      if (i > 600 || op.exitCode !== null) throw new Error('operator not ready in 60 s (see operator.log)');
      await sleep(100);
    }
    log(`operator ready, RSS ${mb(await rssOf(pid))} MB`);

    const kmsObject = (r: Res, deletionPolicy: 'Retain' | 'Delete'): KubeObject => ({
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'OntapAwsKms',
      metadata: { name: r.name, namespace: NS },
      spec: { clusterRef: { name: `c${r.cluster}` }, svm: { name: r.svm }, keyId: `arn:aws:kms:us-east-1:111122223333:key/${r.name}`, region: r.region, credentialsSecretRef: { name: r.secret }, driftCheckIntervalSeconds: INTERVAL_S, deletionPolicy },
    });
    const startedCreate = Date.now();
    for (const r of base) await api.create(OntapAwsKmsType, NS, kmsObject(r, 'Retain'));
    for (;;) {
      const n = (await api.list(OntapAwsKmsType, NS)).items.filter(ready).length;
      if (n === N) break;
      if (Date.now() - startedCreate > 600_000) throw new Error(`only ${n}/${N} Ready after 10 minutes`);
      await sleep(2000);
    }
    log(`${N} Ready in ${((Date.now() - startedCreate) / 1000).toFixed(1)} s (${load()})`);

    // From here the clock runs. The sims' request logs start empty: the writes counted are the
    // soak's.
    for (let c = 0; c < M; c++) await control(c, 'DELETE', '/_sim/requests');
    const t0 = Date.now();
    const minutes = (at: number): number => (at - t0) / 60_000;
    const uuidSvm = new Map<string, string>();
    const sweep = async (): Promise<World> => {
      const records = await Promise.all(
        sims.map(async (_, c) => {
          const recs = ((await control(c, 'GET', '/_sim/state')).json as { records?: Rec[] }).records ?? [];
          const bySvm = new Map<string, Rec>();
          for (const r of recs) {
            if (r.svm === undefined) continue;
            bySvm.set(r.svm.name, r);
            uuidSvm.set(`${c}/${r.uuid}`, r.svm.name);
          }
          return bySvm;
        }),
      );
      const kms = new Map((await api.list(OntapAwsKmsType, NS)).items.map((o) => [o.metadata.name, o] as const));
      return { records, kms };
    };
    let world = await sweep();
    const recordOf = (w: World, r: Res): Rec | undefined => w.records[r.cluster]?.get(r.svm);

    // Memory, every 30 s, each sample written to OUT/samples.csv as it is taken (a run cut short keeps them).
    const samples: Sample[] = [];
    const csv = join(out, 'samples.csv');
    const csvLine = (s: Sample): string => `${[s.t.toFixed(3), s.rss, s.heapUsed, s.heapTotal, s.external, s.code, s.malloc, s.anon, s.cpu, s.load1].join(',')}\n`;
    await writeFile(csv, 'minute,rss_bytes,heap_used_bytes,heap_total_bytes,external_bytes,code_bytes,brk_heap_rss_bytes,anon_rss_bytes,cpu_seconds,load1\n');
    const takeSample = async (): Promise<void> => {
      const m = await metrics(metricsUrl, { nodejs_heap_space_size_used_bytes: 'space' }).catch(() => new Map<string, number>());
      const regions = await rssRegions(pid);
      const space = (name: string): number => m.get(`nodejs_heap_space_size_used_bytes{space="${name}"}`) ?? 0;
      samples.push({
        t: minutes(Date.now()),
        rss: await rssOf(pid),
        heapUsed: m.get('nodejs_heap_size_used_bytes') ?? NaN,
        heapTotal: m.get('nodejs_heap_size_total_bytes') ?? NaN,
        external: m.get('nodejs_external_memory_bytes') ?? NaN,
        code: m.has('nodejs_heap_size_used_bytes') ? space('code') + space('code_large_object') : NaN,
        malloc: regions.get('[heap]') ?? 0,
        anon: regions.get('anonymous mmap') ?? 0,
        cpu: await cpuOf(pid),
        load1: loadavg()[0] ?? NaN,
      });
      await appendFile(csv, csvLine(samples.at(-1) as Sample));
    };
    const smaps: Array<[string, string]> = [['at the converge', await rssByRegion(pid)]];
    let stopping = false;

    // The disturbances and their checks.
    const pending: Disturbance[] = [];
    const finished: Disturbance[] = [];
    const expectedWrites = new Map<string, number>();
    const resourceKey = new Map<string, string>();
    const expectWrite = (r: Res): void => {
      resourceKey.set(r.name, `${r.cluster}/${r.svm}`);
      expectedWrites.set(`${r.cluster}/${r.svm}`, (expectedWrites.get(`${r.cluster}/${r.svm}`) ?? 0) + 1);
    };
    const watch = (d: Disturbance): void => void pending.push(d);
    let drainUntil = Infinity;
    const sweeper = (async () => {
      while (!stopping || pending.length > 0) {
        await sleep(SWEEP_MS);
        if (stopping && Date.now() > drainUntil) break;
        try {
          world = await sweep();
        } catch (err) {
          benchErrors.push(`sweep: ${String(err)}`);
          continue;
        }
        const now = Date.now();
        for (const d of [...pending]) {
          if (!d.done(world)) continue;
          d.fixedAt = now;
          pending.splice(pending.indexOf(d), 1);
          finished.push(d);
          await Promise.resolve(d.then?.()).catch((err: unknown) => benchErrors.push(`${d.kind} ${d.name} after: ${String(err)}`));
        }
      }
    })();

    const pick = (from: Res[]): Res | undefined => {
      const free = from.filter((r) => !r.busy);
      const r = free[Math.floor(random() * free.length)];
      if (r !== undefined) r.busy = true;
      return r;
    };
    /** ontap sends an ONTAP REST request to a sim as its admin would, again while a fault answers for it. */
    const ontap = async (c: number, method: string, path: string, body: unknown): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        const res = await simRequest(sims[c] as Sim, method, path, { auth: SIM_AUTH, body }).catch((err: unknown) => ({ status: 0, json: { error: String(err) } }));
        if (res.status >= 200 && res.status < 300) return;
        if (attempt >= 20) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
        await sleep(3000);
      }
    };
    const rotate = async (r: Res, round: number): Promise<void> => {
      const id = `AKIAROT${String(round).padStart(4, '0')}${r.name.replace(/\D/g, '').padStart(9, '0')}`;
      const at = Date.now();
      await api.mergePatch(SecretType, NS, r.secret, { stringData: { access_key_id: id, secret_access_key: `rotated-${round}-${r.name}` } });
      r.accessKeyId = id;
      expectWrite(r);
      watch({ kind: 'rotation', name: r.name, at, done: (w) => recordOf(w, r)?.access_key_id === id, then: () => void (r.busy = false) });
    };
    const drift = async (r: Res, round: number): Promise<void> => {
      const uuid = recordOf(world, r)?.uuid;
      if (uuid === undefined) throw new Error(`no record for ${r.name}`);
      const at = Date.now();
      await ontap(r.cluster, 'PATCH', `/api/security/aws-kms/${uuid}`, { region: `oob-${round}-${r.name}` });
      expectWrite(r);
      watch({ kind: 'drift', name: r.name, at, done: (w) => recordOf(w, r)?.region === r.region, then: () => void (r.busy = false) });
    };
    const edit = async (r: Res): Promise<void> => {
      const choices = REGIONS.filter((x) => x !== r.region);
      const region = choices[Math.floor(random() * choices.length)] ?? 'us-east-1';
      const at = Date.now();
      await api.mergePatch(OntapAwsKmsType, NS, r.name, { spec: { region } });
      r.region = region;
      expectWrite(r);
      watch({ kind: 'edit', name: r.name, at, done: (w) => recordOf(w, r)?.region === region, then: () => void (r.busy = false) });
    };
    // Churned resources: created on a free spare SVM, deleted (with their Secret) a round or more later.
    const spareFree: string[][] = Array.from({ length: M }, () => Array.from({ length: spares }, (_, k) => spareName(k)));
    const live: Res[] = [];
    let churnSeq = 0;
    const create = async (): Promise<void> => {
      const c = [...spareFree.keys()].sort((a, b) => (spareFree[b]?.length ?? 0) - (spareFree[a]?.length ?? 0))[0] ?? 0;
      const svm = spareFree[c]?.shift();
      if (svm === undefined) throw new Error('no spare SVM free');
      const seq = churnSeq++;
      const r: Res = { name: `churn-${seq}`, cluster: c, svm, secret: `churn-${seq}`, region: REGIONS[seq % REGIONS.length] ?? 'us-east-1', accessKeyId: `AKIACHURN${String(seq).padStart(8, '0')}`, busy: true };
      const at = Date.now();
      await api.create(SecretType, NS, secret(r.secret, { access_key_id: r.accessKeyId, secret_access_key: `secret-${r.name}` }));
      await api.create(OntapAwsKmsType, NS, kmsObject(r, 'Delete'));
      expectWrite(r);
      watch({ kind: 'create', name: r.name, at, done: (w) => ready(w.kms.get(r.name)) && recordOf(w, r)?.region === r.region && recordOf(w, r)?.access_key_id === r.accessKeyId, then: () => void ((r.busy = false), live.push(r)) });
    };
    const remove = async (r: Res): Promise<void> => {
      const at = Date.now();
      await api.delete(OntapAwsKmsType, NS, r.name);
      expectWrite(r);
      watch({
        kind: 'delete',
        name: r.name,
        at,
        done: (w) => !w.kms.has(r.name) && recordOf(w, r) === undefined,
        then: async () => {
          await api.delete(SecretType, NS, r.secret);
          spareFree[r.cluster]?.push(r.svm);
        },
      });
    };

    const faultLog: string[] = [];
    const fault = async (round: number): Promise<void> => {
      const kind = FAULT_KINDS[round % FAULT_KINDS.length] ?? '500s';
      const c = (round + Math.floor(round / FAULT_KINDS.length)) % M;
      const rule =
        kind === '500s'
          ? { path: '/api/', status: 500, code: '1', message: 'soak: injected server error' }
          : kind === 'latency'
            ? { path: '/api/', latencyMs: 3000 }
            : kind === 'drop'
              ? { path: '/api/', drop: true }
              : { method: 'GET', path: '/api/security/aws-kms', latencyMs: 35_000, count: 2 };
      const hold = kind === 'latency' ? 20_000 : kind === 'timeout' ? 45_000 : 10_000;
      const id = String((await control(c, 'POST', '/_sim/faults', rule)).json.id);
      faultLog.push(`${minutes(Date.now()).toFixed(1)} min: ${kind} on c${c} for ${hold / 1000} s`);
      await sleep(hold);
      await simRequest(sims[c] as Sim, 'DELETE', `/_sim/faults/${id}`, { auth: 'none' });
    };

    const actions = new Set<Promise<void>>();
    const later = (delay: number, what: string, fn: () => Promise<void>): void => {
      const p = sleep(delay)
        .then(fn)
        .catch((err: unknown) => void benchErrors.push(`${minutes(Date.now()).toFixed(1)} min ${what}: ${String(err)}`))
        .finally(() => actions.delete(p));
      actions.add(p);
    };
    const snapshots: Array<{ label: string; file: string; at: number; rssBefore: number; rssAfter: number; seconds: number }> = [];
    const snapshot = async (label: string): Promise<void> => {
      const before = new Set(await readdir(diagDir));
      const rssBefore = await rssOf(pid);
      const at = Date.now();
      op.kill('SIGUSR2');
      let file: string | undefined;
      let size = -1;
      for (let stable = 0; stable < 3; ) {
        await sleep(1000);
        file ??= (await readdir(diagDir)).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
        if (file === undefined) continue;
        const s = (await stat(join(diagDir, file))).size;
        stable = s === size && (await healthy()) ? stable + 1 : 0;
        size = s;
        if (Date.now() - at > 300_000) throw new Error('heap snapshot not written in 5 minutes');
      }
      const target = join(out, `heap-${snapshots.length + 1}-${label}.heapsnapshot`);
      await rename(join(diagDir, file as string), target);
      snapshots.push({ label, file: target, at: minutes(at), rssBefore, rssAfter: await rssOf(pid), seconds: (Date.now() - at) / 1000 });
      log(`heap snapshot ${label}: ${target} (${mb(size)} MB, RSS ${mb(rssBefore)} -> ${mb(await rssOf(pid))} MB)`);
    };
    // The memory, every 30 s until the end; each heap snapshot right after the sample at its time
    // (a round's start: the end of the warm-up, half-way, the end), so that no sample before it
    // sees what writing it costs. The run is a whole number of fault cycles after the warm-up (up
    // to 3 minutes more than asked), so that every snapshot follows the same kind of fault and
    // compares like with like: a snapshot just after the held GETs has some 250 more timers,
    // promises and events in flight than one after a burst of 500s.
    const warmupRound = Math.max(1, Math.round(WARMUP_MS / ROUND_MS));
    const cycle = FAULT_KINDS.length;
    const asked = Math.max(warmupRound + 1, Math.round(DURATION_MS / ROUND_MS));
    const rounds = asked + ((((warmupRound - asked) % cycle) + cycle) % cycle);
    const midRound = warmupRound + cycle * Math.round((rounds - warmupRound) / cycle / 2);
    const tick = (round: number): number => Math.round((round * ROUND_MS) / SAMPLE_MS);
    const wanted = new Set((args.snapshots ?? '').split(',').map((x) => x.trim()));
    const snapshotTicks = new Map(([[tick(warmupRound), 'warmup'], [tick(midRound), 'mid'], [tick(rounds), 'end']] as const).filter(([, label]) => wanted.has(label)));
    const sampler = (async () => {
      for (let k = 0; k <= tick(rounds); k++) {
        await sleep(t0 + k * SAMPLE_MS - Date.now());
        await takeSample().catch((err: unknown) => benchErrors.push(`sample: ${String(err)}`));
        if (k === tick(warmupRound)) smaps.push(['at the end of the warm-up', await rssByRegion(pid)]);
        if (k === tick(rounds)) smaps.push(['at the end', await rssByRegion(pid)]);
        const label = snapshotTicks.get(k);
        if (label !== undefined) await snapshot(label).catch((err: unknown) => benchErrors.push(`snapshot ${label}: ${String(err)}`));
      }
    })();

    for (let round = 0; round < rounds; round++) {
      await sleep(t0 + round * ROUND_MS - Date.now());
      later(random() * 15_000, `fault ${round}`, () => fault(round));
      const offset = (): number => 2000 + random() * 43_000;
      for (let k = 0; k < ROTATIONS; k++) {
        const r = pick(base);
        if (r) later(offset(), `rotate ${r.name}`, () => rotate(r, round));
      }
      for (let k = 0; k < DRIFTS; k++) {
        const r = pick(base);
        if (r) later(offset(), `drift ${r.name}`, () => drift(r, round));
      }
      for (let k = 0; k < EDITS; k++) {
        const r = pick(base);
        if (r) later(offset(), `edit ${r.name}`, () => edit(r));
      }
      for (let k = 0; k < CHURN; k++) {
        const old = live.find((r) => !r.busy);
        if (old) {
          old.busy = true;
          live.splice(live.indexOf(old), 1);
          later(offset(), `delete ${old.name}`, () => remove(old));
        }
        if (spareFree.some((s) => s.length > 0)) later(offset(), 'create', create);
      }
      if (round % 5 === 0) {
        const last = samples.at(-1);
        const memory = last ? `RSS ${mb(last.rss)} MB, heap ${mb(last.heapUsed)} MB` : 'no memory sample yet';
        log(`round ${round}/${rounds}: ${finished.length} fixed, ${pending.length} pending, ${memory} (${load()})`);
      }
    }
    await sampler;
    const endMin = minutes(t0 + rounds * ROUND_MS);
    log(`disturbances over; draining (${pending.length} pending)`);
    while (actions.size > 0) await Promise.all([...actions]);
    drainUntil = Date.now() + DRAIN_MS;
    while (pending.length > 0 && Date.now() < drainUntil) await sleep(1000);
    stopping = true;
    drainUntil = 0;
    await sweeper;

    // The ONTAP writes: the operator's (the bench's own drift PATCHes left out) against one per disturbance.
    const logged: LoggedRequest[] = [];
    for (let c = 0; c < M; c++) for (const entry of ((await control(c, 'GET', '/_sim/requests')).json.requests ?? []) as RequestLogEntry[]) logged.push({ cluster: c, entry });
    await writeFile(join(out, 'ontap-requests.jsonl'), logged.map((l) => JSON.stringify({ cluster: l.cluster, ...l.entry })).join('\n') + '\n');
    const isOurs = (e: RequestLogEntry): boolean => {
      const region = (e.body as { region?: unknown } | undefined)?.region;
      return e.method === 'PATCH' && typeof region === 'string' && region.startsWith('oob-');
    };
    const balance = balanceWrites(expectedWrites, tallyWrites(logged, (c, uuid) => uuidSvm.get(`${c}/${uuid}`), isOurs));
    const byMethod = new Map<string, number>();
    for (const { entry } of logged) if (!isOurs(entry)) byMethod.set(`${entry.method} ${entry.status}`, (byMethod.get(`${entry.method} ${entry.status}`) ?? 0) + 1);
    const finalMetrics = await metrics(metricsUrl, { controller_runtime_reconcile_total: 'result', controller_runtime_reconcile_errors_total: 'controller' }).catch(() => new Map<string, number>());

    // The report.
    const lines: string[] = [];
    const say = (s = ''): void => void lines.push(s);
    say(`soak benchmark: ${N} OntapAwsKms on ${M} clusters (sims as processes), drift interval ${INTERVAL_S} s, ${endMin.toFixed(1)} min disturbed (warm-up ${(warmupRound * ROUND_MS) / 60_000} min), node ${nodeOptions}`);
    say(`per minute: ${ROTATIONS} Secret rotations, ${DRIFTS} out-of-band drifts, ${EDITS} spec edits, ${CHURN} creates and ${CHURN} deletes, one fault on one cluster (500s 10 s, latency 3 s for 20 s, dropped connections 10 s, 2 GETs held 35 s past the 30 s timeout, in turn); seed ${args.seed}`);
    say();
    say('| min | RSS MB | anonymous / brk heap MB | V8 heap used MB | heap total MB | external MB | operator CPU % | load 1 min | disturbances made / fixed since the row before |');
    say('|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    const rowsAt = Array.from({ length: Math.floor(endMin / 5) + 1 }, (_, k) => 5 * k);
    if (endMin - (rowsAt.at(-1) ?? 0) > 0.5) rowsAt.push(Math.round(endMin));
    for (const [r, m] of rowsAt.entries()) {
      const before = rowsAt[r - 1] ?? 0;
      const s = samples.reduce<Sample | undefined>((best, x) => (best === undefined || Math.abs(x.t - m) < Math.abs(best.t - m) ? x : best), undefined);
      if (s === undefined || Math.abs(s.t - m) > 1) continue;
      const prev = samples.reduce<Sample | undefined>((best, x) => (best === undefined || Math.abs(x.t - before) < Math.abs(best.t - before) ? x : best), undefined);
      const cpu = m === 0 || prev === undefined || s.t === prev.t ? '' : (((s.cpu - prev.cpu) / ((s.t - prev.t) * 60)) * 100).toFixed(1);
      const inWindow = (at: number): boolean => minutes(at) > before && minutes(at) <= m;
      const made = [...finished, ...pending].filter((d) => inWindow(d.at)).length;
      const fixed = finished.filter((d) => inWindow(d.at)).length;
      say(`| ${m} | ${mb(s.rss)} | ${mb(s.anon)} / ${mb(s.malloc)} | ${mb(s.heapUsed)} | ${mb(s.heapTotal)} | ${mb(s.external)} | ${cpu} | ${s.load1.toFixed(2)} | ${m === 0 ? '' : `${made} / ${fixed}`} |`);
    }
    say();
    const warm = (warmupRound * ROUND_MS) / 60_000;
    // After the warm-up; when a snapshot ended it, from the sample after it (the RSS then includes what writing it left).
    const warmSnapshot = snapshots.some((s) => s.label === 'warmup');
    const after = samples.filter((s) => (warmSnapshot ? s.t > warm + 0.1 : s.t >= warm - 0.01) && Number.isFinite(s.rss) && Number.isFinite(s.heapUsed));
    const half = after.filter((s) => s.t >= (warm + endMin) / 2);
    const fit = (ss: readonly Sample[], f: (s: Sample) => number): string => {
      const l = leastSquares(ss.map((s) => ({ x: s.t, y: f(s) / 2 ** 20 })));
      return `${l.slope >= 0 ? '+' : ''}${l.slope.toFixed(3)} MB/min`;
    };
    // The heap's lowest sample of each 5 minutes: what is left after the collections in them.
    const floors: Sample[] = [];
    for (let m = warm; m < endMin; m += 5) {
      const w = after.filter((s) => s.t >= m && s.t < m + 5);
      const low = w.reduce<Sample | undefined>((best, x) => (best === undefined || x.heapUsed < best.heapUsed ? x : best), undefined);
      if (low) floors.push(low);
    }
    say(`slopes after the warm-up (${after.length} samples, least squares): RSS ${fit(after, (s) => s.rss)}, V8 heap used ${fit(after, (s) => s.heapUsed)}, heap's 5-minute floor ${fit(floors, (s) => s.heapUsed)} (${floors.length} points), heap total ${fit(after, (s) => s.heapTotal)}`);
    say(`  RSS by part: anonymous mappings (V8 heap and code, other threads' malloc arenas) ${fit(after, (s) => s.anon)}, brk heap (malloc's main arena) ${fit(after, (s) => s.malloc)}, the rest (files, stacks) ${fit(after, (s) => s.rss - s.anon - s.malloc)}; V8 code space ${fit(after, (s) => s.code)}, external ${fit(after, (s) => s.external)}`);
    say(`second half alone (${half.length} samples): RSS ${fit(half, (s) => s.rss)}, V8 heap used ${fit(half, (s) => s.heapUsed)}, anonymous ${fit(half, (s) => s.anon)}, brk heap ${fit(half, (s) => s.malloc)}`);
    const range = (ss: readonly Sample[], f: (s: Sample) => number): string => `${mb(Math.min(...ss.map(f)))}-${mb(Math.max(...ss.map(f)))} MB`;
    if (after.length > 0) say(`after the warm-up: RSS ${range(after, (s) => s.rss)}, heap used ${range(after, (s) => s.heapUsed)}; load average ${Math.min(...after.map((s) => s.load1)).toFixed(2)}-${Math.max(...after.map((s) => s.load1)).toFixed(2)} (mean ${(after.reduce((a, s) => a + s.load1, 0) / after.length).toFixed(2)})`);
    for (const [when, where] of smaps) say(`RSS by mapping ${when}: ${where}`);
    say();
    if (snapshots.some((s) => s.label !== 'end')) say('(writing a heap snapshot leaves the malloc heap larger, freed memory glibc keeps and reuses: the RSS after the first snapshot hides native growth up to that much; run with --snapshots end for the RSS line)');
    for (const s of snapshots) {
      const live = HeapSnapshot.parse(await readFile(s.file, 'utf8')).totalSize();
      say(`heap snapshot ${s.label} at ${s.at.toFixed(1)} min: live heap ${mb(live)} MB (RSS ${mb(s.rssBefore)} MB before, ${mb(s.rssAfter)} MB after; ${s.seconds.toFixed(0)} s to write) ${s.file}`);
    }
    say();
    const kinds: Kind[] = ['rotation', 'drift', 'edit', 'create', 'delete'];
    const all = [...finished, ...pending];
    const inTime = finished.filter((d) => (d.fixedAt ?? 0) - d.at <= FIX_WITHIN_MS);
    say(`disturbances fixed: ${finished.length}/${all.length} (${inTime.length} within ${FIX_WITHIN_MS / 1000} s; never: ${pending.map((d) => `${d.kind} ${d.name}`).join(', ') || 'none'})`);
    say('| disturbance | made | fixed | fix time p50 / p99 / max (s) |');
    say('|---|---:|---:|---|');
    for (const k of kinds) {
      const times = finished.filter((d) => d.kind === k).map((d) => ((d.fixedAt ?? 0) - d.at) / 1000);
      say(`| ${k} | ${all.filter((d) => d.kind === k).length} | ${times.length} | ${percentile(times, 0.5).toFixed(1)} / ${percentile(times, 0.99).toFixed(1)} / ${percentile(times, 1).toFixed(1)} |`);
    }
    say(`(fix times are from the change to the first look that saw it fixed, looks every ${SWEEP_MS / 1000} s; a drift waits for the next ${INTERVAL_S} s drift check)`);
    say(`ONTAP writes: ${balance.ok} succeeded for ${balance.expected} asked (one per disturbance): ${balance.duplicates} duplicate, ${balance.missing} missing; ${balance.failed} failed (injected faults among them)`);
    for (const x of balance.extra.slice(0, 10)) {
      const made = all.filter((d) => resourceKey.get(d.name) === x.key).map((d) => `${d.kind} at ${new Date(d.at).toISOString().slice(11, 23)}`);
      say(`  duplicate: ${x.key} ${x.ok} writes (${x.writes.map((w) => `${w.what} at ${w.time.slice(11, 23)}`).join(', ')}) for ${x.expected} asked (${made.join(', ')})`);
    }
    say(`operator's ONTAP requests by method and status: ${[...byMethod].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
    const byController = (name: string): string => [...finalMetrics].filter(([k]) => k.startsWith(`${name}{`)).map(([k, v]) => `${/"(.*)"/.exec(k)?.[1]} ${v}`).join(', ');
    say(`operator reconciles ${finalMetrics.get('controller_runtime_reconcile_total') ?? '?'} (${byController('controller_runtime_reconcile_total')}), reconcile errors ${finalMetrics.get('controller_runtime_reconcile_errors_total') ?? '?'} (${byController('controller_runtime_reconcile_errors_total')})`);
    say(`faults: ${faultLog.length} (${faultLog.slice(0, 4).join('; ')}; ...)`);
    if (benchErrors.length > 0) say(`bench errors (${benchErrors.length}): ${benchErrors.slice(0, 10).join(' | ')}`);
    const first = snapshots[0];
    const last = snapshots.at(-1);
    if (first !== undefined && last !== undefined && first !== last) {
      say();
      say(`heap diff, ${first.label} -> ${last.label} (npx tsx bench/heap-diff.ts ${first.file} ${last.file}):`);
      say(await heapDiff(first.file, last.file, { top: 20 }));
    }
    await writeFile(join(out, 'disturbances.csv'), ['kind,name,minute,fix_seconds', ...all.map((d) => [d.kind, d.name, minutes(d.at).toFixed(3), d.fixedAt === undefined ? '' : ((d.fixedAt - d.at) / 1000).toFixed(1)].join(','))].join('\n') + '\n');
    say();
    say(`samples: ${join(out, 'samples.csv')}, disturbances: ${join(out, 'disturbances.csv')}, ONTAP requests: ${join(out, 'ontap-requests.jsonl')}, operator log: ${join(out, 'operator.log')}`);
    await writeFile(join(out, 'report.md'), lines.join('\n') + '\n');
    process.stdout.write(`\n${lines.join('\n')}\n`);
  } finally {
    const exited = operator && operator.exitCode === null ? new Promise((r) => operator?.once('exit', r)) : Promise.resolve();
    operator?.kill('SIGTERM');
    await exited;
    await operatorLog.close();
    for (const s of sims) await s.stop();
    await cp.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
