import { expect } from 'chai';
import { OntapClient } from '../../../src/ontap/client.js';
import type { RequestInfo } from '../../../src/ontap/transport.js';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { captureLogger, createBody, newClient, SECRETS, startSim } from './fixtures.js';

describe('OntapClient against ontap-sim: every call', () => {
  let sim: SimulatorHandle;
  let client: OntapClient;
  const seen: RequestInfo[] = [];
  before(async () => {
    sim = await startSim();
    client = newClient(sim, { onRequest: (info) => seen.push(info) });
  });
  after(async () => {
    client.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.control.reset();
    seen.length = 0;
  });

  it('getCluster reads name, uuid and version', async () => {
    const c = await client.getCluster();
    expect(c.name).to.equal('sim-cluster');
    expect(c.uuid).to.equal(sim.state.clusterUuid);
    expect(c.version).to.include({ generation: 9, major: 15, minor: 1 });
    expect(seen[0]).to.include({ method: 'GET', path: '/api/cluster', route: '/api/cluster', status: 200 });
  });

  it('listSvms and getSvmByName', async () => {
    expect((await client.listSvms()).map((s) => s.name)).to.deep.equal(['svm1', 'svm2', 'svm3']);
    const svm2 = await client.getSvmByName('svm2');
    expect(svm2?.uuid).to.equal(sim.state.findSvm({ name: 'svm2' })?.uuid);
    expect(await client.getSvmByName('nope')).to.equal(undefined);
  });

  it('createAwsKms returns the uuid from Location; getAwsKms reads it with advanced fields', async () => {
    const uuid = await client.createAwsKms(createBody('svm1'));
    expect(sim.state.records.has(uuid)).to.equal(true);
    const rec = await client.getAwsKms(uuid, ['*', 'state', 'amazon_reachability', 'ekmip_reachability']);
    expect(rec).to.include({ uuid, scope: 'svm', region: 'us-east-1', proxy_host: 'proxy.corp', port: 443 });
    expect(rec.svm?.name).to.equal('svm1');
    expect(rec.state).to.deep.equal({ cluster_state: true, code: '0', message: '' });
    expect(rec.amazon_reachability?.reachable).to.equal(true);
    expect(rec.ekmip_reachability?.map((e) => e.node?.name)).to.deep.equal(['node1', 'node2']);
    expect(seen.at(-1)?.route).to.equal('/api/security/aws-kms/{uuid}');
  });

  it('listAwsKms filters by svm.name with OR and follows _links.next across pages', async () => {
    for (const svm of ['svm1', 'svm2', 'svm3']) await client.createAwsKms(createBody(svm));
    sim.control.clearRequests();
    const recs = await client.listAwsKms({ filters: { 'svm.name': 'svm1|svm3' }, fields: ['region', 'state'], maxRecords: 1 });
    expect(recs.map((r) => r.svm?.name)).to.deep.equal(['svm1', 'svm3']);
    expect(recs[0]?.state?.cluster_state).to.equal(true);
    expect(sim.control.requests().filter((r) => r.method === 'GET')).to.have.length(2);
    expect(await client.listAwsKms({ filters: { 'svm.name': 'nope' } })).to.deep.equal([]);
  });

  it('patchAwsKms sends the fields and ONTAP applies them', async () => {
    const uuid = await client.createAwsKms(createBody('svm1'));
    await client.patchAwsKms(uuid, { access_key_id: 'AKIANEW', secret_access_key: `${SECRETS.awsSecret}-2`, timeout: 20 });
    expect(await client.getAwsKms(uuid, ['access_key_id', 'timeout'])).to.include({ access_key_id: 'AKIANEW', timeout: 20 });
    const patch = sim.control.requests().find((r) => r.method === 'PATCH');
    expect(patch?.body).to.deep.include({ secret_access_key: fingerprint(`${SECRETS.awsSecret}-2`) });
  });

  it('rekeyExternal, rekeyInternal, restore and deleteAwsKms', async () => {
    const uuid = await client.createAwsKms(createBody('svm2'));
    await client.rekeyExternal(uuid, 'arn:aws:kms:us-east-1:111122223333:key/new');
    expect((await client.getAwsKms(uuid, ['key_id'])).key_id).to.equal('arn:aws:kms:us-east-1:111122223333:key/new');
    await client.rekeyInternal(uuid);
    await client.restore(uuid);
    await client.deleteAwsKms(uuid);
    expect(sim.state.records.has(uuid)).to.equal(false);
    expect(sim.control.requests().map((r) => `${r.method} ${r.path.replace(uuid, '{uuid}')}`)).to.include.members([
      'POST /api/security/aws-kms/{uuid}/rekey-external',
      'POST /api/security/aws-kms/{uuid}/rekey-internal',
      'POST /api/security/aws-kms/{uuid}/restore',
      'DELETE /api/security/aws-kms/{uuid}',
    ]);
  });

  it('follows a 202 job to success, and finds the created uuid without a Location header', async () => {
    sim.control.setAsync({ enabled: true, delayMs: 100 });
    const uuid = await client.createAwsKms(createBody('svm3'));
    expect(sim.state.records.get(uuid)?.svm?.name).to.equal('svm3');
    await client.patchAwsKms(uuid, { region: 'us-west-2' });
    expect(sim.state.records.get(uuid)?.region).to.equal('us-west-2');
    expect(sim.control.requests().some((r) => r.path.startsWith('/api/cluster/jobs/'))).to.equal(true);
  });

  it('creates a cluster-scoped record (no svm) and finds it by scope', async () => {
    sim.control.setAsync({ enabled: true, delayMs: 20 });
    const { svm: _svm, ...body } = createBody('unused');
    const uuid = await client.createAwsKms(body);
    expect(sim.state.records.get(uuid)?.scope).to.equal('cluster');
  });

  it('authenticates with a client certificate', async () => {
    const certClient = new OntapClient({
      endpoint: sim.url,
      auth: { kind: 'cert', cert: sim.clientCertPem ?? '', key: sim.clientKeyPem ?? '' },
      caBundle: sim.caPem,
      logger: captureLogger(),
    });
    try {
      expect((await certClient.getCluster()).name).to.equal('sim-cluster');
    } finally {
      certClient.close();
    }
  });
});
