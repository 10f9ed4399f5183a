import { expect } from 'chai';
import { OntapAwsKmsType, OntapAzureKeyVaultType, OntapGcpKmsType } from '../../../src/controller/resources.js';
import { type KubeObject, type ResourceType } from '../../../src/runtime/kube.js';
import { admission, type Admission } from '../../support/admission.js';
import { minimalAzureKeyVaultSpec, minimalGcpKmsSpec } from '../../support/builders.js';
import { CONTROL_PLANE_TIMEOUT_MS, getControlPlane } from '../../support/control-plane.js';

/**
 * OntapAzureKeyVault and OntapGcpKms on the real API server: every CEL rule both ways (a value
 * it accepts, values it refuses with its message), the defaults, and what kubectl shows; and
 * the immutable fields of all three key-manager kinds.
 */
describe('key-manager CRDs on the real API server: OntapAzureKeyVault, OntapGcpKms (and what all three share)', function () {
  this.timeout(30_000);
  let server: Admission;
  let seq = 0;

  before(async function () {
    this.timeout(CONTROL_PLANE_TIMEOUT_MS);
    server = await admission('kmcrd');
  });
  after(async () => server?.close());

  const aws = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapAwsKms',
    metadata: { name: `aws-${++seq}` },
    spec: { clusterRef: { name: 'c' }, svm: { name: 'svm1' }, keyId: 'k', region: 'us-east-1', credentialsSecretRef: { name: 'aws' }, ...spec },
  });
  const azure = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapAzureKeyVault',
    metadata: { name: `akv-${++seq}` },
    spec: { ...minimalAzureKeyVaultSpec, ...spec },
  });
  const gcp = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapGcpKms',
    metadata: { name: `gcp-${++seq}` },
    spec: { ...minimalGcpKmsSpec, ...spec },
  });

  // Each CEL rule: the values it accepts, then the values it refuses, each refusal naming the field and giving the rule's message.
  const rules: Array<{ rule: string; obj: (spec: Record<string, unknown>) => KubeObject; accepted: Array<Record<string, unknown>>; refused: Array<Record<string, unknown>>; field: string; message: string }> = [
    {
      rule: 'Azure clientId is a GUID',
      obj: azure,
      accepted: [{ clientId: 'AAAAAAAA-bbbb-4ccc-8ddd-0123456789ab' }, { clientId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' }],
      refused: [{ clientId: 'zzzzzzzz-yyyy-zzzz-yyyy-zzzzzzzzzzzz' }, { clientId: '3f2504e0_4f89_11d3_9a0c_0305e82c3301' }],
      field: 'spec.clientId',
      message: 'clientId must be a GUID',
    },
    {
      rule: 'Azure tenantId is a GUID',
      obj: azure,
      accepted: [{ tenantId: '9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0' }],
      refused: [{ tenantId: 'zzzzzzzz-yyyy-zzzz-yyyy-zzzzzzzzzzzz' }],
      field: 'spec.tenantId',
      message: 'tenantId must be a GUID',
    },
    {
      rule: 'Azure keyId is an AKV key identifier',
      obj: azure,
      accepted: [{ keyId: 'https://kv1.vault.azure.net/keys/key-1' }, { keyId: 'https://kv1.vault.azure.net:443/keys/k/0123456789abcdef0123456789ABCDEF' }],
      refused: [
        { keyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd' },
        { keyId: 'http://kv1.vault.azure.net/keys/key1' },
        { keyId: 'https://kv1.vault.azure.net/secrets/key1' },
        { keyId: 'https://kv1.vault.azure.net/keys/key1/not-a-version' },
        { keyId: 'https://user@kv1.vault.azure.net/keys/key1' },
      ],
      field: 'spec.keyId',
      message: 'keyId must be an AKV key identifier',
    },
    {
      rule: 'Azure vaultName is the vault URL',
      obj: azure,
      accepted: [{ vaultName: 'https://kv-storage-prod.vault.azure.net' }, { vaultName: 'https://kv1.vault.azure.cn:443/' }],
      // The second is the typo in ONTAP's own example: refused here rather than by ONTAP later.
      refused: [{ vaultName: 'kv1' }, { vaultName: 'https:://mykeyvault.vault.azure.net/' }, { vaultName: 'https://kv1.vault.azure.net/keys/key1' }],
      field: 'spec.vaultName',
      message: 'vaultName must be the vault URL',
    },
    {
      rule: 'Azure: exactly one of clientSecretRef and clientCertificateRef',
      obj: azure,
      accepted: [{ clientSecretRef: undefined, clientCertificateRef: { name: 'cert' } }],
      refused: [{ clientCertificateRef: { name: 'cert' } }, { clientSecretRef: undefined }],
      field: 'spec',
      message: 'exactly one of clientSecretRef and clientCertificateRef must be set',
    },
    {
      rule: 'GCP projectId is a Google Cloud project ID',
      obj: gcp,
      accepted: [{ projectId: 'gcpapp1' }, { projectId: 'example.com:my-project' }],
      // testProj is ONTAP's own example; Google refuses upper case.
      refused: [{ projectId: 'testProj' }, { projectId: '1project' }, { projectId: 'project-' }, { projectId: 'a-project-id-that-is-too-long-x' }],
      field: 'spec.projectId',
      message: 'projectId must be a Google Cloud project ID',
    },
    {
      rule: 'GCP keyRingName is a Cloud KMS id',
      obj: gcp,
      accepted: [{ keyRingName: 'Ontap_Keyring-1' }],
      refused: [{ keyRingName: 'ring/1' }, { keyRingName: 'ring.1' }],
      field: 'spec.keyRingName',
      message: 'keyRingName must be a Cloud KMS key ring id',
    },
    {
      rule: 'GCP keyName is a Cloud KMS id',
      obj: gcp,
      accepted: [{ keyName: 'KEK_2' }],
      refused: [{ keyName: 'projects/p/locations/global/keyRings/r/cryptoKeys/k' }],
      field: 'spec.keyName',
      message: 'keyName must be a Cloud KMS key id',
    },
    {
      rule: 'GCP keyRingLocation is a Cloud KMS location',
      obj: gcp,
      accepted: [{ keyRingLocation: 'us-east1' }, { keyRingLocation: 'nam-eur-asia1' }],
      refused: [{ keyRingLocation: 'US-EAST1' }, { keyRingLocation: 'us east1' }],
      field: 'spec.keyRingLocation',
      message: 'keyRingLocation must be a Cloud KMS location',
    },
    {
      rule: 'GCP privilegedAccount is an e-mail address',
      obj: gcp,
      accepted: [{ privilegedAccount: 'kms@storage-prod-4711.iam.gserviceaccount.com' }],
      refused: [{ privilegedAccount: 'kms-signer' }, { privilegedAccount: 'a@b@c' }],
      field: 'spec.privilegedAccount',
      message: 'privilegedAccount must be an e-mail address',
    },
    {
      rule: 'GCP oauthUrl is an http(s) URL',
      obj: gcp,
      accepted: [{ oauthUrl: 'https://oauth2.googleapis.com/token' }],
      refused: [{ oauthUrl: 'oauth2.googleapis.com/token' }, { oauthUrl: 'ftp://oauth2.googleapis.com/token' }],
      field: 'spec.oauthUrl',
      message: 'oauthUrl must be an http:// or https:// URL',
    },
    {
      rule: 'GCP gceMetadataServer is an http(s) URL',
      obj: gcp,
      accepted: [{ authenticationMethod: 'sa_credentials_attachment', applicationCredentialsSecretRef: undefined, gceMetadataServer: 'http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token' }],
      refused: [{ authenticationMethod: 'sa_credentials_attachment', applicationCredentialsSecretRef: undefined, gceMetadataServer: 'metadata.google.internal' }],
      field: 'spec.gceMetadataServer',
      message: 'gceMetadataServer must be an http:// or https:// URL',
    },
    {
      rule: 'GCP gceMetadataServer only with sa_credentials_attachment',
      obj: gcp,
      accepted: [{ authenticationMethod: 'sa_credentials_attachment', applicationCredentialsSecretRef: undefined, gceMetadataServer: 'http://metadata.google.internal/' }],
      refused: [{ gceMetadataServer: 'http://metadata.google.internal/' }, { authenticationMethod: 'application_credentials_key', gceMetadataServer: 'http://metadata.google.internal/' }],
      field: 'spec.gceMetadataServer',
      message: 'gceMetadataServer is used only with authenticationMethod sa_credentials_attachment',
    },
    {
      rule: 'GCP applicationCredentialsSecretRef goes with application_credentials_key (the default), and only with it',
      obj: gcp,
      accepted: [{ authenticationMethod: 'application_credentials_key' }, { authenticationMethod: 'sa_credentials_attachment', applicationCredentialsSecretRef: undefined }],
      refused: [
        { applicationCredentialsSecretRef: undefined },
        { authenticationMethod: 'application_credentials_key', applicationCredentialsSecretRef: undefined },
        { authenticationMethod: 'sa_credentials_attachment' },
      ],
      field: 'spec.applicationCredentialsSecretRef',
      message: 'applicationCredentialsSecretRef is required with authenticationMethod application_credentials_key (the default) and refused with sa_credentials_attachment',
    },
  ];
  for (const r of rules) {
    it(`${r.rule}: accepts ${r.accepted.length}, refuses ${r.refused.length}`, async () => {
      for (const spec of r.accepted) expect(await server.rejection(r.obj(spec)), `accepts ${JSON.stringify(spec)}`).to.equal('');
      for (const spec of r.refused) {
        const message = await server.rejection(r.obj(spec));
        expect(message, `refuses ${JSON.stringify(spec)}`).to.contain(`${r.field}: Invalid value`).and.to.contain(r.message);
      }
    });
  }

  it('accepts the minimal objects and applies OntapAwsKms\'s defaults and the default Secret keys', async () => {
    const created = await Promise.all([
      server.api.create(OntapAzureKeyVaultType, server.ns, { ...azure({}), metadata: { name: 'akv-defaults', namespace: server.ns } }),
      server.api.create(OntapGcpKmsType, server.ns, { ...gcp({}), metadata: { name: 'gcp-defaults', namespace: server.ns } }),
    ]);
    for (const o of created) {
      expect(o.spec, String(o.kind)).to.deep.include({ deletionPolicy: 'Retain', managementPolicy: 'Manage', driftCheckIntervalSeconds: 300, suspend: false });
      expect(o.spec, String(o.kind)).to.have.nested.property('clusterRef.kind', 'OntapCluster');
    }
    expect(created[0].spec).to.have.nested.property('clientSecretRef.key', 'client_secret');
    expect(created[1].spec).to.have.nested.property('applicationCredentialsSecretRef.key', 'application_credentials');
  });

  // OntapAwsKms too: the three share these rules (schema-key-manager.ts), and this pins that they do.
  const immutability: Array<{ kind: string; type: ResourceType; obj: (spec: Record<string, unknown>) => KubeObject; changes: Array<{ spec: Record<string, unknown>; message: string }>; allowed: Record<string, unknown> }> = [
    {
      kind: 'OntapAwsKms',
      type: OntapAwsKmsType,
      obj: aws,
      changes: [
        { spec: { clusterRef: { name: 'other' } }, message: 'clusterRef is immutable' },
        { spec: { svm: { name: 'svm2' } }, message: 'svm is immutable' },
        { spec: { svm: null }, message: 'svm is immutable' },
      ],
      allowed: { region: 'eu-west-1', keyId: 'k2' },
    },
    {
      kind: 'OntapAzureKeyVault',
      type: OntapAzureKeyVaultType,
      obj: azure,
      changes: [
        { spec: { clusterRef: { name: 'other' } }, message: 'clusterRef is immutable' },
        { spec: { svm: { name: 'svm9' } }, message: 'svm is immutable' },
        { spec: { svm: null }, message: 'svm is immutable' },
        // ONTAP takes name only in a POST.
        { spec: { vaultName: 'https://kv2.vault.azure.net/' }, message: 'vaultName is immutable' },
      ],
      // key_id re-keys; client_id, tenant_id and the credential are PATCHable.
      allowed: {
        keyId: 'https://kv1.vault.azure.net/keys/key2',
        clientId: '9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
        clientSecretRef: null,
        clientCertificateRef: { name: 'cert' },
      },
    },
    {
      kind: 'OntapGcpKms',
      type: OntapGcpKmsType,
      obj: gcp,
      changes: [
        { spec: { clusterRef: { name: 'other', kind: 'ClusterOntapCluster' } }, message: 'clusterRef is immutable' },
        { spec: { svm: { name: 'svm9' } }, message: 'svm is immutable' },
        { spec: { svm: null }, message: 'svm is immutable' },
      ],
      // The four key locators re-key through rekey-external; the rest is PATCHable.
      allowed: { projectId: 'storage-dr-4712', keyRingName: 'ring2', keyRingLocation: 'europe-west3', keyName: 'kek2', privilegedAccount: 'kms@storage-dr-4712.iam.gserviceaccount.com' },
    },
  ];
  for (const c of immutability) {
    describe(`${c.kind} on update`, () => {
      const name = `imm-${c.kind.toLowerCase()}`;
      before(async () => {
        await server.api.create(c.type, server.ns, { ...c.obj({}), metadata: { name, namespace: server.ns } });
        await server.api.create(c.type, server.ns, { ...c.obj({ svm: undefined }), metadata: { name: `${name}-cluster`, namespace: server.ns } });
      });
      for (const change of c.changes) {
        it(`refuses ${JSON.stringify(change.spec)}: ${change.message}`, async () => {
          expect(await server.updateRejection(c.type, name, change.spec)).to.contain(change.message);
        });
      }
      it('refuses adding svm to a cluster-scoped one', async () => {
        expect(await server.updateRejection(c.type, `${name}-cluster`, { svm: { name: 'svm1' } })).to.contain('svm is immutable');
      });
      it(`allows ${Object.keys(c.allowed).join(', ')} to change`, async () => {
        expect(await server.updateRejection(c.type, name, c.allowed)).to.equal('');
      });
    });
  }

  it('kubectl explain says which fields are create-only, PATCHable, PATCH-only or re-keyed, and kubectl get shows the columns', async () => {
    const cp = await getControlPlane();
    const explain = async (path: string): Promise<string> => (await cp.kubectl(['explain', path])).replace(/\s+/g, ' ');
    expect(await explain('ontapazurekeyvault.spec.vaultName')).to.contain('Create-only on ONTAP (no PATCH), so immutable here');
    expect(await explain('ontapazurekeyvault.spec.keyId')).to.contain('a later change re-keys through rekey-external');
    expect(await explain('ontapazurekeyvault.spec.verifyHost')).to.contain('PATCH-only on ONTAP');
    expect(await explain('ontapazurekeyvault.spec.clientCertificateRef')).to.contain('Write-only on ONTAP (client_certificate), PATCHable');
    expect(await explain('ontapgcpkms.spec.keyRingLocation')).to.contain('re-keys through rekey-external');
    expect(await explain('ontapgcpkms.spec.privilegedAccount')).to.contain('PATCHable');
    expect(await explain('ontapgcpkms.status.callerAccount')).to.contain('read-only caller_account');
    const header = async (resource: string): Promise<string> => (await cp.kubectl(['get', resource, '-n', server.ns])).split('\n')[0]!;
    expect(await header('azurekv')).to.match(/^NAME\s+CLUSTER\s+SVM\s+VAULT\s+READY\s+REASON\s+SYNCED\s+AZUREREACHABLE\s+AGE$/);
    expect(await header('gcpkms')).to.match(/^NAME\s+CLUSTER\s+SVM\s+PROJECT\s+READY\s+REASON\s+SYNCED\s+GOOGLEREACHABLE\s+AGE$/);
    const all = await cp.kubectl(['get', 'ontapkms', '-n', server.ns, '-o', 'name']);
    expect(all).to.contain('ontapazurekeyvault.kms.ontap.dev/akv-defaults').and.to.contain('ontapgcpkms.kms.ontap.dev/gcp-defaults');
  });
});
