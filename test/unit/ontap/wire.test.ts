import { expect } from 'chai';
import { ParseError } from '../../../src/json/read.js';
import { parseAwsKmsRecord, parseCollection, parseErrorEnvelope, parseJob, parseJobLink } from '../../../src/ontap/wire.js';

describe('ONTAP wire parsers', () => {
  it('parses a full aws-kms record, advanced fields included, and drops unknown members', () => {
    const rec = parseAwsKmsRecord({
      uuid: 'u1',
      svm: { name: 'svm1', uuid: 's1', _links: {} },
      scope: 'svm',
      port: 443,
      verify: true,
      state: { cluster_state: false, code: '65537551', message: 'down' },
      amazon_reachability: { reachable: true, code: '0', message: '' },
      ekmip_reachability: [{ node: { name: 'node1', uuid: 'n1' }, reachable: false, code: '65537552', message: 'x' }],
      _links: { self: { href: '/x' } },
    });
    expect(rec).to.deep.equal({
      uuid: 'u1',
      svm: { name: 'svm1', uuid: 's1' },
      scope: 'svm',
      port: 443,
      verify: true,
      state: { cluster_state: false, code: '65537551', message: 'down' },
      amazon_reachability: { reachable: true, code: '0', message: '' },
      ekmip_reachability: [{ node: { name: 'node1', uuid: 'n1' }, reachable: false, code: '65537552', message: 'x' }],
    });
  });

  const bad: Array<{ reason: string; value: unknown; path: string }> = [
    { reason: 'port as a string', value: { port: '443' }, path: 'record.port' },
    { reason: 'verify as a number', value: { verify: 1 }, path: 'record.verify' },
    { reason: 'svm without a uuid', value: { svm: { name: 'a' } }, path: 'record.svm.uuid' },
    { reason: 'ekmip_reachability not an array', value: { ekmip_reachability: {} }, path: 'record.ekmip_reachability' },
    { reason: 'not an object', value: [], path: 'record' },
  ];
  for (const c of bad) {
    it(`refuses a record with ${c.reason}, naming the path`, () => {
      expect(() => parseAwsKmsRecord(c.value)).to.throw(ParseError).with.property('path', c.path);
    });
  }

  it('reads job codes sent as integers as strings', () => {
    const job = parseJob({ uuid: 'j', state: 'failure', code: 65537921, message: 'm', error: { code: '65537921', message: 'm' } });
    expect(job.code).to.equal('65537921');
    expect(job.error?.code).to.equal('65537921');
    expect(() => parseJob({ uuid: 'j', state: 'exploded' })).to.throw(ParseError);
  });

  it('reads the job link of a 202 body', () => {
    expect(parseJobLink({ job: { uuid: 'j1', _links: { self: { href: '/api/cluster/jobs/j1' } } } })).to.deep.equal({ uuid: 'j1', href: '/api/cluster/jobs/j1' });
  });

  it('reads the collection envelope and its next link', () => {
    expect(parseCollection({ records: [{}], num_records: 1, _links: { next: { href: '/n' } } })).to.deep.equal({ records: [{}], numRecords: 1, nextHref: '/n' });
    expect(parseCollection({ num_records: 3 })).to.deep.equal({ records: [], numRecords: 3 });
  });

  it('reads the error envelope, or nothing from another body', () => {
    expect(parseErrorEnvelope({ error: { code: '4', message: "entry doesn't exist", target: 'uuid' } })).to.deep.equal({ code: '4', message: "entry doesn't exist", target: 'uuid' });
    expect(parseErrorEnvelope('<html>')).to.equal(undefined);
  });
});
