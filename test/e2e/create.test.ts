import { expect } from 'chai';
import { OntapAwsKmsType } from '../../src/controller/resources.js';
import { SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { TEST_SECRETS } from '../support/log-capture.js';
import { simRequest } from '../support/sim.js';
import { awsKmsWrites, awsSecret, condition, type E2E, getKms, kmsObject, secret, startE2E, waitFor } from '../support/e2e.js';

describe('e2e: create, status and spec changes', function () {
  this.timeout(60_000);
  let w: E2E;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E();
    await w.startOperator();
  });
  after(async () => w?.close());

  it('1. creates the record with every spec field and reports uuid, state, reachability and Ready', async () => {
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.api.create(SecretType, w.ns, secret(w.ns, 'proxy', { password: TEST_SECRETS.proxyPassword }));
    await w.api.create(
      OntapAwsKmsType,
      w.ns,
      kmsObject(w.ns, 'full', {
        svm: { name: 'svm1' },
        service: 'kms',
        defaultDomain: 'amazonaws.com',
        host: 'kms.us-east-1.amazonaws.com',
        port: 8443,
        proxy: { type: 'https', host: 'proxy.corp', port: 3128, username: 'kmsuser', passwordSecretRef: { name: 'proxy', key: 'password' } },
        pollingPeriodMinutes: 45,
        timeoutSeconds: 25,
        verify: true,
        verifyHost: false,
        verifyIp: true,
        encryptionContext: 'aws:fsx:fs-id=fs-0785c8beceb895999',
        skipVerify: false,
      }),
    );
    const k = await waitFor('Ready=True', async () => {
      const o = await getKms(w, 'full');
      return condition(o, 'Ready') === 'True/Available' ? o : undefined;
    });
    const record = [...w.sim.state.records.values()].find((r) => r.svm?.name === 'svm1');
    expect(record, 'record on the simulator').to.exist;
    expect(record).to.include({
      key_id: 'arn:aws:kms:us-east-1:111122223333:key/e2e-1',
      region: 'us-east-1',
      service: 'kms',
      default_domain: 'amazonaws.com',
      host: 'kms.us-east-1.amazonaws.com',
      port: 8443,
      proxy_type: 'https',
      proxy_host: 'proxy.corp',
      proxy_port: 3128,
      proxy_username: 'kmsuser',
      polling_period: 45,
      timeout: 25,
      verify: true,
      verify_host: false,
      verify_ip: true,
      encryption_context: 'aws:fsx:fs-id=fs-0785c8beceb895999',
      access_key_id: 'AKIAE2E0000000000001',
    });
    expect(k.status?.uuid).to.equal(record?.uuid);
    expect(k.status?.svm?.name).to.equal('svm1');
    expect(k.status?.state?.clusterState).to.equal(true);
    expect(k.status?.amazonReachability?.reachable).to.equal(true);
    expect(k.status?.ekmipReachability?.length).to.be.greaterThan(0);
    expect(condition(k, 'Synced')).to.equal('True/ReconcileSuccess');
    expect(condition(k, 'AmazonReachable')).to.equal('True/Reachable');
    expect(condition(k, 'EkmipReachable')).to.equal('True/Reachable');
    expect(k.status?.observedGeneration).to.equal(k.metadata.generation);
    expect(k.status?.appliedSecrets?.map((a) => a.name)).to.deep.equal(['aws', 'proxy']);
    expect(JSON.stringify(k.status)).not.to.contain(TEST_SECRETS.awsSecret);
    // POST, then one PATCH for the PATCH-only fields: nothing else.
    expect(awsKmsWrites(w.sim).map((r) => r.method)).to.deep.equal(['POST', 'PATCH']);
    expect(Object.keys(awsKmsWrites(w.sim)[1]?.body as object).sort()).to.deep.equal(['timeout', 'verify', 'verify_host', 'verify_ip']);
  });

  const uuid = (): string => [...w.sim.state.records.values()].find((r) => r.svm?.name === 'svm1')?.uuid ?? '';

  it('2. corrects a change an ONTAP admin made through the REST API within the drift interval, PATCHing only that field', async () => {
    const res = await simRequest(w.sim, 'PATCH', `/api/security/aws-kms/${uuid()}`, { body: { polling_period: 5 } });
    expect(res.status).to.equal(200);
    w.sim.control.clearRequests();
    await waitFor('polling_period corrected', () => w.sim.state.records.get(uuid())?.polling_period === 45, 25_000);
    const writes = awsKmsWrites(w.sim);
    expect(writes).to.have.length(1);
    expect(writes[0]?.body).to.deep.equal({ polling_period: 45 });
  });

  it('3. a spec change sends exactly one PATCH with that field, and observedGeneration follows', async () => {
    w.sim.control.clearRequests();
    const updated = await w.api.mergePatch(OntapAwsKmsType, w.ns, 'full', { spec: { region: 'eu-west-1' } });
    const generation = updated.metadata.generation;
    const k = await waitFor('observedGeneration', async () => {
      const o = await getKms(w, 'full');
      return o?.status?.observedGeneration === generation && condition(o, 'Synced') === 'True/ReconcileSuccess' ? o : undefined;
    });
    expect(w.sim.state.records.get(uuid())?.region).to.equal('eu-west-1');
    expect(awsKmsWrites(w.sim).map((r) => r.body)).to.deep.equal([{ region: 'eu-west-1' }]);
    expect(k.status?.conditions?.every((c) => c.observedGeneration === generation)).to.equal(true);
  });

  it('4. a rotated AWS Secret reaches ONTAP within seconds, and status records its resourceVersion', async () => {
    w.sim.control.clearRequests();
    const before = w.sim.state.records.get(uuid())?.secret_access_key;
    const rotated = await w.api.mergePatch(SecretType, w.ns, 'aws', { stringData: { secret_access_key: TEST_SECRETS.awsSecretRotated } });
    const started = Date.now();
    await waitFor('new key pair on ONTAP', () => w.sim.state.records.get(uuid())?.secret_access_key === TEST_SECRETS.awsSecretRotated, 10_000, 50);
    const took = Date.now() - started;
    expect(before).to.equal(TEST_SECRETS.awsSecret);
    const k = await waitFor('appliedSecrets', async () => {
      const o = await getKms(w, 'full');
      return o?.status?.appliedSecrets?.find((a) => a.name === 'aws')?.resourceVersion === rotated.metadata.resourceVersion ? o : undefined;
    });
    const writes = awsKmsWrites(w.sim);
    expect(writes).to.have.length(1);
    expect(Object.keys(writes[0]?.body as object).sort()).to.deep.equal(['access_key_id', 'secret_access_key', 'skip_verify']);
    // The request log shows a fingerprint, never the value.
    expect(JSON.stringify(writes)).not.to.contain(TEST_SECRETS.awsSecretRotated);
    expect(JSON.stringify(k.status)).not.to.contain(TEST_SECRETS.awsSecretRotated);
    expect(took).to.be.below(10_000);
  });

  it('a keyId change re-keys through rekey-external, not a PATCH', async () => {
    w.sim.control.clearRequests();
    await w.api.mergePatch(OntapAwsKmsType, w.ns, 'full', { spec: { keyId: 'arn:aws:kms:us-east-1:111122223333:key/e2e-2' } });
    await waitFor('key_id changed', () => w.sim.state.records.get(uuid())?.key_id === 'arn:aws:kms:us-east-1:111122223333:key/e2e-2');
    const writes = awsKmsWrites(w.sim);
    expect(writes.map((r) => `${r.method} ${r.path.replace(uuid(), '{uuid}')}`)).to.deep.equal(['POST /api/security/aws-kms/{uuid}/rekey-external']);
    await waitFor('status keyId', async () => (await getKms(w, 'full'))?.status?.keyId === 'arn:aws:kms:us-east-1:111122223333:key/e2e-2');
  });
});
