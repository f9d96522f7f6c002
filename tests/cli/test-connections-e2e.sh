# SPDX-License-Identifier: GPL-3.0-or-later
# pierctl --connection against a real dockerd this test starts (its own data root and socket,
# tests/peers/peers-lib.sh): ps, images, run --rm and rm, each compared with the docker CLI's view
# of the same peer.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../peers/peers-lib.sh"

export HOME="$SCRATCH/home" XDG_CONFIG_HOME="$SCRATCH/config"
unset DOCKER_HOST PIER_CONNECTION
mkdir -p "$HOME"

on_exit "dockerd_stop $SCRATCH/dockerd"
dockerd_start "$SCRATCH/dockerd" || fail "dockerd did not start"
"$PIERCTL" connection add d "$DOCKER_HOST"
onto() { "$PIERCTL" --connection d "$@"; }
sorted() { "$@" | sort | tr '\n' ' '; }

# busybox from Pier's own store: Docker Hub is not reachable.
pierctl save busybox | dockerd_cli load >/dev/null
dockerd_cli image inspect busybox >/dev/null || fail "busybox did not reach dockerd"

assert_eq "$(sorted onto images -q)" "$(sorted dockerd_cli images -q)" "image ids, pierctl and docker"
assert_contains "$(onto images)" "busybox" "pierctl images on d"
pass "images on the connection are the ones docker lists"

assert_eq "$(onto ps -aq)" "" "ps -a of an empty dockerd"
dockerd_cli create --name e2e-made-by-docker busybox true >/dev/null
assert_eq "$(sorted onto ps -aq)" "$(sorted dockerd_cli ps -aq)" "container ids, pierctl and docker"
assert_contains "$(onto ps -a)" "e2e-made-by-docker" "pierctl ps -a on d"
pass "ps -a on the connection lists the containers docker lists"

assert_eq "$(onto run --rm busybox echo hi)" "hi" "run --rm busybox echo hi on d"
assert_eq "$(sorted dockerd_cli ps -aq)" "$(sorted dockerd_cli ps -aq --filter name=e2e-made-by-docker)" \
  "containers left after run --rm"
pass "run --rm prints the container's output and leaves no container"

onto rm e2e-made-by-docker >/dev/null
assert_eq "$(dockerd_cli ps -aq)" "" "docker ps -a after pierctl rm"
pass "rm on the connection removes the container from docker's view"

# The embedded engine is untouched by all this.
assert_eq "$(pierctl --connection pier ps -aq)" "" "the embedded engine's containers"
pass "the embedded engine kept none of it"
