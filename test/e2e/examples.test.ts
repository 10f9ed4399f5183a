/**
 * Every file in examples/, applied as docs/ontap-sim.md says: ontap-sim started with the
 * documented command (its SVMs), the operator with the documented flags, then the documented
 * block (the namespace commands, the examples with the endpoint changed, the ONTAP login and CA
 * Secrets, `kubectl wait`) run by bash as written. Every OntapCluster, ClusterOntapCluster and
 * key-manager resource the examples hold must end Ready. An example that names an SVM the
 * documented simulator does not create fails here, first by name, then by never being Ready.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parseConfig, type Config } from '../../src/config.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { CONTROL_PLANE_TIMEOUT_MS, getControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { loadExamples } from '../support/examples.js';
import { capturingLogger } from '../support/log-capture.js';
import { spawnSim, type SpawnedSim } from '../support/sim.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SIM_DOC = readFileSync(join(REPO, 'docs/ontap-sim.md'), 'utf8');

/** words splits one documented command line as a shell would here: on blanks, quotes taken off. */
function words(line: string): string[] {
  return (line.match(/'[^']*'|"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^(['"])(.*)\1$/, '$2'));
}

/** documentedArgs returns the arguments of the first line of docs/ontap-sim.md that starts with `prefix`. */
function documentedArgs(prefix: string): string[] {
  const line = SIM_DOC.split('\n').find((l) => l.startsWith(`${prefix} `));
  if (line === undefined) throw new Error(`docs/ontap-sim.md: no line starting with "${prefix}"`);
  return words(line.slice(prefix.length));
}

/** documentedBlock returns the shell block between `<!-- sim-examples:begin -->` and its end marker. */
function documentedBlock(): string {
  const m = /<!-- sim-examples:begin -->\s*```sh\n([\s\S]*?)```\s*<!-- sim-examples:end -->/.exec(SIM_DOC);
  if (m?.[1] === undefined) throw new Error('docs/ontap-sim.md: no sim-examples block');
  return m[1];
}

/** The kinds whose objects must end Ready, and how kubectl names them. */
const READY_KINDS: Record<string, string> = {
  OntapCluster: 'ontapclusters.kms.ontap.dev',
  ClusterOntapCluster: 'clusterontapclusters.kms.ontap.dev',
  OntapAwsKms: 'ontapawskmses.kms.ontap.dev',
  OntapAzureKeyVault: 'ontapazurekeyvaults.kms.ontap.dev',
  OntapGcpKms: 'ontapgcpkmses.kms.ontap.dev',
  OntapKmip: 'ontapkmips.kms.ontap.dev',
  OntapOnboardKeyManager: 'ontaponboardkeymanagers.kms.ontap.dev',
};

interface Conditioned {
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

describe('e2e: examples/ against ontap-sim as docs/ontap-sim.md starts it', function () {
  this.timeout(300_000);
  const examples = loadExamples(join(REPO, 'examples'));
  const objects = examples.filter((e) => Object.hasOwn(READY_KINDS, e.kind));
  let cp: TestControlPlane;
  let sim: SpawnedSim | undefined;
  let operator: Operator | undefined;
  let simSvms: string[] = [];

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    cp = await getControlPlane();
    // The documented command, but its CA file in a directory of this run's own.
    const dir = await mkdtemp(join(tmpdir(), 'examples-e2e-'));
    const simArgs = documentedArgs('npx tsx src/simulator/cli.ts').map((a, i, all) => (all[i - 1] === '--ca-file' ? join(dir, 'sim-ca.pem') : a));
    sim = await spawnSim(simArgs);
    simSvms = (sim.ready['svms'] as string[] | undefined) ?? [];
    // The documented flags; the bind addresses and the watched namespaces keep it apart from the other tests of the run.
    const config = parseConfig([
      ...documentedArgs('npx tsx src/main.ts'),
      '--kubeconfig', cp.kubeconfig,
      '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0',
      ...[...new Set(objects.map((o) => (o.doc.metadata as { namespace?: string }).namespace).filter((n): n is string => n !== undefined))].flatMap((ns) => ['--namespace', ns]),
    ]) as Config;
    operator = await startOperator(config, { logger: capturingLogger().child({ test: 'examples' }) });
  });

  after(async () => {
    // Remove what the examples made while the operator still runs (Retain: ONTAP keeps the
    // records, the finalizers go); the namespaces stay, for later tests that apply them again.
    for (const o of objects.filter((x) => x.kind !== 'OntapCluster' && x.kind !== 'ClusterOntapCluster').concat(objects.filter((x) => x.kind === 'OntapCluster' || x.kind === 'ClusterOntapCluster'))) {
      const ns = (o.doc.metadata as { namespace?: string }).namespace;
      await cp?.kubectl(['delete', READY_KINDS[o.kind]!, o.name, ...(ns ? ['-n', ns] : []), '--ignore-not-found', '--timeout=30s']).catch(() => undefined);
    }
    await operator?.stop();
    await sim?.stop();
  });

  it('the documented simulator has every SVM an example names, one key manager each', () => {
    const named = objects.map((o) => ({ o, svm: (o.doc.spec as { svm?: { name?: string } } | undefined)?.svm?.name })).filter((x) => x.svm !== undefined);
    expect(named.map((x) => x.o.kind), 'examples name SVMs').to.include.members(['OntapAwsKms', 'OntapAzureKeyVault', 'OntapGcpKms']);
    const missing = named.filter((x) => !simSvms.includes(x.svm!)).map((x) => `${x.o.file}: ${x.o.kind}/${x.o.name} names ${x.svm}`);
    expect(missing, `docs/ontap-sim.md starts the simulator with ${simSvms.join(', ')}`).to.deep.equal([]);
    const svms = named.map((x) => x.svm);
    expect(svms.filter((s, i) => svms.indexOf(s) !== i), 'two examples on one SVM (ONTAP holds one key manager per SVM)').to.deep.equal([]);
  });

  it('the documented commands apply every example, and every cluster and key manager in them becomes Ready', async () => {
    const script = documentedBlock();
    expect(script, 'the block creates the examples\' namespace').to.contain('kubectl create namespace storage');
    try {
      await run('bash', ['-euo', 'pipefail', '-c', script], {
        cwd: REPO,
        env: { ...process.env, PATH: `${cp.binDir}:${process.env.PATH ?? ''}`, KUBECONFIG: cp.kubeconfig, SIM: sim!.url, CA: sim!.caFile },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 240_000,
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message?: string };
      const states = await describeStates();
      throw new Error(`the documented block failed: ${e.message ?? ''}\nstdout: ${e.stdout ?? ''}\nstderr: ${e.stderr ?? ''}\n${states}`, { cause: err });
    }
    const notReady = (await states()).filter((s) => s.ready !== 'True');
    expect(notReady.map((s) => `${s.what}: Ready=${s.ready} ${s.why}`)).to.deep.equal([]);
    expect(objects.map((o) => o.kind), 'examples of every kind').to.include.members(Object.keys(READY_KINDS));
  });

  /** states reads each example object's Ready condition, and Synced's reason and message when it is not True. */
  async function states(): Promise<Array<{ what: string; ready: string; why: string }>> {
    return Promise.all(
      objects.map(async (o) => {
        const ns = (o.doc.metadata as { namespace?: string }).namespace;
        const what = `${o.file}: ${o.kind}/${ns ? `${ns}/` : ''}${o.name}`;
        try {
          const got = JSON.parse(await cp.kubectl(['get', READY_KINDS[o.kind]!, o.name, ...(ns ? ['-n', ns] : []), '-o', 'json'])) as Conditioned;
          const conds = got.status?.conditions ?? [];
          const ready = conds.find((c) => c.type === 'Ready');
          const why = conds.filter((c) => c.status !== 'True').map((c) => `${c.type}=${c.status}/${c.reason ?? ''}: ${c.message ?? ''}`).join('; ');
          return { what, ready: ready?.status ?? 'absent', why };
        } catch (err) {
          return { what, ready: 'not found', why: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
  }

  async function describeStates(): Promise<string> {
    return (await states()).map((s) => `${s.what}: Ready=${s.ready} ${s.why}`).join('\n');
  }
});
