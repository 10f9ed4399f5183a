#!/usr/bin/env bash
# Writes a release's artefacts to one folder, dist/release/VERSION/ (not committed):
#
#   ontap-kms-operator-VERSION.tgz              the Helm chart (helm package; version and appVersion VERSION)
#   ontap-kms-operator-VERSION.oci.tar          the operator image as an OCI archive (tag VERSION inside)
#   ontap-kms-operator-VERSION.oci.tar.digest   its manifest digest (sha256:...), for --set image.digest=
#   ontap-kms-operator-VERSION.yaml             one install manifest: the CRDs, the Namespace and the
#                                               operator (kubectl apply --server-side -f)
#   ontap-kms-operator-VERSION.cdx.json         an SBOM of the image's production dependencies
#                                               (CycloneDX JSON, from package-lock.json)
#   SHA256SUMS                                  the SHA-256 of each of the above (sha256sum -c SHA256SUMS)
#
#   hack/release.sh VERSION        (make release VERSION=x.y.z; or VERSION=x.y.z hack/release.sh)
#
# The image is built as `make image` builds it (hack/build-image.sh), with buildah (the archive is
# buildah's push; it needs root, like the image test). Environment:
#   NODE_IMAGE     the base image. Unset: the Dockerfile's node:24-trixie-slim when the registry
#                  answers, else the stand-in tools/node-base/build.sh makes (said on stderr).
#   RELEASE_IMAGE  an image in buildah's storage, already built from this tree, to archive
#                  instead of building one (the release test passes the image the run built).
#   RELEASE_DIR    the output folder (default dist/release/VERSION); replaced whole.
#   HELM           helm (default $ONTAP_KMS_CONTROLPLANE_BIN/helm, else tools/controlplane/build.sh's).
# Prints the output folder as the last line of stdout.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
name=ontap-kms-operator
# shellcheck source=lib/operator-objects.sh
source "$repo/hack/lib/operator-objects.sh"
default_base=docker.io/library/node:24-trixie-slim

version="${1:-${VERSION:-}}"
semver='^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$'
if [[ ! "$version" =~ $semver ]]; then
  echo "usage: hack/release.sh VERSION (semantic version x.y.z, e.g. 0.1.0); got '${version}'" >&2
  exit 2
fi
out="${RELEASE_DIR:-$repo/dist/release/$version}"
if ! command -v buildah >/dev/null; then
  echo "release.sh: needs buildah, which builds and archives the image (Debian: apt-get install buildah debootstrap)" >&2
  exit 1
fi
start=$SECONDS

helm="${HELM:-}"
if [[ -z "$helm" ]]; then
  if [[ -n "${ONTAP_KMS_CONTROLPLANE_BIN:-}" ]]; then
    helm="$ONTAP_KMS_CONTROLPLANE_BIN/helm"
  else
    helm="$(bash "$repo/tools/controlplane/build.sh" | tail -n 1)/helm"
  fi
fi

mkdir -p "$(dirname "$out")"
stage="$(mktemp -d "$(dirname "$out")/.release-$version.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"
files="$stage/files"
mkdir "$files"

chart="$name-$version.tgz"
archive="$name-$version.oci.tar"
manifest="$name-$version.yaml"
sbom="$name-$version.cdx.json"

echo "release.sh: chart $chart" >&2
"$helm" package "$repo/charts/$name" --version "$version" --app-version "$version" --destination "$files" >&2
[[ -f "$files/$chart" ]] || { echo "release.sh: helm package wrote no $chart" >&2; exit 1; }

# The install manifest, from the packaged chart: its CRDs, the Namespace `helm install
# --create-namespace` would make, and the chart rendered as hack/render-deploy.sh renders
# deploy/operator.yaml (hack/lib/operator-objects.sh: default values, the allow-list a
# placeholder the operator refuses).
echo "release.sh: install manifest $manifest" >&2
mkdir "$stage/chart"
tar -xzmf "$files/$chart" -C "$stage/chart"
{
  echo "# ontap-kms-operator $version: the CRDs and the operator (all namespaces, in namespace $operator_namespace),"
  echo "# rendered from the chart $chart with its default values."
  echo "# First replace $allowlist_placeholder in the Deployment's --allowed-ontap-endpoints with your ONTAP"
  echo "# clusters' management addresses (e.g. 10.0.0.10,10.0.1.0/28,ontap1.corp:8443; no port means 443);"
  echo "# left as it is, the operator refuses to start. Then:"
  echo "#   kubectl apply --server-side -f $manifest"
  for crd in "$stage/chart/$name/crds/"*.yaml; do
    echo "---"
    grep -v '^---$' "$crd"
  done
  operator_objects "$helm" "$files/$chart"
} >"$files/$manifest"

echo "release.sh: SBOM $sbom" >&2
# From the lockfile, whatever node_modules holds here (a checkout after `make test` has the dev
# dependencies too): every package npm lists, kept when the lockfile does not mark it dev, which
# is what the image's `npm ci --omit=dev` installs. Not `npm sbom --omit dev`: npm 11 leaves out
# packages that production dependencies need but a dev dependency also reaches (debug, ms,
# @types/node, undici-types here), and they are in the image. npm names the root component after
# the directory: it is the operator at this version.
npm sbom --sbom-format cyclonedx --package-lock-only 2>/dev/null >"$stage/sbom.json"
node -e '
  const fs = require("node:fs");
  const [file, version, out] = process.argv.slice(1);
  const bom = JSON.parse(fs.readFileSync(file, "utf8"));
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
  const prod = new Set();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === "" || entry.dev === true || entry.link === true) continue;
    prod.add(`${entry.name ?? path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length)}@${entry.version}`);
  }
  const root = bom.metadata.component;
  const rootRef = root["bom-ref"];
  Object.assign(root, { "bom-ref": `${pkg.name}@${version}`, type: "application", name: pkg.name, version, purl: `pkg:npm/${pkg.name}@${version}` });
  bom.components = bom.components.filter((c) => prod.has(c["bom-ref"]));
  const listed = new Set(bom.components.map((c) => c["bom-ref"]));
  const missing = [...prod].filter((ref) => !listed.has(ref));
  if (missing.length > 0) throw new Error(`npm sbom did not list ${missing.join(", ")}`);
  bom.dependencies = (bom.dependencies ?? [])
    .filter((d) => d.ref === rootRef || listed.has(d.ref))
    .map((d) => ({ ref: d.ref === rootRef ? root["bom-ref"] : d.ref, dependsOn: (d.dependsOn ?? []).filter((r) => listed.has(r)) }));
  fs.writeFileSync(out, JSON.stringify(bom, null, 2) + "\n");
' "$stage/sbom.json" "$version" "$files/$sbom"

if [[ -n "${RELEASE_IMAGE:-}" ]]; then
  image="$RELEASE_IMAGE"
  echo "release.sh: image $image (RELEASE_IMAGE, not rebuilt)" >&2
else
  base="${NODE_IMAGE:-}"
  if [[ -z "$base" ]]; then
    if timeout 300 buildah pull --quiet "$default_base" >/dev/null 2>&1; then
      base="$default_base"
    else
      base="$(bash tools/node-base/build.sh | tail -n 1)"
      echo "release.sh: $default_base cannot be pulled here: building on the stand-in $base (tools/node-base/build.sh); set NODE_IMAGE to choose" >&2
    fi
  fi
  image="localhost/$name:$version"
  echo "release.sh: image $image on $base" >&2
  ENGINE=buildah IMAGE="$image" NODE_IMAGE="$base" bash hack/build-image.sh >/dev/null
fi
buildah push --quiet "$image" "oci-archive:$files/$archive:$version" >&2
digest="$(tar -xOf "$files/$archive" index.json | node -e '
  const index = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
  if (index.manifests?.length !== 1) throw new Error(`want one manifest in index.json, found ${index.manifests?.length}`);
  process.stdout.write(index.manifests[0].digest);
')"
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "release.sh: no digest in $archive's index.json: '$digest'" >&2; exit 1; }
echo "$digest" >"$files/$archive.digest"

(cd "$files" && sha256sum -- * >SHA256SUMS && sha256sum --quiet -c SHA256SUMS >&2)
chmod 644 "$files"/*

rm -rf "$out"
mv -T "$files" "$out"
echo "release.sh: $out in $((SECONDS - start)) s; image digest $digest" >&2
(cd "$out" && ls -l --time-style=+ -- * | awk '{printf "  %12d  %s\n", $5, $NF}') >&2
echo "$out"
