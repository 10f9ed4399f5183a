#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kube-controller-manager and
# etcd, plus kubectl and helm at matching versions) from the Go modules beside
# this script into a cache dir outside the repo, and prints that dir as the
# last line of stdout. Everything else goes to stderr.
#
# The cache key is a checksum of the files that decide what gets built, so a
# warm run only hashes a few small files. A build goes to a temp dir that is
# renamed into place when complete: an interrupted build leaves no half-filled
# cache entry.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
key_files=(go.mod go.sum helm/go.mod helm/go.sum build.sh)
binaries=(kube-apiserver kube-controller-manager etcd kubectl helm)

key="$(cd "$here" && sha256sum "${key_files[@]}" | sha256sum | cut -c1-16)"
cache_root="${ONTAP_KMS_CACHE:-$HOME/.cache/ontap-kms-operator}/controlplane"
out="$cache_root/$key"

complete() {
  local bin
  for bin in "${binaries[@]}"; do [[ -x "$1/$bin" ]] || return 1; done
}

# Prints the bin dir and exits, if it is built already.
use_cached() {
  if complete "$out"; then
    echo "$out"
    exit 0
  fi
}

use_cached
mkdir -p "$cache_root"
# Runs wait for one another rather than build at the same time (parallel test
# processes, say): a second build of the same key would only redo the work, and
# on a 2-core machine two different builds side by side finish no sooner.
exec {lock}>"$cache_root/.lock"
if ! flock -n "$lock"; then
  echo "build.sh: waiting for another build to finish ..." >&2
  flock "$lock"
fi
use_cached
# Entries are only ever published whole, so an incomplete one was tampered with.
[[ -e "$out" ]] && rm -rf "$out"
tmp="$(mktemp -d "$cache_root/.build-$key.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # mktemp's 0700 would hide the binaries from other users of a shared cache

# Static binaries; the module's go.sum is authoritative (no silent re-resolve);
# a go.work higher up must not change the dependency graph.
export CGO_ENABLED=0 GOFLAGS=-mod=readonly GOWORK=off
# Compilation is CPU-bound and the kube-apiserver graph is large: one package
# per core keeps peak memory predictable.
build=(go build -p "$(nproc)" -trimpath)

module_version() { (cd "$1" && go list -m -f '{{.Version}}' "$2"); }

# Stamp the version the way upstream's hack/lib/version.sh does, so that
# `kubectl version` reports the real versions.
kube_version="$(module_version "$here" k8s.io/kubernetes)" # e.g. v1.36.3
IFS=. read -r kube_major kube_minor _ <<<"${kube_version#v}"
kube_ldflags="-s -w"
for kv in "gitVersion=$kube_version" "gitMajor=$kube_major" "gitMinor=$kube_minor" gitTreeState=clean; do
  kube_ldflags+=" -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
done

helm_version="$(module_version "$here/helm" helm.sh/helm/v3)"
# Like helm's Makefile: the default Kubernetes version for `helm template` and
# `helm lint` follows the client-go helm is built with (v0.36.x -> 1.36).
IFS=. read -r _ helm_kube_minor _ <<<"$(module_version "$here/helm" k8s.io/client-go)"
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version"
helm_ldflags+=" -X helm.sh/helm/v3/internal/version.metadata= -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in pkg/lint/rules pkg/chartutil; do
  helm_ldflags+=" -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$helm_kube_minor"
done

timed() {
  local name="$1" start=$SECONDS
  shift
  echo "build.sh: building $name ..." >&2
  "$@" >&2
  echo "build.sh: built $name in $((SECONDS - start)) s" >&2
}

cd "$here"
timed "kube-apiserver $kube_version" "${build[@]}" -ldflags "$kube_ldflags" -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
timed "kube-controller-manager $kube_version" "${build[@]}" -ldflags "$kube_ldflags" -o "$tmp/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager
timed "kubectl $kube_version" "${build[@]}" -ldflags "$kube_ldflags" -o "$tmp/kubectl" k8s.io/kubernetes/cmd/kubectl
timed "etcd $(module_version "$here" go.etcd.io/etcd/server/v3)" "${build[@]}" -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3
cd "$here/helm"
timed "helm $helm_version" "${build[@]}" -ldflags "$helm_ldflags" -o "$tmp/helm" helm.sh/helm/v3/cmd/helm

mv -T "$tmp" "$out"
echo "$out"
