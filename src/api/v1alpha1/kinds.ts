/**
 * The kinds table: the one place a kind of kms.ontap.dev/v1alpha1 is declared. Pure data.
 * `npm run gen:crds` (hack/gen-crds.ts, hack/kinds/) derives from it what every kind repeats:
 * the chart's RBAC rules, the alert rules' and the dashboard's per-kind arms, the Argo CD health
 * checks (docs/argocd/ and docs/deploy.md), the chart's NOTES, the README's kinds table and the
 * key-manager kinds named in CRD descriptions. A unit test fails when any of those is stale, and
 * test/unit/kind-leaks.test.ts when a kind is named in a file outside the ones it may be.
 */

/** Kind names, plurals and short names, as the CRDs declare them. */
export const OntapClusterKind = {
  kind: 'OntapCluster',
  plural: 'ontapclusters',
  singular: 'ontapcluster',
  shortNames: ['ontapcl'],
} as const;

/** Kind names, plurals and short names, as the CRDs declare them (cluster-scoped). */
export const ClusterOntapClusterKind = {
  kind: 'ClusterOntapCluster',
  plural: 'clusterontapclusters',
  singular: 'clusterontapcluster',
  shortNames: ['clusterontapcl'],
} as const;

/** Kind names, plurals and short names, as the CRDs declare them. */
export const OntapAwsKmsKind = {
  kind: 'OntapAwsKms',
  plural: 'ontapawskmses',
  singular: 'ontapawskms',
  shortNames: ['awskms'],
} as const;

/** Kind names, plurals and short names, as the CRDs declare them. */
export const OntapAzureKeyVaultKind = {
  kind: 'OntapAzureKeyVault',
  plural: 'ontapazurekeyvaults',
  singular: 'ontapazurekeyvault',
  shortNames: ['azurekv'],
} as const;

/** Kind names, plurals and short names, as the CRDs declare them. */
export const OntapGcpKmsKind = {
  kind: 'OntapGcpKms',
  plural: 'ontapgcpkmses',
  singular: 'ontapgcpkms',
  shortNames: ['gcpkms'],
} as const;

/** Kind names, plurals and short names, as the CRDs declare them. */
export const OntapOnboardKeyManagerKind = {
  kind: 'OntapOnboardKeyManager',
  plural: 'ontaponboardkeymanagers',
  singular: 'ontaponboardkeymanager',
  shortNames: ['okm'],
} as const;

/** Kind names, plurals and short names, as the CRDs declare them. */
export const OntapKmipKind = {
  kind: 'OntapKmip',
  plural: 'ontapkmips',
  singular: 'ontapkmip',
  shortNames: ['kmip'],
} as const;

/** KeyManagerEntry is what a key-manager kind adds to its row: its ONTAP family and, for a cloud, the cloud. */
export interface KeyManagerEntry {
  /** service is the cloud key service's name in prose: `AWS KMS`. */
  readonly service: string;
  /** ontapPath is the ONTAP REST collection: `/api/security/aws-kms`. */
  readonly ontapPath: string;
  /** cli is the `security key-manager external <cli>` command family: `aws` (`onboard` for the Onboard Key Manager: `security key-manager onboard`). */
  readonly cli: string;
  /**
   * reachableGauge is the cloud reachability gauge's last part, `amazon_reachable` (the adapter's
   * reachability.metric); ONTAP's field is `amazon_reachability`, the status field
   * `amazonReachability`. Unset for a key manager that reaches no cloud (the Onboard Key Manager).
   */
  readonly reachableGauge?: string;
  /**
   * keyServers is set on a kind whose keys live on KMIP key servers it names: it exports
   * `<metrics>_key_server_available` (per server and node) and
   * `<metrics>_client_certificate_expiry_timestamp_seconds`, with their alerts.
   */
  readonly keyServers?: true;
  /** credentials names what the credentials Secret holds, for runbooks: `AWS key pair`. */
  readonly credentials: string;
  /** route says what ONTAP must reach, for runbooks: `AWS: kms.REGION.amazonaws.com`. */
  readonly route: string;
}

/** KindEntry is one row of the kinds table. */
export interface KindEntry {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
  /** controller is the `controller` label of the controller-runtime metrics: the singular. */
  readonly controller: string;
  /** metrics is the per-resource gauges' prefix: `ontap_kms_awskms` gives `ontap_kms_awskms_condition`. */
  readonly metrics: string;
  /** readme says what the kind manages, in the README's kinds table (Markdown). */
  readonly readme: string;
  /** notes says what the kind is, in the chart's NOTES (plain text, one short line). */
  readonly notes: string;
  /** keyManager is set on key-manager kinds (and only them). */
  readonly keyManager?: KeyManagerEntry;
}

type Names = { readonly kind: string; readonly plural: string; readonly singular: string; readonly shortNames: readonly string[] };

/** keyManagerRow is a key-manager kind's row: namespaced, gauges named without "ontap". */
function keyManagerRow(names: Names, keyManager: KeyManagerEntry, prose?: { readonly readme: string; readonly notes: string }): KindEntry {
  return {
    ...names,
    scope: 'Namespaced',
    controller: names.singular,
    metrics: `ontap_kms_${names.singular.replace(/^ontap/, '')}`,
    readme: prose?.readme ?? `an SVM's ${keyManager.service} key manager (\`${keyManager.ontapPath}\`)`,
    notes: prose?.notes ?? `${keyManager.service} on an SVM (or the cluster)`,
    keyManager,
  };
}

/** KINDS lists every kind, in the order the README and the chart's NOTES show them. */
export const KINDS: readonly KindEntry[] = [
  {
    ...OntapClusterKind,
    scope: 'Namespaced',
    controller: OntapClusterKind.singular,
    metrics: 'ontap_kms_ontapcluster',
    readme: 'how to reach one ONTAP cluster: endpoint, credentials, TLS trust, limits',
    notes: 'how to reach an ONTAP cluster, in one namespace',
  },
  {
    ...ClusterOntapClusterKind,
    scope: 'Cluster',
    controller: ClusterOntapClusterKind.singular,
    metrics: 'ontap_kms_clusterontapcluster',
    readme:
      'the same, shared: the platform team keeps the admin credentials and says which namespaces may manage which SVMs ([Tenancy](#tenancy-one-ontap-cluster-many-tenants))',
    notes: 'an ONTAP cluster shared across namespaces by a tenancy policy',
  },
  keyManagerRow(OntapAwsKmsKind, {
    service: 'AWS KMS',
    ontapPath: '/api/security/aws-kms',
    cli: 'aws',
    reachableGauge: 'amazon_reachable',
    credentials: 'AWS key pair',
    route: 'AWS: kms.REGION.amazonaws.com',
  }),
  keyManagerRow(OntapAzureKeyVaultKind, {
    service: 'Azure Key Vault',
    ontapPath: '/api/security/azure-key-vaults',
    cli: 'azure',
    reachableGauge: 'azure_reachable',
    credentials: 'Azure client secret or certificate',
    route: 'Azure: spec.oauthHost and the vault in spec.vaultName',
  }),
  keyManagerRow(OntapGcpKmsKind, {
    service: 'Google Cloud KMS',
    ontapPath: '/api/security/gcp-kms',
    cli: 'gcp',
    reachableGauge: 'google_reachable',
    credentials: 'Google service-account key',
    route: 'Google: spec.cloudkmsHost and spec.oauthHost',
  }),
  keyManagerRow(
    OntapKmipKind,
    {
      service: 'KMIP key servers',
      ontapPath: '/api/security/key-managers',
      cli: 'kmip',
      credentials: 'KMIP client certificate (kubernetes.io/tls) and key server passwords',
      route: 'KMIP: the key servers in spec.servers, from every node',
      keyServers: true,
    },
    {
      readme: "an SVM's external key manager on KMIP key servers (`/api/security/key-managers`, `external`): servers, certificates and their rotation",
      notes: 'KMIP key servers on an SVM (or the cluster)',
    },
  ),
  keyManagerRow(
    OntapOnboardKeyManagerKind,
    {
      service: 'Onboard Key Manager',
      ontapPath: '/api/security/key-managers',
      cli: 'onboard',
      credentials: 'passphrase',
      route: 'Onboard: nothing outside the cluster (the keys live on its nodes)',
    },
    {
      readme: "the cluster's Onboard Key Manager (`/api/security/key-managers`, `onboard`): its passphrase, rotation and key backup",
      notes: 'the Onboard Key Manager of a cluster',
    },
  ),
];

/** keyServerKinds are the key-manager rows whose keys live on KMIP key servers. */
export const keyServerKinds = (): readonly (KindEntry & { readonly keyManager: KeyManagerEntry })[] => KEY_MANAGER_KINDS.filter((k) => k.keyManager.keyServers === true);

/** CLOUD_KEY_MANAGER_KINDS are the key-manager rows that reach a cloud key service (a reachability gauge). */
export const cloudKeyManagerKinds = (): readonly (KindEntry & { readonly keyManager: KeyManagerEntry & { readonly reachableGauge: string } })[] =>
  KEY_MANAGER_KINDS.filter((k): k is KindEntry & { readonly keyManager: KeyManagerEntry & { readonly reachableGauge: string } } => k.keyManager.reachableGauge !== undefined);

/** KEY_MANAGER_KINDS are the key-manager rows of KINDS, in order. */
export const KEY_MANAGER_KINDS: readonly (KindEntry & { readonly keyManager: KeyManagerEntry })[] = KINDS.filter(
  (k): k is KindEntry & { readonly keyManager: KeyManagerEntry } => k.keyManager !== undefined,
);

/** keyManagerKindList names the key-manager kinds in prose: `A, B and C` (or `A, B, C` with `last` = ', '). */
export function keyManagerKindList(last = ' and '): string {
  const names = KEY_MANAGER_KINDS.map((k) => k.kind);
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')}${last}${names.at(-1)!}`;
}
