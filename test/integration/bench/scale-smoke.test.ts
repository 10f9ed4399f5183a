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
