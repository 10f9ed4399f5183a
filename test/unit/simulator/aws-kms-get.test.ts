import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { simRequest, startTestSim } from '../../support/sim.js';
import { createKms, expectOntapError, KMS, records, SECRET } from './helpers.js';

describe('ontap-sim: GET /api/security/aws-kms', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startTestSim({ svms: ['svm1', 'svm2', 'svm3'], nodes: 2 });
  });
  after(() => sim.close());
  let uuids: string[] = [];
  beforeEach(async () => {
    sim.control.reset();
    uuids = [
      await createKms(sim, 'svm1', { proxy_password: 'proxy-pass-get-test', region: 'us-west-2' }),
      await createKms(sim, 'svm2'),
      await createKms(sim, 'svm3', { region: 'eu-west-1' }),
    ];
  });

  it('answers the collection envelope: records, num_records, _links.self', async () => {
    const res = await simRequest(sim, 'GET', KMS);
    expect(res.status).to.equal(200);
    expect(res.json['num_records']).to.equal(3);
    expect(res.json).to.have.nested.property('_links.self.href', KMS);
    expect(records(res)).to.have.length(3);
  });

  it('returns only the key fields in a collection without fields=', async () => {
    const rec = records(await simRequest(sim, 'GET', KMS))[0] ?? {};
    expect(rec).to.include.keys('uuid', 'svm', 'scope');
    expect(rec).to.not.have.any.keys('region', 'key_id', 'access_key_id');
  });

  it('returns every non-advanced field for an instance GET without fields=', async () => {
    const res = await simRequest(sim, 'GET', `${KMS}/${uuids[0]}`);
    expect(res.json).to.include({ uuid: uuids[0], scope: 'svm', region: 'us-west-2', service: 'kms', port: 443 });
    expect(res.json).to.not.have.any.keys('state', 'amazon_reachability', 'ekmip_reachability');
  });

  it('leaves the advanced fields out of fields=* and returns them when named', async () => {
    const star = records(await simRequest(sim, 'GET', `${KMS}?fields=*`))[0] ?? {};
    expect(star).to.include.keys('region', 'key_id', 'polling_period');
    expect(star).to.not.have.any.keys('state', 'amazon_reachability', 'ekmip_reachability');
    const named = records(await simRequest(sim, 'GET', `${KMS}?fields=state,amazon_reachability,ekmip_reachability`))[0] ?? {};
    expect(named['state']).to.deep.equal({ cluster_state: true, code: '0', message: '' });
    expect(named['amazon_reachability']).to.deep.equal({ reachable: true, code: '0', message: '' });
    expect(named['ekmip_reachability']).to.have.length(2);
  });

  it('never returns the write-only fields, not even with fields=**', async () => {
    const res = await simRequest(sim, 'GET', `${KMS}?fields=**`);
    const text = JSON.stringify(res.json);
    expect(text).to.not.include(SECRET);
    expect(text).to.not.include('proxy-pass-get-test');
    expect(records(res)[0]).to.not.have.any.keys('secret_access_key', 'proxy_password');
    const one = await simRequest(sim, 'GET', `${KMS}/${uuids[0]}?fields=**`);
    expect(JSON.stringify(one.json)).to.not.include(SECRET);
  });

  it('filters on nested svm.name with OR and negation', async () => {
    const or = await simRequest(sim, 'GET', `${KMS}?svm.name=svm1|svm3&fields=svm.name`);
    expect(records(or).map((r) => (r['svm'] as Record<string, unknown>)['name'])).to.deep.equal(['svm1', 'svm3']);
    const not = await simRequest(sim, 'GET', `${KMS}?svm.name=!svm1`);
    expect(not.json['num_records']).to.equal(2);
    const byRegion = await simRequest(sim, 'GET', `${KMS}?region=eu-west-1`);
    expect(records(byRegion).map((r) => r['uuid'])).to.deep.equal([uuids[2]]);
  });

  it('takes field queries on an instance GET: the record when they match, 404 when not', async () => {
    const hit = await simRequest(sim, 'GET', `${KMS}/${uuids[0] ?? ''}?svm.name=svm1&fields=region`);
    expect([hit.status, hit.json['uuid']]).to.deep.equal([200, uuids[0]]);
    expectOntapError(await simRequest(sim, 'GET', `${KMS}/${uuids[0] ?? ''}?svm.name=svm2`), 404, '4');
    expectOntapError(await simRequest(sim, 'GET', `${KMS}/${uuids[0] ?? ''}?max_records=1`), 400, '262179', 'max_records');
  });

  it('refuses a filter on an unknown field with 262179', async () => {
    expectOntapError(await simRequest(sim, 'GET', `${KMS}?secret_access_key=x`), 400, '262179', 'secret_access_key');
  });

  it('pages with max_records and _links.next', async () => {
    const first = await simRequest(sim, 'GET', `${KMS}?max_records=2`);
    expect(first.json['num_records']).to.equal(2);
    const next = (first.json['_links'] as { next?: { href: string } }).next?.href;
    expect(next).to.be.a('string');
    const second = await simRequest(sim, 'GET', next ?? '');
    expect(records(second).map((r) => r['uuid'])).to.deep.equal([uuids[2]]);
    expect(second.json['_links']).to.not.have.property('next');
  });

  it('orders with order_by', async () => {
    const res = await simRequest(sim, 'GET', `${KMS}?order_by=region desc&fields=region`);
    expect(records(res).map((r) => r['region'])).to.deep.equal(['us-west-2', 'us-east-1', 'eu-west-1']);
  });

  it('answers num_records only with return_records=false', async () => {
    const res = await simRequest(sim, 'GET', `${KMS}?return_records=false`);
    expect(res.json['num_records']).to.equal(3);
    expect(res.json).to.not.have.property('records');
  });

  it('refuses return_timeout outside 0..120', async () => {
    expect((await simRequest(sim, 'GET', `${KMS}?return_timeout=15`)).status).to.equal(200);
    expectOntapError(await simRequest(sim, 'GET', `${KMS}?return_timeout=121`), 400, '2', 'return_timeout');
  });

  it('answers an unknown uuid with 404, code 4, target uuid', async () => {
    expectOntapError(await simRequest(sim, 'GET', `${KMS}/1cd8a442-86d1-11e0-ae1c-123478563412`), 404, '4', 'uuid');
  });

  it('reports AWS unreachable in amazon_reachability and state', async () => {
    sim.control.setAws({ reachable: false });
    const res = await simRequest(sim, 'GET', `${KMS}/${uuids[0]}?fields=state,amazon_reachability`);
    expect(res.json['amazon_reachability']).to.include({ reachable: false, code: '65537915' });
    expect(res.json['state']).to.include({ cluster_state: false });
    expect((res.json['state'] as Record<string, unknown>)['code']).to.not.equal('0');
  });

  it('reports a node whose embedded KMIP server is unreachable', async () => {
    await simRequest(sim, 'PUT', '/_sim/nodes/node2/ekmip', { body: { reachable: false } });
    const res = await simRequest(sim, 'GET', `${KMS}/${uuids[0]}?fields=ekmip_reachability,state`);
    const list = res.json['ekmip_reachability'] as Array<Record<string, unknown>>;
    expect(list.map((e) => [(e['node'] as Record<string, unknown>)['name'], e['reachable'], e['code']])).to.deep.equal([
      ['node1', true, '0'],
      ['node2', false, '65537552'],
    ]);
    expect((res.json['state'] as Record<string, unknown>)['message']).to.include('node2');
  });
});
