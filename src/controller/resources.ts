/** The resource types the controllers read and write, in the runtime's terms. */
import { ClusterOntapClusterKind, GROUP, OntapAwsKmsKind, OntapClusterKind, VERSION } from '../api/v1alpha1/constants.js';
import type { ResourceType } from '../runtime/kube.js';

/** OntapAwsKmsType is the OntapAwsKms resource. */
export const OntapAwsKmsType: ResourceType = { group: GROUP, version: VERSION, plural: OntapAwsKmsKind.plural, kind: OntapAwsKmsKind.kind };

/** OntapClusterType is the OntapCluster resource. */
export const OntapClusterType: ResourceType = { group: GROUP, version: VERSION, plural: OntapClusterKind.plural, kind: OntapClusterKind.kind };

/** ClusterOntapClusterType is the cluster-scoped ClusterOntapCluster resource. */
export const ClusterOntapClusterType: ResourceType = { group: GROUP, version: VERSION, plural: ClusterOntapClusterKind.plural, kind: ClusterOntapClusterKind.kind };
