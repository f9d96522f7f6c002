#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test-gui-connections.sh PIERCTL RDP_VIEWER: graphical sessions in the containers of another
# engine on this machine, under an X display of its own (run-under-xvfb.sh gives one):
#
#  1. A rootful Podman service this test starts (tests/peers/peers-lib.sh), with an image of the
#     host's files (host:latest's layer, exported and imported by pierctl, then saved and
#     loaded into Podman; its containers bind the host's /usr, so Weston is there as it is in
#     test-gui.sh's): `pierctl --connection podman-gui gui` in a container there starts Weston
#     and a relay; rdp-viewer connects through the printed socket, pinned to the printed
#     fingerprint, and gets a first frame. The relay ends with the container.
#  2. A container on the host's network is refused, as for Pier's own.
#  3. A connection over SSH cannot open graphical sessions, and the error names it (nothing is
#     sent: its port is closed).
#
# Root only (the relay joins another engine's container). A missing tool fails the test.
set -u

PIERCTL=$(readlink -f "$1")
VIEWER=$(readlink -f "$2")
HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
export WLOG_LEVEL=ERROR

fail() {
	echo "FAIL: $*"
	exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root (the relay joins another engine's container)"
[ -n "${DISPLAY:-}" ] || fail "no X display (run it under tests/ui/run-under-xvfb.sh)"
for tool in weston curl; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps.sh installs it)"
done

. "$HERE/wait-for.sh"
. "$HERE/../peers/peers-lib.sh"

# Short: the relay's socket under RUNROOT must fit a socket address.
WORK=$(mktemp -d /tmp/pgc.XXXXXX)
export XDG_CONFIG_HOME=$WORK/config
ctl() { "$PIERCTL" --root "$WORK/root" --runroot "$WORK/run" "$@"; }
on() { ctl --connection podman-gui "$@"; }
cleanup() {
	podman_service_stop
	ctl ps -a -q 2>/dev/null | while read -r id; do ctl rm -f "$id" >/dev/null 2>&1; done
	rm -rf "$WORK"
}
trap cleanup EXIT

podman_service_start "$WORK/podman" || fail "the Podman service did not start"
# Through the service, whose mount namespace has the cgroup tree its runtime takes.
remote() { podman --url "unix://$PODMAN_SOCKET" "$@"; }
ctl connection add --kind podman podman-gui "unix://$PODMAN_SOCKET" >/dev/null || fail "connection add"

# The image: host:latest's own layer (links into /usr, a minimal /etc), as a rootfs tarball.
ctl create --name skeleton host:latest true >/dev/null || fail "pierctl create host:latest"
ctl export skeleton >"$WORK/skeleton.tar" || fail "pierctl export"
ctl import "$WORK/skeleton.tar" host-files:latest >/dev/null || fail "pierctl import"
ctl save host-files:latest | remote load >/dev/null || fail "podman load of Pier's save"

# ---- 1 ----
remote run -d --name gui-podman --network none -v /usr:/usr:ro host-files:latest sleep 600 >/dev/null ||
	fail "podman run"
on gui --app weston-terminal gui-podman >"$WORK/gui" 2>&1 || fail "pierctl gui on Podman: $(cat "$WORK/gui")"
SOCKET=$(sed -n 's/^Socket: //p' "$WORK/gui")
FINGERPRINT=$(sed -n 's/^Fingerprint: //p' "$WORK/gui")
grep -q '^Server: Weston, host pid [0-9]* (started)$' "$WORK/gui" || fail "no Weston started: $(cat "$WORK/gui")"
WESTON=$(sed -n 's/^Server: Weston, host pid \([0-9]*\).*/\1/p' "$WORK/gui")
[ -S "$SOCKET" ] || fail "no socket at $SOCKET"
[[ $SOCKET == "$WORK/run/docker/"* ]] || fail "the socket is not under pierctl's --runroot: $SOCKET"
[ "$(stat -c %a "$SOCKET")" = 600 ] || fail "the socket is not 0600"
# Weston is the container's: its mount namespace is the container's init's.
INIT=$(remote inspect -f '{{.State.Pid}}' gui-podman)
[ "$(readlink "/proc/$WESTON/ns/mnt")" = "$(readlink "/proc/$INIT/ns/mnt")" ] ||
	fail "Weston (host pid $WESTON) does not run in the container"
timeout 60 "$VIEWER" --fingerprint "$FINGERPRINT" --quit-after 3 "$SOCKET" >"$WORK/viewer" 2>&1
grep -q '^first-frame-ms ' "$WORK/viewer" || fail "rdp-viewer got no frame: $(cat "$WORK/viewer")"
grep -q '^desktop-size 1024x768$' "$WORK/viewer" || fail "rdp-viewer: $(cat "$WORK/viewer")"
# Again: the same server and relay, a second app.
on gui --app weston-terminal gui-podman >"$WORK/gui2" 2>&1 || fail "second pierctl gui: $(cat "$WORK/gui2")"
grep -q "^Server: Weston, host pid $WESTON (already running)\$" "$WORK/gui2" || fail "the second open did not join: $(cat "$WORK/gui2")"
remote stop -t 0 gui-podman >/dev/null
relay_gone() { [ ! -S "$SOCKET" ]; }
wait_for 20 relay_gone || fail "the relay's socket outlived the container"
echo "ok 1: a graphical session in a Podman container, through $SOCKET, and the relay ends with it"

# ---- 2 ----
remote run -d --name gui-hostnet --network host -v /usr:/usr:ro host-files:latest sleep 600 >/dev/null ||
	fail "podman run --network host"
out=$(on gui gui-hostnet 2>&1) && fail "a host-network container was accepted"
[[ $out == *"uses the host's network"* ]] || fail "host network: $out"
echo "ok 2: a Podman container on the host's network is refused: $out"

# ---- 3 ----
ctl connection add far ssh://pier@127.0.0.1:1 >/dev/null || fail "connection add far"
out=$(ctl --connection far gui somewhere 2>&1) && fail "a remote connection opened a session"
[[ $out == *far* ]] || fail "the remote refusal does not name the connection: $out"
echo "ok 3: over SSH: $out"
