{{/* Generated from src/api/v1alpha1/kinds.ts by `npm run gen:crds` (hack/kinds/templates/_kinds.tpl); do not edit. */}}

{{/*
The rules on the watched resources. Granted cluster-wide (ClusterRole) or in each watched
namespace (Role). Only the verbs the operator uses: it reads and patches its own kinds (the
finalizer), writes their status, reads Secrets (metadata watch, data read on demand), creates
and updates the one kind of Secret it writes (a key manager's key backup, spec.backupSecretRef,
only in a Secret it created for that resource: never another, never a delete) and records Events.
*/}}
{{- define "ontap-kms-operator.watchRules" -}}
- apiGroups: ["kms.ontap.dev"]
  resources: ["ontapawskmses", "ontapazurekeyvaults", "ontapgcpkmses", "ontapkmips", "ontaponboardkeymanagers", "ontapclusters"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["kms.ontap.dev"]
  resources: ["ontapawskmses/status", "ontapazurekeyvaults/status", "ontapgcpkmses/status", "ontapkmips/status", "ontaponboardkeymanagers/status", "ontapclusters/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["kms.ontap.dev"]
  resources: ["ontapawskmses/finalizers", "ontapazurekeyvaults/finalizers", "ontapgcpkmses/finalizers", "ontapkmips/finalizers", "ontaponboardkeymanagers/finalizers", "ontapclusters/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/* The kinds the operator manages, one a line, for NOTES.txt. */}}
{{- define "ontap-kms-operator.kindNotes" }}
  OntapCluster            how to reach an ONTAP cluster, in one namespace
  ClusterOntapCluster     an ONTAP cluster shared across namespaces by a tenancy policy
  OntapAwsKms             AWS KMS on an SVM (or the cluster)
  OntapAzureKeyVault      Azure Key Vault on an SVM (or the cluster)
  OntapGcpKms             Google Cloud KMS on an SVM (or the cluster)
  OntapKmip               KMIP key servers on an SVM (or the cluster)
  OntapOnboardKeyManager  the Onboard Key Manager of a cluster
{{- end }}
