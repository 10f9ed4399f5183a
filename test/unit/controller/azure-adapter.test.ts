import { expect } from 'chai';
import { parseOntapAzureKeyVaultSpec } from '../../../src/api/v1alpha1/parse.js';
import type { AppliedSecret, OntapAzureKeyVault, OntapAzureKeyVaultSpec } from '../../../src/api/v1alpha1/types.js';
import { ReconcileError } from '../../../src/controller/errors.js';
import { azureCreateBody, azureDelta, azureKeyVaultAdapter, type AzureSecrets, readAzureSecrets } from '../../../src/controller/ontap-azure-key-vault/adapter.js';
import { PEM_VALUE_MAX_BYTES, SECRET_VALUE_MAX_BYTES, type SecretReader } from '../../../src/controller/secrets.js';
import type { AzureKeyVaultRecord } from '../../../src/ontap/wire-azure.js';
import type { SecretData } from '../../../src/runtime/kube-types.js';
import { fullAzureKeyVaultSpec, minimalAzureKeyVaultSpec } from '../../support/builders.js';

const NEW_CLIENT = '11111111-2222-3333-4444-555555555555';
const KEY_2 = 'https://kv1.vault.azure.net/keys/key2';

const spec = (s: Partial<OntapAzureKeyVaultSpec> = {}): OntapAzureKeyVaultSpec => ({ ...parseOntapAzureKeyVaultSpec(minimalAzureKeyVaultSpec), ...s });
const certSpec = (s: Partial<OntapAzureKeyVaultSpec> = {}): OntapAzureKeyVaultSpec => {
  const { clientSecretRef: _dropped, ...rest } = spec(s);
  return { ...rest, clientCertificateRef: { name: 'svm3-azure-cert', key: 'client_certificate' } };
};

const secrets: AzureSecrets = { credential: { name: 'svm3-azure', resourceVersion: '10', keys: ['client_secret'], method: 'client_secret', value: 'SECRET1' } };
const certSecrets: AzureSecrets = { credential: { name: 'svm3-azure-cert', resourceVersion: '30', keys: ['client_certificate'], method: 'certificate', value: 'CERT1' } };
const withProxy: AzureSecrets = { ...secrets, proxyPassword: { name: 'proxy', resourceVersion: '20', key: 'password', value: 'PROXYPW' } };
const applied: AppliedSecret[] = [{ name: 'svm3-azure', resourceVersion: '10', keys: ['client_secret'] }];

// A record as ONTAP returns it after a create from the minimal spec, with ONTAP's own defaults.
const record: AzureKeyVaultRecord = {
  uuid: 'u1',
  scope: 'svm',
  svm: { name: 'svm3', uuid: 's3' },
  name: minimalAzureKeyVaultSpec.vaultName,
  key_id: minimalAzureKeyVaultSpec.keyId,
  client_id: minimalAzureKeyVaultSpec.clientId,
  tenant_id: minimalAzureKeyVaultSpec.tenantId,
  authentication_method: 'client_secret',
  oauth_host: 'login.microsoftonline.com',
  vault_host: 'vault.azure.net',
  port: 443,
  verify_host: true,
  verify_ip: false,
};

describe('azureDelta', () => {
  const cases: Array<{
    reason: string;
    spec: OntapAzureKeyVaultSpec;
    record?: Partial<AzureKeyVaultRecord>;
    secrets?: AzureSecrets | undefined;
    applied?: AppliedSecret[];
    configPatch: object | undefined;
    credentialsPatch: object | undefined;
    credentials?: string;
    rekeyTo?: string;
    drift: string[];
    fields?: string[];
  }> = [
    { reason: 'in sync: nothing to do', spec: spec(), configPatch: undefined, credentialsPatch: undefined, drift: [] },
    { reason: 'unset optional fields are not managed', spec: spec(), record: { port: 8443, oauth_host: 'other' }, configPatch: undefined, credentialsPatch: undefined, drift: [] },
    { reason: 'a changed port is patched alone', spec: spec({ port: 443 }), record: { port: 8443 }, configPatch: { port: 443 }, credentialsPatch: undefined, drift: ['spec.port'] },
    { reason: 'PATCH-only verify flags are compared like any field', spec: spec({ verifyIp: true }), configPatch: { verify_ip: true }, credentialsPatch: undefined, drift: ['spec.verifyIp'] },
    { reason: 'a new key id is re-keyed, never patched', spec: spec({ keyId: KEY_2 }), configPatch: undefined, credentialsPatch: undefined, rekeyTo: KEY_2, drift: ['spec.keyId'] },
    {
      reason: 'another vault is drift no write can fix',
      spec: spec(),
      record: { name: 'https://other.vault.azure.net/' },
      configPatch: undefined,
      credentialsPatch: undefined,
      drift: ['spec.vaultName'],
    },
    {
      reason: 'a Secret never sent: the client secret, with skip_verification when set',
      spec: spec({ skipVerification: true }),
      applied: [],
      configPatch: undefined,
      credentialsPatch: { client_secret: 'SECRET1', skip_verification: true },
      credentials: 'never-applied',
      drift: [],
    },
    {
      reason: 'a rotated Secret: the client secret alone',
      spec: spec(),
      applied: [{ name: 'svm3-azure', resourceVersion: '9', keys: ['client_secret'] }],
      configPatch: undefined,
      credentialsPatch: { client_secret: 'SECRET1' },
      credentials: 'secret-changed',
      drift: [],
    },
    {
      reason: 'a new application: its client id goes with its new secret, not ahead of it',
      spec: spec({ clientId: NEW_CLIENT, port: 443 }),
      record: { port: 8443 },
      applied: [{ name: 'svm3-azure', resourceVersion: '9', keys: ['client_secret'] }],
      configPatch: { port: 443 },
      credentialsPatch: { client_secret: 'SECRET1', client_id: NEW_CLIENT },
      credentials: 'secret-changed',
      drift: ['spec.clientId', 'spec.port'],
      fields: ['spec.port'],
    },
    {
      reason: 'a client id changed on ONTAP with the Secret as sent: patched alone',
      spec: spec({ clientId: NEW_CLIENT }),
      configPatch: { client_id: NEW_CLIENT },
      credentialsPatch: undefined,
      drift: ['spec.clientId'],
      fields: ['spec.clientId'],
    },
    {
      reason: 'ONTAP holds a certificate where the spec sends a secret: the secret again',
      spec: spec(),
      record: { authentication_method: 'certificate' },
      configPatch: undefined,
      credentialsPatch: { client_secret: 'SECRET1' },
      credentials: 'authentication-method-differs',
      drift: ['spec.clientSecretRef'],
    },
    {
      reason: 'switching to a certificate: client_certificate, never client_secret',
      spec: certSpec(),
      secrets: certSecrets,
      configPatch: undefined,
      credentialsPatch: { client_certificate: 'CERT1' },
      credentials: 'never-applied',
      drift: ['spec.clientCertificateRef'],
    },
    {
      reason: 'without Secrets (Observe), credentials are not compared, only what ONTAP shows of them',
      spec: spec(),
      record: { authentication_method: 'certificate' },
      secrets: undefined,
      applied: [],
      configPatch: undefined,
      credentialsPatch: undefined,
      drift: ['spec.clientSecretRef'],
    },
    {
      reason: 'a proxy password never sent goes in the configuration PATCH',
      spec: spec({ proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } }),
      record: { proxy_host: 'p' },
      secrets: withProxy,
      configPatch: { proxy_password: 'PROXYPW' },
      credentialsPatch: undefined,
      drift: [],
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const d = azureDelta(c.spec, { ...record, ...c.record }, 'secrets' in c ? c.secrets : secrets, c.applied ?? applied);
      expect(d.configPatch, 'configPatch').to.deep.equal(c.configPatch);
      expect(d.credentialsPatch, 'credentialsPatch').to.deep.equal(c.credentialsPatch);
      expect(d.credentials, 'credentials').to.equal(c.credentials);
      expect(d.rekey?.to, 'rekey').to.equal(c.rekeyTo);
      if (c.rekeyTo) expect(d.rekey?.body).to.deep.equal({ key_id: c.rekeyTo });
      expect([...d.drift].sort(), 'drift').to.deep.equal(c.drift);
      if (c.fields) expect(d.fields.map((f) => f.path)).to.deep.equal(c.fields);
    });
  }
});

describe('azureCreateBody and afterCreate', () => {
  it('a minimal spec: identity, ids, key and vault, and the client secret', () => {
    expect(azureCreateBody(spec(), secrets)).to.deep.equal({
      svm: { name: 'svm3' },
      client_id: minimalAzureKeyVaultSpec.clientId,
      tenant_id: minimalAzureKeyVaultSpec.tenantId,
      key_id: minimalAzureKeyVaultSpec.keyId,
      name: minimalAzureKeyVaultSpec.vaultName,
      client_secret: 'SECRET1',
    });
    expect(azureKeyVaultAdapter.afterCreate(spec())).to.equal(undefined);
  });

  it('every field: settings POST takes, the proxy password, the certificate; verify flags only after create', () => {
    const { clientSecretRef: _s, ...full } = fullAzureKeyVaultSpec;
    const body = azureCreateBody(full, { ...certSecrets, proxyPassword: withProxy.proxyPassword });
    expect(body).to.deep.equal({
      svm: { name: 'svm3' },
      client_id: full.clientId,
      tenant_id: full.tenantId,
      oauth_host: 'login.microsoftonline.com',
      vault_host: 'vault.azure.net',
      port: 443,
      proxy_type: full.proxy.type,
      proxy_host: full.proxy.host,
      proxy_port: full.proxy.port,
      proxy_username: full.proxy.username,
      key_id: full.keyId,
      name: full.vaultName,
      skip_verification: false,
      proxy_password: 'PROXYPW',
      client_certificate: 'CERT1',
    });
    expect(body).not.to.have.property('client_secret');
    expect(azureKeyVaultAdapter.afterCreate(full)).to.deep.equal({ verify_host: true, verify_ip: false });
  });

  it('the cluster scope names no SVM', () => {
    const { svm: _svm, ...cluster } = spec();
    expect(azureCreateBody(cluster, secrets)).not.to.have.property('svm');
  });
});

describe('readAzureSecrets', () => {
  const reader = (secretsByName: Record<string, Record<string, string | Buffer>>): SecretReader => ({
    getSecret: (_ns, name) => {
      const data = secretsByName[name];
      const s: SecretData | undefined = data
        ? { name, resourceVersion: '7', type: 'Opaque', data: new Map(Object.entries(data).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)])) }
        : undefined;
      return Promise.resolve(s);
    },
  });
  const failure = async (p: Promise<unknown>): Promise<ReconcileError> => {
    try {
      await p;
    } catch (e) {
      expect(e).to.be.instanceOf(ReconcileError);
      return e as ReconcileError;
    }
    throw new Error('expected a ReconcileError');
  };

  it('reads the client secret, trimmed, and names its Secret, version and key', async () => {
    const s = await readAzureSecrets(reader({ 'svm3-azure': { client_secret: ' SECRET1\n' } }), 'ns', spec());
    expect(s.credential).to.deep.equal({ name: 'svm3-azure', resourceVersion: '7', keys: ['client_secret'], method: 'client_secret', value: 'SECRET1' });
    expect(s.proxyPassword).to.equal(undefined);
  });

  it('reads a certificate far larger than a secret may be', async () => {
    const cert = 'A'.repeat(SECRET_VALUE_MAX_BYTES * 4);
    const s = await readAzureSecrets(reader({ 'svm3-azure-cert': { client_certificate: cert } }), 'ns', certSpec());
    expect(s.credential.method).to.equal('certificate');
    expect(s.credential.value).to.have.length(cert.length);
  });

  it('reads the proxy password from the credential Secret itself', async () => {
    const s = await readAzureSecrets(reader({ 'svm3-azure': { client_secret: 'S', pw: 'PW' } }), 'ns', spec({ proxy: { host: 'p', passwordSecretRef: { name: 'svm3-azure', key: 'pw' } } }));
    expect(s.proxyPassword).to.deep.equal({ name: 'svm3-azure', resourceVersion: '7', key: 'pw', value: 'PW' });
  });

  const failures: Array<{ reason: string; spec: OntapAzureKeyVaultSpec; secrets: Record<string, Record<string, string | Buffer>>; want: string; says: string }> = [
    { reason: 'the Secret is missing', spec: spec(), secrets: {}, want: 'SecretNotFound', says: 'Secret ns/svm3-azure not found' },
    { reason: 'the key is missing', spec: spec(), secrets: { 'svm3-azure': { other: 'x' } }, want: 'SecretInvalid', says: 'has no key "client_secret"' },
    { reason: 'the value is empty', spec: spec(), secrets: { 'svm3-azure': { client_secret: '  ' } }, want: 'SecretInvalid', says: 'client_secret' },
    {
      reason: 'a client secret the size of a file',
      spec: spec(),
      secrets: { 'svm3-azure': { client_secret: 'x'.repeat(SECRET_VALUE_MAX_BYTES + 1) } },
      want: 'SecretInvalid',
      says: `the limit is ${SECRET_VALUE_MAX_BYTES}`,
    },
    {
      reason: 'a certificate over the PEM bound',
      spec: certSpec(),
      secrets: { 'svm3-azure-cert': { client_certificate: Buffer.alloc(PEM_VALUE_MAX_BYTES + 1, 0x41) } },
      want: 'SecretInvalid',
      says: `the limit is ${PEM_VALUE_MAX_BYTES}`,
    },
    {
      reason: 'neither credential (an object from before the CEL rule)',
      spec: (() => {
        const { clientSecretRef: _s, ...rest } = spec();
        return rest;
      })(),
      secrets: {},
      want: 'SecretInvalid',
      says: 'neither clientSecretRef nor clientCertificateRef',
    },
    {
      reason: 'the proxy password Secret is missing',
      spec: spec({ proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } }),
      secrets: { 'svm3-azure': { client_secret: 'S' } },
      want: 'SecretNotFound',
      says: 'Secret ns/proxy not found',
    },
  ];
  for (const c of failures) {
    it(`fails when ${c.reason}, never quoting a value`, async () => {
      const e = await failure(readAzureSecrets(reader(c.secrets), 'ns', c.spec));
      expect(e.reason).to.equal(c.want);
      expect(e.message).to.contain(c.says);
      expect(e.message).not.to.match(/xxxxxxxx|AAAAAAAA/);
    });
  }
});

describe('azureKeyVaultAdapter.status', () => {
  const obj: OntapAzureKeyVault = { apiVersion: 'kms.ontap.dev/v1alpha1', kind: 'OntapAzureKeyVault', metadata: { name: 'akv', namespace: 'ns', uid: 'uid-1', resourceVersion: '1', generation: 2 }, spec: spec() };
  const now = new Date('2026-01-01T00:00:00Z');
  const reachable = { reachable: true, code: '0', message: '' };
  const cond = (st: { conditions?: { type: string; status: string; reason: string }[] }, type: string) => {
    const c = st.conditions?.find((x) => x.type === type);
    return c ? `${c.status}/${c.reason}` : undefined;
  };

  it('a record, available and reachable: Ready, Synced, AzureReachable, its fields in status', () => {
    const st = azureKeyVaultAdapter.status(
      obj,
      {
        record: { ...record, state: { cluster_state: true, code: '0', message: '' }, azure_reachability: reachable, ekmip_reachability: [{ node: { name: 'n1' }, ...reachable }] },
        owned: true,
        drift: [],
        observeOnly: false,
        applied,
      },
      now,
    );
    expect(st).to.include({ uuid: 'u1', keyId: record.key_id, vaultName: record.name, authenticationMethod: 'client_secret' });
    expect(st.azureReachability).to.deep.equal(reachable);
    expect(st.appliedSecrets).to.deep.equal(applied);
    expect(['Ready', 'Synced', 'AzureReachable', 'EkmipReachable'].map((t) => cond(st, t))).to.deep.equal(['True/Available', 'True/ReconcileSuccess', 'True/Reachable', 'True/Reachable']);
  });

  it('Azure unreachable: AzureReachable False with ONTAP code and message, Ready False', () => {
    const st = azureKeyVaultAdapter.status(
      obj,
      { record: { ...record, state: { cluster_state: false, code: '65537551', message: 'unavailable' }, azure_reachability: { reachable: false, code: '65537541', message: 'down' } }, owned: true, drift: [], observeOnly: false },
      now,
    );
    expect(cond(st, 'AzureReachable')).to.equal('False/NotReachable');
    expect(st.conditions?.find((c) => c.type === 'AzureReachable')?.message).to.contain('down');
    expect(cond(st, 'Ready')).to.equal('False/Unavailable');
  });

  it('no record after an error: AzureReachable Unknown, Ready False with Synced\'s reason, the last-seen record fields kept', () => {
    const before = { ...obj, status: { uuid: 'u1', keyId: record.key_id, vaultName: record.name, authenticationMethod: 'client_secret' } };
    const st = azureKeyVaultAdapter.status(before, { owned: false, drift: [], observeOnly: false, error: new ReconcileError('AnotherKeyManager', 'SVM svm3 already has another key manager', 'wait') }, now);
    expect(cond(st, 'AzureReachable')).to.equal('Unknown/Unknown');
    expect(cond(st, 'Synced')).to.equal('False/AnotherKeyManager');
    expect(cond(st, 'Ready')).to.equal('False/AnotherKeyManager');
    expect(st).to.include({ uuid: 'u1', vaultName: record.name, authenticationMethod: 'client_secret' });
  });
});
