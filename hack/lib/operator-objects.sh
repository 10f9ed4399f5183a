# Sourced by hack/render-deploy.sh (deploy/operator.yaml) and hack/release.sh (the release's
# install manifest), so that both install the operator the same way.
#
# The release name and namespace the plain manifests use, and the allow-list placeholder: the
# chart requires allowedOntapEndpoints, which no default can know, so it is rendered as a value
# the operator refuses at start-up (it is no host, CIDR or name), and an unedited manifest fails
# loudly instead of contacting anything.
operator_release=ontap-kms-operator
operator_namespace=ontap-kms-system
allowlist_placeholder='<ONTAP-MANAGEMENT-ADDRESSES>'

# operator_objects HELM CHART prints the Namespace `helm install --create-namespace` would make,
# then CHART (a chart folder or packaged .tgz) rendered with its default values.
operator_objects() {
  local helm="$1" chart="$2"
  echo "---"
  echo "apiVersion: v1"
  echo "kind: Namespace"
  echo "metadata:"
  echo "  name: $operator_namespace"
  echo "  labels:"
  echo "    app.kubernetes.io/part-of: ontap-kms-operator"
  echo "    pod-security.kubernetes.io/enforce: restricted"
  "$helm" template "$operator_release" "$chart" --namespace "$operator_namespace" --skip-tests \
    --set "allowedOntapEndpoints[0]=$allowlist_placeholder"
}
