import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { AKV, azureBody, createAt, createBody, expectOntapError, GCKMS, gcpBody, KMS } from './helpers.js';

/** FAMILIES are the three cloud key-manager collections with a valid body builder each. */
const FAMILIES: ReadonlyArray<{ readonly name: string; readonly base: string; readonly body: (svm?: string) => Record<string, unknown> }> = [
  { name: 'aws-kms', base: KMS, body: (svm = 'svm1') => createBody(svm) },
  { name: 'azure-key-vaults', base: AKV, body: (svm = 'svm1') => azureBody(svm) },
  { name: 'gcp-kms', base: GCKMS, body: (svm = 'svm1') => gcpBody(svm) },
];

const clusterScope = (body: Record<string, unknown>): Record<string, unknown> => ({ ...body, svm: undefined });

describe('ontap-sim: one key manager per SVM, across aws-kms, azure-key-vaults, gcp-kms and KMIP', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startTestSim({ svms: ['svm1', 'svm2'] });
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  for (const first of FAMILIES) {
    for (const second of FAMILIES) {
      it(`refuses ${second.name} with 65537910 on an SVM that has ${first.name}; another SVM is fine`, async () => {
        await createAt(sim, first.base, first.body('svm1'));
        expectOntapError(await simRequest(sim, 'POST', second.base, { body: second.body('svm1') }), 400, '65537910');
        await createAt(sim, second.base, second.body('svm2'));
      });
    }
  }

  it('applies to the cluster scope too', async () => {
    await createAt(sim, GCKMS, JSON.parse(JSON.stringify(clusterScope(gcpBody()))) as Record<string, unknown>);
    const res = await simRequest(sim, 'POST', AKV, { body: clusterScope(azureBody()) });
    expectOntapError(res, 400, '65537910');
    await createAt(sim, AKV, azureBody('svm1'));
  });

  it('counts a KMIP key manager configured on the SVM', async () => {
    sim.control.setKmip('svm1', true);
    for (const f of FAMILIES) expectOntapError(await simRequest(sim, 'POST', f.base, { body: f.body('svm1') }), 400, '65537910');
    sim.control.setKmip('svm1', false);
    await createAt(sim, KMS, createBody('svm1'));
  });

  it('lets the SVM take another family once the first is deleted', async () => {
    const uuid = await createAt(sim, KMS, createBody('svm1'));
    expect((await simRequest(sim, 'DELETE', `${KMS}/${uuid}`)).status).to.equal(200);
    await createAt(sim, GCKMS, gcpBody('svm1'));
  });

  it('does not count an inactive Azure configuration (create_inactive=true)', async () => {
    await createAt(sim, KMS, createBody('svm1'));
    await createAt(sim, AKV, azureBody('svm1'), '?create_inactive=true');
    expect(sim.state.keyManagerFor(sim.state.findSvm({ name: 'svm1' }))).to.equal('aws-kms');
  });

  it('is checked again when an async create runs, and the job fails with 65537910', async () => {
    sim.control.setAsync({ enabled: true, delayMs: 50 });
    const a = await simRequest(sim, 'POST', KMS, { body: createBody('svm1') });
    const b = await simRequest(sim, 'POST', GCKMS, { body: gcpBody('svm1') });
    const jobOf = (r: typeof a): string => (r.json['job'] as { uuid: string }).uuid;
    await Promise.all([sim.state.jobs.settled(jobOf(a)), sim.state.jobs.settled(jobOf(b))]);
    expect(sim.state.jobs.get(jobOf(a))?.state).to.equal('success');
    expect(sim.state.jobs.get(jobOf(b))?.error?.code).to.equal('65537910');
  });
});
