/**
 * `make demo` as a user runs it: every step narrated, no secret on the terminal, exit 0, and
 * nothing left running afterwards (no etcd, kube-apiserver or simulator), whether it finishes by
 * itself (--exit) or is stopped with Ctrl-C while it waits.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { REPO } from './install.js';

interface DemoRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * runDemo runs `command` (the demo) in its own process group; `interruptOn` sends SIGINT to the
 * group once stdout matches it.
 */
function runDemo(command: readonly string[], interruptOn?: RegExp): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const [bin = 'npx', ...args] = command;
    const child = spawn(bin, args, { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      if (interruptOn !== undefined && !interrupted && interruptOn.test(stdout) && child.pid !== undefined) {
        interrupted = true;
        // What a terminal does on Ctrl-C: SIGINT to the whole foreground process group.
        process.kill(-child.pid, 'SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** processesMentioning lists the live processes whose command line contains `text`. */
function processesMentioning(text: string): string[] {
  const hits: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(text)) hits.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return hits;
}

function workDir(stdout: string): string {
  const dir = /working directory (\S+)/.exec(stdout)?.[1];
  if (dir === undefined) throw new Error(`the demo did not name its working directory:\n${stdout}`);
  return dir;
}

async function expectNothingLeft(dir: string): Promise<void> {
  // The servers are gone before the demo exits; a short grace covers /proc catching up.
  let left = processesMentioning(dir);
  for (let i = 0; i < 20 && left.length > 0; i++) {
    await sleep(100);
    left = processesMentioning(dir);
  }
  expect(left, 'processes left behind').to.deep.equal([]);
  expect(existsSync(dir), `${dir} removed`).to.equal(false);
}

describe('make demo', function () {
  this.timeout(240_000);

  it('narrates every step, never prints a secret, exits 0 with --exit and leaves nothing running', async function () {
    const run = await runDemo(['npx', 'tsx', 'src/demo/main.ts', '--exit']);
    expect(run.code, `exit code; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).to.equal(0);
    const out = run.stdout;
    const steps: Array<[string, RegExp]> = [
      ['control plane started', /\[1\] Starting a local control plane[\s\S]*API server https:\/\/127\.0\.0\.1:\d+/],
      ['simulator started', /ONTAP REST API at https:\/\/127\.0\.0\.1:\d+/],
      ['CRDs installed', /ontapawskmses\.kms\.ontap\.dev/],
      ['examples applied', /applied ontap-aws-kms\.yaml: .*ontapawskms\/svm1-kms/],
      ['record created (POST in the request log)', /POST \/api\/security\/aws-kms -> 201/],
      ['record shown with its fields', /"svm": \{\s*\|\s*"name": "svm1"[\s\S]*"key_id": "arn:aws:kms:/],
      ['kubectl get ontapcl', /kubectl get ontapcl -n storage\s*\n\s*\| NAME\s+ENDPOINT[\s\S]*\| prod-a\s+https:\S+\s+\S+\s+True/],
      ['kubectl get ontapawskms', /kubectl get ontapawskms -n storage\s*\n\s*\| NAME\s+CLUSTER[\s\S]*\| svm1-kms\s+prod-a\s+svm1\s+us-east-1\s+True\s+Available\s+True/],
      ['drift made', /PATCH \/api\/security\/aws-kms\/\S+ \{"polling_period": 5\} -> 200/],
      ['drift corrected', /corrected by the operator[\s\S]*PATCH \/api\/security\/aws-kms\/\S+ -> 200\s*\n\s*\| \{\s*\n\s*\|\s+"polling_period": 60/],
      ['rotation applied', /applied on ONTAP/],
      ['appliedSecrets', /\{"keys":\["access_key_id","secret_access_key"\],"name":"svm1-aws","resourceVersion":"\d+"\}/],
      ['done', /demo complete/],
      ['stopped', /stopped; nothing left running/],
    ];
    const missing = steps.filter(([, re]) => !re.test(out)).map(([name]) => name);
    expect(missing, `steps missing from the narration:\n${out}`).to.deep.equal([]);

    // The rotated key reaches ONTAP: the fingerprint announced is the one in the logged PATCH.
    const fp = /new secret_access_key fingerprint (sha256:[0-9a-f]{12})/.exec(out)?.[1];
    expect(fp, 'fingerprint announced').to.be.a('string');
    expect(out).to.contain(`"secret_access_key": "${fp ?? '?'}"`);
    // The rotated Secret's resourceVersion is the one status.appliedSecrets reports.
    const rv = /updated svm1-aws \(resourceVersion (\d+)\)/.exec(out)?.[1];
    expect(out).to.contain(`"name":"svm1-aws","resourceVersion":"${rv ?? '?'}"}`);

    // The examples' secret values, and the simulator's password, never reach the terminal.
    for (const secret of ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AKIAIOSFODNN7EXAMPLE', 'proxy-pass-example', 'netapp1!']) {
      expect(out + run.stderr, 'a secret on the terminal').to.not.contain(secret);
    }
    expect(out, 'the simulator password').to.not.match(/\bdemo-[a-z0-9]{8}\b/);

    await expectNothingLeft(workDir(out));
  });

  it('stops everything and exits 0 on Ctrl-C while it waits', async function () {
    // node itself rather than npx, whose own exit on SIGINT would hide the demo's exit status.
    const run = await runDemo([process.execPath, '--import', 'tsx', 'src/demo/main.ts'], /Ctrl-C to exit/);
    expect(run.code, `exit code; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).to.equal(0);
    expect(run.stdout).to.contain('stopped; nothing left running');
    await expectNothingLeft(workDir(run.stdout));
  });
});
