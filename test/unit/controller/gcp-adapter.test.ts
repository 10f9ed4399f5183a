import { expect } from 'chai';
import { Reason } from '../../../src/api/v1alpha1/constants.js';
import type { AppliedSecret, OntapGcpKms, OntapGcpKmsSpec } from '../../../src/api/v1alpha1/types.js';
import { ReconcileError } from '../../../src/controller/errors.js';
import { gcpCreateBody, gcpDelta, gcpKmsAdapter, type GcpSecrets, readGcpSecrets } from '../../../src/controller/ontap-gcp-kms/adapter.js';
import type { SecretData, SecretReader } from '../../../src/controller/secrets.js';
import type { GcpKmsRecord } from '../../../src/ontap/wire-gcp.js';
import { keyManagerPolicies, minimalGcpKmsSpec } from '../../support/builders.js';

// Values no message, body of a non-credentials call or status may ever contain.
const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nUNIT-GCP-PRIVATE-KEY-0001\n-----END PRIVATE KEY-----\n';
const PROXY_PASSWORD = 'unit-proxy-PASSWORD-0001';
const EMAIL = 'ontap@storage-prod-4711.iam.gserviceaccount.com';
const keyJson = (o: Record<string, unknown> = {}): string => JSON.stringify({ type: 'service_account', client_email: EMAIL, private_key: PRIVATE_KEY, ...o });

function spec(s: Partial<OntapGcpKmsSpec> = {}): OntapGcpKmsSpec {
  return { ...minimalGcpKmsSpec, ...keyManagerPolicies, clusterRef: { kind: 'OntapCluster', name: 'prod' }, svm: { name: 'svm1' }, keyRingLocation: 'us-east1', applicationCredentialsSecretRef: { name: 'gcp', key: 'application_credentials' }, ...s };
}

const record = (r: Partial<GcpKmsRecord> = {}): GcpKmsRecord => ({
  uuid: 'u-1',
  project_id: 'storage-prod-4711',
  key_ring_name: 'ontap-keyring',
  key_ring_location: 'us-east1',
  key_name: 'svm4-kek',
  authentication_method: 'application_credentials_key',
  caller_account: EMAIL,
  port: 443,
  ...r,
});

const secrets = (json = keyJson(), email = EMAIL, rv = '7'): GcpSecrets => ({ credentials: { name: 'gcp', resourceVersion: rv, keys: ['application_credentials'], json, clientEmail: email } });
const sentAt7: AppliedSecret[] = [{ name: 'gcp', resourceVersion: '7', keys: ['application_credentials'] }];

function reader(data: Record<string, Record<string, string>>): SecretReader {
  return {
    getSecret: (_ns, name) => {
      const d = data[name];
      const s: SecretData | undefined = d ? { name, resourceVersion: '7', type: 'Opaque', data: new Map(Object.entries(d).map(([k, v]) => [k, Buffer.from(v)])) } : undefined;
      return Promise.resolve(s);
    },
  };
}

describe('gcp-kms adapter', () => {
  describe('gcpDelta', () => {
    const cases: Array<{
      reason: string;
      spec?: Partial<OntapGcpKmsSpec>;
      record?: Partial<GcpKmsRecord>;
      secrets?: GcpSecrets | undefined;
      applied?: AppliedSecret[];
      rekey?: object;
      configPatch?: object;
      credentialsPatch?: object;
      credentials?: string;
      drift: string[];
    }> = [
      { reason: 'in step: nothing to send', drift: [] },
      { reason: 'a PATCHable field drifted: only that field', spec: { port: 443 }, record: { port: 8443 }, configPatch: { port: 443 }, drift: ['spec.port'] },
      { reason: 'an unset field is not managed', record: { port: 8443, privileged_account: 'x@y.z' }, drift: [] },
      { reason: 'keyName moved: rekey-external with key_name only', spec: { keyName: 'kek-2' }, rekey: { key_name: 'kek-2' }, drift: ['spec.keyName'] },
      {
        reason: 'the key ring moved: rekey-external with key_name and the moved coordinates, nothing else',
        spec: { keyRingName: 'ring-2', keyRingLocation: 'europe-west1' },
        rekey: { key_name: 'svm4-kek', key_ring_name: 'ring-2', key_ring_location: 'europe-west1' },
        drift: ['spec.keyRingName', 'spec.keyRingLocation'],
      },
      { reason: 'the project moved: key_name and project_id', spec: { projectId: 'proj-9' }, rekey: { key_name: 'svm4-kek', project_id: 'proj-9' }, drift: ['spec.projectId'] },
      { reason: 'the Secret was never sent (adoption): the key is sent', applied: [], credentialsPatch: { application_credentials: keyJson() }, credentials: 'never-applied', drift: [] },
      { reason: 'the Secret changed since: the key is sent', secrets: secrets(keyJson(), EMAIL, '8'), credentialsPatch: { application_credentials: keyJson() }, credentials: 'secret-changed', drift: [] },
      {
        reason: 'ONTAP shows another caller account: drift, and the key is sent',
        record: { caller_account: 'someone@else.iam.gserviceaccount.com' },
        credentialsPatch: { application_credentials: keyJson() },
        credentials: 'caller-account-differs',
        drift: ['spec.applicationCredentialsSecretRef'],
      },
      { reason: 'Observe without readable Secrets: credentials not compared', record: { caller_account: 'someone@else.iam.gserviceaccount.com' }, secrets: undefined, drift: [] },
      {
        reason: 'from an attached service account to a key: the method goes with the key, in one PATCH',
        spec: { authenticationMethod: 'application_credentials_key', port: 443 },
        record: { authentication_method: 'sa_credentials_attachment', caller_account: undefined, port: 8443 },
        applied: [],
        configPatch: { port: 443 },
        credentialsPatch: { application_credentials: keyJson(), authentication_method: 'application_credentials_key' },
        credentials: 'never-applied',
        drift: ['spec.authenticationMethod', 'spec.port'],
      },
      {
        reason: 'to an attached service account: the method alone, no key',
        spec: { authenticationMethod: 'sa_credentials_attachment', applicationCredentialsSecretRef: undefined },
        secrets: {},
        configPatch: { authentication_method: 'sa_credentials_attachment' },
        drift: ['spec.authenticationMethod'],
      },
    ];
    for (const c of cases) {
      it(c.reason, () => {
        const d = gcpDelta(spec(c.spec), record(c.record), 'secrets' in c ? c.secrets : secrets(), c.applied ?? sentAt7);
        expect(d.rekey?.body).to.deep.equal(c.rekey);
        expect(d.configPatch).to.deep.equal(c.configPatch);
        expect(d.credentialsPatch).to.deep.equal(c.credentialsPatch);
        expect(d.credentials).to.equal(c.credentials);
        expect([...d.drift].sort()).to.deep.equal([...c.drift].sort());
        // The key only ever travels in the credentials PATCH.
        expect(JSON.stringify([d.rekey, d.configPatch, d.fields, d.drift])).not.to.contain('UNIT-GCP-PRIVATE-KEY');
      });
    }

    it('names the whole key path in the rekey, for the Rekeyed event', () => {
      expect(gcpDelta(spec({ keyName: 'kek-2' }), record(), secrets(), sentAt7).rekey?.to).to.equal('projects/storage-prod-4711/locations/us-east1/keyRings/ontap-keyring/cryptoKeys/kek-2');
    });

    it('sends the proxy password in the config PATCH when its Secret was never sent', () => {
      const s: GcpSecrets = { ...secrets(), proxyPassword: { name: 'proxy', resourceVersion: '3', key: 'password', value: PROXY_PASSWORD } };
      const d = gcpDelta(spec({ proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } }), record(), s, sentAt7);
      expect(d.configPatch).to.deep.equal({ proxy_host: 'p', proxy_password: PROXY_PASSWORD });
      expect(d.proxyPassword).to.equal(true);
    });
  });

  describe('gcpCreateBody', () => {
    it('carries the key coordinates, the set fields, the JSON key and the proxy password', () => {
      const s: GcpSecrets = { ...secrets(), proxyPassword: { name: 'proxy', resourceVersion: '3', key: 'password', value: PROXY_PASSWORD } };
      expect(gcpCreateBody(spec({ port: 443, verifyIp: false, proxy: { host: 'p', port: 3128, passwordSecretRef: { name: 'proxy', key: 'password' } } }), s)).to.deep.equal({
        svm: { name: 'svm1' },
        project_id: 'storage-prod-4711',
        key_ring_name: 'ontap-keyring',
        key_ring_location: 'us-east1',
        key_name: 'svm4-kek',
        port: 443,
        verify_ip: false,
        proxy_host: 'p',
        proxy_port: 3128,
        application_credentials: keyJson(),
        proxy_password: PROXY_PASSWORD,
      });
    });

    it('an attached service account: the method, no application_credentials; the cluster scope: no svm', () => {
      const body = gcpCreateBody(spec({ svm: undefined, authenticationMethod: 'sa_credentials_attachment', applicationCredentialsSecretRef: undefined, gceMetadataServer: 'http://metadata.internal' }), {});
      expect(body).to.deep.equal({
        project_id: 'storage-prod-4711',
        key_ring_name: 'ontap-keyring',
        key_ring_location: 'us-east1',
        key_name: 'svm4-kek',
        authentication_method: 'sa_credentials_attachment',
        gce_metadata_server: 'http://metadata.internal',
      });
    });
  });

  describe('readGcpSecrets', () => {
    it('returns the JSON key and its client_email, with the Secret version', async () => {
      const s = await readGcpSecrets(reader({ gcp: { application_credentials: keyJson() } }), 'storage', spec());
      expect(s.credentials).to.deep.include({ name: 'gcp', resourceVersion: '7', keys: ['application_credentials'], json: keyJson(), clientEmail: EMAIL });
    });

    it('an attached service account reads no Secret; only the proxy password when there is one', async () => {
      const attached = spec({ authenticationMethod: 'sa_credentials_attachment', applicationCredentialsSecretRef: undefined });
      expect(await readGcpSecrets(reader({}), 'storage', attached)).to.deep.equal({});
      const withProxy = await readGcpSecrets(reader({ proxy: { password: PROXY_PASSWORD } }), 'storage', { ...attached, proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } });
      expect(withProxy.credentials).to.equal(undefined);
      expect(withProxy.proxyPassword?.value).to.equal(PROXY_PASSWORD);
    });

    const refused: Array<{ reason: string; value: string; message: string }> = [
      { reason: 'not JSON (the parser would quote it)', value: `{"private_key": "${PRIVATE_KEY.replace(/\n/g, '\\n')}", oops`, message: 'Secret storage/gcp key "application_credentials" is not a JSON service account key' },
      { reason: 'JSON, not an object', value: JSON.stringify(PRIVATE_KEY), message: 'is not a service account key: it needs client_email and private_key' },
      { reason: 'no client_email', value: JSON.stringify({ private_key: PRIVATE_KEY }), message: 'Secret storage/gcp key "application_credentials" is not a service account key' },
      { reason: 'no private_key', value: JSON.stringify({ client_email: EMAIL }), message: 'it needs client_email and private_key' },
      { reason: 'an empty private_key', value: keyJson({ private_key: '' }), message: 'it needs client_email and private_key' },
    ];
    for (const c of refused) {
      it(`SecretInvalid for ${c.reason}, naming the Secret and key, never the value`, async () => {
        const err = await readGcpSecrets(reader({ gcp: { application_credentials: c.value } }), 'storage', spec()).then(
          () => expect.fail('accepted'),
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(ReconcileError);
        const e = err as ReconcileError;
        expect(e.reason).to.equal(Reason.SecretInvalid);
        expect(e.retry).to.equal('wait');
        expect(e.message).to.contain(c.message);
        expect(e.message).not.to.contain('UNIT-GCP-PRIVATE-KEY');
        expect(e.cause instanceof Error ? e.cause.message : '').not.to.contain('UNIT-GCP-PRIVATE-KEY');
      });
    }

    it('SecretNotFound for a missing Secret', async () => {
      const err = await readGcpSecrets(reader({}), 'storage', spec()).catch((e: unknown) => e);
      expect((err as ReconcileError).reason).to.equal(Reason.SecretNotFound);
    });
  });

  describe('status', () => {
    const obj = (): OntapGcpKms => ({ apiVersion: 'kms.ontap.dev/v1alpha1', kind: 'OntapGcpKms', metadata: { name: 'g', namespace: 'storage', uid: 'u', generation: 2, resourceVersion: '1' }, spec: spec() });
    const now = new Date('2026-01-02T03:04:05Z');
    const cond = (st: { conditions?: { type: string; status: string; reason: string }[] }, type: string) => {
      const c = st.conditions?.find((x) => x.type === type);
      return c ? `${c.status}/${c.reason}` : undefined;
    };

    it('Ready, Synced and GoogleReachable from a reachable record; the key and caller account', () => {
      const r = record({ google_reachability: { reachable: true, code: '0', message: '' }, state: { cluster_state: true, code: '0', message: '' } });
      const st = gcpKmsAdapter.status(obj(), { record: r, owned: true, drift: [], observeOnly: false, applied: sentAt7 }, now);
      expect(st).to.include({ uuid: 'u-1', projectId: 'storage-prod-4711', keyRingName: 'ontap-keyring', keyRingLocation: 'us-east1', keyName: 'svm4-kek', callerAccount: EMAIL });
      expect(st.googleReachability).to.deep.equal({ reachable: true, code: '0', message: '' });
      expect(cond(st, 'Ready')).to.equal('True/Available');
      expect(cond(st, 'Synced')).to.equal('True/ReconcileSuccess');
      expect(cond(st, 'GoogleReachable')).to.match(/^True\//);
      expect(JSON.stringify(st)).not.to.contain('UNIT-GCP-PRIVATE-KEY');
    });

    it('GoogleReachable False when Google is unreachable', () => {
      const r = record({ google_reachability: { reachable: false, code: '65537708', message: 'unreachable' } });
      const st = gcpKmsAdapter.status(obj(), { record: r, owned: true, drift: [], observeOnly: false }, now);
      expect(cond(st, 'GoogleReachable')).to.match(/^False\//);
    });

    it('Synced False with the error, the last record kept', () => {
      const prev = gcpKmsAdapter.status(obj(), { record: record(), owned: true, drift: [], observeOnly: false }, now);
      const st = gcpKmsAdapter.status({ ...obj(), status: prev }, { owned: false, drift: [], observeOnly: false, error: new ReconcileError(Reason.AnotherKeyManager, 'SVM svm1 already has another key manager', 'wait') }, now);
      expect(cond(st, 'Synced')).to.equal('False/AnotherKeyManager');
      expect(st.keyName).to.equal('svm4-kek');
      expect(st.callerAccount).to.equal(EMAIL);
    });
  });
});
