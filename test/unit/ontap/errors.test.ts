import { expect } from 'chai';
import {
  formatBytes,
  hasCode,
  isNotFound,
  OntapAbortedError,
  OntapApiError,
  OntapCode,
  OntapProtocolError,
  OntapResponseTooLargeError,
  OntapTransportError,
} from '../../../src/ontap/errors.js';
import { isApiPath } from '../../../src/ontap/transport.js';
import { toTransportError } from '../../../src/ontap/transport-errors.js';

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

  const aborts: Array<{ reason: string; method: string; outcomeUnknown: boolean; jobUuid?: string; message: string }> = [
    { reason: 'a read says nothing more', method: 'GET', outcomeUnknown: false, message: 'get cluster: aborted' },
    { reason: 'a write that never left says so', method: 'PATCH', outcomeUnknown: false, message: 'get cluster: aborted; the write was not sent' },
    { reason: 'a write that may have left has an unknown outcome', method: 'PATCH', outcomeUnknown: true, message: 'get cluster: aborted; the outcome of the write is unknown' },
    { reason: 'a job cut short names the job', method: 'POST', outcomeUnknown: true, jobUuid: 'j1', message: 'get cluster: aborted while waiting for job j1; the outcome of the write is unknown' },
  ];
  for (const c of aborts) {
    it(`words an abort: ${c.reason}`, () => {
      const err = new OntapAbortedError({ context: 'get cluster', method: c.method, path: '/api/cluster', outcomeUnknown: c.outcomeUnknown, jobUuid: c.jobUuid });
      expect(err.message).to.equal(c.message);
      expect(err.name).to.equal('OntapAbortedError');
      expect(isNotFound(err)).to.equal(false);
    });
  }

  it('names the bound in a too-large error, which is a protocol error', () => {
    const err = new OntapResponseTooLargeError({ context: 'get aws-kms 1cd8', method: 'GET', path: '/p', limitBytes: 16 * 1024 * 1024 });
    expect(err).to.be.instanceOf(OntapProtocolError);
    expect(err.message).to.equal('get aws-kms 1cd8: response body exceeds 16 MiB (maxResponseBytes); the rest was not read');
    expect([formatBytes(512 * 1024), formatBytes(1000), formatBytes(3 * 1024 * 1024)]).to.deep.equal(['512 KiB', '1000 bytes', '3 MiB']);
  });

  const paths: Array<{ reason: string; href: string; ok: boolean }> = [
    { reason: 'a collection with a query', href: '/api/security/aws-kms?start.uuid=x&max_records=1', ok: true },
    { reason: 'a job link', href: '/api/cluster/jobs/1cd8a442-86d1-11e0-ae1c-123478563412', ok: true },
    { reason: 'an absolute URL', href: 'https://evil.example/api/security/aws-kms', ok: false },
    { reason: 'a protocol-relative URL', href: '//evil.example/api/security/aws-kms', ok: false },
    { reason: 'userinfo in front of a host', href: '@evil.example/api/', ok: false },
    { reason: 'a path outside /api/', href: '/_sim/reset', ok: false },
    { reason: 'dot segments that leave /api/', href: '/api/../_sim/reset', ok: false },
    { reason: 'encoded dot segments that leave /api/', href: '/api/%2e%2e/_sim/reset', ok: false },
    { reason: 'backslashes, which URL parsing reads as slashes', href: '/api/..\\_sim/reset', ok: false },
    { reason: 'a relative path', href: 'api/cluster', ok: false },
  ];
  for (const c of paths) {
    it(`isApiPath: ${c.reason} -> ${c.ok}`, () => {
      expect(isApiPath(c.href)).to.equal(c.ok);
    });
  }
});
