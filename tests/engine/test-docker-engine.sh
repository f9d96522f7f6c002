#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# PierDockerEngine against real peers: PEER is dockerd, podman (rootful), podman-rootless
# (pier-ci) or podman-ssh (rootful Podman through sshd on 127.0.0.1). Starts the peer and a
# test registry holding busybox, runs test-docker-engine, and stops them all.
set -euo pipefail
peer=$1
BUILD=${PIER_BUILD_DIR:?run through meson test}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../peers/peers-lib.sh"
. "$here/../cli/test-registry-lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "FAIL: the peers need root" >&2; exit 1; }
SCRATCH=$(mktemp -d /tmp/pier-peer-XXXXXX)
chmod 0755 "$SCRATCH"
cleanup() {
  local status=$?
  case $peer in
    dockerd) dockerd_stop "$SCRATCH/dockerd" ;;
    *) podman_service_stop ;;
  esac
  sshd_stop
  [ -n "${REGISTRY_PID:-}" ] && peers_stop_pid "$REGISTRY_PID"
  rm -rf "$SCRATCH"
  exit $status
}
trap cleanup EXIT

# busybox in the registry, from Pier's own store.
"$BUILD/app/pierctl" --root "$SCRATCH/pier" --runroot "$SCRATCH/pier-run" save -o "$SCRATCH/busybox.tar" busybox
registry_start "$SCRATCH/registry"
skopeo copy -q --dest-tls-verify=false "docker-archive:$SCRATCH/busybox.tar" "docker://$REGISTRY/pier/busybox:1"
export PIER_TEST_REGISTRY=$REGISTRY

case $peer in
  dockerd)
    dockerd_start "$SCRATCH/dockerd"
    export PIER_TEST_DOCKER_URI=$DOCKER_HOST PIER_TEST_DOCKER_CLI="docker -H $DOCKER_HOST"
    export PIER_TEST_DOCKERD_PID=$DOCKERD_PID
    ;;
  podman|podman-ssh)
    podman_service_start "$SCRATCH/podman"
    export PIER_TEST_DOCKER_URI="unix://$PODMAN_SOCKET"
    export PIER_TEST_DOCKER_CLI="${PODMAN[*]}"
    ;;
  podman-rootless)
    podman_service_start "$SCRATCH/podman" pier-ci
    export PIER_TEST_DOCKER_URI="unix://$PODMAN_SOCKET"
    export PIER_TEST_DOCKER_CLI="${PODMAN[*]}"
    ;;
  *) echo "FAIL: unknown peer $peer" >&2; exit 1 ;;
esac
if [ "$peer" = podman-ssh ]; then
  sshd_start "$SCRATCH/sshd"
  # The engine runs `ssh` from PATH: this one reads the test's known hosts, not ~/.ssh.
  mkdir -p "$SCRATCH/bin"
  printf '#!/bin/sh\nexec %s -F %s "$@"\n' "$(command -v ssh)" "$SCRATCH/sshd/ssh_config" >"$SCRATCH/bin/ssh"
  chmod +x "$SCRATCH/bin/ssh"
  export PATH="$SCRATCH/bin:$PATH"
  export PIER_TEST_DOCKER_URI="ssh://root@127.0.0.1:$SSHD_PORT$PODMAN_SOCKET"
  export PIER_TEST_DOCKER_REMOTE_CLI=podman PIER_TEST_SSH_KEY=$SSH_KEY
  ssh-keygen -q -t ed25519 -N "" -f "$SCRATCH/wrong-key"
  export PIER_TEST_SSH_WRONG_KEY=$SCRATCH/wrong-key
fi
"$BUILD/tests/engine/test-docker-engine"
