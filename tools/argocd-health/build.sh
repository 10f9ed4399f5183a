#!/usr/bin/env bash
# Builds argocd-health (runs the Argo CD health checks in docs/argocd/, as Argo CD would) from
# the Go module beside this script into a cache dir outside the repo, and prints
# the binary's path as the last line of stdout; everything else goes to stderr.
# Keyed, locked and published whole like ../controlplane/build.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
key="$(cd "$here" && sha256sum go.mod go.sum main.go build.sh | sha256sum | cut -c1-16)"
cache_root="${ONTAP_KMS_CACHE:-$HOME/.cache/ontap-kms-operator}/argocd-health"
out="$cache_root/$key"

use_cached() {
  if [[ -x "$out/argocd-health" ]]; then
    echo "$out/argocd-health"
    exit 0
  fi
}

use_cached
mkdir -p "$cache_root"
exec {lock}>"$cache_root/.lock"
if ! flock -n "$lock"; then
  echo "argocd-health/build.sh: waiting for another build to finish ..." >&2
  flock "$lock"
fi
use_cached
[[ -e "$out" ]] && rm -rf "$out"
tmp="$(mktemp -d "$cache_root/.build-$key.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

export CGO_ENABLED=0 GOFLAGS=-mod=readonly GOWORK=off
cd "$here"
start=$SECONDS
go build -trimpath -ldflags "-s -w" -o "$tmp/argocd-health" . >&2
echo "argocd-health/build.sh: built in $((SECONDS - start)) s" >&2
mv -T "$tmp" "$out"
echo "$out/argocd-health"
