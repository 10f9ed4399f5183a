import { expect } from 'chai';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { selfSignedCertificate } from '../../../src/runtime/self-signed.js';

describe('selfSignedCertificate', () => {
  it('is a valid self-signed serverAuth certificate for the names and addresses asked, matching its key', () => {
    const now = new Date('2026-11-29T00:00:00Z');
    const s = selfSignedCertificate({ commonName: 'metrics', dnsNames: ['localhost', 'op.ns.svc'], ipAddresses: ['127.0.0.1', 'fd20::1'], now, validDays: 30 });
    const x = new X509Certificate(s.cert);
    expect(x.subject).to.equal('CN=metrics');
    expect(x.issuer).to.equal('CN=metrics');
    expect(x.verify(x.publicKey), 'signed by its own key').to.equal(true);
    expect(x.checkPrivateKey(createPrivateKey(s.key))).to.equal(true);
    expect(x.checkHost('op.ns.svc')).to.equal('op.ns.svc');
    expect(x.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    expect(x.subjectAltName).to.match(/IP Address:fd20:0:0:0:0:0:0:1/i);
    expect(x.subjectAltName).to.contain('DNS:op.ns.svc');
    expect(x.ca).to.equal(false);
    expect(new Date(x.validTo).getTime() - now.getTime()).to.be.closeTo(30 * 86_400_000, 120_000);
    expect(x.keyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.1']);
  });
  it('gives every certificate its own key and serial', () => {
    const a = new X509Certificate(selfSignedCertificate({ commonName: 'a' }).cert);
    const b = new X509Certificate(selfSignedCertificate({ commonName: 'a' }).cert);
    expect(a.serialNumber).to.not.equal(b.serialNumber);
    expect(a.fingerprint256).to.not.equal(b.fingerprint256);
  });
});
