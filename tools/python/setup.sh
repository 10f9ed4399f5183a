#!/usr/bin/env bash
# Creates a Python venv with requirements.txt (netapp-ontap) in a cache dir outside the repo,
# keyed by the files beside this script, and prints its python as the last line of stdout;
# everything else goes to stderr. Published whole like ../controlplane/build.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
key="$( (cd "$here" && sha256sum requirements.txt setup.sh; "$python" --version 2>&1) | sha256sum | cut -c1-16)"
cache_root="${ONTAP_KMS_CACHE:-$HOME/.cache/ontap-kms-operator}/python"
out="$cache_root/$key"

use_cached() {
  if [[ -x "$out/bin/python" && -f "$out/.complete" ]]; then
    echo "$out/bin/python"
    exit 0
  fi
}

use_cached
mkdir -p "$cache_root"
exec {lock}>"$cache_root/.lock"
flock "$lock"
use_cached
rm -rf "$out"
start=$SECONDS
# A venv is not relocatable (its scripts name their path), so it is built in place and marked
# complete last: an interrupted build is redone rather than used.
"$python" -m venv "$out" >&2
"$out/bin/python" -m pip install --quiet --no-input -r "$here/requirements.txt" >&2
touch "$out/.complete"
echo "python/setup.sh: venv with $(tr '\n' ' ' <"$here/requirements.txt" | grep -o 'netapp-ontap==[^ ]*') in $((SECONDS - start)) s" >&2
echo "$out/bin/python"
