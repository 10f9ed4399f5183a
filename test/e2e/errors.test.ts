import { expect } from 'chai';
import { ClusterOntapClusterType, OntapAwsKmsType, OntapClusterType } from '../../src/controller/resources.js';
import { SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { awsKmsWrites, awsSecret, condition, type E2E, getKms, kmsObject, secret, startE2E, waitFor } from '../support/e2e.js';

/** syncedIs waits until `name` reports Synced with `want` (e.g. "False/SecretNotFound"). */
async function syncedIs(w: E2E, name: string, want: string): Promise<string> {
  return waitFor(`${name} Synced=${want}`, async () => {
    const k = await getKms(w, name);
    const c = k?.status?.conditions?.find((x) => x.type === 'Synced');
    return c && `${c.status}/${c.reason}` === want ? c.message : undefined;
  }, 25_000);
}

describe('e2e: errors give Synced=False with a reason, write nothing, and recover without a restart', function () {
  this.timeout(90_000);
  let w: E2E;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: ['svm1', 'svm2', 'svm3', 'svm4'] });
    await w.startOperator(['--cluster-resource-namespace', w.ns]);
  });
  after(async () => w?.close());
  beforeEach(() => w.sim.control.clearRequests());

  it('5a. a missing Secret: SecretNotFound; creating it recovers', async () => {
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'missing', { svm: { name: 'svm1' }, credentialsSecretRef: { name: 'later' } }));
    const message = await syncedIs(w, 'missing', 'False/SecretNotFound');
    expect(message).to.contain(`Secret ${w.ns}/later not found`);
    expect(awsKmsWrites(w.sim)).to.deep.equal([]);
    await w.api.create(SecretType, w.ns, awsSecret(w.ns, 'later'));
    await syncedIs(w, 'missing', 'True/ReconcileSuccess');
    expect(awsKmsWrites(w.sim).map((r) => r.method)).to.deep.equal(['POST']);
  });

  it('5b. an empty key: SecretInvalid, naming the key; filling it recovers', async () => {
    await w.api.create(SecretType, w.ns, secret(w.ns, 'empty', { access_key_id: 'AKIAEMPTY', secret_access_key: '' }));
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'empty', { svm: { name: 'svm2' }, credentialsSecretRef: { name: 'empty' } }));
    const message = await syncedIs(w, 'empty', 'False/SecretInvalid');
    expect(message).to.contain('key "secret_access_key" is empty');
    expect(awsKmsWrites(w.sim)).to.deep.equal([]);
    await w.api.mergePatch(SecretType, w.ns, 'empty', { stringData: { secret_access_key: 'now-filled-in' } });
    await syncedIs(w, 'empty', 'True/ReconcileSuccess');
  });

  it('5c. AWS refuses the credentials (65537921): InvalidCredentials with ONTAP code and text; accepted keys recover', async () => {
    w.sim.control.setAws({ acceptedCredentials: [{ accessKeyId: 'AKIAGOOD', secretAccessKey: 'good-secret' }] });
    try {
      await w.api.create(SecretType, w.ns, secret(w.ns, 'bad', { access_key_id: 'AKIABAD', secret_access_key: 'bad-secret' }));
      await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'badcreds', { svm: { name: 'svm3' }, credentialsSecretRef: { name: 'bad' } }));
      const message = await syncedIs(w, 'badcreds', 'False/InvalidCredentials');
      expect(message).to.match(/ONTAP error 65537921: /);
      expect([...w.sim.state.records.values()].filter((r) => r.svm?.name === 'svm3')).to.have.length(0);
      await w.api.mergePatch(SecretType, w.ns, 'bad', { stringData: { access_key_id: 'AKIAGOOD', secret_access_key: 'good-secret' } });
      await syncedIs(w, 'badcreds', 'True/ReconcileSuccess');
    } finally {
      w.sim.control.setAws({ acceptedCredentials: null });
    }
  });

  it('5d. an unreachable cluster: Unreachable; reachable again recovers', async () => {
    const id = w.sim.control.addFault({ path: '/api/', drop: true });
    try {
      await w.api.mergePatch(OntapAwsKmsType, w.ns, 'missing', { spec: { region: 'eu-central-1' } });
      const message = await syncedIs(w, 'missing', 'False/Unreachable');
      expect(message).to.match(/OntapCluster sim|aws-kms/);
    } finally {
      w.sim.control.clearFaults(id);
    }
    await waitFor('recovered', async () => {
      const k = await getKms(w, 'missing');
      return condition(k, 'Synced') === 'True/ReconcileSuccess' && k?.status?.observedGeneration === k?.metadata.generation;
    }, 30_000);
    expect([...w.sim.state.records.values()].find((r) => r.svm?.name === 'svm1')?.region).to.equal('eu-central-1');
  });

  it('5e. a wrong CA: OntapCluster Ready=False and OntapAwsKms Synced=False, both CertificateUntrusted naming spec.caBundleSecretRef and its Secret; the right CA recovers', async () => {
    const other = await import('../support/sim.js').then((m) => m.startTestSim());
    try {
      await w.api.mergePatch(SecretType, w.ns, 'ontap-ca', { stringData: { 'ca.crt': other.caPem } });
      await w.api.mergePatch(OntapAwsKmsType, w.ns, 'missing', { spec: { region: 'ap-south-1' } });
      const fix = `OntapCluster ${w.ns}/sim's spec.caBundleSecretRef (Secret ${w.ns}/ontap-ca, key "ca.crt")`;
      const message = await syncedIs(w, 'missing', 'False/CertificateUntrusted');
      expect(message).to.contain(fix);
      expect(message).to.match(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
      const ready = await waitFor('cluster not ready', async () => {
        const c = await w.api.get(OntapClusterType, w.ns, 'sim');
        const conds = (c?.status as { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } | undefined)?.conditions;
        const r = conds?.find((x) => x.type === 'Ready');
        return r?.status === 'False' ? r : undefined;
      });
      expect(ready.reason).to.equal('CertificateUntrusted');
      expect(ready.message).to.contain(fix);
      expect(awsKmsWrites(w.sim)).to.deep.equal([]);
    } finally {
      await w.api.mergePatch(SecretType, w.ns, 'ontap-ca', { stringData: { 'ca.crt': w.sim.caPem } });
      await other.close();
    }
    await syncedIs(w, 'missing', 'True/ReconcileSuccess');
  });

  describe('OntapCluster', () => {
    const ready = async (name: string): Promise<{ status: string; reason: string; message: string } | undefined> => {
      const c = await w.api.get(OntapClusterType, w.ns, name);
      const conds = (c?.status as { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } | undefined)?.conditions;
      return conds?.find((x) => x.type === 'Ready');
    };
    const cluster = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'OntapCluster',
      metadata: { name, namespace: w.ns },
      spec: { endpoint: w.sim.url, caBundleSecretRef: { name: 'ontap-ca' }, ...spec },
    });

    it('reports name, uuid and version when connected', async () => {
      const c = await waitFor('sim Ready', async () => {
        const o = await w.api.get(OntapClusterType, w.ns, 'sim');
        return (await ready('sim'))?.status === 'True' ? o : undefined;
      });
      expect(c.status).to.deep.include({ clusterName: w.sim.state.clusterName, clusterUUID: w.sim.state.clusterUuid, version: '9.15.1' });
    });

    it('wrong password: Ready=False InvalidCredentials; fixing the Secret recovers', async () => {
      await w.api.create(SecretType, w.ns, secret(w.ns, 'wrong-admin', { username: 'admin', password: 'wrong' }, 'kubernetes.io/basic-auth'));
      await w.api.create(OntapClusterType, w.ns, cluster('badpw', { credentialsSecretRef: { name: 'wrong-admin' } }));
      const r = await waitFor('InvalidCredentials', async () => ((await ready('badpw'))?.reason === 'InvalidCredentials' ? ready('badpw') : undefined));
      expect(r?.message).to.contain('HTTP 401');
      await w.api.mergePatch(SecretType, w.ns, 'wrong-admin', { stringData: { password: 'netapp1!' } });
      await waitFor('Connected', async () => (await ready('badpw'))?.reason === 'Connected');
    });

    it('an endpoint nobody answers: Ready=False Unreachable', async () => {
      await w.api.create(OntapClusterType, w.ns, cluster('nowhere', { endpoint: 'https://127.0.0.1:1', credentialsSecretRef: { name: 'ontap-admin' }, requestTimeoutSeconds: 2 }));
      const r = await waitFor('Unreachable', async () => ((await ready('nowhere'))?.reason === 'Unreachable' ? ready('nowhere') : undefined));
      expect(r?.message).to.match(/ECONNREFUSED|connection/);
    });

    it('a client certificate instead of a password', async () => {
      await w.api.create(SecretType, w.ns, secret(w.ns, 'ontap-cert', { 'tls.crt': w.sim.clientCertPem ?? '', 'tls.key': w.sim.clientKeyPem ?? '' }, 'kubernetes.io/tls'));
      await w.api.create(OntapClusterType, w.ns, cluster('cert', { clientCertificateSecretRef: { name: 'ontap-cert' } }));
      await waitFor('Connected with a certificate', async () => (await ready('cert'))?.reason === 'Connected');
    });

    it('a CA Secret with no certificate in it: Ready=False SecretInvalid naming the Secret and key, nothing sent', async () => {
      await w.api.create(SecretType, w.ns, secret(w.ns, 'not-a-ca', { 'ca.crt': 'the CA is on the wiki' }));
      await w.api.create(OntapClusterType, w.ns, cluster('noca', { credentialsSecretRef: { name: 'ontap-admin' }, caBundleSecretRef: { name: 'not-a-ca' } }));
      const r = await waitFor('SecretInvalid', async () => ((await ready('noca'))?.reason === 'SecretInvalid' ? ready('noca') : undefined));
      expect(r?.message).to.contain(`Secret ${w.ns}/not-a-ca key "ca.crt" holds no PEM certificate`);
    });

    it('no caBundleSecretRef and a certificate the system roots do not hold: Ready=False CertificateUntrusted saying none is set', async () => {
      await w.api.create(OntapClusterType, w.ns, { ...cluster('noref', {}), spec: { endpoint: w.sim.url, credentialsSecretRef: { name: 'ontap-admin' } } });
      const r = await waitFor('CertificateUntrusted', async () => ((await ready('noref'))?.reason === 'CertificateUntrusted' ? ready('noref') : undefined));
      expect(r?.message).to.contain(`OntapCluster ${w.ns}/noref sets no spec.caBundleSecretRef`);
    });

    it("a ClusterOntapCluster with the wrong CA: CertificateUntrusted on it naming its Secret, and on its tenants' resources naming only the field", async () => {
      const shared = `${w.ns}-shared`;
      const other = await import('../support/sim.js').then((m) => m.startTestSim());
      try {
        await w.api.create(SecretType, w.ns, secret(w.ns, 'other-ca', { 'ca.crt': other.caPem }));
        await w.api.create(SecretType, w.ns, awsSecret(w.ns, 'aws-shared'));
        await w.api.create(ClusterOntapClusterType, '', {
          apiVersion: 'kms.ontap.dev/v1alpha1',
          kind: 'ClusterOntapCluster',
          metadata: { name: shared },
          spec: { endpoint: w.sim.url, credentialsSecretRef: { name: 'ontap-admin' }, caBundleSecretRef: { name: 'other-ca' }, tenancy: { namespaceSelector: {}, svms: [{ namespace: w.ns, names: ['svm4'] }] } },
        });
        await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'tenant', { clusterRef: { kind: 'ClusterOntapCluster', name: shared }, svm: { name: 'svm4' }, credentialsSecretRef: { name: 'aws-shared' } }));
        const message = await syncedIs(w, 'tenant', 'False/CertificateUntrusted');
        expect(message).to.contain(`ClusterOntapCluster ${shared}'s spec.caBundleSecretRef`);
        expect(message, "the platform's Secret is not named to a tenant").not.to.contain('other-ca');
        const r = await waitFor('ClusterOntapCluster CertificateUntrusted', async () => {
          const c = await w.api.get(ClusterOntapClusterType, '', shared);
          const conds = (c?.status as { conditions?: Array<{ type: string; reason: string; message: string }> } | undefined)?.conditions;
          const ready = conds?.find((x) => x.type === 'Ready');
          return ready?.reason === 'CertificateUntrusted' ? ready : undefined;
        });
        expect(r.message).to.contain(`ClusterOntapCluster ${shared}'s spec.caBundleSecretRef (Secret ${w.ns}/other-ca, key "ca.crt")`);
        expect(w.sim.control.requests().filter((x) => x.method !== 'GET')).to.deep.equal([]);
      } finally {
        await w.api.delete(OntapAwsKmsType, w.ns, 'tenant').catch(() => undefined);
        await w.api.delete(ClusterOntapClusterType, '', shared).catch(() => undefined);
        await other.close();
      }
    });

    it('insecureSkipTLSVerify: connects without the CA, and Ready says verification is off', async () => {
      await w.api.create(OntapClusterType, w.ns, { ...cluster('insecure', { credentialsSecretRef: { name: 'ontap-admin' }, insecureSkipTLSVerify: true }), spec: { endpoint: w.sim.url, credentialsSecretRef: { name: 'ontap-admin' }, insecureSkipTLSVerify: true } });
      const r = await waitFor('Connected', async () => ((await ready('insecure'))?.reason === 'Connected' ? ready('insecure') : undefined));
      expect(r?.message).to.contain('TLS certificate verification is DISABLED');
    });
  });
});
