/**
 * ontap-sim checked by a client no one here wrote: NetApp's netapp-ontap (PyPI) creates,
 * hydrates, lists, patches and deletes an AWS KMS configuration, with writes answered at once
 * and with 202 and a job. Its post(hydrate=True) follows the 202's Location query to find the
 * new record, which ONTAP sends and ontap-sim long did not.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { lastLineOf } from '../../support/image.js';
import { SIM_PASSWORD, SIM_USER, startTestSim } from '../../support/sim.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./netapp_ontap_client.py', import.meta.url));

interface Seen {
  created: { uuid: string; svm: string; region: string };
  listed: string[];
  polling_period: number;
  after_delete: string[];
}

describe('ontap-sim with NetApp\'s Python client (netapp-ontap)', function () {
  this.timeout(120_000);
  let python: string;
  let sim: SimulatorHandle;

  before(async function () {
    // tools/python/setup.sh makes (or reuses) a cached venv with the pinned netapp-ontap.
    this.timeout(10 * 60_000);
    python = process.env['ONTAP_KMS_PYTHON'] ?? (await lastLineOf('tools/python/setup.sh'));
    sim = await startTestSim({ svms: ['svm1'], jobRetentionMs: 60_000 });
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  async function drive(): Promise<Seen> {
    const { stdout } = await run(python, [SCRIPT], {
      env: { ...process.env, SIM_HOST: new URL(sim.url).hostname, SIM_PORT: new URL(sim.url).port, SIM_USER, SIM_PASSWORD, SVM: 'svm1', REQUESTS_CA_BUNDLE: sim.caFile },
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Seen;
  }

  function expectRoundTrip(seen: Seen): void {
    expect(seen.created.uuid).to.match(/^[0-9a-f-]{36}$/);
    expect(seen.created).to.deep.include({ svm: 'svm1', region: 'us-east-1' });
    expect(seen.listed).to.deep.equal([seen.created.uuid]);
    expect(seen.polling_period).to.equal(15);
    expect(seen.after_delete).to.deep.equal([]);
  }

  it('creates with post(hydrate=True), patches and deletes, writes answered at once', async function () {
    const seen = await drive();
    expectRoundTrip(seen);
    const post = sim.control.requests().find((r) => r.method === 'POST' && r.path === '/api/security/aws-kms');
    expect(post?.status).to.equal(201);
  });

  it('does the same with writes answered 202 and a job (hydrate follows the Location query)', async function () {
    sim.control.setAsync({ enabled: true, delayMs: 300 });
    const seen = await drive();
    expectRoundTrip(seen);
    const writes = sim.control.requests().filter((r) => r.method !== 'GET' && r.path.startsWith('/api/security/aws-kms'));
    expect(writes.map((r) => `${r.method} ${r.status}`)).to.deep.equal(['POST 202', 'PATCH 202', 'DELETE 202']);
    const lookups = sim.control.requests().filter((r) => r.method === 'GET' && r.query.includes('svm.name=svm1'));
    expect(lookups.length, 'GETs of the Location query').to.be.greaterThan(0);
  });
});
