import { expect } from 'chai';
import { Reason } from '../../../src/api/v1alpha1/constants.js';
import { ReconcileError } from '../../../src/controller/errors.js';
import { resolveSecrets } from '../../../src/controller/ontap-aws-kms/secrets.js';
import { selfSignedCertificate } from '../../../src/runtime/self-signed.js';
import { certificates, checkType, cloudCredentials, ontapCredentials, PEM_VALUE_MAX_BYTES, readCertificates, readKey, SECRET_VALUE_MAX_BYTES, type SecretData, type SecretReader, type SecretUse } from '../../../src/controller/secrets.js';
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

describe('Secret types (the confused deputy: a reference may name a Secret its author cannot read)', () => {
  /** A reader that counts which keys were read out of the Secrets it hands out. */
  const counting = (secrets: SecretData[]) => {
    const reads: string[] = [];
    const watched: SecretData[] = secrets.map((s) => ({
      ...s,
      data: {
        get: (k: string) => {
          reads.push(`${s.name}/${k}`);
          return s.data.get(k);
        },
      } as ReadonlyMap<string, Buffer>,
    }));
    const reader: SecretReader = { getSecret: (_ns, name) => Promise.resolve(watched.find((s) => s.name === name)) };
    return { reader, reads };
  };
  const typed = (name: string, type: string, data: Record<string, string>): SecretData => ({
    name,
    resourceVersion: '1',
    type,
    data: new Map(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])),
  });
  const foreign = [
    ['kubernetes.io/service-account-token', { token: SECRET, 'ca.crt': 'x', namespace: 'storage' }],
    ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': SECRET }],
    ['helm.sh/release.v1', { release: SECRET }],
    ['bootstrap.kubernetes.io/token', { 'token-secret': SECRET }],
    ['kubernetes.io/basic-auth', { username: 'u', password: SECRET }],
    ['kubernetes.io/tls', { 'tls.crt': 'c', 'tls.key': SECRET }],
  ] as const;

  for (const [type, data] of foreign) {
    it(`an AWS key pair from a ${type} Secret is SecretInvalid naming the Secret and its type, and no key is read`, async () => {
      const spec = { ...fullAwsKmsSpec, credentialsSecretRef: { name: 'stolen', accessKeyIdKey: 'token', secretAccessKeyKey: Object.keys(data)[0] ?? 'token' }, proxy: undefined };
      const { reader, reads } = counting([typed('stolen', type, data)]);
      const e = await resolveSecrets(reader, 'storage', spec).then(
        () => expect.fail('resolved'),
        (err: unknown) => err as ReconcileError,
      );
      expect(e.reason).to.equal(Reason.SecretInvalid);
      expect(e.message).to.equal(
        `Secret storage/stolen is of type ${type}, which spec.credentialsSecretRef does not take (it takes Opaque); nothing was read from it or sent`,
      );
      expect(reads, 'keys read').to.deep.equal([]);
      expect(e.message).not.to.contain(SECRET);
    });
  }

  it('a proxy password from a ServiceAccount token Secret is refused too, naming spec.proxy.passwordSecretRef', async () => {
    const good = secret({ access_key_id: Buffer.from('AKIAIOSFODNN7EXAMPLE'), secret_access_key: Buffer.from(SECRET) });
    const { reader, reads } = counting([good, typed('svm1-proxy', 'kubernetes.io/service-account-token', { password: SECRET })]);
    const e = await resolveSecrets(reader, 'storage', fullAwsKmsSpec).then(
      () => expect.fail('resolved'),
      (err: unknown) => err as ReconcileError,
    );
    expect(e.message).to.contain('Secret storage/svm1-proxy is of type kubernetes.io/service-account-token, which spec.proxy.passwordSecretRef does not take');
    expect(reads.filter((r) => r.startsWith('svm1-proxy/'))).to.deep.equal([]);
  });

  it('each use takes its own types: ONTAP logins basic-auth or Opaque, certificates tls or Opaque, cloud keys Opaque only', () => {
    const cases: Array<[SecretUse, string, boolean]> = [
      [ontapCredentials('spec.credentialsSecretRef'), 'kubernetes.io/basic-auth', true],
      [ontapCredentials('spec.credentialsSecretRef'), 'Opaque', true],
      [ontapCredentials('spec.credentialsSecretRef'), 'kubernetes.io/tls', false],
      [certificates('spec.caBundleSecretRef'), 'kubernetes.io/tls', true],
      [certificates('spec.caBundleSecretRef'), 'Opaque', true],
      [certificates('spec.caBundleSecretRef'), 'kubernetes.io/service-account-token', false],
      [cloudCredentials('spec.clientSecretRef'), 'Opaque', true],
      [cloudCredentials('spec.clientSecretRef'), 'kubernetes.io/basic-auth', false],
      [cloudCredentials('spec.clientSecretRef'), '', true],
    ];
    for (const [use, type, ok] of cases) {
      const check = () => checkType(typed('s', type, {}), 'storage', use);
      if (ok) expect(check, `${use.field} ${type}`).not.to.throw();
      else expect(check, `${use.field} ${type}`).to.throw(ReconcileError, `is of type ${type}, which ${use.field} does not take`);
    }
  });
});

describe('readCertificates (a CA bundle)', () => {
  const { cert } = selfSignedCertificate({ commonName: 'ca.test' });
  const ca = (value: string): SecretData => ({ name: 'prod-ca', resourceVersion: '1', type: 'Opaque', data: new Map([['ca.crt', Buffer.from(value)]]) });
  it('returns a bundle of PEM certificates as it is', () => {
    expect(readCertificates(ca(`${cert}\n${cert}`), 'storage', 'ca.crt')).to.equal(`${cert}\n${cert}`.trim());
  });
  it('a value with no PEM certificate at all (a token, a file name): SecretInvalid naming the key', () => {
    const e = failure(() => readCertificates(ca('not a certificate'), 'storage', 'ca.crt'));
    expect(e.reason).to.equal(Reason.SecretInvalid);
    expect(e.retry).to.equal('wait');
    expect(e.message).to.equal(`Secret storage/prod-ca key "ca.crt" holds no PEM certificate (no -----BEGIN CERTIFICATE----- block); it must hold the CA bundle that signed ONTAP's certificate`);
  });
  it('a private key where the CA should be: SecretInvalid, without the key in the message', () => {
    const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(SECRET).toString('base64')}\n-----END PRIVATE KEY-----`;
    const e = failure(() => readCertificates(ca(key), 'storage', 'ca.crt'));
    expect(e.reason).to.equal(Reason.SecretInvalid);
    expect(e.message).not.to.contain(Buffer.from(SECRET).toString('base64'));
  });
  it('a block that does not parse: SecretInvalid naming which certificate', () => {
    const e = failure(() => readCertificates(ca(`${cert}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----`), 'storage', 'ca.crt'));
    expect(e.reason).to.equal(Reason.SecretInvalid);
    expect(e.message).to.equal('Secret storage/prod-ca key "ca.crt": certificate 2 of 2 is not a valid X.509 certificate');
  });
  it('a missing or empty key: as readKey says', () => {
    expect(failure(() => readCertificates(ca(''), 'storage', 'ca.crt')).message).to.contain('key "ca.crt" is empty');
    expect(failure(() => readCertificates(ca(cert), 'storage', 'bundle.pem')).message).to.contain('has no key "bundle.pem"');
  });
});
