/** The resource types the controllers read and write, in the runtime's terms. */
import {
  ClusterOntapClusterKind,
  GROUP,
  OntapAwsKmsKind,
  OntapAzureKeyVaultKind,
  OntapClusterKind,
  OntapGcpKmsKind,
  OntapKmipKind,
  OntapOnboardKeyManagerKind,
  VERSION,
} from '../api/v1alpha1/constants.js';
import type { ResourceType } from '../runtime/kube.js';

/** typeOf is the ResourceType of one of this API's kinds. */
const typeOf = (k: { kind: string; plural: string }): ResourceType => ({ group: GROUP, version: VERSION, plural: k.plural, kind: k.kind });

/** OntapAwsKmsType is the OntapAwsKms resource. */
export const OntapAwsKmsType: ResourceType = typeOf(OntapAwsKmsKind);

/** OntapAzureKeyVaultType is the OntapAzureKeyVault resource. */
export const OntapAzureKeyVaultType: ResourceType = typeOf(OntapAzureKeyVaultKind);

/** OntapGcpKmsType is the OntapGcpKms resource. */
export const OntapGcpKmsType: ResourceType = typeOf(OntapGcpKmsKind);

/** OntapKmipType is the OntapKmip resource. */
export const OntapKmipType: ResourceType = typeOf(OntapKmipKind);

/** OntapOnboardKeyManagerType is the OntapOnboardKeyManager resource. */
export const OntapOnboardKeyManagerType: ResourceType = typeOf(OntapOnboardKeyManagerKind);

/** OntapClusterType is the OntapCluster resource. */
export const OntapClusterType: ResourceType = typeOf(OntapClusterKind);

/** ClusterOntapClusterType is the cluster-scoped ClusterOntapCluster resource. */
export const ClusterOntapClusterType: ResourceType = typeOf(ClusterOntapClusterKind);
