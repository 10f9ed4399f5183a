#!/usr/bin/env bash
# Builds the operator image with whichever of docker, podman or buildah works here (in that
# order; ENGINE=... picks one). Environment:
#   IMAGE       the tag            (default ontap-kms-operator:<package.json version>)
#   NODE_IMAGE  the base image     (default: the Dockerfile's, node:24-trixie-slim; where no registry
#               is reachable, the stand-in: NODE_IMAGE=$(bash tools/node-base/build.sh))
#   CA_BUNDLE   a CA bundle for npm behind a TLS-intercepting proxy, passed as the build secret
#               `ca` so that it never lands in a layer (default: the system bundle, if any;
#               empty: none)
# Prints the image tag as the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(node -p 'require("./package.json").version')"
image="${IMAGE:-ontap-kms-operator:$version}"
ca="${CA_BUNDLE-/etc/ssl/certs/ca-certificates.crt}"

works() {
  case "$1" in
    docker | podman) command -v "$1" >/dev/null && "$1" info >/dev/null 2>&1 ;;
    buildah) command -v buildah >/dev/null ;;
  esac
}

engine="${ENGINE:-}"
if [[ -z "$engine" ]]; then
  for e in docker podman buildah; do
    if works "$e"; then engine="$e"; break; fi
  done
fi
if [[ -z "$engine" ]]; then
  echo "build-image.sh: none of docker (with a running daemon), podman or buildah works here" >&2
  exit 1
fi

args=(-t "$image" -f Dockerfile)
[[ -n "${NODE_IMAGE:-}" ]] && args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE")
[[ -n "$ca" && -s "$ca" ]] && args+=(--secret "id=ca,src=$ca")
case "$engine" in
  docker) cmd=(docker build) ;;
  podman) cmd=(podman build) ;;
  # chroot isolation needs no runc/crun and no user namespaces: it works in a container too.
  buildah) cmd=(buildah build --isolation "${BUILDAH_ISOLATION:-chroot}" --layers) ;;
esac
echo "build-image.sh: ${cmd[*]} ${args[*]} ." >&2
"${cmd[@]}" "${args[@]}" . >&2
echo "$image"
