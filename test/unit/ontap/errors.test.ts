import { expect } from 'chai';
import { hasCode, isNotFound, OntapApiError, OntapCode, OntapTransportError } from '../../../src/ontap/errors.js';
import { toTransportError } from '../../../src/ontap/transport.js';

function sysError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('ONTAP client errors', () => {
  it('formats an API error as "<context>: ONTAP error <code>: <message>"', () => {
    const err = new OntapApiError({ context: 'patch aws-kms 1cd8', method: 'PATCH', path: '/p', httpStatus: 400, code: OntapCode.InvalidCredentials, message: 'Unable to connect' });
    expect(err.message).to.equal('patch aws-kms 1cd8: ONTAP error 65537921: Unable to connect');
    expect(hasCode(err, '65537921')).to.equal(true);
    expect(isNotFound(err)).to.equal(false);
  });

  it('treats a 404 or code 4 as not found', () => {
    expect(isNotFound(new OntapApiError({ context: 'c', method: 'GET', path: '/p', httpStatus: 404, code: '', message: '' }))).to.equal(true);
    expect(isNotFound(new OntapApiError({ context: 'c', method: 'GET', path: '/p', httpStatus: 400, code: '4', message: '' }))).to.equal(true);
    expect(isNotFound(new Error('x'))).to.equal(false);
  });

  const cases: Array<{ reason: string; code: string; kind: string; sent: boolean }> = [
    { reason: 'refused connections never reached ONTAP', code: 'ECONNREFUSED', kind: 'connection', sent: false },
    { reason: 'DNS failures never reached ONTAP', code: 'ENOTFOUND', kind: 'dns', sent: false },
    { reason: 'an untrusted certificate is a TLS failure before sending', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', kind: 'tls', sent: false },
    { reason: 'a self-signed chain is a TLS failure', code: 'SELF_SIGNED_CERT_IN_CHAIN', kind: 'tls', sent: false },
    { reason: 'a hostname mismatch is a TLS failure', code: 'ERR_TLS_CERT_ALTNAME_INVALID', kind: 'tls', sent: false },
    { reason: 'a reset may come after the request was sent', code: 'ECONNRESET', kind: 'connection', sent: true },
  ];
  for (const c of cases) {
    it(`classifies ${c.code}: ${c.reason}`, () => {
      const wrapped = Object.assign(new Error(`request to https://x/ failed, reason: ${c.code}`), { code: c.code, cause: sysError(c.code) });
      const err = toTransportError(wrapped, 'get cluster', 'GET', '/api/cluster');
      expect(err).to.be.instanceOf(OntapTransportError);
      expect(err).to.include({ kind: c.kind, mayHaveBeenSent: c.sent, sysCode: c.code });
      expect(err.message).to.match(/^get cluster: /);
      expect(err.cause).to.equal(wrapped);
    });
  }
});
