/**
 * The CRDs of kms.ontap.dev/v1alpha1, as data. This is the one source of truth for `crds/*.yaml`
 * and the chart's copy (`npm run gen:crds` writes them; a unit test fails when they differ).
 */
import { API_VERSION, ClusterOntapClusterKind, GROUP, OntapAwsKmsKind, OntapClusterKind, VERSION } from './constants.js';
import type { JSONSchema } from './schema-builders.js';
import { obj, str } from './schema-builders.js';
import { ontapAwsKmsSpec, ontapAwsKmsStatus } from './schema-ontap-aws-kms.js';
import { clusterOntapClusterSpec, ontapClusterSpec, ontapClusterStatus } from './schema-ontap-cluster.js';

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: Array<{ name: string; type: string; jsonPath: string; description: string; priority?: number }>;
      schema: { openAPIV3Schema: JSONSchema };
    }>;
  };
}

type Kind = typeof OntapClusterKind | typeof OntapAwsKmsKind | typeof ClusterOntapClusterKind;

function crd(
  kind: Kind,
  description: string,
  spec: JSONSchema,
  status: JSONSchema,
  columns: CustomResourceDefinition['spec']['versions'][number]['additionalPrinterColumns'],
  scope: 'Namespaced' | 'Cluster' = 'Namespaced',
): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${kind.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: [...kind.shortNames],
        categories: ['ontap'],
      },
      scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            ...columns,
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Age of the resource.' },
          ],
          schema: {
            openAPIV3Schema: obj(
              description,
              {
                apiVersion: str(`APIVersion is ${API_VERSION}.`),
                kind: str(`Kind is ${kind.kind}.`),
                metadata: { type: 'object' },
                spec,
                status,
              },
              { required: ['spec'] },
            ),
          },
        },
      ],
    },
  };
}

const condition = (type: string): string => `.status.conditions[?(@.type=="${type}")].status`;

/** ontapClusterCRD is the OntapCluster CRD. */
export const ontapClusterCRD = crd(
  OntapClusterKind,
  'OntapCluster says how the operator reaches one ONTAP cluster: endpoint, credentials, TLS trust and limits.',
  ontapClusterSpec,
  ontapClusterStatus,
  [
    { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint', description: 'Cluster management endpoint.' },
    { name: 'Version', type: 'string', jsonPath: '.status.version', description: 'ONTAP version.' },
    { name: 'Ready', type: 'string', jsonPath: condition('Ready'), description: 'Whether the cluster answers.' },
  ],
);

/** ontapAwsKmsCRD is the OntapAwsKms CRD. */
export const ontapAwsKmsCRD = crd(
  OntapAwsKmsKind,
  'OntapAwsKms is one AWS KMS key-manager configuration on one ONTAP SVM (or the cluster scope), kept in step with its spec and Secrets.',
  ontapAwsKmsSpec,
  ontapAwsKmsStatus,
  [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterRef.name', description: 'The OntapCluster or ClusterOntapCluster.' },
    { name: 'SVM', type: 'string', jsonPath: '.spec.svm.name', description: 'The SVM; empty for the cluster scope.' },
    { name: 'Region', type: 'string', jsonPath: '.spec.region', description: 'AWS region.' },
    { name: 'Ready', type: 'string', jsonPath: condition('Ready'), description: 'Synced and key protection available.' },
    { name: 'Synced', type: 'string', jsonPath: condition('Synced'), description: 'Last reconcile applied the spec.' },
    { name: 'AmazonReachable', type: 'string', jsonPath: condition('AmazonReachable'), description: 'AWS KMS reachable from all nodes.' },
    { name: 'Kind', type: 'string', jsonPath: '.spec.clusterRef.kind', description: 'OntapCluster or ClusterOntapCluster.', priority: 1 },
  ],
);

/** clusterOntapClusterCRD is the cluster-scoped ClusterOntapCluster CRD. */
export const clusterOntapClusterCRD = crd(
  ClusterOntapClusterKind,
  "ClusterOntapCluster is an ONTAP connection shared across namespaces: an OntapCluster's endpoint, credentials and TLS settings (its Secrets in the operator's cluster resource namespace) and a tenancy policy that says which namespaces may use it for which SVMs. Tenants then need neither the ONTAP credentials nor trust over the whole cluster.",
  clusterOntapClusterSpec,
  ontapClusterStatus,
  [
    { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint', description: 'Cluster management endpoint.' },
    { name: 'Version', type: 'string', jsonPath: '.status.version', description: 'ONTAP version.' },
    { name: 'Ready', type: 'string', jsonPath: condition('Ready'), description: 'Whether the cluster answers.' },
  ],
  'Cluster',
);

/** allCRDs lists every CRD with the file name it is written to under crds/. */
export const allCRDs: ReadonlyArray<{ file: string; crd: CustomResourceDefinition }> = [
  { file: `${GROUP}_${OntapClusterKind.plural}.yaml`, crd: ontapClusterCRD },
  { file: `${GROUP}_${OntapAwsKmsKind.plural}.yaml`, crd: ontapAwsKmsCRD },
  { file: `${GROUP}_${ClusterOntapClusterKind.plural}.yaml`, crd: clusterOntapClusterCRD },
];

