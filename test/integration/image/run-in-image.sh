#!/usr/bin/env bash
# run-in-image.sh ROOTFS SA_DIR UID WORKDIR -- COMMAND...
# Runs COMMAND from a mounted image (ROOTFS, from `buildah mount`) the way a kubelet would with
# the chart's securityContext: as UID:UID, on a read-only root filesystem, with SA_DIR mounted
# read-only as the pod's ServiceAccount volume, and $HOSTNAME as the host name (a pod's is its
# name; the operator's Lease identity starts with it). Network and PID namespaces are the host's (the
# test control plane and ontap-sim listen on 127.0.0.1), and every step execs, so the caller's
# child process is the command itself and a SIGTERM sent to it reaches the command.
# `podman run` cannot do this here: crun's setrlimit needs CAP_SYS_RESOURCE.
set -euo pipefail
if [[ "${1:-}" != --in-namespace ]]; then
  exec unshare --mount --uts --propagation private -- "$0" --in-namespace "$@"
fi
shift
root="$1" sa="$2" uid="$3" wd="$4"
shift 5 # the four above and --
[[ -n "${HOSTNAME:-}" ]] && hostname "$HOSTNAME"
mount --bind "$root" "$root"
mount --rbind /dev "$root/dev"
mount --rbind /proc "$root/proc"
mount -t tmpfs -o size=1m,mode=0755 tmpfs "$root/run"
mkdir -p "$root/run/secrets/kubernetes.io/serviceaccount"
mount --bind -o ro "$sa" "$root/run/secrets/kubernetes.io/serviceaccount"
mount -o remount,ro "$root/run"
mount -o remount,bind,ro "$root"
exec unshare --root "$root" --wd "$wd" --setuid "$uid" --setgid "$uid" -- "$@"
