/**
 * The CRDs of kms.ontap.dev/v1alpha1, as data. This is the one source of truth for `crds/*.yaml`
 * and the chart's copy (`npm run gen:crds` writes them; a unit test fails when they differ).
 */
import {
  API_VERSION,
  ClusterOntapClusterKind,
  GROUP,
  OntapAwsKmsKind,
  OntapAzureKeyVaultKind,
  OntapClusterKind,
  OntapGcpKmsKind,
  OntapKmipKind,
  OntapOnboardKeyManagerKind,
  VERSION,
} from './constants.js';
import type { JSONSchema } from './schema-builders.js';
import { obj, str } from './schema-builders.js';
import { ontapAwsKmsSpec, ontapAwsKmsStatus } from './schema-ontap-aws-kms.js';
import { ontapAzureKeyVaultSpec, ontapAzureKeyVaultStatus } from './schema-ontap-azure-key-vault.js';
import { ontapGcpKmsSpec, ontapGcpKmsStatus } from './schema-ontap-gcp-kms.js';
import { ontapKmipSpec, ontapKmipStatus } from './schema-ontap-kmip.js';
import { ontapOnboardKeyManagerSpec, ontapOnboardKeyManagerStatus } from './schema-ontap-onboard-key-manager.js';
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

type Kind =
  | typeof OntapClusterKind
  | typeof OntapAwsKmsKind
  | typeof OntapAzureKeyVaultKind
  | typeof OntapGcpKmsKind
  | typeof OntapOnboardKeyManagerKind
  | typeof OntapKmipKind
  | typeof ClusterOntapClusterKind;
type Columns = CustomResourceDefinition['spec']['versions'][number]['additionalPrinterColumns'];

/** CATEGORY puts every kind under `kubectl get ontap`. */
const CATEGORY = 'ontap';
/** KEY_MANAGER_CATEGORY puts the key-manager kinds under `kubectl get ontapkms`, whatever their cloud. */
const KEY_MANAGER_CATEGORY = 'ontapkms';

function crd(
  kind: Kind,
  description: string,
  spec: JSONSchema,
  status: JSONSchema,
  columns: Columns,
  scope: 'Namespaced' | 'Cluster' = 'Namespaced',
  categories: string[] = [CATEGORY],
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
        categories,
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

/** REASON is the column that says why a resource is (not) Ready: the Ready condition's reason. */
const REASON: Columns[number] = { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', description: "The Ready condition's reason: why the resource is not Ready (or that it is)." };

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
    REASON,
  ],
);

/**
 * keyManagerColumns are the printer columns every key-manager kind shows: cluster, SVM, where the
 * key lives (`place`), Ready, Synced, the cloud's reachability, and the clusterRef kind with -o wide.
 */
function keyManagerColumns(place: Columns[number], reachable: { type: string; description: string }, wide: Columns = []): Columns {
  return [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterRef.name', description: 'The OntapCluster or ClusterOntapCluster.' },
    { name: 'SVM', type: 'string', jsonPath: '.spec.svm.name', description: 'The SVM; empty for the cluster scope.' },
    place,
    { name: 'Ready', type: 'string', jsonPath: condition('Ready'), description: 'Synced and key protection available.' },
    REASON,
    { name: 'Synced', type: 'string', jsonPath: condition('Synced'), description: 'Last reconcile applied the spec.' },
    { name: reachable.type, type: 'string', jsonPath: condition(reachable.type), description: reachable.description },
    ...wide,
    { name: 'Kind', type: 'string', jsonPath: '.spec.clusterRef.kind', description: 'OntapCluster or ClusterOntapCluster.', priority: 1 },
  ];
}

/**
 * keyManagerCRD is the CRD of one key-manager kind: `service` names the cloud service in the
 * descriptions, `place` is the column that says where the key lives, `reachable` the kind's
 * reachability condition.
 */
function keyManagerCRD(
  kind: Kind,
  service: string,
  schema: { spec: JSONSchema; status: JSONSchema },
  place: Columns[number],
  reachable: string,
  wide: Columns = [],
): CustomResourceDefinition {
  return crd(
    kind,
    `${kind.kind} is one ${service} key-manager configuration on one ONTAP SVM (or the cluster scope), kept in step with its spec and Secrets.`,
    schema.spec,
    schema.status,
    keyManagerColumns(place, { type: reachable, description: `${service} reachable from all nodes.` }, wide),
    'Namespaced',
    [CATEGORY, KEY_MANAGER_CATEGORY],
  );
}

/** ontapAwsKmsCRD is the OntapAwsKms CRD. */
export const ontapAwsKmsCRD = keyManagerCRD(
  OntapAwsKmsKind,
  'AWS KMS',
  { spec: ontapAwsKmsSpec, status: ontapAwsKmsStatus },
  { name: 'Region', type: 'string', jsonPath: '.spec.region', description: 'AWS region.' },
  'AmazonReachable',
);

/** ontapAzureKeyVaultCRD is the OntapAzureKeyVault CRD. */
export const ontapAzureKeyVaultCRD = keyManagerCRD(
  OntapAzureKeyVaultKind,
  'Azure Key Vault',
  { spec: ontapAzureKeyVaultSpec, status: ontapAzureKeyVaultStatus },
  { name: 'Vault', type: 'string', jsonPath: '.spec.vaultName', description: 'The key vault URL.' },
  'AzureReachable',
);

/** ontapGcpKmsCRD is the OntapGcpKms CRD. */
export const ontapGcpKmsCRD = keyManagerCRD(
  OntapGcpKmsKind,
  'Google Cloud KMS',
  { spec: ontapGcpKmsSpec, status: ontapGcpKmsStatus },
  { name: 'Project', type: 'string', jsonPath: '.spec.projectId', description: 'Google Cloud project.' },
  'GoogleReachable',
  [{ name: 'Location', type: 'string', jsonPath: '.spec.keyRingLocation', description: 'Cloud KMS key ring location.', priority: 1 }],
);

/** ontapKmipCRD is the OntapKmip CRD: key servers instead of a cloud. */
export const ontapKmipCRD = crd(
  OntapKmipKind,
  'OntapKmip is one external key manager on KMIP key servers (Thales CipherTrust, Entrust KeyControl, IBM SKLM, Fortanix, ...) of one ONTAP SVM (or the cluster scope), kept in step with its spec and Secrets: its key servers, and the client and server CA certificates it installs and rotates make-before-break.',
  ontapKmipSpec,
  ontapKmipStatus,
  keyManagerColumns(
    { name: 'Cert-Expiry', type: 'string', jsonPath: '.status.clientCertificate.expiryTime', description: 'When the client certificate expires.', priority: 1 },
    { type: 'KeyServersReachable', description: 'Every key server reachable from every node.' },
  ),
  'Namespaced',
  [CATEGORY, KEY_MANAGER_CATEGORY],
);

/** ontapOnboardKeyManagerCRD is the OntapOnboardKeyManager CRD: the cluster scope only, no cloud to reach. */
export const ontapOnboardKeyManagerCRD = crd(
  OntapOnboardKeyManagerKind,
  'OntapOnboardKeyManager is the Onboard Key Manager of one ONTAP cluster, kept in step with its spec and Secrets: its passphrase (and changes of it), synchronizing joining nodes, and a copy of its key backup in a Secret.',
  ontapOnboardKeyManagerSpec,
  ontapOnboardKeyManagerStatus,
  [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterRef.name', description: 'The OntapCluster or ClusterOntapCluster.' },
    { name: 'Ready', type: 'string', jsonPath: condition('Ready'), description: 'Synced, enabled, and its setup complete on every node.' },
    REASON,
    { name: 'Synced', type: 'string', jsonPath: condition('Synced'), description: 'Last reconcile applied the spec.' },
    { name: 'Backup', type: 'string', jsonPath: condition('KeyBackupSaved'), description: "The backup Secret holds ONTAP's current key backup." },
    { name: 'Kind', type: 'string', jsonPath: '.spec.clusterRef.kind', description: 'OntapCluster or ClusterOntapCluster.', priority: 1 },
  ],
  'Namespaced',
  [CATEGORY, KEY_MANAGER_CATEGORY],
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
    REASON,
  ],
  'Cluster',
);

/** allCRDs lists every CRD with the file name it is written to under crds/. */
export const allCRDs: ReadonlyArray<{ file: string; crd: CustomResourceDefinition }> = [
  { file: `${GROUP}_${OntapClusterKind.plural}.yaml`, crd: ontapClusterCRD },
  { file: `${GROUP}_${OntapAwsKmsKind.plural}.yaml`, crd: ontapAwsKmsCRD },
  { file: `${GROUP}_${ClusterOntapClusterKind.plural}.yaml`, crd: clusterOntapClusterCRD },
  { file: `${GROUP}_${OntapAzureKeyVaultKind.plural}.yaml`, crd: ontapAzureKeyVaultCRD },
  { file: `${GROUP}_${OntapGcpKmsKind.plural}.yaml`, crd: ontapGcpKmsCRD },
  { file: `${GROUP}_${OntapOnboardKeyManagerKind.plural}.yaml`, crd: ontapOnboardKeyManagerCRD },
  { file: `${GROUP}_${OntapKmipKind.plural}.yaml`, crd: ontapKmipCRD },
];

