/**
 * The structural limits of OntapAzureKeyVault and OntapGcpKms (lengths, enums, integer ranges,
 * required fields), each both ways. Their CEL rules (formats, exactly one credential, the GCP
 * authentication method) only the real API server checks: test/integration/api.
 */
import { expect } from 'chai';
import { Limits } from '../../../src/api/v1alpha1/constants.js';
import { parseOntapAzureKeyVault, parseOntapGcpKms } from '../../../src/api/v1alpha1/parse.js';
import { ontapAzureKeyVaultCRD, ontapGcpKmsCRD } from '../../../src/api/v1alpha1/schema.js';
import { validateAgainstSchema } from '../../support/schema-validate.js';
import { fullAzureKeyVaultSpec, fullGcpKmsSpec, minimalAzureKeyVaultSpec, minimalGcpKmsSpec } from '../../support/builders.js';

const a = (n: number): string => 'a'.repeat(n);
const { clientCertificateRef: _cert, ...azureSpec } = fullAzureKeyVaultSpec;
const { gceMetadataServer: _gce, ...gcpSpec } = fullGcpKmsSpec;

const kinds = {
  OntapAzureKeyVault: { crd: ontapAzureKeyVaultCRD, spec: azureSpec },
  OntapGcpKms: { crd: ontapGcpKmsCRD, spec: gcpSpec },
} as const;
type Kind = keyof typeof kinds;

function errors(kind: Kind, spec: Record<string, unknown>): string[] {
  const doc = { apiVersion: 'kms.ontap.dev/v1alpha1', kind, metadata: { name: 'x' }, spec: { ...kinds[kind].spec, ...spec } };
  return validateAgainstSchema(doc, kinds[kind].crd.spec.versions[0]!.schema.openAPIV3Schema);
}

describe('OntapAzureKeyVault and OntapGcpKms limits (structural)', () => {
  const proxy = (p: Record<string, unknown>): Record<string, unknown> => ({ proxy: { ...fullAzureKeyVaultSpec.proxy, ...p } });
  const limits: Array<{ kind: Kind; field: string; at: Record<string, unknown>; past: Record<string, unknown> }> = [
    { kind: 'OntapAzureKeyVault', field: '.spec.clientId', at: { clientId: a(36) }, past: { clientId: a(37) } },
    { kind: 'OntapAzureKeyVault', field: '.spec.tenantId', at: { tenantId: a(36) }, past: { tenantId: a(35) } },
    { kind: 'OntapAzureKeyVault', field: '.spec.keyId', at: { keyId: a(Limits.maxAzureKeyIdLength) }, past: { keyId: a(Limits.maxAzureKeyIdLength + 1) } },
    { kind: 'OntapAzureKeyVault', field: '.spec.vaultName', at: { vaultName: a(Limits.maxAzureVaultNameLength) }, past: { vaultName: a(Limits.maxAzureVaultNameLength + 1) } },
    { kind: 'OntapAzureKeyVault', field: '.spec.clientSecretRef.name', at: { clientSecretRef: { name: a(253) } }, past: { clientSecretRef: { name: a(254) } } },
    { kind: 'OntapAzureKeyVault', field: '.spec.clientSecretRef.key', at: { clientSecretRef: { name: 's', key: 'AZ_secret.key-2' } }, past: { clientSecretRef: { name: 's', key: 'az/secret' } } },
    { kind: 'OntapAzureKeyVault', field: '.spec.oauthHost', at: { oauthHost: a(253) }, past: { oauthHost: a(254) } },
    { kind: 'OntapAzureKeyVault', field: '.spec.vaultHost', at: { vaultHost: a(253) }, past: { vaultHost: a(254) } },
    { kind: 'OntapAzureKeyVault', field: '.spec.port', at: { port: 65535 }, past: { port: 65536 } },
    { kind: 'OntapAzureKeyVault', field: '.spec.proxy.port', at: proxy({ port: 1 }), past: proxy({ port: 0 }) },
    { kind: 'OntapAzureKeyVault', field: '.spec.proxy.type', at: proxy({ type: 'https' }), past: proxy({ type: 'socks5' }) },
    { kind: 'OntapAzureKeyVault', field: '.spec.proxy.username', at: proxy({ username: a(256) }), past: proxy({ username: a(257) }) },
    { kind: 'OntapAzureKeyVault', field: '.spec.driftCheckIntervalSeconds', at: { driftCheckIntervalSeconds: 10 }, past: { driftCheckIntervalSeconds: 9 } },
    { kind: 'OntapAzureKeyVault', field: '.spec.managementPolicy', at: { managementPolicy: 'Observe' }, past: { managementPolicy: 'Ignore' } },
    { kind: 'OntapGcpKms', field: '.spec.projectId', at: { projectId: a(Limits.maxGcpProjectIdLength) }, past: { projectId: a(Limits.maxGcpProjectIdLength + 1) } },
    { kind: 'OntapGcpKms', field: '.spec.projectId', at: { projectId: a(6) }, past: { projectId: a(5) } },
    { kind: 'OntapGcpKms', field: '.spec.keyRingName', at: { keyRingName: a(63) }, past: { keyRingName: a(64) } },
    { kind: 'OntapGcpKms', field: '.spec.keyRingLocation', at: { keyRingLocation: a(64) }, past: { keyRingLocation: a(65) } },
    { kind: 'OntapGcpKms', field: '.spec.keyName', at: { keyName: a(63) }, past: { keyName: a(64) } },
    { kind: 'OntapGcpKms', field: '.spec.keyName', at: { keyName: 'k' }, past: { keyName: '' } },
    { kind: 'OntapGcpKms', field: '.spec.applicationCredentialsSecretRef.name', at: { applicationCredentialsSecretRef: { name: a(253) } }, past: { applicationCredentialsSecretRef: { name: 'Svm4_gcp' } } },
    { kind: 'OntapGcpKms', field: '.spec.authenticationMethod', at: { authenticationMethod: 'sa_credentials_attachment' }, past: { authenticationMethod: 'service_account' } },
    { kind: 'OntapGcpKms', field: '.spec.gceMetadataServer', at: { gceMetadataServer: a(2048) }, past: { gceMetadataServer: a(2049) } },
    { kind: 'OntapGcpKms', field: '.spec.privilegedAccount', at: { privilegedAccount: a(254) }, past: { privilegedAccount: a(255) } },
    { kind: 'OntapGcpKms', field: '.spec.cloudkmsHost', at: { cloudkmsHost: a(253) }, past: { cloudkmsHost: a(254) } },
    { kind: 'OntapGcpKms', field: '.spec.oauthUrl', at: { oauthUrl: a(2048) }, past: { oauthUrl: a(2049) } },
    { kind: 'OntapGcpKms', field: '.spec.port', at: { port: 1 }, past: { port: 0 } },
    { kind: 'OntapGcpKms', field: '.spec.driftCheckIntervalSeconds', at: { driftCheckIntervalSeconds: 86400 }, past: { driftCheckIntervalSeconds: 86401 } },
  ];
  for (const c of limits) {
    it(`${c.kind} ${c.field}: ${JSON.stringify(c.at).slice(0, 60)} accepted, ${JSON.stringify(c.past).slice(0, 60)} refused naming the field`, () => {
      expect(errors(c.kind, c.at)).to.deep.equal([]);
      const errs = errors(c.kind, c.past);
      expect(errs).to.have.length(1);
      expect(errs[0]).to.match(new RegExp(`^${c.field.replace(/\./g, '\\.')}: `));
    });
  }

  const required: Array<{ kind: Kind; field: string }> = [
    ...['clusterRef', 'clientId', 'tenantId', 'keyId', 'vaultName'].map((field) => ({ kind: 'OntapAzureKeyVault' as const, field })),
    ...['clusterRef', 'projectId', 'keyRingName', 'keyRingLocation', 'keyName'].map((field) => ({ kind: 'OntapGcpKms' as const, field })),
  ];
  for (const c of required) {
    it(`${c.kind} requires spec.${c.field}`, () => {
      expect(errors(c.kind, { [c.field]: undefined }).join('\n')).to.contain(`.spec.${c.field}`);
    });
  }
});

describe('parseOntapAzureKeyVault and parseOntapGcpKms', () => {
  const object = (kind: Kind, spec: Record<string, unknown>): unknown => ({
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind,
    metadata: { name: 'x', namespace: 'storage', uid: 'u', generation: 2 },
    spec,
  });

  it('applies the defaults to a minimal OntapAzureKeyVault', () => {
    const { spec, status } = parseOntapAzureKeyVault(
      object('OntapAzureKeyVault', { ...minimalAzureKeyVaultSpec, svm: undefined, clientSecretRef: undefined, clientCertificateRef: { name: 'cert' } }),
    );
    expect(spec).to.deep.include({
      clusterRef: { name: 'prod-a', kind: 'OntapCluster' },
      svm: undefined,
      clientSecretRef: undefined,
      clientCertificateRef: { name: 'cert', key: 'client_certificate' },
      deletionPolicy: 'Retain',
      managementPolicy: 'Manage',
      driftCheckIntervalSeconds: 300,
      suspend: false,
      verifyHost: undefined,
    });
    expect(status).to.equal(undefined);
  });

  it('applies the defaults to a minimal OntapGcpKms, and leaves the authentication method unmanaged', () => {
    const { spec } = parseOntapGcpKms(
      object('OntapGcpKms', { ...minimalGcpKmsSpec, clusterRef: { name: 'prod-a', kind: 'ClusterOntapCluster' } }),
    );
    expect(spec).to.deep.include({
      clusterRef: { name: 'prod-a', kind: 'ClusterOntapCluster' },
      svm: { name: 'svm4' },
      applicationCredentialsSecretRef: { name: 'svm4-gcp', key: 'application_credentials' },
      authenticationMethod: undefined,
      proxy: undefined,
      deletionPolicy: 'Retain',
      managementPolicy: 'Manage',
      driftCheckIntervalSeconds: 300,
      suspend: false,
    });
  });

  it('reads the status each kind reports, and names the field it cannot read', () => {
    const status = { observedGeneration: 2, googleReachability: { reachable: false, code: '65537547', message: 'no route' }, callerAccount: 'a@b.c', keyName: 'kek' };
    const { status: read } = parseOntapGcpKms({ ...(object('OntapGcpKms', gcpSpec) as object), status });
    expect(read).to.deep.include({ observedGeneration: 2, callerAccount: 'a@b.c', keyName: 'kek', googleReachability: status.googleReachability });
    expect(() => parseOntapAzureKeyVault(object('OntapAzureKeyVault', { ...azureSpec, vaultName: 7 }))).to.throw('spec.vaultName: expected a string');
  });
});
