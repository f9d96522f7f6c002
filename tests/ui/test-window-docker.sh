#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test-window-docker.sh PIERCTL TEST: the window (TEST, test-window-docker.c) over a real
# dockerd this script starts (tests/peers/peers-lib.sh: its own data root and socket, no
# iptables, no bridge) and saves as the connection "d" in a scratch XDG_CONFIG_HOME. dockerd
# gets busybox from Pier's own store (Docker Hub is not reachable) and runs "web", which prints
# a line and keeps a shell and a sleep. Everything is stopped and removed after. Root only
# (dockerd, real containers); under Xvfb (run-under-xvfb.sh).
set -u

PIERCTL=$(readlink -f "$1")
TEST=$(readlink -f "$2")

if [ "$(id -u)" != 0 ]; then
	echo "FAILED: needs root (dockerd, real containers)"
	exit 1
fi
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../peers/peers-lib.sh"

WORK=$(mktemp -d /tmp/pier-window-docker.XXXXXX)
cleanup() {
	dockerd_stop "$WORK/dockerd"
	rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
	echo "FAILED: $*"
	exit 1
}

export XDG_CONFIG_HOME="$WORK/config" HOME="$WORK/home"
unset DOCKER_HOST PIER_CONNECTION
mkdir -p "$HOME"
ctl() { "$PIERCTL" --root "$WORK/root" --runroot "$WORK/run" "$@"; }

dockerd_start "$WORK/dockerd" || fail "dockerd did not start"
ctl save busybox | dockerd_cli load >/dev/null || fail "busybox did not reach dockerd"
"$PIERCTL" connection add d "$DOCKER_HOST" || fail "saving the connection d"
dockerd_cli run -d --name web --network none busybox \
	sh -c 'trap "exit 0" TERM; echo hello-from-docker; sleep 100000 & wait' >/dev/null ||
	fail "docker run web"
dockerd_cli create --name made-only --network none busybox true >/dev/null ||
	fail "docker create made-only"

env -u DOCKER_HOST PIER_TEST_WORK="$WORK" PIER_TEST_DOCKER_HOST="$DOCKER_HOST" "$TEST"
