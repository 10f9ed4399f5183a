import { expect } from 'chai';
import { Reason } from '../../../src/api/v1alpha1/constants.js';
import { ReconcileError } from '../../../src/controller/errors.js';
import { resolveSecrets } from '../../../src/controller/ontap-aws-kms/secrets.js';
import { PEM_VALUE_MAX_BYTES, readKey, SECRET_VALUE_MAX_BYTES, type SecretData, type SecretReader } from '../../../src/controller/secrets.js';
import { fullAwsKmsSpec } from '../../support/builders.js';

// A value no message may ever contain; the invalid byte sits in the middle of it.
const SECRET = 'wJalrXUtnFEMI-K7MDENG';
const secret = (data: Record<string, Buffer>): SecretData => ({
  name: 'svm1-aws',
  resourceVersion: '7',
  type: 'Opaque',
  data: new Map(Object.entries(data)),
});
const invalidUtf8 = Buffer.concat([Buffer.from(SECRET.slice(0, 8)), Buffer.from([0xc3, 0x28]), Buffer.from(SECRET.slice(8))]);

/** failure returns the ReconcileError readKey throws, or fails the test when it returns. */
function failure(read: () => unknown): ReconcileError {
  try {
    read();
  } catch (e) {
    expect(e).to.be.instanceOf(ReconcileError);
    return e as ReconcileError;
  }
  expect.fail('readKey returned a value');
}

describe('readKey', () => {
  it('returns the value as trimmed UTF-8 text', () => {
    expect(readKey(secret({ k: Buffer.from(`  ${SECRET}\n`) }), 'storage', 'k')).to.equal(SECRET);
    expect(readKey(secret({ k: Buffer.from('pässwörd-€') }), 'storage', 'k')).to.equal('pässwörd-€');
  });

  const refused: Array<{ reason: string; value: Buffer | undefined; maxBytes?: number; message: string }> = [
    { reason: 'a missing key', value: undefined, message: 'Secret storage/svm1-aws has no key "k"' },
    { reason: 'an empty value', value: Buffer.from(' \n'), message: 'Secret storage/svm1-aws key "k" is empty' },
    { reason: 'bytes that are not UTF-8 (not replaced with U+FFFD)', value: invalidUtf8, message: 'Secret storage/svm1-aws key "k" is not valid UTF-8' },
    { reason: 'a lone UTF-8 continuation byte at the end', value: Buffer.concat([Buffer.from(SECRET), Buffer.from([0x80])]), message: 'Secret storage/svm1-aws key "k" is not valid UTF-8' },
    { reason: 'a UTF-16 value (its byte-order mark starts with 0xff, never valid in UTF-8)', value: Buffer.from(`\ufeff${SECRET}`, 'utf16le'), message: 'is not valid UTF-8' },
    {
      reason: 'a value one byte over the default limit',
      value: Buffer.from(SECRET.repeat(Math.ceil((SECRET_VALUE_MAX_BYTES + 1) / SECRET.length)).slice(0, SECRET_VALUE_MAX_BYTES + 1)),
      message: `Secret storage/svm1-aws key "k" is ${SECRET_VALUE_MAX_BYTES + 1} bytes; the limit is ${SECRET_VALUE_MAX_BYTES}`,
    },
    { reason: 'a value over a limit the caller sets', value: Buffer.from(SECRET), maxBytes: 8, message: `key "k" is ${SECRET.length} bytes; the limit is 8` },
  ];
  for (const c of refused) {
    it(`refuses ${c.reason} with SecretInvalid, naming Secret and key but never the value`, () => {
      const e = failure(() => readKey(secret(c.value ? { k: c.value } : {}), 'storage', 'k', c.maxBytes));
      expect(e.reason).to.equal(Reason.SecretInvalid);
      expect(e.retry).to.equal('wait');
      expect(e.message).to.contain(c.message);
      expect(e.message).not.to.contain(SECRET.slice(0, 8));
      expect(e.message).not.to.contain(SECRET.slice(8));
      expect(e.message).not.to.contain('\ufffd');
      expect(e.cause, 'a cause could carry the bytes').to.equal(undefined);
    });
  }

  it('accepts a value exactly at the limit, in bytes not characters', () => {
    const atLimit = Buffer.from('€'.repeat(SECRET_VALUE_MAX_BYTES / 4) + 'x'.repeat(SECRET_VALUE_MAX_BYTES / 4));
    expect(atLimit.length).to.equal(SECRET_VALUE_MAX_BYTES);
    expect(readKey(secret({ k: atLimit }), 'storage', 'k')).to.have.length(SECRET_VALUE_MAX_BYTES / 2);
    const multiByteOver = Buffer.concat([atLimit, Buffer.from('é')]);
    expect(failure(() => readKey(secret({ k: multiByteOver }), 'storage', 'k')).message).to.contain(`is ${SECRET_VALUE_MAX_BYTES + 2} bytes`);
  });

  it('lets a PEM bundle up to PEM_VALUE_MAX_BYTES through when the caller asks for it', () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(64)}\n-----END CERTIFICATE-----\n`;
    const bundle = Buffer.from(pem.repeat(Math.floor(PEM_VALUE_MAX_BYTES / pem.length)));
    expect(bundle.length).to.be.greaterThan(SECRET_VALUE_MAX_BYTES);
    expect(readKey(secret({ 'ca.crt': bundle }), 'storage', 'ca.crt', PEM_VALUE_MAX_BYTES)).to.match(/^-----BEGIN CERTIFICATE-----/);
    expect(failure(() => readKey(secret({ 'ca.crt': bundle }), 'storage', 'ca.crt')).message).to.contain('the limit is 4096');
    const tooBig = Buffer.alloc(PEM_VALUE_MAX_BYTES + 1, 'A');
    expect(failure(() => readKey(secret({ 'ca.crt': tooBig }), 'storage', 'ca.crt', PEM_VALUE_MAX_BYTES)).message).to.contain(
      `is ${PEM_VALUE_MAX_BYTES + 1} bytes; the limit is ${PEM_VALUE_MAX_BYTES}`,
    );
  });
});

describe('resolveSecrets', () => {
  const reader = (secrets: SecretData[]): SecretReader => ({
    getSecret: (_ns, name) => Promise.resolve(secrets.find((s) => s.name === name)),
  });
  const aws = secret({ access_key_id: Buffer.from('AKIAIOSFODNN7EXAMPLE'), secret_access_key: invalidUtf8 });

  it('refuses an AWS secret access key that is not UTF-8 before anything is sent', async () => {
    const e = await resolveSecrets(reader([aws]), 'storage', { ...fullAwsKmsSpec, proxy: undefined }).then(
      () => expect.fail('resolved'),
      (err: unknown) => err as ReconcileError,
    );
    expect(e.reason).to.equal(Reason.SecretInvalid);
    expect(e.message).to.equal('Secret storage/svm1-aws key "secret_access_key" is not valid UTF-8');
  });

  it('refuses an oversized proxy password, naming its own Secret', async () => {
    const proxy: SecretData = { ...secret({ password: Buffer.alloc(SECRET_VALUE_MAX_BYTES + 1, 'p') }), name: 'svm1-proxy' };
    const good = secret({ access_key_id: Buffer.from('AKIAIOSFODNN7EXAMPLE'), secret_access_key: Buffer.from(SECRET) });
    const e = await resolveSecrets(reader([good, proxy]), 'storage', fullAwsKmsSpec).then(
      () => expect.fail('resolved'),
      (err: unknown) => err as ReconcileError,
    );
    expect(e.reason).to.equal(Reason.SecretInvalid);
    expect(e.message).to.equal(`Secret storage/svm1-proxy key "password" is ${SECRET_VALUE_MAX_BYTES + 1} bytes; the limit is ${SECRET_VALUE_MAX_BYTES}`);
  });
});
