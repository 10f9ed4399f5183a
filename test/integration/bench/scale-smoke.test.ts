import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * The scale benchmark at 200 resources, as a smoke: it must run end to end and report every
 * figure. It reports, it does not time-assert (the full runs are `make bench-scale`).
 */
describe('scale benchmark smoke (200 resources on 2 clusters)', function () {
  this.timeout(240_000);
  it('runs and prints every figure of the table', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/scale.ts', '--resources', '200', '--clusters', '2', '--interval', '20', '--rotations', '10'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    console.log(stdout.split('\n').map((l) => `      ${l}`).join('\n'));
    for (const figure of ['converge 200 new resources', 'reconciles per new resource', 'Kubernetes PATCHes per new resource', 'RSS idle / peak', 'operator CPU per drift pass', 'Secret rotation -> ONTAP PATCH', 'aws-kms GETs per cluster per interval']) {
      expect(stdout, figure).to.include(figure);
    }
    expect(stdout).to.match(/\(10\/10 seen/);
  });
});

/**
 * The many-cluster shape (`make bench-scale ARGS="--clusters 1000 ..."`) at 100 clusters, with a
 * cold start and a failover: the simulators run in fleet processes, and the operator restarted
 * or replaced by its standby must check every resource without a write, apply the changes made
 * meanwhile once each, and report every figure. Timings are reported, not asserted.
 */
describe('scale benchmark smoke (200 resources on 100 clusters, cold start and failover)', function () {
  this.timeout(480_000);
  it('runs, writes nothing to ONTAP on a restart, and writes a change once across a failover', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/scale.ts', '--resources', '200', '--clusters', '100', '--interval', '20', '--rotations', '10', '--cold-start', '--failover'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    console.log(stdout.split('\n').map((l) => `      ${l}`).join('\n'));
    expect(stdout).to.include('200 OntapAwsKms, 100 clusters');
    expect(stdout).to.match(/aws-kms GETs per cluster per interval\s+\| [0-9.]+, [0-9.]+ on the \d+ clusters without a rotation/);
    expect(stdout).to.include('cluster probes per cluster in the interval');
    expect(stdout, 'no ONTAP write when a restarted operator checks every resource').to.match(/ONTAP writes besides the 2 rotations\s+\| [0-9.]+ s after the start, 0 writes/);
    expect(stdout, 'a Secret rotated while the operator was down reaches ONTAP').to.match(/rotated while down -> PATCH, after the caches synced\s+\| -?\d+ ms/);
    expect(stdout, 'a Secret rotated as the caches synced reaches ONTAP').to.match(/rotated as the caches synced -> PATCH\s+\| \d+ ms/);
    expect(stdout, 'the standby applies the change once, and writes nothing else').to.match(/PATCHes of the rotated one \/ ONTAP writes in all\s+\| 1 \/ 1 /);
  });
});
