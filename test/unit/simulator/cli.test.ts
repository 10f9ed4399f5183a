import { expect } from 'chai';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCliArgs, parseListen } from '../../../src/simulator/cli-args.js';
import { simRequest, spawnSim, type SpawnedSim } from '../../support/sim.js';

describe('ontap-sim CLI', () => {
  let sim: SpawnedSim | undefined;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ontap-sim-cli-test-'));
  });
  after(async () => {
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one JSON ready line with url and caFile, serves the options given, and exits 0 on SIGTERM', async () => {
    const caFile = join(dir, 'ca.pem');
    sim = await spawnSim(['--listen', '127.0.0.1:0', '--svm', 'a', '--svm', 'b', '--username', 'u', '--password', 'p', '--nodes', '3', '--ca-file', caFile]);
    expect(sim.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.caFile).to.equal(caFile);
    const caPem = await readFile(caFile, 'utf8');
    expect(caPem).to.include('BEGIN CERTIFICATE');
    const target = { url: sim.url, caPem };
    const svms = await simRequest(target, 'GET', '/api/svm/svms', { auth: { username: 'u', password: 'p' } });
    expect((svms.json['records'] as Array<Record<string, unknown>>).map((r) => r['name'])).to.deep.equal(['a', 'b']);
    expect((await simRequest(target, 'GET', '/api/cluster')).status).to.equal(401);
    expect(await sim.stop()).to.equal(0);
  });

  it('parses --listen HOST:PORT', () => {
    expect(parseListen('127.0.0.1:8443')).to.deep.equal({ host: '127.0.0.1', port: 8443 });
    expect(parseListen('[::1]:0')).to.deep.equal({ host: '::1', port: 0 });
    expect(() => parseListen('nope')).to.throw(/HOST:PORT/);
  });

  it('applies the documented defaults and refuses bad values', async () => {
    const config = await parseCliArgs([]);
    expect(config.options).to.include({ host: '127.0.0.1', port: 0, username: 'admin', password: 'netapp1!', nodes: 2 });
    expect(config.options.svms).to.deep.equal(['svm1']);
    let err: unknown;
    try {
      await parseCliArgs(['--nodes', '0']);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(Error);
  });
});
