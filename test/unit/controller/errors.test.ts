import { expect } from 'chai';
import { Reason } from '../../../src/api/v1alpha1/constants.js';
import { classifyError, ReconcileError, trustProblem, type TrustContext } from '../../../src/controller/errors.js';
import { OntapApiError, OntapTimeoutError, OntapTransportError } from '../../../src/ontap/errors.js';

const api = (httpStatus: number, code: string, message = 'text'): OntapApiError =>
  new OntapApiError({ context: 'patch aws-kms u', httpStatus, code, message, method: 'PATCH', path: '/api/security/aws-kms/u' });

describe('classifyError', () => {
  const cases: Array<{ reason: string; err: unknown; want: string; retry: string; message?: RegExp }> = [
    { reason: '65537921: InvalidCredentials, wait for a change', err: api(400, '65537921', 'Unable to connect to AWS KMS using these credentials'), want: 'InvalidCredentials', retry: 'wait', message: /ONTAP error 65537921: Unable to connect/ },
    { reason: '65537926: NotConfigured, re-read soon', err: api(400, '65537926'), want: 'NotConfigured', retry: 'backoff' },
    { reason: '65537120: Azure NotConfigured, re-read soon', err: api(400, '65537120'), want: 'NotConfigured', retry: 'backoff' },
    { reason: '65537721: GCP NotConfigured, re-read soon', err: api(400, '65537721'), want: 'NotConfigured', retry: 'backoff' },
    { reason: '404 on a PATCH: the record vanished, re-read soon', err: api(404, '4'), want: 'OntapError', retry: 'backoff' },
    { reason: '65537910: AlreadyConfigured', err: api(400, '65537910'), want: 'AlreadyConfigured', retry: 'wait' },
    { reason: '65537106: DeletionBlocked', err: api(400, '65537106'), want: 'DeletionBlocked', retry: 'wait' },
    { reason: '65536867 (Azure, GCP keys in use): DeletionBlocked', err: api(400, '65536867'), want: 'DeletionBlocked', retry: 'wait' },
    { reason: 'any other 4xx code: OntapError, wait', err: api(400, '262179'), want: 'OntapError', retry: 'wait' },
    { reason: '5xx: OntapError, back off', err: api(500, '1'), want: 'OntapError', retry: 'backoff' },
    { reason: '401: the cluster credentials', err: api(401, '6'), want: 'InvalidCredentials', retry: 'wait', message: /HTTP 401/ },
    { reason: 'a transport error: Unreachable, back off', err: new OntapTransportError({ context: 'get cluster', kind: 'connection', sysCode: 'ECONNREFUSED', detail: 'connect ECONNREFUSED', method: 'GET', path: '/api/cluster', mayHaveBeenSent: false }), want: 'Unreachable', retry: 'backoff' },
    { reason: 'a timeout: Unreachable, back off', err: new OntapTimeoutError({ context: 'get cluster', timeoutMs: 30000, method: 'GET', path: '/api/cluster' }), want: 'Unreachable', retry: 'backoff' },
    { reason: 'an address outside the allow-list: EndpointNotAllowed, wait for a change', err: new OntapTransportError({ context: 'get cluster', kind: 'connection', sysCode: 'EENDPOINTNOTALLOWED', detail: 'ontap.corp resolves to no address in the allowed ONTAP endpoints', method: 'GET', path: '/api/cluster', mayHaveBeenSent: false }), want: 'EndpointNotAllowed', retry: 'wait' },
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
  it('keeps which call failed: the rekey, not only the resource', () => {
    const err = new OntapApiError({ context: 'rekey-external gcp-kms u', httpStatus: 400, code: '65537919', message: 'External rekey failed', method: 'POST', path: '/api/security/gcp-kms/u/rekey-external' });
    expect(classifyError(err, 'gcp-kms for SVM svm1 on OntapCluster prod').message).to.equal('gcp-kms for SVM svm1 on OntapCluster prod: rekey-external gcp-kms u: ONTAP error 65537919: External rekey failed');
  });
  it('an ONTAP error without a code reads well: the HTTP status stands in for it', () => {
    const e = classifyError(api(400, '', 'Bad request'), 'aws-kms for SVM svm1');
    expect(e.message).to.equal('aws-kms for SVM svm1: patch aws-kms u: ONTAP error without a code (HTTP 400): Bad request');
    expect(e.message).not.to.match(/error :/);
    expect(classifyError(api(502, '', ''), 'x').message).to.equal('x: patch aws-kms u: ONTAP error without a code (HTTP 502): no message');
  });
  it('passes a ReconcileError through', () => {
    const e = new ReconcileError(Reason.SecretNotFound, 'x', 'wait');
    expect(classifyError(e, 'a')).to.equal(e);
  });
});

describe('classifyError: a certificate ONTAP presented that did not verify is CertificateUntrusted, naming what to fix', () => {
  const tls = (sysCode: string): OntapTransportError =>
    new OntapTransportError({ context: 'get cluster', kind: 'tls', sysCode, detail: `${sysCode}: verification failed`, method: 'GET', path: '/api/cluster', mayHaveBeenSent: false });
  const issuer = ['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE'];
  const withCa: TrustContext = { cluster: 'OntapCluster team-a/prod', caBundle: { secret: 'team-a/prod-ca', key: 'ca.crt' } };
  for (const code of issuer) {
    it(`${code}: names spec.caBundleSecretRef and its Secret and key`, () => {
      const e = classifyError(tls(code), 'probe https://ontap', undefined, withCa);
      expect(e.reason).to.equal('CertificateUntrusted');
      expect(e.retry).to.equal('backoff');
      expect(e.message).to.match(/^probe https:\/\/ontap: get cluster: tls error: /);
      expect(e.message).to.contain(code);
      expect(e.message).to.contain(`OntapCluster team-a/prod's spec.caBundleSecretRef (Secret team-a/prod-ca, key "ca.crt")`);
    });
  }
  it('no spec.caBundleSecretRef: says none is set and the system roots were used', () => {
    const e = classifyError(tls('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), 'probe', undefined, { cluster: 'ClusterOntapCluster shared', caBundle: undefined });
    expect(e.reason).to.equal('CertificateUntrusted');
    expect(e.message).to.contain('the system roots hold, and ClusterOntapCluster shared sets no spec.caBundleSecretRef');
  });
  it("a ClusterOntapCluster's tenant is told the field, not the platform's Secret", () => {
    const e = classifyError(tls('SELF_SIGNED_CERT_IN_CHAIN'), 'aws-kms for SVM svm1 on ClusterOntapCluster shared', undefined, { cluster: 'ClusterOntapCluster shared', caBundle: 'hidden' });
    expect(e.reason).to.equal('CertificateUntrusted');
    expect(e.message).to.contain("ClusterOntapCluster shared's spec.caBundleSecretRef");
    expect(e.message).not.to.match(/Secret /);
  });
  it('without a context (the cluster is gone): still the reason, and the field', () => {
    const e = classifyError(tls('SELF_SIGNED_CERT_IN_CHAIN'), 'x');
    expect(e.reason).to.equal('CertificateUntrusted');
    expect(e.message).to.contain('spec.caBundleSecretRef');
  });
  it('an expired certificate: renew it on ONTAP, the CA Secret cannot help', () => {
    for (const code of ['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']) {
      const e = classifyError(tls(code), 'x', undefined, withCa);
      expect(e.reason, code).to.equal('CertificateUntrusted');
      expect(e.message).to.contain('has expired or is not valid yet');
    }
  });
  it("a certificate for another host: names spec.endpoint", () => {
    const e = classifyError(tls('ERR_TLS_CERT_ALTNAME_INVALID'), 'x', undefined, withCa);
    expect(e.reason).to.equal('CertificateUntrusted');
    expect(e.message).to.contain("does not name the host of OntapCluster team-a/prod's spec.endpoint");
  });
  it('other TLS failures (a handshake refused, a protocol error) stay Unreachable', () => {
    for (const code of ['EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ECONNRESET']) {
      expect(classifyError(tls(code), 'x', undefined, withCa).reason, code).to.equal('Unreachable');
    }
  });
  it('trustProblem knows every code the brief names', () => {
    expect(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID'].map(trustProblem)).to.deep.equal(['issuer', 'issuer', 'issuer', 'issuer', 'issuer', 'validity', 'name']);
    expect(trustProblem(undefined)).to.equal(undefined);
  });
});
