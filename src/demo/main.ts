/**
 * `make demo`: the operator end to end on this machine, narrated. It starts a local control
 * plane (etcd, kube-apiserver, kube-controller-manager) and ontap-sim, installs the CRDs, applies the examples adapted to
 * the simulator, runs the operator in-process and shows it create, report, correct drift and
 * apply a rotated Secret. Then it waits for Ctrl-C (or, with --exit or DEMO_EXIT=1, finishes)
 * and stops everything it started, exiting 0 either way (see readCtrlC for why under make).
 *
 *   npx tsx src/demo/main.ts [--exit] [--keep]
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseConfig } from '../config.js';
import { startOperator, type Operator } from '../operator.js';
import { createLogger } from '../runtime/logger.js';
import { startSimulator, type SimulatorHandle } from '../simulator/index.js';
import { startControlPlane, type ControlPlane } from '../testenv/index.js';
import { Kubectl } from './kubectl.js';
import { Narrator } from './narrator.js';
import { applyExamples, showCreated, showDrift, showReady, showRotation, type Stage } from './story.js';

const CRDS = fileURLToPath(new URL('../../crds/', import.meta.url));
const SIM_USER = 'admin';

/** Running holds what the demo started, so that every exit path can stop it. */
interface Running {
  cp?: ControlPlane;
  sim?: SimulatorHandle;
  operator?: Operator;
  log?: WriteStream;
}

async function stopAll(r: Running, say: Narrator): Promise<void> {
  const { operator, sim, cp, log } = r;
  const steps: Array<[string, (() => Promise<void>) | undefined]> = [
    ['operator', operator && (() => operator.stop())],
    ['ontap-sim', sim && (() => sim.close())],
    ['control plane', cp && (() => cp.stop())],
    ['operator log', log && (() => new Promise<void>((done) => log.end(() => done())))],
  ];
  for (const [name, stop] of steps) {
    if (stop === undefined) continue;
    try {
      await stop();
    } catch (err) {
      say.say(`stopping ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  delete r.operator;
  delete r.sim;
  delete r.cp;
  delete r.log;
}

/**
 * readCtrlC makes Ctrl-C on a terminal the demo's own key. Under `make demo` the SIGINT a terminal
 * sends on Ctrl-C reaches make as well, and make then reports "Interrupt" and exits 130 however
 * cleanly the demo stopped. In raw mode the terminal sends no signal: the demo reads the key,
 * stops everything and exits 0, and so does make. A second Ctrl-C exits at once (130). Off a
 * terminal (CI, a pipe) nothing changes: SIGINT and SIGTERM stop the demo as before. Returns the
 * function that gives the terminal back.
 */
function readCtrlC(onCtrlC: () => void): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => undefined;
  let presses = 0;
  const onData = (chunk: Buffer): void => {
    if (!chunk.includes(0x03)) return;
    presses += 1;
    if (presses > 1) {
      stdin.setRawMode(false);
      process.exit(130);
    }
    process.stdout.write('^C\n');
    onCtrlC();
  };
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    stdin.setRawMode(false);
    stdin.pause();
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { exit: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`usage: npx tsx src/demo/main.ts [--exit] [--keep]\n  --exit  finish after the last step instead of waiting for Ctrl-C (also DEMO_EXIT=1)\n  --keep  keep the temporary directory (logs) even on success\n`);
    return 0;
  }
  const exitWhenDone = values.exit || process.env.DEMO_EXIT === '1';
  const say = new Narrator();
  const running: Running = {};
  const abort = new AbortController();
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const releaseTerminal = readCtrlC(onSignal);
  // Last resort if the process dies some other way: the control plane is detached and would stay.
  process.once('exit', () => running.cp?.kill());

  const dir = await mkdtemp(join(tmpdir(), 'ontap-kms-demo-'));
  let ok = false;
  try {
    say.title('Starting a local control plane: etcd, kube-apiserver and kube-controller-manager on 127.0.0.1');
    say.say(`working directory ${dir}`);
    running.cp = await startControlPlane({ dir: join(dir, 'controlplane') });
    say.say(`API server ${running.cp.server}; admin kubeconfig ${running.cp.kubeconfig}`);
    const kubectl = new Kubectl(running.cp.kubeconfig);

    say.title('Starting ontap-sim, a simulated ONTAP cluster (SVMs svm1 and svm2, 2 nodes)');
    const password = `demo-${Math.random().toString(36).slice(2, 10)}`;
    running.sim = await startSimulator({ svms: ['svm1', 'svm2'], username: SIM_USER, password, caFile: join(dir, 'sim-ca.crt') });
    say.say(`ONTAP REST API at ${running.sim.url} (CA ${running.sim.caFile}; user ${SIM_USER})`);

    say.title('Installing the CRDs from crds/');
    await kubectl.run(['apply', '--server-side', '-f', CRDS]);
    await kubectl.run(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    say.block(await kubectl.run(['get', 'crds', '-o', 'custom-columns=CRD:.metadata.name,SHORT:.spec.names.shortNames']));

    const stage: Stage = {
      say,
      kubectl,
      ontap: { baseUrl: running.sim.url, caPem: running.sim.caPem, auth: { username: SIM_USER, password } },
      control: { baseUrl: running.sim.url, caPem: running.sim.caPem },
      target: { url: running.sim.url, caPem: running.sim.caPem, username: SIM_USER, password, driftCheckIntervalSeconds: 10 },
      logFile: join(dir, 'operator.log'),
      signal: abort.signal,
    };
    await applyExamples(stage);

    say.title('Starting the operator in this process');
    // The simulator listens on loopback at a random port; with no allow-list the operator would contact no endpoint at all.
    const config = parseConfig([
      '--kubeconfig', running.cp.kubeconfig, '--allowed-ontap-endpoints', '127.0.0.0/8:*',
      '--metrics-bind-address', '127.0.0.1:0', '--metrics-secure=false', '--health-probe-bind-address', '127.0.0.1:0', '--log-level', 'warn',
    ]);
    if (config === 'help') throw new Error('unexpected --help');
    running.log = createWriteStream(stage.logFile, { flags: 'a' });
    running.operator = await startOperator(config, { logger: createLogger({ level: 'info', format: 'json', stream: running.log }) });
    say.say(`metrics ${running.operator.metricsUrl ?? '-'}/metrics, health ${running.operator.healthUrl ?? '-'}/readyz; log ${stage.logFile}`);

    const uuid = await showCreated(stage);
    await showReady(stage);
    await showDrift(stage, uuid);
    await showRotation(stage);

    say.title(exitWhenDone ? 'demo complete' : 'demo complete; Ctrl-C to exit');
    if (!exitWhenDone) {
      say.say(`meanwhile, look around: kubectl --kubeconfig ${running.cp.kubeconfig} describe awskms -n storage`);
      say.say(`                        curl --cacert ${running.sim.caFile} ${running.sim.url}/_sim/requests`);
    }
    ok = true;
    if (!exitWhenDone && !interrupted) {
      await new Promise<void>((resolve) => {
        if (abort.signal.aborted) resolve();
        else abort.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  } catch (err) {
    if (interrupted) {
      say.say('interrupted');
    } else {
      say.say(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  } finally {
    say.say('stopping the operator, ontap-sim and the control plane ...');
    await stopAll(running, say);
    if (ok && !values.keep) await rm(dir, { recursive: true, force: true });
    else say.say(`logs kept in ${dir}`);
    say.say('stopped; nothing left running');
    releaseTerminal();
  }
  return ok || interrupted ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
