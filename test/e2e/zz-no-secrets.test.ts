import { expect } from 'chai';
import { parseOntapAzureKeyVault, parseOntapKmip, parseOntapOnboardKeyManager } from '../../src/api/v1alpha1/parse.js';
import { selfSignedCertificate } from '../../src/runtime/self-signed.js';
import { OntapAwsKmsType, OntapAzureKeyVaultType, OntapGcpKmsType, OntapKmipType, OntapOnboardKeyManagerType } from '../../src/controller/resources.js';
import { EventType, SecretType } from '../../src/runtime/kube.js';
import { CONTROL_PLANE_TIMEOUT_MS } from '../support/control-plane.js';
import { capturedLines, TEST_SECRETS } from '../support/log-capture.js';
import { akvObject, awsSecret, condition, type E2E, getKms, getResource, KEY_MANAGER_TYPES, kmsObject, secret, startE2E, waitFor } from '../support/e2e.js';
import { gcpKey, gcpKmsObject, gcpSecret, getGcp } from '../support/gcp.js';

// Named zz- so that, in a full run, it also scans the log lines of every e2e file before it.
describe('e2e: no secret in logs, events, status or metrics', function () {
  this.timeout(60_000);
  let w: E2E;
  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    w = await startE2E({ svms: ['svm1', 'svm2', 'svm3', 'svm4', 'svm5'] });
    await w.startOperator();
  });
  after(async () => w?.close());

  it('runs creates, rotations and failures with every secret, then finds none of them anywhere', async () => {
    w.sim.control.setAws({ acceptedCredentials: [{ accessKeyId: 'AKIAE2E0000000000001', secretAccessKey: TEST_SECRETS.awsSecret }] });
    await w.api.create(SecretType, w.ns, awsSecret(w.ns));
    await w.api.create(SecretType, w.ns, secret(w.ns, 'proxy', { password: TEST_SECRETS.proxyPassword }));
    await w.api.create(OntapAwsKmsType, w.ns, kmsObject(w.ns, 'k', { svm: { name: 'svm1' }, proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } }));
    await waitFor('Ready', async () => condition(await getKms(w, 'k'), 'Ready') === 'True/Available');
    // A rotation to a key pair AWS refuses: the failure path carries ONTAP's message, never the key.
    await w.api.mergePatch(SecretType, w.ns, 'aws', { stringData: { secret_access_key: TEST_SECRETS.awsSecretRotated } });
    await waitFor('InvalidCredentials', async () => condition(await getKms(w, 'k'), 'Synced') === 'False/InvalidCredentials');

    // Google Cloud KMS: a create with a JSON key and the proxy password, a rotation to a key Google
    // refuses, and a Secret that is not JSON but holds the private key (SecretInvalid must not quote it).
    // client_email is no secret: ONTAP shows it as caller_account, and so does status.
    w.sim.control.setGcp({ accepted: [gcpKey()] });
    await w.api.create(SecretType, w.ns, gcpSecret(w.ns));
    await w.api.create(OntapGcpKmsType, w.ns, gcpKmsObject(w.ns, 'g', { svm: { name: 'svm2' }, proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } }));
    await waitFor('GCP Ready', async () => condition(await getGcp(w, 'g'), 'Ready') === 'True/Available');
    await w.api.mergePatch(SecretType, w.ns, 'gcp', { stringData: { application_credentials: gcpKey('rotated@kms-e2e-4711.iam.gserviceaccount.com', TEST_SECRETS.gcpPrivateKeyRotated) } });
    await waitFor('GCP InvalidCredentials', async () => condition(await getGcp(w, 'g'), 'Synced') === 'False/InvalidCredentials');
    await w.api.create(SecretType, w.ns, secret(w.ns, 'gcp-broken', { application_credentials: `{"private_key": "${TEST_SECRETS.gcpPrivateKey}", broken` }));
    await w.api.create(OntapGcpKmsType, w.ns, gcpKmsObject(w.ns, 'g-broken', { svm: { name: 'svm3' }, applicationCredentialsSecretRef: { name: 'gcp-broken', key: 'application_credentials' } }));
    await waitFor('GCP SecretInvalid', async () => condition(await getGcp(w, 'g-broken'), 'Synced') === 'False/SecretInvalid');

    // Azure: a client secret with the proxy password, a rotation Azure refuses, then a certificate.
    const akv = async () => getResource(w, OntapAzureKeyVaultType, 'akv', parseOntapAzureKeyVault);
    w.sim.control.setAzure({ accepted: [TEST_SECRETS.azureSecret, TEST_SECRETS.azureCertificate] });
    await w.api.create(SecretType, w.ns, secret(w.ns, 'azure', { client_secret: TEST_SECRETS.azureSecret, client_certificate: TEST_SECRETS.azureCertificate }));
    await w.api.create(
      OntapAzureKeyVaultType,
      w.ns,
      akvObject(w.ns, 'akv', { svm: { name: 'svm4' }, driftCheckIntervalSeconds: 300, proxy: { host: 'p', passwordSecretRef: { name: 'proxy', key: 'password' } } }),
    );
    await waitFor('Azure Ready', async () => condition(await akv(), 'Ready') === 'True/Available');
    await w.api.mergePatch(SecretType, w.ns, 'azure', { stringData: { client_secret: TEST_SECRETS.azureSecretRotated } });
    await waitFor('Azure InvalidCredentials', async () => condition(await akv(), 'Synced') === 'False/InvalidCredentials');
    await w.api.mergePatch(OntapAzureKeyVaultType, w.ns, 'akv', { spec: { clientSecretRef: null, clientCertificateRef: { name: 'azure', key: 'client_certificate' } } });
    await waitFor('Azure certificate', async () => (await akv())?.status?.authenticationMethod === 'certificate' && condition(await akv(), 'Synced') === 'True/ReconcileSuccess');

    // The Onboard Key Manager: a create with a passphrase and a key backup, a change from the
    // existing passphrase, then a passphrase ONTAP does not have (PassphraseIncorrect must not quote it).
    const okm = async () => getResource(w, OntapOnboardKeyManagerType, 'okm', parseOntapOnboardKeyManager);
    await w.api.create(SecretType, w.ns, secret(w.ns, 'okm', { passphrase: TEST_SECRETS.onboardPassphrase }));
    await w.api.create(OntapOnboardKeyManagerType, w.ns, {
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'OntapOnboardKeyManager',
      metadata: { name: 'okm', namespace: w.ns },
      spec: { clusterRef: { name: 'sim' }, passphraseSecretRef: { name: 'okm' }, backupSecretRef: { name: 'okm-backup' } },
    });
    await waitFor('OKM Ready and backed up', async () => condition(await okm(), 'Ready') === 'True/Available' && condition(await okm(), 'KeyBackupSaved') === 'True/Saved');
    await w.api.mergePatch(SecretType, w.ns, 'okm', { stringData: { passphrase: TEST_SECRETS.onboardPassphraseRotated, existingPassphrase: TEST_SECRETS.onboardPassphrase } });
    await waitFor('OKM passphrase changed', () => w.sim.control.onboardPassphrase(TEST_SECRETS.onboardPassphraseRotated).matches);
    await w.api.replace(SecretType, w.ns, 'okm', secret(w.ns, 'okm', { passphrase: TEST_SECRETS.onboardPassphraseWrong }));
    await waitFor('OKM PassphraseIncorrect', async () => condition(await okm(), 'Synced') === 'False/PassphraseIncorrect');
    const backups = [...new Set([await w.api.get(SecretType, w.ns, 'okm-backup')].map((b) => Buffer.from((b as unknown as { data: Record<string, string> }).data['backup'] ?? '', 'base64').toString()))];
    expect(backups[0], 'the backup Secret holds a backup').to.contain('BEGIN BACKUP');
    // The blob between the BEGIN and END lines is the secret part.
    const blobs = backups.map((b) => b.split('\n').filter((l) => !l.includes('BACKUP')).join(''));

    // KMIP: a client certificate's private key and a key server's password, a create, a renewal
    // of the certificate and a Secret that pairs the certificate with another key (SecretInvalid).
    const kmipKeys: string[] = [];
    const tls = (cn: string): Record<string, string> => {
      const c = selfSignedCertificate({ commonName: cn });
      kmipKeys.push(c.key.split('\n')[1] ?? '');
      return { 'tls.crt': c.cert, 'tls.key': c.key };
    };
    const kmip = async () => getResource(w, OntapKmipType, 'kmip', parseOntapKmip);
    await w.api.create(SecretType, w.ns, secret(w.ns, 'kmip-tls', tls('svm5'), 'kubernetes.io/tls'));
    await w.api.create(SecretType, w.ns, secret(w.ns, 'kmip-ca', { 'ca.crt': selfSignedCertificate({ commonName: 'ca' }).cert }));
    await w.api.create(SecretType, w.ns, secret(w.ns, 'kmip-login', { password: TEST_SECRETS.kmipPassword }));
    await w.api.create(OntapKmipType, w.ns, {
      apiVersion: 'kms.ontap.dev/v1alpha1',
      kind: 'OntapKmip',
      metadata: { name: 'kmip', namespace: w.ns },
      spec: {
        clusterRef: { name: 'sim' },
        svm: { name: 'svm5' },
        servers: [{ host: 'kmip1.example', username: 'ontap', passwordSecretRef: { name: 'kmip-login' } }],
        clientCertificateSecretRef: { name: 'kmip-tls' },
        serverCASecretRef: { name: 'kmip-ca' },
      },
    });
    await waitFor('KMIP Ready', async () => condition(await kmip(), 'Ready') === 'True/Available');
    await w.api.replace(SecretType, w.ns, 'kmip-tls', secret(w.ns, 'kmip-tls', tls('svm5'), 'kubernetes.io/tls'));
    await waitFor('KMIP renewed', async () => (await kmip())?.status?.appliedSecrets?.find((a) => a.name === 'kmip-tls')?.resourceVersion === (await w.api.get(SecretType, w.ns, 'kmip-tls'))?.metadata.resourceVersion);
    const mismatched = tls('svm5');
    await w.api.replace(SecretType, w.ns, 'kmip-tls', secret(w.ns, 'kmip-tls', { 'tls.crt': tls('other')['tls.crt'] ?? '', 'tls.key': mismatched['tls.key'] ?? '' }, 'kubernetes.io/tls'));
    await waitFor('KMIP SecretInvalid', async () => condition(await kmip(), 'Synced') === 'False/SecretInvalid');

    const events = (await w.api.list(EventType, w.ns)).items;
    const statuses = (await Promise.all(KEY_MANAGER_TYPES.map((t) => w.api.list(t, w.ns)))).flatMap((l) => l.items.map((o) => o.status));
    const metrics = (await w.operator?.metrics.renderText()) ?? '';
    expect(capturedLines.length, 'log lines captured').to.be.greaterThan(10);
    expect(events.length, 'events recorded').to.be.greaterThan(0);
    // AWS k, Azure akv, GCP g (with a record), GCP g-broken (never created), KMIP and the Onboard Key Manager.
    expect(statuses.map((st) => JSON.stringify(st ?? {}).includes('"uuid"')), 'a status per kind, each with a record but g-broken').to.deep.equal([true, true, true, false, true, true]);
    const haystacks = { logs: capturedLines.join('\n'), events: JSON.stringify(events), status: JSON.stringify(statuses), metrics };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const [name, value] of Object.entries(TEST_SECRETS)) {
        expect(text.includes(value), `${name} found in ${where}`).to.equal(false);
      }
      for (const blob of blobs) expect(text.includes(blob.slice(64, 128)), `the key backup found in ${where}`).to.equal(false);
      for (const key of kmipKeys) expect(key.length, 'a private key line').to.be.greaterThan(40);
      for (const key of kmipKeys) expect(text.includes(key), `a KMIP private key found in ${where}`).to.equal(false);
    }
  });
});
