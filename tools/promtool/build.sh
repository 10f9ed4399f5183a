#!/usr/bin/env bash
# Builds promtool (for `promtool test rules` on the chart's PrometheusRule) from
# the Go module beside this script into a cache dir outside the repo, and prints
# the binary's path as the last line of stdout; everything else goes to stderr.
# Keyed, locked and published whole like ../controlplane/build.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
key="$(cd "$here" && sha256sum go.mod go.sum build.sh | sha256sum | cut -c1-16)"
cache_root="${ONTAP_KMS_CACHE:-$HOME/.cache/ontap-kms-operator}/promtool"
out="$cache_root/$key"

use_cached() {
  if [[ -x "$out/promtool" ]]; then
    echo "$out/promtool"
    exit 0
  fi
}

use_cached
mkdir -p "$cache_root"
exec {lock}>"$cache_root/.lock"
if ! flock -n "$lock"; then
  echo "promtool/build.sh: waiting for another build to finish ..." >&2
  flock "$lock"
fi
use_cached
[[ -e "$out" ]] && rm -rf "$out"
tmp="$(mktemp -d "$cache_root/.build-$key.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

export CGO_ENABLED=0 GOFLAGS=-mod=readonly GOWORK=off
cd "$here"
version="$(go list -m -f '{{.Version}}' github.com/prometheus/prometheus)"
start=$SECONDS
echo "promtool/build.sh: building promtool $version ..." >&2
# Stamp the version as upstream's promu does, so `promtool --version` tells the truth.
# remove_all_sd leaves out the service-discovery plugins (AWS, Azure, GCE, Kubernetes, ...):
# rule tests never use them, and without them a cold build takes half the time.
go build -p "$(nproc)" -trimpath -tags remove_all_sd \
  -ldflags "-s -w -X github.com/prometheus/common/version.Version=$version" \
  -o "$tmp/promtool" github.com/prometheus/prometheus/cmd/promtool >&2
echo "promtool/build.sh: built promtool $version in $((SECONDS - start)) s" >&2
mv -T "$tmp" "$out"
echo "$out/promtool"
