import { expect } from 'chai';
import type { AppliedSecret, OntapAwsKmsSpec } from '../../../src/api/v1alpha1/types.js';
import { appliedAfter, computeDelta, createBody, patchOnlyBody } from '../../../src/controller/ontap-aws-kms/delta.js';
import type { ResolvedSecrets } from '../../../src/controller/ontap-aws-kms/secrets.js';
import type { AwsKmsRecord } from '../../../src/ontap/wire.js';
import { awsKms, withSpec } from '../../support/builders.js';

const secrets: ResolvedSecrets = {
  aws: { name: 'aws', resourceVersion: '10', keys: ['access_key_id', 'secret_access_key'], accessKeyId: 'AKIA1', secretAccessKey: 'SECRET1' },
};
const withProxy: ResolvedSecrets = { ...secrets, proxyPassword: { name: 'proxy', resourceVersion: '20', key: 'password', value: 'PROXYPW' } };
const applied: AppliedSecret[] = [{ name: 'aws', resourceVersion: '10', keys: ['access_key_id', 'secret_access_key'] }];

// A record as ONTAP returns it after a create from the builder's spec, with ONTAP's own defaults.
const record: AwsKmsRecord = {
  uuid: 'u1',
  scope: 'svm',
  svm: { name: 'svm1', uuid: 's1' },
  key_id: 'key-1',
  region: 'us-east-1',
  access_key_id: 'AKIA1',
  service: 'kms',
  default_domain: 'amazonaws.com',
  port: 443,
  polling_period: 60,
  timeout: 10,
  verify: true,
  verify_host: true,
  verify_ip: false,
};

const spec = (s: Partial<OntapAwsKmsSpec> = {}): OntapAwsKmsSpec => awsKms('k', withSpec(s)).spec;

describe('computeDelta', () => {
  const cases: Array<{
    reason: string;
    spec: OntapAwsKmsSpec;
    record?: Partial<AwsKmsRecord>;
    secrets?: ResolvedSecrets;
    applied?: AppliedSecret[];
    patch: Record<string, unknown> | undefined;
    drift: string[];
    rekeyTo?: string;
  }> = [
    { reason: 'in sync: nothing to do', spec: spec(), patch: undefined, drift: [] },
    {
      reason: 'unset optional fields are not managed, whatever ONTAP filled in',
      spec: spec(),
      record: { service: 'something-else', polling_period: 5, timeout: 99 },
      patch: undefined,
      drift: [],
    },
    { reason: 'a changed region is patched alone', spec: spec({ region: 'eu-west-1' }), patch: { region: 'eu-west-1' }, drift: ['spec.region'] },
    {
      reason: 'only the proxy fields that differ are sent',
      spec: spec({ proxy: { type: 'http', host: 'p', port: 3128 } }),
      record: { proxy_type: 'http', proxy_host: 'old', proxy_port: 3128 },
      patch: { proxy_host: 'p' },
      drift: ['spec.proxy.host'],
    },
    {
      reason: 'PATCH-only fields are compared like the others',
      spec: spec({ timeoutSeconds: 30, verifyIp: true }),
      patch: { timeout: 30, verify_ip: true },
      drift: ['spec.timeoutSeconds', 'spec.verifyIp'],
    },
    {
      reason: 'a false boolean is managed, not treated as unset',
      spec: spec({ verify: false }),
      patch: { verify: false },
      drift: ['spec.verify'],
    },
    {
      reason: 'credentials never applied (adoption): sent once, with skip_verify when set',
      spec: spec({ skipVerify: true }),
      applied: [],
      patch: { access_key_id: 'AKIA1', secret_access_key: 'SECRET1', skip_verify: true },
      drift: [],
    },
    {
      reason: 'the AWS Secret changed: credentials sent again',
      spec: spec(),
      applied: [{ name: 'aws', resourceVersion: '9' }],
      patch: { access_key_id: 'AKIA1', secret_access_key: 'SECRET1' },
      drift: [],
    },
    {
      reason: "ONTAP's access key id differs from the Secret's: credentials sent, and it is drift",
      spec: spec(),
      record: { access_key_id: 'AKIA-OTHER' },
      patch: { access_key_id: 'AKIA1', secret_access_key: 'SECRET1' },
      drift: ['spec.credentialsSecretRef'],
    },
    {
      reason: 'skipVerify alone is never sent without the credentials',
      spec: spec({ skipVerify: true }),
      patch: undefined,
      drift: [],
    },
    {
      reason: 'a keyId change is a rekey, not a PATCH',
      spec: spec({ keyId: 'key-2' }),
      patch: undefined,
      drift: ['spec.keyId'],
      rekeyTo: 'key-2',
    },
    {
      reason: 'the proxy password is sent when its Secret was never applied',
      spec: spec({ proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } }),
      record: { proxy_host: 'p' },
      secrets: withProxy,
      patch: { proxy_password: 'PROXYPW' },
      drift: [],
    },
    {
      reason: 'the proxy password is not sent again while its Secret is unchanged',
      spec: spec({ proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } }),
      record: { proxy_host: 'p' },
      secrets: withProxy,
      applied: [...applied, { name: 'proxy', resourceVersion: '20' }],
      patch: undefined,
      drift: [],
    },
    {
      reason: 'the proxy password now read from the already-applied AWS Secret is sent, though that Secret did not change',
      spec: spec({ proxy: { host: 'p', passwordSecretRef: { name: 'aws', key: 'proxy_password' } } }),
      record: { proxy_host: 'p' },
      secrets: { ...secrets, proxyPassword: { name: 'aws', resourceVersion: '10', key: 'proxy_password', value: 'PROXYPW' } },
      patch: { proxy_password: 'PROXYPW' },
      drift: [],
    },
    {
      reason: 'a secret access key read from another key of the same Secret is sent',
      spec: spec({ credentialsSecretRef: { name: 'aws', accessKeyIdKey: 'access_key_id', secretAccessKeyKey: 'secret_access_key_v2' } }),
      secrets: { aws: { ...secrets.aws, keys: ['access_key_id', 'secret_access_key_v2'] } },
      patch: { access_key_id: 'AKIA1', secret_access_key: 'SECRET1' },
      drift: [],
    },
    {
      reason: 'a status from before keys were recorded counts as sent',
      spec: spec(),
      applied: [{ name: 'aws', resourceVersion: '10' }],
      patch: undefined,
      drift: [],
    },
    {
      reason: 'adoption with a different access key on ONTAP: credentials sent, and reported as drift',
      spec: spec(),
      record: { access_key_id: 'AKIA-OTHER' },
      applied: [],
      patch: { access_key_id: 'AKIA1', secret_access_key: 'SECRET1' },
      drift: ['spec.credentialsSecretRef'],
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const d = computeDelta(c.spec, { ...record, ...c.record }, c.secrets ?? secrets, c.applied ?? applied);
      expect({ ...d.configPatch, ...d.credentialsPatch }).to.deep.equal(c.patch ?? {});
      expect(d.drift).to.deep.equal(c.drift);
      expect(d.rekeyTo).to.equal(c.rekeyTo);
    });
  }

  it('credentials go in their own PATCH, apart from configuration', () => {
    const d = computeDelta(spec({ region: 'eu-west-1' }), record, secrets, []);
    expect(d.configPatch).to.deep.equal({ region: 'eu-west-1' });
    expect(d.credentialsPatch).to.deep.equal({ access_key_id: 'AKIA1', secret_access_key: 'SECRET1' });
  });

  it('Observe (nothing ever applied) still reports a different access key as drift', () => {
    expect(computeDelta(spec(), { ...record, access_key_id: 'AKIA-OTHER' }, secrets, []).drift).to.deep.equal(['spec.credentialsSecretRef']);
  });

  it('without Secrets (Observe mode) compares configuration only', () => {
    const d = computeDelta(spec({ region: 'eu-west-1' }), { ...record, access_key_id: 'other' }, undefined, []);
    expect(d.configPatch).to.deep.equal({ region: 'eu-west-1' });
    expect(d.credentialsPatch).to.equal(undefined);
    expect(d.credentials).to.equal(undefined);
  });

  it('never puts a secret value in drift or field diffs', () => {
    const d = computeDelta(spec({ region: 'x', proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } }), record, withProxy, []);
    const visible = JSON.stringify({ drift: d.drift, fields: d.fields });
    for (const s of ['SECRET1', 'PROXYPW']) expect(visible).not.to.contain(s);
  });
});

describe('createBody and patchOnlyBody', () => {
  it('POST carries create-able fields and Secrets, never PATCH-only fields', () => {
    const s = spec({ port: 443, timeoutSeconds: 20, verify: true, proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } });
    expect(createBody(s, withProxy)).to.deep.equal({
      key_id: 'key-1',
      access_key_id: 'AKIA1',
      secret_access_key: 'SECRET1',
      svm: { name: 'svm1' },
      region: 'us-east-1',
      port: 443,
      proxy_host: 'p',
      proxy_password: 'PROXYPW',
    });
    expect(patchOnlyBody(s)).to.deep.equal({ timeout: 20, verify: true });
  });
  it('cluster scope: no svm in the POST', () => {
    expect(createBody(spec({ svm: undefined }), secrets)).not.to.have.property('svm');
  });
  it('no PATCH-only fields set: no PATCH after create', () => {
    expect(patchOnlyBody(spec())).to.equal(undefined);
  });
});

describe('appliedAfter', () => {
  it('records sent Secret versions and forgets unreferenced ones', () => {
    expect(appliedAfter([{ name: 'old', resourceVersion: '1' }, { name: 'aws', resourceVersion: '9' }], secrets, { credentials: true, proxyPassword: false })).to.deep.equal([
      { name: 'aws', resourceVersion: '10', keys: ['access_key_id', 'secret_access_key'] },
    ]);
  });
  it('adds keys sent from a Secret at the same version', () => {
    const both: ResolvedSecrets = { ...secrets, proxyPassword: { name: 'aws', resourceVersion: '10', key: 'proxy_password', value: 'x' } };
    expect(appliedAfter(applied, both, { credentials: false, proxyPassword: true })).to.deep.equal([
      { name: 'aws', resourceVersion: '10', keys: ['access_key_id', 'proxy_password', 'secret_access_key'] },
    ]);
  });
  it('keeps the old version when nothing was sent', () => {
    expect(appliedAfter([{ name: 'aws', resourceVersion: '9' }], secrets, { credentials: false, proxyPassword: false })).to.deep.equal([
      { name: 'aws', resourceVersion: '9' },
    ]);
  });
});
