/**
 * The scale benchmark: the real API server, one ontap-sim per cluster, and the operator as its own
 * process (built dist/, as it runs in a pod), with N OntapAwsKms on M OntapClusters and any number
 * of unrelated Secrets. Reported, never asserted:
 *
 *   npm run bench:scale -- --resources 1000 --clusters 10 [--secrets 50000] [--interval 60] [--rotations 20] [--cpu-prof DIR]
 *     [--heap-snapshot DIR] [--node-options="--max-old-space-size=128 --max-semi-space-size=4"] [--sims process|inline]
 *     [--cold-start] [--failover]
 *
 * It prints one table: converge time, reconciles and Kubernetes writes per new resource, RSS idle
 * and peak, operator CPU per drift pass, Secret rotation -> ONTAP PATCH latency during a pass,
 * aws-kms GETs per cluster per interval against a per-resource poller's, each timing with the
 * load average beside it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { type FileHandle, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { OntapAwsKmsType, OntapClusterType } from '../src/controller/resources.js';
import { KubeApi, type KubeObject, NamespaceType, SecretType } from '../src/runtime/kube.js';
import type { RequestLogEntry } from '../src/simulator/state.js';
import { startSimulator } from '../src/simulator/server.js';
import { simRequest } from '../test/support/sim.js';
import { startControlPlane } from '../src/testenv/index.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NS = 'bench';

const { values: args } = parseArgs({
  options: {
    resources: { type: 'string', default: '1000' },
    clusters: { type: 'string', default: '10' },
    secrets: { type: 'string', default: '0' },
    interval: { type: 'string', default: '60' },
    rotations: { type: 'string', default: '20' },
    /** cpu-prof DIR writes a V8 CPU profile of the operator process there (open it in Chrome DevTools). */
    'cpu-prof': { type: 'string' },
    /** heap-snapshot DIR makes the operator write a heap snapshot there on SIGUSR2, sent once the pass is measured. */
    'heap-snapshot': { type: 'string' },
    /** node-options are passed to the operator's node, e.g. --node-options=--max-semi-space-size=2. */
    'node-options': { type: 'string', default: '' },
    /**
     * sims: 'process' runs each ontap-sim as its own process (the default: the bench's own
     * process then holds no simulator, so the sims' CPU does not delay the bench's clock or the
     * API calls it makes); 'inline' runs them inside the bench, as the first versions did.
     */
    sims: { type: 'string', default: 'process' },
    /** operator-log FILE runs the operator at debug level and writes its log there (a diagnosis: it costs CPU). */
    'operator-log': { type: 'string' },
    /** operator-env adds KEY=VALUE pairs (comma-separated) to the operator's environment, e.g. MALLOC_ARENA_MAX=2. */
    'operator-env': { type: 'string', default: '' },
    /**
     * cold-start, after the warm figures: stop the operator, rotate one Secret, start a new one
     * (as after an upgrade or a node drain) and time its caches, the rotation made while it was
     * down and one made as its caches sync, and its check of every resource (zero writes).
     */
    'cold-start': { type: 'boolean', default: false },
    /**
     * failover, last: two replicas with --leader-elect; once the leader has checked everything,
     * SIGKILL it, rotate a Secret at once, and time the standby's PATCH (no duplicate write).
     */
    failover: { type: 'boolean', default: false },
  },
});
const N = Number(args.resources);
const M = Math.min(Number(args.clusters), N);
const UNRELATED = Number(args.secrets);
const INTERVAL_S = Number(args.interval);
const ROTATIONS = Math.min(Number(args.rotations), N);

const rows: Array<[string, string]> = [];

/** Sim is what the bench needs of one ontap-sim, wherever it runs. */
interface Sim {
  readonly url: string;
  readonly caPem: string;
  requests(): Promise<RequestLogEntry[]>;
  clearRequests(): Promise<void>;
  close(): Promise<unknown>;
}

/**
 * startSims starts `count` ontap-sims with `svms` each (see --sims): inline in this process, or in
 * up to 10 fleet processes (bench/sim-fleet.ts) sharing them out, so that 1,000 clusters cost 10
 * Node processes, not 1,000, and a run on 10 clusters keeps one simulator per process.
 */
async function startSims(count: number, svms: string[]): Promise<Sim[]> {
  if (args.sims === 'inline') {
    const out: Sim[] = [];
    for (let c = 0; c < count; c++) {
      const sim = await startSimulator({ username: 'admin', password: 'pw', svms });
      out.push({ url: sim.url, caPem: sim.caPem, requests: () => Promise.resolve(sim.control.requests()), clearRequests: () => Promise.resolve(sim.control.clearRequests()), close: () => sim.close() });
    }
    return out;
  }
  const processes = Math.min(count, 10);
  const groups = await Promise.all(
    Array.from({ length: processes }, async (_, p) => {
      const share = Math.floor(count / processes) + (p < count % processes ? 1 : 0);
      const fleet = await spawnFleet(share, svms);
      return fleet.sims.map((sim, i): Sim => {
        const control = async (method: string): Promise<Record<string, unknown>> => {
          const res = await simRequest(sim, method, '/_sim/requests', { auth: 'none' });
          if (res.status !== 200) throw new Error(`ontap-sim ${method} /_sim/requests: ${res.status}`);
          return res.json;
        };
        return {
          ...sim,
          requests: async () => (await control('GET')).requests as RequestLogEntry[],
          clearRequests: async () => void (await control('DELETE')),
          // The fleet process stops with its first simulator's close; the others have nothing to do.
          close: () => (i === 0 ? fleet.stop() : Promise.resolve()),
        };
      });
    }),
  );
  return groups.flat();
}

/** spawnFleet runs bench/sim-fleet.ts with `count` simulators and waits for its ready line. */
async function spawnFleet(count: number, svms: string[]): Promise<{ sims: Array<{ url: string; caPem: string }>; stop(): Promise<unknown> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/sim-fleet.ts'), '--count', String(count), '--username', 'admin', '--password', 'pw', ...svms.flatMap((s) => ['--svm', s])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim fleet of ${count} not ready in 300 s`)), 300_000);
    void exited.then((code) => reject(new Error(`sim fleet exited (${String(code)}) before it was ready`)));
    createInterface({ input: child.stdout }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  const ready = JSON.parse(line) as { sims: Array<{ url: string; caPem: string }> };
  return {
    sims: ready.sims,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
/** Launched is one operator process the bench started. */
interface Launched {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly stats: ProcessStats;
  readonly metrics: string;
  /** ready resolves with the time /readyz first answered 200. */
  readonly ready: Promise<number>;
}
const load = (): string => `load ${loadavg()[0]?.toFixed(2)}`;
const row = (what: string, value: string): void => {
  rows.push([what, value]);
  process.stderr.write(`  ${what}: ${value}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * watchReadiness follows every OntapAwsKms in NS from `resourceVersion` with one watch (restarted
 * where it ended, as the server closes watches now and then), and keeps the uuid of each one whose
 * Ready condition is True. `all(n)` resolves once n are, with their uuids by name.
 */
function watchReadiness(api: KubeApi, resourceVersion: string): { all(n: number): Promise<Map<string, string>> } {
  const uuids = new Map<string, string>();
  const controller = new AbortController();
  let rv = resourceVersion;
  let failure: unknown;
  void (async () => {
    while (!controller.signal.aborted) {
      try {
        await api.watch(OntapAwsKmsType, NS, { resourceVersion: rv, timeoutSeconds: 300, signal: controller.signal }, (e) => {
          if (e.object.metadata.resourceVersion) rv = e.object.metadata.resourceVersion;
          if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
          const status = e.object.status as { uuid?: string; conditions?: Array<{ type: string; status: string }> } | undefined;
          if ((status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')) uuids.set(e.object.metadata.name, String(status?.uuid));
          else uuids.delete(e.object.metadata.name);
        });
      } catch (err) {
        failure = err;
        return;
      }
    }
  })();
  return {
    async all(n) {
      while (uuids.size < n) {
        if (failure !== undefined) throw new Error('readiness watch failed', { cause: failure });
        await sleep(200);
      }
      controller.abort();
      return uuids;
    },
  };
}

/** inBatches runs `fn` over `items`, `width` at a time. */
async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

/** ProcessStats samples one process's RSS and CPU from /proc. */
class ProcessStats {
  peakRss = 0;
  /** phasePeak is the peak since the last phase() call. */
  private phasePeak = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.timer = setInterval(
      () =>
        void this.rss().then((r) => {
          this.peakRss = Math.max(this.peakRss, r);
          this.phasePeak = Math.max(this.phasePeak, r);
        }),
      250,
    );
  }
  /** phase returns the peak RSS since the last call (or the start) and starts a new phase. */
  async phase(): Promise<number> {
    const peak = Math.max(this.phasePeak, await this.rss());
    this.phasePeak = 0;
    return peak;
  }
  async rss(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8').catch(() => '');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  }
  /** cpuSeconds is user + system CPU time so far. */
  async cpuSeconds(): Promise<number> {
    const stat = await readFile(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/** metricSum adds the samples of one metric (optionally only lines containing `filter`) on the operator's /metrics. */
async function metricSum(url: string, name: string, filter = ''): Promise<number> {
  const body = await (await fetch(url)).text();
  let sum = 0;
  for (const line of body.split('\n')) {
    if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(filter)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const mib = (n: number): string => `${Math.round(n / 2 ** 20)} MB`;

/** rssByRegion sums a process's resident memory by kind of mapping: malloc's heap, anonymous mmaps (V8, arenas), files. */
async function rssByRegion(pid: number): Promise<string> {
  const smaps = await readFile(`/proc/${pid}/smaps`, 'utf8').catch(() => '');
  const by = new Map<string, number>();
  let kind = 'anon';
  for (const line of smaps.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) kind = head[1] === '' ? 'anonymous mmap' : head[1]?.startsWith('/') ? 'files' : (head[1] ?? '?');
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) by.set(kind, (by.get(kind) ?? 0) + Number(rss[1]) * 1024);
  }
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${mib(v)}`).join(', ');
}

/**
 * podIdentity gives the operator what a pod has: a ServiceAccount (bound to cluster-admin: this
 * is a benchmark), its token and the cluster CA in a directory, and the API server's host and port.
 */
async function podIdentity(binDir: string, kubeconfig: string, dir: string): Promise<{ dir: string; host: string; port: string }> {
  const kubectl = (...a: string[]): Promise<{ stdout: string }> => run(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfig, ...a]);
  await kubectl('create', 'serviceaccount', 'ontap-kms-operator', '-n', NS);
  await kubectl('create', 'clusterrolebinding', 'bench-operator', '--clusterrole=cluster-admin', `--serviceaccount=${NS}:ontap-kms-operator`);
  const token = (await kubectl('create', 'token', 'ontap-kms-operator', '-n', NS, '--duration=2h')).stdout.trim();
  const config = parseYaml(await readFile(kubeconfig, 'utf8')) as { clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }> };
  const cluster = config.clusters[0]?.cluster;
  if (cluster === undefined) throw new Error('bench: the kubeconfig has no cluster');
  const saDir = join(dir, 'serviceaccount');
  await mkdir(saDir);
  await writeFile(join(saDir, 'token'), token);
  await writeFile(join(saDir, 'ca.crt'), Buffer.from(cluster['certificate-authority-data'], 'base64'));
  await writeFile(join(saDir, 'namespace'), NS);
  const url = new URL(cluster.server);
  return { dir: saDir, host: url.hostname, port: url.port };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ontap-kms-bench-'));
  const cp = await startControlPlane({ dir: join(dir, 'cp') });
  const sims: Sim[] = [];
  let operator: ChildProcess | undefined;
  const operators: ChildProcess[] = [];
  let operatorLog: FileHandle | undefined;
  try {
    await run(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfig, 'apply', '--server-side', '-f', join(ROOT, 'crds')]);
    await run(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfig, 'wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    const api = await KubeApi.fromKubeconfig(cp.kubeconfig);
    await api.create(NamespaceType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const perCluster = Math.ceil(N / M);
    const svm = (i: number): string => `svm-${String(i % perCluster).padStart(5, '0')}`;
    process.stderr.write(`starting ${M} ontap-sims ...\n`);
    sims.push(...(await startSims(M, Array.from({ length: perCluster }, (_, i) => svm(i)))));
    const secret = (name: string, data: Record<string, string>, type = 'Opaque'): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS, labels: { app: 'unrelated', team: 'storage' }, annotations: { note: 'x'.repeat(100) } }, type, stringData: data });
    process.stderr.write(`creating ${UNRELATED} unrelated Secrets ...\n`);
    await inBatches(Array.from({ length: UNRELATED }, (_, i) => i), 32, (i) => api.create(SecretType, NS, secret(`unrelated-${i}`, { token: `t-${i}` })));
    await api.create(SecretType, NS, secret('admin', { username: 'admin', password: 'pw' }, 'kubernetes.io/basic-auth'));
    for (const [c, sim] of sims.entries()) {
      await api.create(SecretType, NS, secret(`ca-${c}`, { 'ca.crt': sim.caPem }));
      await api.create(OntapClusterType, NS, { apiVersion: 'kms.ontap.dev/v1alpha1', kind: 'OntapCluster', metadata: { name: `c${c}`, namespace: NS }, spec: { endpoint: sim.url, credentialsSecretRef: { name: 'admin' }, caBundleSecretRef: { name: `ca-${c}` } } });
    }
    process.stderr.write(`creating ${N} AWS Secrets ...\n`);
    await inBatches(Array.from({ length: N }, (_, i) => i), 32, (i) => api.create(SecretType, NS, secret(`aws-${i}`, { access_key_id: `AKIA${String(i).padStart(16, '0')}`, secret_access_key: `secret-${i}` })));

    // The operator, warm (started before the resources exist), as in a pod: a service-account
    // token and the cluster CA where a pod has them, no kubeconfig.
    const sa = await podIdentity(cp.binDir, cp.kubeconfig, dir);
    const profile = [
      ...(args['cpu-prof'] !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : []),
      ...(args['heap-snapshot'] !== undefined ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${args['heap-snapshot']}`] : []),
    ];
    operatorLog = args['operator-log'] !== undefined ? await open(args['operator-log'], 'w') : undefined;
    const nodeOptions = (args['node-options'] ?? '').split(' ').filter((o) => o !== '');
    /** launch starts one operator process with its own ports; `ready` resolves once /readyz answers 200 (its caches synced). */
    const launch = (extra: string[], profiled: boolean): Launched => {
      const [mPort, hPort] = [18_000 + Math.floor(Math.random() * 1000), 19_000 + Math.floor(Math.random() * 1000)];
      const child = spawn(process.execPath, [...nodeOptions, ...(profiled ? profile : []), join(ROOT, 'dist/main.js'), '--namespace', NS, '--allowed-ontap-endpoints', '127.0.0.0/8:*', '--metrics-bind-address', `127.0.0.1:${mPort}`, '--metrics-secure=false', '--health-probe-bind-address', `127.0.0.1:${hPort}`, '--log-level', args['operator-log'] !== undefined ? 'debug' : 'warn', ...extra], {
        stdio: ['ignore', 'ignore', operatorLog?.fd ?? 'inherit'],
        env: {
          PATH: process.env.PATH,
          KUBERNETES_SERVICE_HOST: sa.host,
          KUBERNETES_SERVICE_PORT: sa.port,
          ONTAP_KMS_SERVICEACCOUNT_DIR: sa.dir,
          ...Object.fromEntries((args['operator-env'] ?? '').split(',').filter((kv) => kv.includes('=')).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
        },
      });
      operators.push(child);
      const ready = (async () => {
        for (let i = 0; ; i++) {
          if (child.exitCode !== null) throw new Error(`operator exited (${child.exitCode}) before it was ready`);
          const ok = await fetch(`http://127.0.0.1:${hPort}/readyz`).then((r) => r.ok, () => false);
          if (ok) return Date.now();
          if (i > 6000) throw new Error('operator not ready in 300 s');
          await sleep(50);
        }
      })();
      return { child, pid: child.pid ?? 0, stats: new ProcessStats(child.pid ?? 0), metrics: `http://127.0.0.1:${mPort}/metrics`, ready };
    };
    const first = launch([], true);
    operator = first.child;
    const { pid, stats, metrics } = first;
    await first.ready;
    row('operator RSS at start (caches synced)', `${mib(await stats.rss())} (V8 heap used ${mib(await metricSum(metrics, 'nodejs_heap_size_used_bytes', ''))}; ${await rssByRegion(pid)})`);

    process.stderr.write(`creating ${N} OntapAwsKms ...\n`);
    // Readiness is followed by one watch, as a user's `kubectl wait` would: listing all N
    // every second cost the API server and etcd more CPU than the operator's own writes.
    const readiness = watchReadiness(api, (await api.list(OntapAwsKmsType, NS, { limit: 1 })).resourceVersion);
    const writesBefore = await metricSum(metrics, 'rest_client_requests_total', 'method="PATCH"');
    const peakAtStart = await stats.phase();
    const started = Date.now();
    const cpuAtApply = await stats.cpuSeconds();
    await inBatches(Array.from({ length: N }, (_, i) => i), 32, (i) =>
      api.create(OntapAwsKmsType, NS, {
        apiVersion: 'kms.ontap.dev/v1alpha1',
        kind: 'OntapAwsKms',
        metadata: { name: `kms-${i}`, namespace: NS },
        spec: { clusterRef: { name: `c${i % M}` }, svm: { name: svm(Math.floor(i / M)) }, keyId: `arn:aws:kms:us-east-1:111122223333:key/k-${i}`, region: 'us-east-1', credentialsSecretRef: { name: `aws-${i}` }, driftCheckIntervalSeconds: INTERVAL_S },
      }),
    );
    const uuids = await readiness.all(N);
    const convergeS = (Date.now() - started) / 1000;
    // The operator's CPU time to converge does not depend on what else the machine runs, as
    // the wall time does.
    row(`converge ${N} new resources (warm, 4 workers)`, `${convergeS.toFixed(1)} s (${load()}; operator CPU ${((await stats.cpuSeconds()) - cpuAtApply).toFixed(1)} s)`);
    const reconciles = await metricSum(metrics, 'controller_runtime_reconcile_total', 'controller="ontapawskms"');
    const writes = (await metricSum(metrics, 'rest_client_requests_total', 'method="PATCH"')) - writesBefore;
    // Drift checks of resources already done count too when a boundary passed meanwhile.
    const boundaries = Math.floor(Date.now() / (INTERVAL_S * 1000)) - Math.floor(started / (INTERVAL_S * 1000));
    row('reconciles per new resource', `${(reconciles / N).toFixed(2)} (${boundaries} drift-check boundaries passed meanwhile)`);
    row('Kubernetes PATCHes per new resource (finalizer + pendingWrite + status)', (writes / N).toFixed(2));

    // One drift pass: from just before a boundary to just before the next, with rotations made
    // 200 ms into it (they must not wait for the pass).
    const boundary = (t: number): number => t - (t % (INTERVAL_S * 1000)) + INTERVAL_S * 1000;
    // The request logs are cleared 5 s ahead: at 1,000 clusters that takes the bench seconds,
    // and a log cleared after the boundary would lose the first reads of the pass.
    const next = boundary(Date.now() + 10_000);
    await sleep(next - 5000 - Date.now());
    await Promise.all(sims.map((s) => s.clearRequests()));
    await sleep(next - 300 - Date.now());
    const idleRss = await stats.rss();
    const peakConverge = await stats.phase();
    const cpuBefore = await stats.cpuSeconds();
    const loadAtPass = load();
    await sleep(next + 200 - Date.now());
    const rotatedAt = new Map<string, number>();
    const rotatedClusters = new Set<number>();
    // The API server's part of each rotation: from the PATCH sent to its answer.
    const acked: number[] = [];
    // One rotation every 100 ms while the pass runs: the latency of each, not of a burst.
    for (let r = 0; r < ROTATIONS; r++) {
      // Spread over the clusters: resource i is on cluster i % M (N / ROTATIONS alone is
      // often a multiple of M, which put every rotation on one cluster, in one queue).
      const i = (Math.floor((r * N) / ROTATIONS) + r) % N;
      const sentAt = Date.now();
      rotatedAt.set(uuids.get(`kms-${i}`) ?? '', sentAt);
      rotatedClusters.add(i % M);
      await api.mergePatch(SecretType, NS, `aws-${i}`, { stringData: { access_key_id: `AKIAROTATED${String(i).padStart(9, '0')}` } });
      acked.push(Date.now() - sentAt);
      await sleep(100);
    }
    await sleep(next + INTERVAL_S * 1000 - 300 - Date.now());
    const cpuPass = (await stats.cpuSeconds()) - cpuBefore;
    const peakPass = await stats.phase();
    const latencies: number[] = [];
    const order = [...rotatedAt.keys()];
    const inOrder = new Map<string, number>();
    let gets = 0;
    // A rotation reads its cluster afresh (a change is checked against ONTAP as it is now), so
    // the drift pass alone is what the clusters without a rotation show.
    let quietGets = 0;
    /** probes counts the OntapClusters' probes (GET /api/cluster) in the interval: one per cluster per probe interval (300 s) at most. */
    let probes = 0;
    /** twice shows a few clusters without a rotation read more than once: when (from the boundary) and what. */
    const twice: string[] = [];
    for (const [c, s] of sims.entries()) {
      // The logs are read after the interval, over seconds at 1,000 clusters: the next pass's
      // reads (at +60 s) landed in the later ones and counted as a second read of the cluster.
      const log = (await s.requests()).filter((r) => Date.parse(r.time) >= next && Date.parse(r.time) < next + INTERVAL_S * 1000);
      const reads = log.filter((r) => r.method === 'GET' && r.path === '/api/security/aws-kms');
      if (reads.length > 1 && !rotatedClusters.has(c) && twice.length < 3) {
        twice.push(`c${c}: ${reads.map((r) => `${Date.parse(r.time) - next} ms ${r.query.slice(0, 80)} -> ${r.status}`).join('; ')}`);
      }
      probes += log.filter((r) => r.method === 'GET' && r.path === '/api/cluster').length;
      quietGets += rotatedClusters.has(c) ? 0 : reads.length;
      gets += reads.length;
      for (const r of log) {
        const uuid = r.path.split('/').pop() ?? '';
        const at = rotatedAt.get(uuid);
        if (r.method === 'PATCH' && at !== undefined) {
          latencies.push(Date.parse(r.time) - at);
          inOrder.set(uuid, Date.parse(r.time) - at);
          rotatedAt.delete(uuid);
        }
      }
    }
    latencies.sort((a, b) => a - b);
    acked.sort((a, b) => a - b);
    const pct = (q: number, of = latencies): number => of[Math.min(of.length - 1, Math.floor(q * of.length))] ?? NaN;
    row('RSS idle / peak', `${mib(idleRss)} / ${mib(stats.peakRss)} (peak while listing ${mib(peakAtStart)}, converging ${mib(peakConverge)}, in the pass ${mib(peakPass)})`);
    const heap = await metricSum(metrics, 'nodejs_heap_size_used_bytes', '');
    const heapTotal = await metricSum(metrics, 'nodejs_heap_size_total_bytes', '');
    const external = await metricSum(metrics, 'nodejs_external_memory_bytes', '');
    row('V8 heap used / committed / external, after the pass', `${mib(heap)} / ${mib(heapTotal)} / ${mib(external)}`);
    row('where the RSS is (smaps)', await rssByRegion(pid));
    row('operator CPU per drift pass', `${cpuPass.toFixed(1)} s, ${((cpuPass * 1000) / N).toFixed(2)} ms per resource (${loadAtPass})`);
    row('Secret rotation -> ONTAP PATCH during a pass, p50 / p99', `${pct(0.5)} / ${pct(0.99)} ms (${latencies.length}/${ROTATIONS} seen, in the order made: ${order.map((u) => inOrder.get(u) ?? '-').join(' ')}; the API server's answer to the Secret PATCH took p50 ${pct(0.5, acked)} / p99 ${pct(0.99, acked)} ms of them; ${load()})`);
    row('cluster probes per cluster in the interval', `${(probes / M).toFixed(2)} (one per probe interval of 300 s is ${(INTERVAL_S / 300).toFixed(2)})`);
    for (const t of twice) process.stderr.write(`  read more than once in the pass: ${t}\n`);
    row('aws-kms GETs per cluster per interval', `${(gets / M).toFixed(2)}, ${(quietGets / Math.max(1, M - rotatedClusters.size)).toFixed(2)} on the ${M - rotatedClusters.size} clusters without a rotation (a per-resource poller: ${(N / M).toFixed(0)}, ${(N / Math.max(gets, 1)).toFixed(0)}x more)`);
    if (args['heap-snapshot'] !== undefined) {
      operator.kill('SIGUSR2');
      await sleep(20_000);
    }
    stats.stop();

    /** rotate changes resource i's Secret and returns when the API server took it. */
    let rotation = 0;
    const rotate = async (i: number): Promise<number> => {
      await api.mergePatch(SecretType, NS, `aws-${i}`, { stringData: { access_key_id: `AKIAPHASE${String(++rotation).padStart(4, '0')}${String(i).padStart(7, '0')}` } });
      return Date.now();
    };
    /** patchedAt waits for the PATCH of resource i's record on its cluster's sim and returns when it came. */
    const patchedAt = async (i: number, timeoutMs = 120_000): Promise<number> => {
      const uuid = uuids.get(`kms-${i}`) ?? '';
      for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(100)) {
        const patch = (await (sims[i % M] as Sim).requests()).find((r) => r.method === 'PATCH' && r.path.endsWith(uuid));
        if (patch) return Date.parse(patch.time);
      }
      return NaN;
    };
    /** reconciled is an operator's reconciles of OntapAwsKms so far, whatever their result. */
    const reconciled = (l: Launched): Promise<number> => metricSum(l.metrics, 'controller_runtime_reconcile_total', 'controller="ontapawskms"').catch(() => 0);
    /** allChecked waits until `l` reconciled at least n OntapAwsKms and returns when. */
    const allChecked = async (l: Launched, n: number): Promise<number> => {
      while ((await reconciled(l)) < n) await sleep(250);
      return Date.now();
    };
    /** ontapWrites counts the writes every sim took since its log was cleared. */
    const ontapWrites = async (): Promise<number> => {
      let n = 0;
      for (const sim of sims) n += (await sim.requests()).filter((r) => r.method !== 'GET' && r.path.startsWith('/api/')).length;
      return n;
    };
    const stopOperator = async (l: { child: ChildProcess }): Promise<void> => {
      if (l.child.exitCode !== null || l.child.signalCode !== null) return;
      const exited = new Promise((r) => l.child.once('exit', r));
      l.child.kill('SIGTERM');
      await exited;
    };
    // Resources on two clusters apart from the rotations above: i and i + 1 are on clusters i % M and (i + 1) % M.
    const pick = (k: number): number => (Math.floor(N / 2) + k * 7) % N;
    let current: Launched = first;

    if (args['cold-start']) {
      process.stderr.write('cold start: stopping the operator, rotating one Secret, starting a new one ...\n');
      await stopOperator(current);
      await Promise.all(sims.map((s) => s.clearRequests()));
      const [down, during] = [pick(0), pick(1)];
      await rotate(down);
      const loadAtStart = load();
      const startedAt = Date.now();
      const cold = launch([], false);
      current = cold;
      const syncedAt = await cold.ready;
      const duringAt = await rotate(during);
      const [downPatched, duringPatched] = await Promise.all([patchedAt(down), patchedAt(during)]);
      const checkedAt = await allChecked(cold, N);
      const writes = (await ontapWrites()) - 2;
      const cpu = await cold.stats.cpuSeconds();
      row('cold start: caches synced (every resource and Secret listed)', `${((syncedAt - startedAt) / 1000).toFixed(1)} s after the process started (${loadAtStart})`);
      row('cold start: every resource checked, ONTAP writes besides the 2 rotations', `${((checkedAt - startedAt) / 1000).toFixed(1)} s after the start, ${writes} writes (operator CPU ${cpu.toFixed(1)} s, RSS peak ${mib(cold.stats.peakRss)}; ${load()})`);
      row('cold start: Secret rotated while down -> PATCH, after the caches synced', `${downPatched - syncedAt} ms`);
      row('cold start: Secret rotated as the caches synced -> PATCH', `${duringPatched - duringAt} ms (${load()})`);
      cold.stats.stop();
    }

    if (args.failover) {
      process.stderr.write('failover: two replicas with --leader-elect ...\n');
      await stopOperator(current);
      const leader = launch(['--leader-elect', '--leader-election-namespace', NS], false);
      await leader.ready;
      while ((await metricSum(leader.metrics, 'leader_election_master_status').catch(() => 0)) < 1) await sleep(100);
      const standby = launch(['--leader-elect', '--leader-election-namespace', NS], false);
      await standby.ready;
      await allChecked(leader, N);
      await Promise.all(sims.map((s) => s.clearRequests()));
      const changed = pick(2);
      const loadAtKill = load();
      const killedAt = Date.now();
      leader.child.kill('SIGKILL');
      const changedAt = await rotate(changed);
      const patched = await patchedAt(changed);
      const leadingAt = Date.now();
      while ((await metricSum(standby.metrics, 'leader_election_master_status').catch(() => 0)) < 1) await sleep(100);
      await allChecked(standby, N);
      const patches = (await (sims[changed % M] as Sim).requests()).filter((r) => r.method === 'PATCH' && r.path.endsWith(uuids.get(`kms-${changed}`) ?? '')).length;
      const writes = await ontapWrites();
      row('failover: leader killed, Secret rotated at once -> standby PATCH', `${((patched - killedAt) / 1000).toFixed(1)} s after the kill (the rotation ${changedAt - killedAt} ms after it; lease 15 s; ${loadAtKill})`);
      row('failover: the new leader checked every resource; PATCHes of the rotated one / ONTAP writes in all', `${patches} / ${writes} (leading by ${((leadingAt - killedAt) / 1000).toFixed(1)} s at the latest; ${load()})`);
      leader.stats.stop();
      standby.stats.stop();
    }
  } finally {
    await Promise.all(
      operators.map((o) => {
        if (o.exitCode !== null || o.signalCode !== null) return Promise.resolve();
        const exited = new Promise((r) => o.once('exit', r));
        o.kill('SIGTERM');
        return exited;
      }),
    );
    await operatorLog?.close();
    for (const s of sims) await s.close();
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map(([w]) => w.length));
  process.stdout.write(`\nscale benchmark: ${N} OntapAwsKms, ${M} clusters, ${UNRELATED} unrelated Secrets, drift interval ${INTERVAL_S} s, sims ${args.sims === 'inline' ? 'in the bench process' : 'as processes'}${args['node-options'] ? `, node ${args['node-options']}` : ''}\n`);
  for (const [what, value] of rows) process.stdout.write(`| ${what.padEnd(width)} | ${value} |\n`);
}

await main();
