import { expect } from 'chai';
import { KEY_MANAGER_KINDS, KINDS } from '../../../src/api/v1alpha1/kinds.js';
import { allCRDs } from '../../../src/api/v1alpha1/schema.js';
import { kindMetrics } from '../../../src/controller/key-manager/kind.js';
import { awsKmsAdapter } from '../../../src/controller/ontap-aws-kms/adapter.js';
import { azureKeyVaultAdapter } from '../../../src/controller/ontap-azure-key-vault/adapter.js';
import { gcpKmsAdapter } from '../../../src/controller/ontap-gcp-kms/adapter.js';
import { kmipAdapter } from '../../../src/controller/ontap-kmip/adapter.js';
import { onboardKeyManagerAdapter } from '../../../src/controller/ontap-onboard-key-manager/adapter.js';

// The kinds table is data the generated files trust: these pin it to what the operator serves
// and exports, so a row cannot say one thing while the CRDs, adapters or metrics say another.

const ADAPTERS = [awsKmsAdapter, azureKeyVaultAdapter, gcpKmsAdapter, kmipAdapter, onboardKeyManagerAdapter];

describe('the kinds table', () => {
  it('has one row per CRD, with the names and scope the CRD declares', () => {
    const rows = KINDS.map((k) => ({ kind: k.kind, plural: k.plural, singular: k.singular, shortNames: [...k.shortNames], scope: k.scope }));
    const crds = allCRDs.map(({ crd }) => ({ ...crd.spec.names, scope: crd.spec.scope }));
    expect(rows).to.have.deep.members(
      crds.map(({ kind, plural, singular, shortNames, scope }) => ({ kind, plural, singular, shortNames, scope })),
    );
  });

  it('marks as key managers exactly the kinds an adapter serves', () => {
    expect(KEY_MANAGER_KINDS.map((k) => k.kind)).to.have.members(ADAPTERS.map((a) => a.type.kind));
  });

  for (const adapter of ADAPTERS) {
    const row = KEY_MANAGER_KINDS.find((k) => k.kind === adapter.type.kind);
    it(`${adapter.type.kind}: the gauges, reachability, controller and ONTAP path the operator uses`, () => {
      expect(row, 'its row').to.not.equal(undefined);
      expect(row!.metrics).to.equal(`ontap_kms_${kindMetrics(adapter, () => []).prefix}`);
      expect(row!.keyManager.reachableGauge).to.equal(adapter.reachability?.metric);
      if (adapter.reachability) expect(row!.keyManager.service).to.equal(adapter.reachability.service);
      expect(row!.keyManager.ontapPath).to.equal(adapter.family.path);
      expect(row!.controller).to.equal(adapter.type.kind.toLowerCase());
    });
  }
});
