import { expect } from 'chai';
import { Reason } from '../../../src/api/v1alpha1/constants.js';
import { classifyError, ReconcileError } from '../../../src/controller/errors.js';
import { conflictWinner } from '../../../src/controller/ontap-aws-kms/conflicts.js';
import { OntapApiError, OntapTimeoutError, OntapTransportError } from '../../../src/ontap/errors.js';
import { awsKms, ontapCluster, withSpec } from '../../support/builders.js';

const api = (httpStatus: number, code: string, message = 'text'): OntapApiError =>
  new OntapApiError({ context: 'patch aws-kms u', httpStatus, code, message, method: 'PATCH', path: '/api/security/aws-kms/u' });

describe('classifyError', () => {
  const cases: Array<{ reason: string; err: unknown; want: string; retry: string; message?: RegExp }> = [
    { reason: '65537921: InvalidCredentials, wait for a change', err: api(400, '65537921', 'Unable to connect to AWS KMS using these credentials'), want: 'InvalidCredentials', retry: 'wait', message: /ONTAP error 65537921: Unable to connect/ },
    { reason: '65537926: NotConfigured, re-read soon', err: api(400, '65537926'), want: 'NotConfigured', retry: 'backoff' },
    { reason: '404 on a PATCH: the record vanished, re-read soon', err: api(404, '4'), want: 'OntapError', retry: 'backoff' },
    { reason: '65537910: AlreadyConfigured', err: api(400, '65537910'), want: 'AlreadyConfigured', retry: 'wait' },
    { reason: '65537106: DeletionBlocked', err: api(400, '65537106'), want: 'DeletionBlocked', retry: 'wait' },
    { reason: 'any other 4xx code: OntapError, wait', err: api(400, '262179'), want: 'OntapError', retry: 'wait' },
    { reason: '5xx: OntapError, back off', err: api(500, '1'), want: 'OntapError', retry: 'backoff' },
    { reason: '401: the cluster credentials', err: api(401, '6'), want: 'InvalidCredentials', retry: 'wait', message: /HTTP 401/ },
    { reason: 'a transport error: Unreachable, back off', err: new OntapTransportError({ context: 'get cluster', kind: 'connection', sysCode: 'ECONNREFUSED', detail: 'connect ECONNREFUSED', method: 'GET', path: '/api/cluster', mayHaveBeenSent: false }), want: 'Unreachable', retry: 'backoff' },
    { reason: 'a timeout: Unreachable, back off', err: new OntapTimeoutError({ context: 'get cluster', timeoutMs: 30000, method: 'GET', path: '/api/cluster' }), want: 'Unreachable', retry: 'backoff' },
    { reason: 'anything else: OntapError, back off', err: new Error('surprise'), want: 'OntapError', retry: 'backoff' },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const e = classifyError(c.err, 'patch aws-kms');
      expect(e.reason).to.equal(c.want);
      expect(e.retry).to.equal(c.retry);
      expect(e.message).to.match(/^patch aws-kms: /);
      if (c.message) expect(e.message).to.match(c.message);
    });
  }
  it('passes a ReconcileError through', () => {
    const e = new ReconcileError(Reason.SecretNotFound, 'x', 'wait');
    expect(classifyError(e, 'a')).to.equal(e);
  });
});

describe('conflictWinner', () => {
  const at = (name: string, ts: string, svm = 'svm1', ns = 'default') =>
    awsKms(name, withSpec({ svm: { name: svm } }), (o) => {
      o.metadata.creationTimestamp = ts;
      o.metadata.namespace = ns;
    });
  const none = (): undefined => undefined;
  it('the oldest wins', () => {
    const old = at('old', '2026-01-01T00:00:00Z');
    const young = at('young', '2026-01-02T00:00:00Z');
    expect(conflictWinner(young, [old, young], none).metadata.name).to.equal('old');
    expect(conflictWinner(old, [old, young], none).metadata.name).to.equal('old');
  });
  it('different SVMs do not conflict', () => {
    const a = at('a', '2026-01-01T00:00:00Z', 'svm1');
    const b = at('b', '2026-01-02T00:00:00Z', 'svm2');
    expect(conflictWinner(b, [a, b], none).metadata.name).to.equal('b');
  });
  it('two OntapClusters for the same ONTAP (same cluster uuid) conflict across namespaces', () => {
    const a = at('a', '2026-01-01T00:00:00Z', 'svm1', 'ns-a');
    const b = at('b', '2026-01-02T00:00:00Z', 'svm1', 'ns-b');
    const cluster = (ns: string) => ({ ...ontapCluster('prod-a'), metadata: { ...ontapCluster('prod-a').metadata, namespace: ns }, status: { clusterUUID: 'same-uuid' } });
    expect(conflictWinner(b, [a, b], (ns) => cluster(ns)).metadata.name).to.equal('a');
    expect(conflictWinner(b, [a, b], none).metadata.name, 'without uuids, namespaces differ').to.equal('b');
  });
  it('ties on creation time are broken by name, the same way from both sides', () => {
    const a = at('a', '2026-01-01T00:00:00Z');
    const b = at('b', '2026-01-01T00:00:00Z');
    expect(conflictWinner(a, [a, b], none).metadata.name).to.equal('a');
    expect(conflictWinner(b, [a, b], none).metadata.name).to.equal('a');
  });
});
