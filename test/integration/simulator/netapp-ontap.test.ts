/**
 * ontap-sim checked by a client no one here wrote: NetApp's netapp-ontap (PyPI) creates,
 * hydrates, lists, patches and deletes an AWS KMS, an Azure Key Vault and a Google Cloud KMS
 * configuration, with writes answered at once and with 202 and a job. Its post(hydrate=True)
 * follows the 202's Location query to find the new record, which ONTAP sends and ontap-sim
 * long did not.
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
  created: { uuid: string; svm: string; scope: string };
  listed: string[];
  patched: unknown;
  after_delete: string[];
}

/** FAMILIES: each collection the script drives, with the value it PATCHes (see netapp_ontap_client.py). */
const FAMILIES: ReadonlyArray<{ readonly family: string; readonly base: string; readonly patched: unknown; readonly secret: string }> = [
  { family: 'aws-kms', base: '/api/security/aws-kms', patched: 15, secret: 'py-secret-not-shown' },
  { family: 'azure-key-vaults', base: '/api/security/azure-key-vaults', patched: 8443, secret: 'py-azure-secret-not-shown' },
  { family: 'gcp-kms', base: '/api/security/gcp-kms', patched: 'admin@py-project.iam.gserviceaccount.com', secret: 'py-gcp-key-not-shown' },
];

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

  async function drive(family: string): Promise<Seen> {
    const { stdout } = await run(python, [SCRIPT], {
      env: { ...process.env, SIM_HOST: new URL(sim.url).hostname, SIM_PORT: new URL(sim.url).port, SIM_USER, SIM_PASSWORD, SVM: 'svm1', FAMILY: family, REQUESTS_CA_BUNDLE: sim.caFile },
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Seen;
  }

  function expectRoundTrip(seen: Seen, patched: unknown): void {
    expect(seen.created.uuid).to.match(/^[0-9a-f-]{36}$/);
    expect(seen.created).to.deep.include({ svm: 'svm1', scope: 'svm' });
    expect(seen.listed).to.deep.equal([seen.created.uuid]);
    expect(seen.patched).to.equal(patched);
    expect(seen.after_delete).to.deep.equal([]);
  }

  for (const f of FAMILIES) {
    describe(f.family, () => {
      it('creates with post(hydrate=True), patches and deletes, writes answered at once', async function () {
        const seen = await drive(f.family);
        expectRoundTrip(seen, f.patched);
        const post = sim.control.requests().find((r) => r.method === 'POST' && r.path === f.base);
        expect(post?.status).to.equal(201);
        const patch = sim.control.requests().find((r) => r.method === 'PATCH');
        expect(Object.keys(patch?.body ?? {}), 'PATCH sends only the changed field').to.have.length(1);
        expect(JSON.stringify(sim.control.requests()), 'the secret, only as a fingerprint').to.not.include(f.secret);
      });

      it('does the same with writes answered 202 and a job (hydrate follows the Location query)', async function () {
        sim.control.setAsync({ enabled: true, delayMs: 300 });
        const seen = await drive(f.family);
        expectRoundTrip(seen, f.patched);
        const writes = sim.control.requests().filter((r) => r.method !== 'GET' && r.path.startsWith(f.base));
        expect(writes.map((r) => `${r.method} ${r.status}`)).to.deep.equal(['POST 202', 'PATCH 202', 'DELETE 202']);
        const lookups = sim.control.requests().filter((r) => r.method === 'GET' && r.query.includes('svm.name=svm1'));
        expect(lookups.length, 'GETs of the Location query').to.be.greaterThan(0);
      });
    });
  }
});
